//! The running daemon: shared state, the accept loop and orderly shutdown.
//!
//! [`Daemon::open`] builds the whole daemon from a [`Config`] (store, owner,
//! stored apps, provider OAuth client, authorization server) and
//! [`Daemon::serve`] runs it on a listener the caller bound, until the
//! cancellation token the caller passed is cancelled. The CLI's `serve` adds
//! only the process concerns (locks, signals, the socket path); a test can
//! run a daemon in-process on a temporary socket the same way.

pub mod events;
pub mod shutdown;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pierre_shared::ErrorCode;
use pierre_shared::paths::Paths;
use pierre_shared::platform::current_uid;
use pierre_shared::protocol::{ConnectionState, RpcError};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::now_secs;
use crate::config::Config;
use crate::socket;
use crate::vault::{ConnectionRecord, SqliteStore, Store, StoreError, UserRecord};

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
    pub auth: Arc<crate::oauth::authz::AuthServer>,
    /// One refresh at a time per (user, provider); see [`refresher`].
    pub refresher: crate::tokens::refresher::Refresher,
    /// Provider rate-limit windows; see [`budgets`].
    pub budgets: crate::tokens::budgets::Budgets,
}

/// Why [`Daemon::open`] failed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Start(String),
}

impl Daemon {
    /// Opens the vault (creating the owner user on first start), loads the
    /// apps stored with `apps set`, builds the provider OAuth client and the
    /// authorization server (whose loopback listener, when its port is free,
    /// starts serving in [`Daemon::serve`]). Binds no socket.
    ///
    /// # Errors
    /// The store's error (key, schema, permissions), or a sentence saying
    /// which part could not start.
    pub async fn open(config: Config, shutdown: CancellationToken) -> Result<Opened, OpenError> {
        let paths = config.paths.clone();
        let keys = config.keys.clone();
        let os_user = config.os_user.clone();
        let (store, apps) = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            let store = SqliteStore::open(&paths, &keys)?;
            ensure_owner(&store, &os_user)?;
            let apps = crate::oauth::client::load_apps(&store)?;
            Ok((store, apps))
        })
        .await
        .map_err(|e| OpenError::Start(format!("opening the vault failed: {e}")))??;
        let oauth = crate::oauth::client::OAuthClient::new(config.oauth.clone(), apps)
            .map_err(|e| OpenError::Start(format!("cannot set up the HTTPS client: {e}")))?;
        let (authz_listener, auth) = crate::oauth::authz::start(&config.auth_server, &config.paths.state_db(), &store)
            .await
            .map_err(|e| OpenError::Start(e.to_string()))?;
        let daemon = Arc::new(Daemon {
            store: Arc::new(store),
            paths: config.paths.clone(),
            config,
            started: Instant::now(),
            open_connections: AtomicU64::new(0),
            shutdown,
            uid: current_uid(),
            oauth,
            events: events::EventBus::new(),
            auth: Arc::new(auth),
            refresher: crate::tokens::refresher::Refresher::default(),
            budgets: crate::tokens::budgets::Budgets::default(),
        });
        Ok(Opened { daemon, authz_listener })
    }

    /// Serves the socket `listener` (and the authorization server, when its
    /// port was free) until the shutdown token is cancelled, then drains.
    /// The provider callback listener binds here; a busy callback port is a
    /// warning, not a failed start (tokens keep working, and
    /// `connections.begin` retries and explains).
    pub async fn serve(self: &Arc<Self>, listener: UnixListener, authz_listener: Option<TcpListener>) {
        let authz = authz_listener
            .map(|l| tokio::spawn(crate::oauth::authz::serve(l, self.clone(), self.shutdown.child_token())));
        if let Err(err) = self.oauth.ensure_listener(self).await {
            tracing::warn!("{}", err.message);
        }
        run(listener, self.clone()).await;
        if let Some(task) = authz {
            let _ = task.await;
        }
    }

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

/// A daemon [`Daemon::open`] built, and the authorization server's
/// listener for [`Daemon::serve`] (`None` when its port was taken).
pub struct Opened {
    pub daemon: Arc<Daemon>,
    pub authz_listener: Option<TcpListener>,
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
mod in_process_tests;

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
