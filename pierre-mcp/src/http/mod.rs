//! `pierre-mcp serve-http`: the same MCP tools over Streamable HTTP, behind
//! pierre-authd's OAuth 2 authorization server.
//!
//! Layout:
//! - `mod.rs` (here): the listener (loopback only), the router, shutdown;
//! - [`guard`]: Host and Origin checks against DNS rebinding;
//! - [`auth`]: the bearer check through the daemon's `auth.resolve`;
//! - [`metadata`]: RFC 9728 protected-resource metadata and 401 challenges;
//! - [`users`]: one MCP service per Pierre user.
//!
//! Routes: `/mcp` (MCP, bearer required), `/.well-known/oauth-protected-resource`
//! and `/.well-known/oauth-protected-resource/mcp` (public).

mod auth;
mod guard;
mod metadata;
mod users;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::response::Response;
use axum::routing::{any, get};
use pierre_shared::protocol::{NoParams, Status};
use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::daemon::{DaemonLink, LinkConfig, LinkError};
use auth::{Caller, Verifier};
use users::Users;

/// After a shutdown signal, open streams get this long to finish.
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// Why serve-http could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    #[error("`--bind {value}` is not an address and port such as 127.0.0.1:8090")]
    BadBind { value: String },
    #[error(
        "refusing to listen on {addr}: serve-http binds a loopback address only (127.0.0.1 or [::1]), so that nothing off this machine can reach it; use --bind 127.0.0.1:{port}",
        port = addr.port()
    )]
    NotLoopback { addr: SocketAddr },
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot ask pierre-authd for its authorization server")]
    Daemon(#[source] LinkError),
    #[error(
        "pierre-authd runs no authorization server, which serve-http needs to let clients sign in; check `pierre-authd status` and its log"
    )]
    NoAuthorizationServer,
    #[error("the HTTP server failed")]
    Serve(#[source] std::io::Error),
}

/// Shared state of the routes.
pub struct App {
    /// This server's RFC 8707 resource: `http://127.0.0.1:PORT/mcp`.
    resource: String,
    /// Where clients find the metadata (in every 401's challenge).
    metadata_url: String,
    /// The daemon's authorization server (its issuer).
    authorization_server: String,
    verifier: Verifier,
    users: Users,
}

/// Checks a `--bind` value: an IP address (not a name) on loopback.
///
/// # Errors
/// [`HttpError::BadBind`] or [`HttpError::NotLoopback`].
pub fn parse_bind(value: &str) -> Result<SocketAddr, HttpError> {
    let addr: SocketAddr = value.trim().parse().map_err(|_| HttpError::BadBind { value: value.to_owned() })?;
    if !addr.ip().is_loopback() {
        return Err(HttpError::NotLoopback { addr });
    }
    Ok(addr)
}

/// `pierre-mcp serve-http --bind ADDR`: binds, finds the authorization
/// server, and serves until SIGTERM or SIGINT.
///
/// # Errors
/// An [`HttpError`] that says what to fix.
pub async fn run(config: &Config, bind: &str) -> Result<(), HttpError> {
    let addr = parse_bind(bind)?;
    let listener = TcpListener::bind(addr).await.map_err(|source| HttpError::Bind { addr, source })?;
    // An owner connection: it resolves every user's token. PIERRE_TOKEN and
    // --user do not apply here: each request names its own user.
    let owner = DaemonLink::new(LinkConfig { user: None, token: None, ..config.link.clone() });
    let status = owner.call::<Status>(NoParams {}).await.map_err(HttpError::Daemon)?;
    let port =
        status.ports.get("authorization_server").copied().filter(|p| *p > 0).ok_or(HttpError::NoAuthorizationServer)?;
    // The AS's issuer is always this form (pierre-authd's oauth::authz).
    let authorization_server = format!("http://127.0.0.1:{port}");
    let shutdown = CancellationToken::new();
    tokio::spawn(on_signal(shutdown.clone()));
    serve(listener, config, owner, authorization_server, shutdown).await
}

/// Serves on `listener` until `shutdown` is cancelled.
///
/// # Errors
/// [`HttpError::Serve`] when the listener fails.
pub async fn serve(
    listener: TcpListener,
    config: &Config,
    owner: DaemonLink,
    authorization_server: String,
    shutdown: CancellationToken,
) -> Result<(), HttpError> {
    let local = listener.local_addr().map_err(HttpError::Serve)?;
    let origin = format!("http://{local}");
    let resource = format!("{origin}/mcp");
    let rmcp_config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(["127.0.0.1", "localhost", "::1", "[::1]"])
        .with_allowed_origins([
            "http://127.0.0.1:*",
            "http://localhost:*",
            "http://[::1]:*",
            "https://127.0.0.1:*",
            "https://localhost:*",
            "https://[::1]:*",
        ])
        .with_cancellation_token(shutdown.child_token());
    let app = Arc::new(App {
        metadata_url: metadata::metadata_url(&origin),
        authorization_server,
        verifier: Verifier::new(owner, resource.clone()),
        users: Users::new(config.clone(), rmcp_config),
        resource,
    });
    let router = router(app.clone());
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        resource = %app.resource,
        authorization_server = %app.authorization_server,
        "serving MCP over HTTP"
    );
    // Say where, on stderr, for people and scripts that bound port 0.
    eprintln!("pierre-mcp: serving MCP at {} (authorization server {})", app.resource, app.authorization_server);
    let server = axum::serve(listener, router).with_graceful_shutdown(shutdown.clone().cancelled_owned());
    let drained = async {
        shutdown.cancelled().await;
        tokio::time::sleep(DRAIN_LIMIT).await;
    };
    tokio::select! {
        result = server => result.map_err(HttpError::Serve)?,
        () = drained => tracing::warn!("open HTTP streams did not finish in time; stopping anyway"),
    }
    tracing::info!("HTTP server stopped");
    Ok(())
}

fn router(app: Arc<App>) -> Router {
    let mcp = Router::new()
        .route("/mcp", any(mcp))
        .route_layer(axum::middleware::from_fn_with_state(app.clone(), auth::require_bearer));
    Router::new()
        .route("/.well-known/oauth-protected-resource", get(metadata::serve))
        .route("/.well-known/oauth-protected-resource/mcp", get(metadata::serve))
        .merge(mcp)
        .layer(axum::middleware::from_fn(guard::check))
        .with_state(app)
}

/// `/mcp`: the request goes to its user's own MCP service.
async fn mcp(State(app): State<Arc<App>>, Extension(caller): Extension<Arc<Caller>>, request: Request) -> Response {
    tracing::debug!(user_id = %caller.user_id, user = %caller.user_name, method = %request.method(), "MCP request");
    app.users.service(&caller.user_id).handle(request).await.map(Body::new)
}

/// Cancels `shutdown` on the first SIGTERM or SIGINT.
async fn on_signal(shutdown: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        tracing::error!("cannot listen for SIGTERM/SIGINT; stop serve-http with SIGKILL");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
    shutdown.cancel();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_binds_are_accepted() {
        assert!(parse_bind("127.0.0.1:0").is_ok());
        assert!(parse_bind("[::1]:8090").is_ok());
        let err = parse_bind("0.0.0.0:8090").unwrap_err();
        assert!(matches!(err, HttpError::NotLoopback { .. }));
        assert!(err.to_string().contains("loopback"), "{err}");
        assert!(matches!(parse_bind("192.168.1.2:80"), Err(HttpError::NotLoopback { .. })));
        assert!(matches!(parse_bind("localhost:80"), Err(HttpError::BadBind { .. })));
    }
}
