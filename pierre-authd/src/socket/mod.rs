//! The Unix-socket API: binding, the peer check, and per-connection serving.
//!
//! Security model: the socket's directory is 0700 and the socket 0600, but
//! those modes are not trusted alone. Every accepted peer's uid is read with
//! SO_PEERCRED and any uid other than the daemon's is refused before a byte
//! of its input is read.

pub mod connection;
pub mod methods;
pub mod session;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use pierre_shared::ErrorCode;
use pierre_shared::paths::{PathsError, ensure_private_dir};
use pierre_shared::protocol::{Response, RpcError};
use tokio::io::AsyncWriteExt;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::task::TaskTracker;

use crate::daemon::Daemon;

/// Why the socket could not be bound.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BindError {
    #[error(transparent)]
    Dir(#[from] PathsError),
    #[error("cannot listen on {path}; check that its directory is writable and no other program owns the path")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Binds the socket at `path` in a private directory. The caller must hold
/// the pid lock, so a socket file already there is stale and is replaced.
pub fn bind(path: &Path) -> Result<UnixListener, BindError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_private_dir(dir)?;
    let io = |source| BindError::Io { path: path.to_path_buf(), source };
    match std::fs::remove_file(path) {
        Ok(()) => tracing::info!(socket = %path.display(), "removed a stale socket"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    // Bound under a temporary name, given its mode, then renamed into place:
    // `bind` also listens, so a socket bound at `path` would accept clients
    // before its mode is set (and a chmod made after a client connected
    // would be undone). The temporary name is shorter than any socket name,
    // so it fits wherever `path` does.
    let staging = dir.join(format!(".s{}", std::process::id()));
    let _ = std::fs::remove_file(&staging);
    let listener = UnixListener::bind(&staging).map_err(io)?;
    std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    std::fs::rename(&staging, path).map_err(io)?;
    Ok(listener)
}

/// Handles one accepted stream: peer check, connection cap, then serving.
pub async fn accept(
    daemon: Arc<Daemon>,
    mut stream: UnixStream,
    permit: Option<OwnedSemaphorePermit>,
    tracker: TaskTracker,
) {
    let peer = match stream.peer_cred() {
        Ok(cred) => cred,
        Err(err) => {
            tracing::warn!(error = %err, "cannot read peer credentials; closing");
            return;
        }
    };
    if peer.uid() != daemon.uid {
        tracing::warn!(peer_uid = peer.uid(), peer_pid = ?peer.pid(), "refused a connection from another uid");
        let refusal = RpcError::new(
            ErrorCode::PermissionDenied,
            format!(
                "this pierre-authd belongs to uid {}; uid {} may not use it, so run your own pierre-authd as that account",
                daemon.uid,
                peer.uid()
            ),
        );
        refuse(&mut stream, refusal).await;
        return;
    }
    let Some(permit) = permit else {
        let busy = RpcError::new(
            ErrorCode::TooManyConnections,
            "pierre-authd has too many open connections; close idle clients and retry",
        );
        refuse(&mut stream, busy).await;
        return;
    };
    daemon.open_connections.fetch_add(1, Ordering::Relaxed);
    connection::serve(daemon.clone(), stream, peer.pid(), tracker).await;
    daemon.open_connections.fetch_sub(1, Ordering::Relaxed);
    drop(permit);
}

/// Writes one error line and closes, without reading anything.
async fn refuse(stream: &mut UnixStream, error: RpcError) {
    if let Ok(mut line) = serde_json::to_vec(&Response::err(None, error)) {
        line.push(b'\n');
        let _ = stream.write_all(&line).await;
    }
    let _ = stream.shutdown().await;
}
