//! The OAuth 2.1 authorization server: issues ES256 JWTs that name a Pierre
//! user, to scripts (`pierre-authd token`, socket audience), and to MCP
//! clients that will talk to `pierre-mcp serve-http` (RFC 8707 audience).
//!
//! A loopback HTTP listener (axum) bound to 127.0.0.1 only, refusing any
//! `Host` but its own, serves:
//!
//! | path | what |
//! | --- | --- |
//! | `/.well-known/oauth-authorization-server`, `/.well-known/openid-configuration` | RFC 8414 metadata ([`metadata`]) |
//! | `/register` | RFC 7591 registration of public clients ([`register`]) |
//! | `/authorize`, `/authorize/continue` | code flow with PKCE S256 and owner consent over the socket ([`authorize`]) |
//! | `/token`, `/revoke` | code and refresh grants, RFC 7009 revocation ([`token`]) |
//! | `/jwks.json` | the public signing keys ([`keys`]) |
//!
//! Shared state is [`AuthServer`] (in `Daemon::auth`): the key ring, the
//! database rows ([`store`]), the pending consents ([`consent`]) and per-IP
//! rate limiters ([`ratelimit`]). Nothing here logs a token, code or secret.

pub mod authorize;
pub mod consent;
pub mod http;
pub mod jwt;
pub mod keys;
pub mod metadata;
pub mod ratelimit;
pub mod register;
pub mod store;
pub mod token;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::daemon::Daemon;
use crate::vault::{Store, StoreError};

pub use jwt::{Claims, SOCKET_AUDIENCE, TokenError};

/// Access tokens for HTTP clients live one hour.
pub const ACCESS_TOKEN_LIFE: i64 = 3600;
/// Refresh tokens live 30 days from their issue (each rotation starts anew).
pub const REFRESH_TOKEN_LIFE: i64 = 30 * 24 * 3600;
/// Authorization codes live 10 minutes.
pub const CODE_LIFE: i64 = 600;
/// Socket tokens: default and longest life.
pub const SOCKET_TOKEN_DEFAULT_LIFE: i64 = 3600;
pub const SOCKET_TOKEN_MAX_LIFE: i64 = 90 * 24 * 3600;

/// Per-IP request budgets per minute, by endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub authorize: u32,
    pub token: u32,
    pub register: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits { authorize: 60, token: 30, register: 10 }
    }
}

/// The default loopback port (the provider callback listener has 8081).
pub const DEFAULT_PORT: u16 = 8082;

/// The configuration of the listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthServerConfig {
    /// `PIERRE_AS_PORT` > `authorization_server_port` in config.toml > 8082;
    /// 0 picks a free one (tests).
    pub port: u16,
    /// `PIERRE_AS_RATE_{AUTHORIZE,TOKEN,REGISTER}` > 60, 30, 10 per minute.
    pub rate_limits: RateLimits,
}

/// The authorization server's part of `config.toml`; the rest is read elsewhere.
#[derive(Debug, Default, serde::Deserialize)]
struct FileConfig {
    authorization_server_port: Option<u16>,
}

/// A setting that is not a number.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{name} must be a whole number (a port, or requests per minute); unset it or fix its value")]
    NotANumber { name: &'static str },
}

impl AuthServerConfig {
    /// Resolves from the environment and the text of `config.toml` (a file
    /// that does not parse is reported by the OAuth client's loader).
    ///
    /// # Errors
    /// A variable that is not a number.
    pub fn load(
        env: &dyn Fn(&str) -> Option<String>,
        file_text: Option<&str>,
    ) -> Result<AuthServerConfig, ConfigError> {
        let file: FileConfig = file_text.and_then(|text| toml::from_str(text).ok()).unwrap_or_default();
        let number = |name: &'static str| -> Result<Option<u32>, ConfigError> {
            env(name).map(|v| v.trim().parse::<u32>().map_err(|_| ConfigError::NotANumber { name })).transpose()
        };
        let port = match env("PIERRE_AS_PORT") {
            Some(v) => v.trim().parse::<u16>().map_err(|_| ConfigError::NotANumber { name: "PIERRE_AS_PORT" })?,
            None => file.authorization_server_port.unwrap_or(DEFAULT_PORT),
        };
        let defaults = RateLimits::default();
        Ok(AuthServerConfig {
            port,
            rate_limits: RateLimits {
                authorize: number("PIERRE_AS_RATE_AUTHORIZE")?.unwrap_or(defaults.authorize),
                token: number("PIERRE_AS_RATE_TOKEN")?.unwrap_or(defaults.token),
                register: number("PIERRE_AS_RATE_REGISTER")?.unwrap_or(defaults.register),
            },
        })
    }
}

