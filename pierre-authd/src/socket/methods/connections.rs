//! `connections.list|begin|wait|disconnect`: the resolved user's provider
//! connections, the connect flow and disconnecting with a revoke.
//! `connections.import` lives in [`super::import`].

use std::time::Duration;

use pierre_shared::ErrorCode;
use pierre_shared::protocol::{
    ConnectionInfo, ConnectionState, ConnectionsBeginParams, ConnectionsBeginResult, ConnectionsDisconnectParams,
    ConnectionsDisconnectResult, ConnectionsListResult, ConnectionsWaitParams, RevokeOutcome, RpcError,
};

use crate::clock::now_secs;
use crate::daemon::events::EventKind;
use crate::oauth::client::{OAuthClient, exchange, pkce, revoke, state};
use crate::socket::session::RequestContext;
use crate::vault::{ConnectionRecord, SecretField, Store};

/// Longest single `connections.wait`; callers loop for longer waits.
const MAX_WAIT_SECS: u64 = 3_600;

fn info(r: ConnectionRecord) -> ConnectionInfo {
    ConnectionInfo {
        provider: r.provider,
        state: r.state,
        connection_id: r.connection_id,
        account_id: r.account_id,
        connected_at: r.connected_at,
    }
}

pub async fn list(ctx: &RequestContext<'_>) -> Result<ConnectionsListResult, RpcError> {
    let user_id = ctx.user.user_id.clone();
    let records = ctx.daemon.store(move |store| store.list_connections(&user_id)).await?;
    let connections = records.into_iter().map(info).collect();
    Ok(ConnectionsListResult { user_id: ctx.user.user_id.clone(), connections })
}

/// The user's connection to `provider`, if any.
async fn find(ctx: &RequestContext<'_>, provider: &str) -> Result<Option<ConnectionInfo>, RpcError> {
    let user_id = ctx.user.user_id.clone();
    let provider = provider.to_string();
    let records = ctx.daemon.store(move |store| store.list_connections(&user_id)).await?;
    Ok(records.into_iter().find(|r| r.provider == provider).map(info))
}

/// Starts a connect: the authorization URL with a fresh single-use state
/// bound to (user, provider) and an S256 challenge. Providers without OAuth
/// (`synthetic`) are connected at once.
pub async fn begin(
    ctx: &RequestContext<'_>,
    params: ConnectionsBeginParams,
) -> Result<ConnectionsBeginResult, RpcError> {
    let def = OAuthClient::definition(&params.provider)?;
    if def.oauth.is_none() {
        return connect_embedded(ctx, def.name).await;
    }
    let resolved = ctx.daemon.oauth.resolve(def.name)?;
    if let Some(refused) = resolved.retired_error() {
        return Err(refused);
    }
    if !resolved.configured() {
        return Err(resolved.not_configured());
    }
    ctx.daemon.oauth.ensure_listener(ctx.daemon).await?;
    // Resolved again: the default redirect URI names the port just bound.
    let resolved = ctx.daemon.oauth.resolve(def.name)?;
    if let Some(warning) = ctx.daemon.oauth.redirect_warning(&resolved.redirect_uri.value) {
        tracing::warn!(provider = def.name, "{warning}");
    }
    let now = now_secs();
    let state_value = pkce::new_state();
    let (challenge, verifier) = pkce::new_pkce();
    let url = exchange::authorization_url(&resolved, &state_value, challenge).map_err(|e| {
        RpcError::new(ErrorCode::ConfigInvalid, format!("{}: {e}; fix the provider's URL override", def.display_name))
            .with_provider(def.name)
    })?;
    let expires_at = now + i64::try_from(ctx.daemon.oauth.state_ttl_secs()).unwrap_or(600);
    let pending = state::PendingAuthorization {
        user_id: ctx.user.user_id.clone(),
        provider: def.name.into(),
        verifier: verifier.secret().clone(),
        redirect_uri: resolved.redirect_uri.value.clone(),
        expires_at,
    };
    ctx.daemon.events.clear_outcome(&ctx.user.user_id, def.name);
    ctx.daemon
        .store(move |store| {
            if let Err(err) = state::prune(store, now) {
                tracing::warn!(error = %err, "could not prune expired sign-in states");
            }
            state::save(store, &state_value, &pending)
        })
        .await?;
    tracing::info!(user_id = %ctx.user.user_id, provider = def.name, "connect started");
    Ok(ConnectionsBeginResult {
        provider: def.name.into(),
        authorization_url: Some(url),
        state_expires_at: Some(expires_at),
        connection: None,
        already_connected: false,
    })
}

/// Records an embedded provider (no OAuth) as connected.
async fn connect_embedded(
    ctx: &RequestContext<'_>,
    provider: &'static str,
) -> Result<ConnectionsBeginResult, RpcError> {
    if let Some(existing) = find(ctx, provider).await? {
        return Ok(ConnectionsBeginResult {
            provider: provider.into(),
            authorization_url: None,
            state_expires_at: None,
            connection: Some(existing),
            already_connected: true,
        });
    }
    let user_id = ctx.user.user_id.clone();
    let record = ConnectionRecord {
        provider: provider.into(),
        state: ConnectionState::Connected,
        connection_id: uuid::Uuid::new_v4().to_string(),
        account_id: Some(format!("{provider}-{}", &user_id[..8.min(user_id.len())])),
        connected_at: now_secs(),
        expires_at: None,
        scopes: None,
    };
    let stored = record.clone();
    ctx.daemon.store(move |store: &dyn Store| store.put_connection(&user_id, &stored, &[])).await?;
    Ok(ConnectionsBeginResult {
        provider: provider.into(),
        authorization_url: None,
        state_expires_at: None,
        connection: Some(info(record)),
        already_connected: false,
    })
}

