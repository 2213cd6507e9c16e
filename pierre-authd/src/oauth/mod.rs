//! OAuth 2.0 in the daemon.
//!
//! - [`client`]: the fitness-provider client (connect flow, callback listener).
//! - [`loopback`]: the Host check and HTML escaping both listeners share.
//! - [`authz`]: the authorization server that issues JWTs naming a Pierre user.

pub mod authz;
pub mod client;
pub mod loopback;
