//! Logging: tracing to stderr. `start` points the daemon's stderr at
//! `logs/authd.log`, so a background daemon logs to that file.
//!
//! Nothing logged may hold a secret: tokens and keys are `Secret`s, whose
//! `Debug` is redacted and which have no `Display`.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber: `info` for the daemon, `warn` for CLI commands,
/// `RUST_LOG` overriding either.
pub fn init(is_daemon: bool) {
    let default = if is_daemon { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(false).try_init();
}
