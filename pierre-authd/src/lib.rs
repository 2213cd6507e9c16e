//! `pierre-authd`: the daemon that owns every Pierre secret.
//!
//! # Layout
//! - [`vault`]: master key backends, per-user encryption, the state database
//!   and the per-user token vaults.

pub mod vault;
