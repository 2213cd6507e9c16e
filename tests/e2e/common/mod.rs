//! Plumbing shared by the end-to-end tests (`mod common;` in `tests/e2e/main.rs`).
//!
//! - [`bin`]: a product binary from the target dir beside the test executable.
//! - [`TestHome`]: a temp `PIERRE_HOME` with scrubbed-environment [`Command`]s; on drop it
//!   stops any daemon still serving it and removes the directory.
//! - [`DaemonGuard`]: `pierre-authd serve` running for one test, waited for until its socket
//!   answers, killed and reaped on drop.
//! - [`RpcClient`]: a line-oriented JSON-RPC client over the daemon's Unix socket that can also
//!   send raw, malformed bytes.
//! - [`UnprivUser`]: an unprivileged OS account for tests about other uids (CI runs as root).
//!
//! Nothing here skips: a missing binary or a non-root run fails with the command that fixes it.
//!
//! [`Command`]: std::process::Command
#![allow(dead_code, unused_imports)] // not every helper is used by the suite at all times

mod daemon;
pub mod fake;
pub mod files;
mod home;
pub mod http;
mod rpc;
mod unpriv;

pub use daemon::{DAEMON_STARTUP_TIMEOUT, DaemonGuard, STOP_GRACE, stop_daemon_for_home, wait_for_socket};
pub use home::{BUILD_HINT, KEPT_ENV, TestHome, bin, output_within, scrubbed_env, target_dir, try_bin};
pub use rpc::{DEFAULT_READ_TIMEOUT, RpcClient, hello_params};
pub use unpriv::{
    UNPRIV_USER_NAME, UnprivUser, require_unprivileged_user, require_unprivileged_user_named, unprivileged_user,
};
