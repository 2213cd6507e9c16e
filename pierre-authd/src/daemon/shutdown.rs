//! What stops the daemon: SIGTERM/SIGINT, and its home directory vanishing
//! (so a test's temp home never leaves a daemon behind).

use std::path::PathBuf;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// Cancels `token` on SIGTERM or SIGINT.
pub fn on_signals(token: CancellationToken) -> std::io::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = int.recv() => tracing::info!("SIGINT received"),
            _ = token.cancelled() => return,
        }
        token.cancel();
    });
    Ok(())
}

/// Cancels `token` once any of `paths` stops existing (checked every second).
pub fn when_missing(paths: Vec<PathBuf>, token: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = token.cancelled() => return,
                _ = tick.tick() => {
                    if let Some(gone) = paths.iter().find(|p| !p.exists()) {
                        tracing::info!(path = %gone.display(), "a path the daemon depends on disappeared; stopping");
                        token.cancel();
                        return;
                    }
                }
            }
        }
    });
}
