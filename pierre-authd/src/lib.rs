//! `pierre-authd`: the daemon that owns every Pierre secret, and its CLI.
//!
//! # Layout
//! - [`vault`]: master key backends, per-user encryption, the state database
//!   and the per-user token vaults.
//! - [`daemon`]: the daemon you construct ([`daemon::Daemon::open`]): shared
//!   state, the accept loop, events, shutdown.
//! - [`tokens`]: provider tokens after the sign-in: refresh and rate limits.
//! - [`socket`]: the Unix-socket JSON-RPC API (peer check, framing, hello,
//!   one resolved user per request, methods).
//! - [`commands`]: the CLI's commands; [`cli`] holds only clap types and
//!   [`config`] turns them into a checked [`config::Config`].
//! - [`oauth`]: the provider OAuth client ([`oauth::client`]) and its callback
//!   listener, and the authorization server ([`oauth::authz`]).
//! - [`clock`]: seconds since the epoch.
//! - [`process`]: PR_SET_DUMPABLE and the one-daemon-per-socket pid lock.

pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod logging;
pub mod oauth;
pub mod process;
pub mod socket;
pub mod tokens;
pub mod vault;
