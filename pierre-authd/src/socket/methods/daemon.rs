//! `daemon.hello`, `daemon.status`, `daemon.shutdown`, `daemon.purge`.

use pierre_shared::protocol::{
    HelloParams, HelloResult, PROTOCOL_VERSIONS, PurgeResult, RpcError, ShutdownResult, StatusResult, UnreadableVault,
};
use pierre_shared::{ErrorCode, Secret};
use serde_json::Value;

use super::parse;
use crate::daemon::Daemon;
use crate::socket::session::{RequestContext, ResolvedUser, Session, resolve_user};

/// Checks the hello, picks the protocol version and resolves the user the
/// connection acts for.
pub async fn hello(daemon: &Daemon, params: Value, peer_pid: Option<i32>) -> Result<(HelloResult, Session), RpcError> {
    let params: HelloParams = parse(params)?;
    let Some(version) = PROTOCOL_VERSIONS.iter().copied().find(|v| params.protocol_versions.contains(v)) else {
        return Err(RpcError::new(
            ErrorCode::UnsupportedProtocol,
            format!(
                "this pierre-authd speaks protocol {:?} but the client offers {:?}; install matching versions of pierre-mcp and pierre-authd",
                PROTOCOL_VERSIONS, params.protocol_versions
            ),
        ));
    };
    if let Some(token) = params.token.as_ref().map(Secret::expose_text) {
        let (user, expires_at) = super::auth::hello_user(daemon, token, params.user.as_deref()).await?;
        let result = HelloResult {
            protocol_version: version,
            daemon_version: env!("CARGO_PKG_VERSION").to_string(),
            user_id: user.user_id.clone(),
            user_name: user.name.clone(),
        };
        return Ok((
            result,
            Session { user, is_admin: false, token_expires_at: Some(expires_at), client: params.client, peer_pid },
        ));
    }
    let user = match params.user.as_deref() {
        Some(name) => resolve_user(daemon, name).await?,
        None => owner(daemon).await?,
    };
    let result = HelloResult {
        protocol_version: version,
        daemon_version: env!("CARGO_PKG_VERSION").to_string(),
        user_id: user.user_id.clone(),
        user_name: user.name.clone(),
    };
    Ok((result, Session { user, is_admin: true, token_expires_at: None, client: params.client, peer_pid }))
}

async fn owner(daemon: &Daemon) -> Result<ResolvedUser, RpcError> {
    let users = daemon.store(|store| store.list_users()).await?;
    users.into_iter().find(|u| u.is_owner).map(ResolvedUser::from).ok_or_else(|| {
        RpcError::new(ErrorCode::InternalError, "this install has no owner user; restart pierre-authd to recreate it")
    })
}

/// What the daemon is and where: for `pierre-authd status`.
pub async fn status(ctx: &RequestContext<'_>) -> Result<StatusResult, RpcError> {
    let daemon = ctx.daemon;
    let (users, count) =
        daemon.store(|store| Ok((store.list_users()?.len() as u64, store.count_connections()?))).await?;
    // Who is damaged is the administrator's business; a user sees only a count.
    let unreadable_vaults = count
        .unreadable
        .into_iter()
        .map(|(user, error)| UnreadableVault {
            user: if ctx.session.is_admin || user == ctx.user.name { user } else { "another user".to_owned() },
            error,
        })
        .collect();
    Ok(StatusResult {
        daemon_version: env!("CARGO_PKG_VERSION").to_string(),
        pid: std::process::id(),
        socket: daemon.paths.socket.display().to_string(),
        key_backend: daemon.store.install_info().key_backend.as_str().to_string(),
        users,
        connections: count.total,
        unreadable_vaults,
        open_socket_connections: daemon.connection_count(),
        uptime_secs: daemon.started.elapsed().as_secs(),
        ports: ctx
            .daemon
            .oauth
            .callback_addr()
            .map(|addr| ("oauth_callback".to_string(), addr.port()))
            .into_iter()
            .chain(ctx.daemon.auth.port.map(|port| ("authorization_server".to_string(), port)))
            .collect(),
        rate_limits: daemon
            .budgets
            .snapshot(crate::clock::now_secs())
            .into_iter()
            .filter(|b| ctx.session.is_admin || b.user_id.as_ref().is_none_or(|u| *u == ctx.user.user_id))
            .collect(),
    })
}

/// Starts an orderly shutdown; in-flight requests still finish.
pub fn shutdown(ctx: &RequestContext<'_>) -> Result<ShutdownResult, RpcError> {
    ctx.require_admin("stop the daemon")?;
    tracing::info!(client = %ctx.session.client.name, "shutdown requested over the socket");
    ctx.daemon.shutdown.cancel();
    Ok(ShutdownResult { stopping: true, pid: std::process::id() })
}

/// Deletes every user, vault, key and keyring entry, then stops.
pub async fn purge(ctx: &RequestContext<'_>) -> Result<PurgeResult, RpcError> {
    ctx.require_admin("purge this install")?;
    tracing::warn!(client = %ctx.session.client.name, "purge requested: deleting every user, vault and key");
    ctx.daemon.store(|store| store.purge()).await?;
    ctx.daemon.shutdown.cancel();
    Ok(PurgeResult { purged: true })
}
