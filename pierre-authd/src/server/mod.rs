//! The running daemon: shared state, the accept loop and orderly shutdown.
//!
//! `run` takes its listener and its cancellation token from the caller, so
//! tests can bind a socket in a temp dir and stop the daemon when done.

pub mod budgets;
pub mod events;
pub mod refresher;
pub mod shutdown;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pierre_shared::ErrorCode;
use pierre_shared::paths::Paths;
use pierre_shared::protocol::{ConnectionState, RpcError};
use tokio::net::UnixListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::socket;
use crate::vault::{ConnectionRecord, Store, StoreError, UserRecord};

/// How long in-flight requests get to finish once shutdown starts.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// State shared by every connection. It holds no per-user cache: every
/// lookup goes to the store with the request's resolved user.
pub struct Daemon {
    pub store: Arc<dyn Store>,
    pub paths: Paths,
    pub config: Config,
    pub started: Instant,
    pub open_connections: AtomicU64,
    /// Cancelled to stop the daemon (signal, `daemon.shutdown`, home gone).
    pub shutdown: CancellationToken,
    /// The only uid allowed on the socket.
    pub uid: u32,
    /// The provider OAuth client: resolved provider settings and the callback listener's address.
    pub oauth: crate::oauth::client::OAuthClient,
    /// Connect outcomes and other per-user events.
    pub events: events::EventBus,
    /// The authorization server: signing keys, clients, codes, refresh
    /// families, pending consents (its HTTP listener and the socket's JWT
    /// users both use it).
    pub auth: Arc<crate::oauth::server::AuthServer>,
    /// One refresh at a time per (user, provider); see [`refresher`].
    pub refresher: refresher::Refresher,
    /// Provider rate-limit windows; see [`budgets`].
    pub budgets: budgets::Budgets,
}

impl Daemon {
    /// Runs a store operation off the async runtime and maps its error to
    /// the socket's error shape.
    pub async fn store<T, F>(&self, op: F) -> Result<T, RpcError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || op(store.as_ref())).await {
            Ok(result) => result.map_err(store_error),
            Err(_) => Err(RpcError::new(
                ErrorCode::InternalError,
                "a storage task failed unexpectedly; check the daemon log and retry",
            )),
        }
    }

    /// Number of socket connections open right now.
    pub fn connection_count(&self) -> u64 {
        self.open_connections.load(Ordering::Relaxed)
    }
}

/// The socket form of a store error: its code and its sentence.
pub fn store_error(err: StoreError) -> RpcError {
    tracing::warn!(error = %err, "store operation failed");
    RpcError::new(err.code(), err.to_string())
}

/// Adds a user and connects the embedded `synthetic` provider for them, so
/// a new user's assistant works before any real account is connected.
pub fn add_user_with_defaults(store: &dyn Store, name: &str, is_owner: bool) -> Result<UserRecord, StoreError> {
    let user = store.add_user(name, is_owner)?;
    let record = ConnectionRecord {
        provider: "synthetic".into(),
        state: ConnectionState::Connected,
        connection_id: uuid::Uuid::new_v4().to_string(),
        account_id: Some(format!("synthetic-{}", &user.user_id[..8])),
        connected_at: now_secs(),
        expires_at: None,
        scopes: None,
    };
    store.put_connection(&user.user_id, &record, &[])?;
    Ok(user)
}

/// Makes sure the owner user exists (first start), named after the OS account.
pub fn ensure_owner(store: &dyn Store, os_user: &str) -> Result<UserRecord, StoreError> {
    if let Some(owner) = store.list_users()?.into_iter().find(|u| u.is_owner) {
        return Ok(owner);
    }
    add_user_with_defaults(store, &owner_name(os_user), true)
}

/// An OS login name made into a valid Pierre user name.
fn owner_name(os_user: &str) -> String {
    let cleaned: String = os_user
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
        .take(64)
        .collect();
    match cleaned.chars().next() {
        Some(c) if c.is_ascii_alphanumeric() => cleaned,
        _ => "owner".into(),
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Accepts connections until `daemon.shutdown` is cancelled, then waits for
/// in-flight requests (bounded by [`DRAIN_TIMEOUT`]).
pub async fn run(listener: UnixListener, daemon: Arc<Daemon>) {
    let tracker = TaskTracker::new();
    let permits = Arc::new(Semaphore::new(daemon.config.max_connections));
    loop {
        tokio::select! {
            _ = daemon.shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let permit = permits.clone().try_acquire_owned().ok();
                    let daemon = daemon.clone();
                    let conn_tracker = tracker.clone();
                    tracker.spawn(async move {
                        socket::accept(daemon, stream, permit, conn_tracker).await;
                    });
                }
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    tracing::info!("shutting down: no new connections; waiting for in-flight requests");
    drop(listener);
    tracker.close();
    if tokio::time::timeout(DRAIN_TIMEOUT, tracker.wait()).await.is_err() {
        tracing::warn!("some requests did not finish within {:?}", DRAIN_TIMEOUT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_names_are_made_valid() {
        assert_eq!(owner_name("root"), "root");
        assert_eq!(owner_name("jean pierre"), "jean-pierre");
        assert_eq!(owner_name("_svc"), "owner");
        assert_eq!(owner_name(""), "owner");
    }
}