/// The authorization server's state, shared by the HTTP handlers and the
/// socket methods.
#[derive(Debug)]
pub struct AuthServer {
    /// `http://127.0.0.1:<port>`: the `iss` of every token and the base of
    /// every endpoint URL.
    pub issuer: String,
    /// The bound port, `None` when the listener could not bind (tokens for
    /// the socket still work).
    pub port: Option<u16>,
    pub keys: keys::KeyRing,
    pub store: store::AsStore,
    pub consents: consent::Consents,
    pub limits: Limits,
}

/// One limiter per endpoint class.
#[derive(Debug)]
pub struct Limits {
    pub authorize: ratelimit::RateLimiter,
    pub token: ratelimit::RateLimiter,
    pub register: ratelimit::RateLimiter,
}

/// Why the authorization server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keys(#[from] keys::KeyError),
}

impl AuthServer {
    /// Loads the signing keys (making the first), opens the AS tables and
    /// prunes what has expired. `port` is where the listener is bound.
    ///
    /// # Errors
    /// Store and key errors.
    pub fn open(
        vault: &dyn Store,
        state_db: &std::path::Path,
        config: &AuthServerConfig,
        port: Option<u16>,
        now: i64,
    ) -> Result<AuthServer, StartError> {
        let keys = keys::KeyRing::load(vault, now)?;
        let store = store::AsStore::open(state_db)?;
        store.prune(now)?;
        let minute = Duration::from_secs(60);
        let limits = config.rate_limits;
        Ok(AuthServer {
            issuer: format!("http://127.0.0.1:{}", port.unwrap_or(config.port)),
            port,
            keys,
            store,
            consents: consent::Consents::new(),
            limits: Limits {
                authorize: ratelimit::RateLimiter::new(limits.authorize, minute),
                token: ratelimit::RateLimiter::new(limits.token, minute),
                register: ratelimit::RateLimiter::new(limits.register, minute),
            },
        })
    }

    /// An endpoint's absolute URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// Signs a token for `user_id` with audience `aud`, living `life` seconds.
    ///
    /// # Errors
    /// [`TokenError::Signing`].
    pub fn issue(
        &self,
        user_id: &str,
        aud: &str,
        life: i64,
        client_id: Option<String>,
        scope: Option<String>,
        now: i64,
    ) -> Result<(String, Claims), TokenError> {
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: user_id.to_string(),
            aud: aud.to_string(),
            exp: now + life,
            iat: now,
            jti: random_token(16),
            client_id,
            scope,
        };
        Ok((jwt::sign(&self.keys, &claims)?, claims))
    }

    /// Verifies a token's signature, issuer and expiry, and that it was not
    /// revoked. The caller checks the audience. Blocking (one read).
    ///
    /// # Errors
    /// The [`TokenError`] that says why.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let claims = jwt::verify(&self.keys, token, &self.issuer)?;
        match self.store.access_revoked(&claims.jti) {
            Ok(false) => Ok(claims),
            Ok(true) => Err(TokenError::Revoked),
            Err(err) => {
                tracing::warn!(error = %err, "cannot read revoked access tokens");
                Err(TokenError::Storage)
            }
        }
    }
}

/// Binds the listener (127.0.0.1 only) and opens the server's state. A
/// port that cannot be bound is logged and the daemon runs on without the
/// HTTP side: socket tokens (`pierre-authd token`) keep working.
///
/// # Errors
/// Store and key errors.
pub async fn start(
    config: &AuthServerConfig,
    state_db: &std::path::Path,
    vault: &dyn Store,
) -> Result<(Option<TcpListener>, AuthServer), StartError> {
    let listener = match bind(config.port).await {
        Ok(listener) => Some(listener),
        Err(err) => {
            tracing::warn!(
                port = config.port,
                error = %err,
                "the authorization server cannot listen on 127.0.0.1; free the port or set PIERRE_AS_PORT; HTTP clients cannot sign in until then"
            );
            None
        }
    };
    let port = listener.as_ref().and_then(|l| l.local_addr().ok()).map(|a| a.port());
    let auth =
        tokio::task::block_in_place(|| AuthServer::open(vault, state_db, config, port, crate::clock::now_secs()))?;
    if let Some(port) = port {
        tracing::info!(port, "authorization server on 127.0.0.1");
    }
    Ok((listener, auth))
}

