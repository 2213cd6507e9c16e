//! Logs go to stderr and to `mcp.log`, never to stdout: on stdio, stdout
//! carries MCP frames and one stray line breaks the client.

use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::Mutex;

use pierre_shared::paths::{Paths, ensure_private_dir};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the global subscriber. `filter` is `RUST_LOG` when set, else
/// `default`. A log file that cannot be opened is reported on stderr and
/// skipped: losing the file must not stop the assistant's tools.
pub fn init(paths: &Paths, filter: Option<&str>, default: &str) {
    let filter = filter.and_then(|f| EnvFilter::try_new(f).ok()).unwrap_or_else(|| EnvFilter::new(default));
    let stderr =
        tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal());
    let (file, file_error) = match open_log(paths) {
        Ok(file) => (Some(tracing_subscriber::fmt::layer().with_writer(Mutex::new(file)).with_ansi(false)), None),
        Err(error) => (None, Some(error)),
    };
    tracing_subscriber::registry().with(filter).with(stderr).with(file).init();
    if let Some(error) = file_error {
        tracing::warn!(log = %paths.mcp_log().display(), "logging to stderr only: {}", chain(&error));
    }
}

#[derive(Debug, thiserror::Error)]
enum LogFileError {
    #[error(transparent)]
    Dir(#[from] pierre_shared::paths::PathsError),
    #[error("cannot open the log file")]
    Open(#[from] std::io::Error),
}

fn open_log(paths: &Paths) -> Result<std::fs::File, LogFileError> {
    ensure_private_dir(&paths.log_dir)?;
    Ok(OpenOptions::new().create(true).append(true).mode(0o600).open(paths.mcp_log())?)
}

/// An error and its causes on one line (`a: b: c`), for the edges that print.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}