/// Waits for the callback of the user's latest `connections.begin` for
/// `provider`: the new connection, or the reason it failed.
pub async fn wait(ctx: &RequestContext<'_>, params: ConnectionsWaitParams) -> Result<ConnectionInfo, RpcError> {
    let def = OAuthClient::definition(&params.provider)?;
    let user_id = ctx.user.user_id.clone();
    let limit = params.timeout_secs.unwrap_or(ctx.daemon.oauth.state_ttl_secs()).min(MAX_WAIT_SECS);
    // Subscribe before looking at the last outcome, so nothing falls between.
    let mut events = ctx.daemon.events.subscribe(&user_id);
    let outcome = match ctx.daemon.events.outcome(&user_id, def.name) {
        Some(outcome) => Some(outcome),
        None => {
            let next = async {
                loop {
                    match events.next().await {
                        Some(kind) if kind.provider() == def.name && kind.is_connect_outcome() => return Some(kind),
                        Some(_) => continue,
                        None => return None,
                    }
                }
            };
            tokio::select! {
                kind = next => kind,
                _ = tokio::time::sleep(Duration::from_secs(limit)) => None,
                _ = ctx.daemon.shutdown.cancelled() => None,
            }
        }
    };
    match outcome {
        Some(EventKind::OauthComplete { .. }) => find(ctx, def.name).await?.ok_or_else(|| {
            RpcError::new(
                ErrorCode::NotConnected,
                format!("the {} connection was removed right after it was made; run `pierre-authd connect {}` again", def.display_name, def.name),
            )
        }),
        Some(EventKind::OauthError { code, message, .. }) => {
            let code = match code.as_str() {
                "timeout" => ErrorCode::Timeout,
                "access_denied" => ErrorCode::PermissionDenied,
                _ => ErrorCode::ProviderError,
            };
            Err(RpcError::new(code, message).with_provider(def.name))
        }
        Some(_) | None => Err(RpcError::new(
            ErrorCode::Timeout,
            format!(
                "no answer from {} within {limit} s; open the sign-in link again or run `pierre-authd connect {}` for a new one",
                def.display_name, def.name
            ),
        )
        .with_provider(def.name)),
    }
}

/// Revokes the user's tokens for `provider` at the provider (best effort,
/// reported), then deletes that connection and its tokens only. Holds the
/// (user, provider) refresh gate throughout, so no refresh can write the
/// tokens back.
pub async fn disconnect(
    ctx: &RequestContext<'_>,
    params: ConnectionsDisconnectParams,
) -> Result<ConnectionsDisconnectResult, RpcError> {
    let def = OAuthClient::definition(&params.provider)?;
    let provider = def.name;
    let _gate = ctx.daemon.refresher.exclusive(&ctx.user.user_id, provider).await;
    let user_id = ctx.user.user_id.clone();
    let (record, access, refresh, imported) = ctx
        .daemon
        .store(move |store| {
            let Some(record) = store.list_connections(&user_id)?.into_iter().find(|r| r.provider == provider) else {
                return Ok((None, None, None, false));
            };
            let access = store.get_secret(&user_id, provider, SecretField::AccessToken)?;
            let refresh = store.get_secret(&user_id, provider, SecretField::RefreshToken)?;
            // A sign-in imported from a Python Garmin client was not granted
            // to a Developer Program app: there is nothing to revoke at the
            // program's endpoint, and its token must not be sent there.
            let imported = store.get_secret(&user_id, provider, SecretField::GarminOauth2Token)?.is_some();
            Ok((Some(record), access, refresh, imported))
        })
        .await?;
    let Some(record) = record else {
        return Ok(ConnectionsDisconnectResult {
            provider: provider.into(),
            disconnected: false,
            connection_id: None,
            revoke: RevokeOutcome::NotApplicable,
            revoke_message: None,
        });
    };
    let resolved = ctx.daemon.oauth.resolve(provider)?;
    let (outcome, message) = if imported || !revoke::applicable(&resolved) {
        (RevokeOutcome::NotApplicable, None)
    } else {
        match revoke::revoke(ctx.daemon.oauth.http(), &resolved, access.as_ref(), refresh.as_ref()).await {
            Ok(()) => (RevokeOutcome::Revoked, None),
            Err(err) => {
                tracing::warn!(provider, error = %err, "revoke at the provider failed; deleting the local tokens anyway");
                (
                    RevokeOutcome::Failed,
                    Some(format!(
                        "{} did not confirm the revoke ({err}); the tokens are deleted here, and you can also remove Pierre's access in your {} account settings",
                        def.display_name, def.display_name
                    )),
                )
            }
        }
    };
    let user_id = ctx.user.user_id.clone();
    let disconnected = ctx.daemon.store(move |store| store.delete_connection(&user_id, provider)).await?;
    tracing::info!(user_id = %ctx.user.user_id, provider, ?outcome, "disconnected");
    ctx.daemon.events.publish(
        &ctx.user.user_id,
        EventKind::Disconnected { provider: provider.into(), connection_id: record.connection_id.clone() },
    );
    Ok(ConnectionsDisconnectResult {
        provider: provider.into(),
        disconnected,
        connection_id: Some(record.connection_id),
        revoke: outcome,
        revoke_message: message,
    })
}
