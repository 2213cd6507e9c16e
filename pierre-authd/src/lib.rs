//! `pierre-authd`: the daemon that owns every Pierre secret, and its CLI.
//!
//! # Layout
//! - [`vault`]: master key backends, per-user encryption, the state database
//!   and the per-user token vaults.
//! - [`server`]: shared daemon state, the accept loop, shutdown.
//! - [`socket`]: the Unix-socket JSON-RPC API (peer check, framing, hello,
//!   one resolved user per request, methods).
//! - [`commands`]: the CLI's commands; [`cli`] holds only clap types and
//!   [`config`] turns them into a checked [`config::Config`].
//! - [`oauth`]: the provider OAuth client ([`oauth::client`]) and its callback listener.
//! - [`process`]: PR_SET_DUMPABLE and the one-daemon-per-socket pid lock.

pub mod cli;
pub mod commands;
pub mod config;
pub mod logging;
pub mod oauth;
pub mod process;
pub mod server;
pub mod socket;
pub mod vault;