/// Binds the listener on 127.0.0.1 only.
///
/// # Errors
/// The port is taken or not allowed.
pub async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port)).await
}

/// The routes, with the Host check and the security headers around them.
pub fn router(daemon: Arc<Daemon>) -> Router {
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata::authorization_server))
        .route("/.well-known/openid-configuration", get(metadata::openid_configuration))
        .route("/jwks.json", get(metadata::jwks))
        .route("/register", post(register::register))
        .route("/authorize", get(authorize::authorize))
        .route("/authorize/continue", get(authorize::continue_))
        .route("/token", post(token::token))
        .route("/revoke", post(token::revoke))
        .fallback(http::not_found)
        .layer(axum::middleware::from_fn_with_state(daemon.clone(), http::guard))
        .with_state(daemon)
}

/// How often spent codes, expired refresh tokens and old revocations are
/// deleted while the daemon runs (also once at start).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Serves until `shutdown` is cancelled, pruning expired rows hourly.
pub async fn serve(listener: TcpListener, daemon: Arc<Daemon>, shutdown: CancellationToken) {
    let pruner = daemon.clone();
    let stop_pruning = shutdown.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_EVERY);
        every.tick().await;
        loop {
            tokio::select! {
                _ = stop_pruning.cancelled() => break,
                _ = every.tick() => {
                    let d = pruner.clone();
                    let pruned = tokio::task::spawn_blocking(move || d.auth.store.prune(crate::clock::now_secs())).await;
                    if !matches!(pruned, Ok(Ok(()))) {
                        tracing::warn!("authorization server: pruning expired rows failed; will retry");
                    }
                }
            }
        }
    });
    let app = router(daemon).into_make_service_with_connect_info::<SocketAddr>();
    if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned()).await {
        tracing::warn!(error = %err, "the authorization server stopped");
    }
}

/// `bytes` random bytes, base64url: codes, refresh tokens, ids.
///
/// # Panics
/// When the operating system's random generator fails, as `uuid` does: there
/// is no safe way to go on issuing credentials without it.
pub fn random_token(bytes: usize) -> String {
    let mut buf = zeroize::Zeroizing::new(vec![0u8; bytes]);
    getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
    URL_SAFE_NO_PAD.encode(&*buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn defaults_file_and_env_in_that_order() {
        let none = AuthServerConfig::load(&env_of(&[]), None).unwrap();
        assert_eq!(none, AuthServerConfig { port: DEFAULT_PORT, rate_limits: RateLimits::default() });
        let file = AuthServerConfig::load(
            &env_of(&[]),
            Some("authorization_server_port = 9100\n[units]\nsystem = \"metric\"\n"),
        )
        .unwrap();
        assert_eq!(file.port, 9100);
        let env = AuthServerConfig::load(
            &env_of(&[("PIERRE_AS_PORT", "0"), ("PIERRE_AS_RATE_TOKEN", "500")]),
            Some("authorization_server_port = 9100"),
        )
        .unwrap();
        assert_eq!((env.port, env.rate_limits.token, env.rate_limits.register), (0, 500, 10));
    }

    #[test]
    fn non_numbers_are_refused_by_name() {
        let err = AuthServerConfig::load(&env_of(&[("PIERRE_AS_RATE_REGISTER", "lots")]), None).unwrap_err();
        assert!(err.to_string().contains("PIERRE_AS_RATE_REGISTER"));
        assert!(AuthServerConfig::load(&env_of(&[("PIERRE_AS_PORT", "70000")]), None).is_err());
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A real [`SqliteStore`](crate::vault::SqliteStore) in a temp home, with
    //! the master key from the environment.

    use std::ffi::OsString;

    use base64::Engine;
    use pierre_shared::paths::{Paths, ensure_private_dir};

    use crate::vault::{KeyConfig, SqliteStore, Store};

    pub(crate) struct TestStore {
        _dir: tempfile::TempDir,
        pub paths: Paths,
        store: SqliteStore,
    }

    impl TestStore {
        pub fn new() -> TestStore {
            let dir = tempfile::tempdir().unwrap();
            let paths = Paths::under_home(dir.path());
            ensure_private_dir(&paths.data_dir).unwrap();
            let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
            let keys = KeyConfig::from_env(&move |name: &str| {
                (name == "PIERRE_MASTER_ENCRYPTION_KEY").then(|| OsString::from(key.clone()))
            });
            let store = SqliteStore::open(&paths, &keys).unwrap();
            TestStore { _dir: dir, paths, store }
        }

        pub fn store(&self) -> &dyn Store {
            &self.store
        }
    }
}
