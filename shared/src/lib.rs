//! `pierre-shared`: what pierre-mcp, pierre-authd and their clients agree on.
//!
//! # Layout
//! - [`protocol`]: the socket's JSON-RPC messages, method names and limits.
//! - [`client`]: an async, multiplexed client for the daemon socket.
//! - [`error`]: the [`error::ErrorCode`] every socket error carries.
//! - [`paths`]: where config, data, logs and the socket live.
//! - [`platform`]: everything asked of the operating system (Linux only; the contract a port meets).
//! - [`secret`]: the [`secret::Secret`] type every token and key travels in.
//! - [`model`]: the provider-neutral fitness data every tool answers in.
//! - [`analysis`]: training load, fitness and form, records and trends over the model.
//! - [`catalogue`]: the provider registry (endpoints, scopes, PKCE, client auth, limits).
//! - [`providers`]: where data comes from; today the [`providers::synthetic`] demo provider.

pub mod analysis;
pub mod catalogue;
pub mod error;
pub mod model;
pub mod paths;
pub mod platform;
pub mod protocol;
pub mod providers;
pub mod secret;

pub use error::ErrorCode;
pub use secret::Secret;
pub mod client;
pub mod framing;
