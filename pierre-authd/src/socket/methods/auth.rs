//! The authorization server over the socket: `login.approve` (owner consent
//! for a pending `/authorize`), `auth.resolve` (verify a bearer JWT for
//! `pierre-mcp serve-http`), `auth.token` (a socket JWT for scripts and
//! `PIERRE_TOKEN`), `keys.rotate`; and the JWT check of `daemon.hello`.

use std::time::Instant;

use pierre_shared::protocol::{
    AuthResolveParams, AuthResolveResult, AuthTokenParams, AuthTokenResult, KeysRotateResult, LoginApproveParams,
    LoginApproveResult, RpcError,
};
use pierre_shared::{ErrorCode, Secret};

use crate::clock::now_secs;
use crate::daemon::Daemon;
use crate::oauth::authz::consent::Decision;
use crate::oauth::authz::jwt::audience_matches;
use crate::oauth::authz::{Claims, SOCKET_AUDIENCE, SOCKET_TOKEN_DEFAULT_LIFE, SOCKET_TOKEN_MAX_LIFE, TokenError};
use crate::socket::session::{RequestContext, ResolvedUser};

/// The socket form of a refused token: what happened, then what to do.
fn token_error(err: &TokenError) -> RpcError {
    match err {
        TokenError::Storage | TokenError::Signing => RpcError::new(ErrorCode::StorageError, err.to_string()),
        _ => RpcError::new(ErrorCode::InvalidToken, format!("{err}; get a new token with `pierre-authd token`")),
    }
}

/// Verifies a token off the runtime (one database read for revocations).
async fn verify(daemon: &Daemon, token: &str) -> Result<Claims, RpcError> {
    let auth = daemon.auth.clone();
    let token = token.to_string();
    match tokio::task::spawn_blocking(move || auth.verify(&token)).await {
        Ok(result) => result.map_err(|e| token_error(&e)),
        Err(_) => Err(RpcError::new(
            ErrorCode::InternalError,
            "verifying the token failed unexpectedly; check the daemon log and retry",
        )),
    }
}

/// The user a token's `sub` names.
async fn token_user(daemon: &Daemon, claims: &Claims) -> Result<ResolvedUser, RpcError> {
    let user_id = claims.sub.clone();
    let found = daemon.store(move |store| store.find_user(&user_id)).await?;
    match found {
        Some(user) if user.user_id == claims.sub => Ok(user.into()),
        _ => Err(token_error(&TokenError::UnknownUser)),
    }
}

/// `daemon.hello {token}`: a socket JWT (audience `urn:pierre:authd`,
/// signature, issuer, expiry) and the user it names, with the token's
/// expiry. `named` is the hello's own `user`, which may only repeat that user.
pub async fn hello_user(daemon: &Daemon, token: &str, named: Option<&str>) -> Result<(ResolvedUser, i64), RpcError> {
    let claims = verify(daemon, token).await?;
    if claims.aud != SOCKET_AUDIENCE {
        return Err(RpcError::new(
            ErrorCode::InvalidToken,
            "this token was issued for an HTTP resource, not for the socket; get a socket token with `pierre-authd token`",
        ));
    }
    let user = token_user(daemon, &claims).await?;
    if let Some(named) = named
        && named != user.name
        && named != user.user_id
    {
        return Err(RpcError::new(
            ErrorCode::PermissionDenied,
            format!(
                "the token names user `{}` and may not act for `{named}`; drop PIERRE_USER or use that user's token",
                user.name
            ),
        ));
    }
    tracing::info!(user_id = %user.user_id, "socket connection pinned by a token");
    Ok((user, claims.exp))
}

/// `login.approve`: the owner answers a pending consent for the
/// connection's user.
pub async fn approve(ctx: &RequestContext<'_>, params: LoginApproveParams) -> Result<LoginApproveResult, RpcError> {
    ctx.require_admin("approve sign-ins")?;
    let decision =
        if params.deny { Decision::Denied } else { Decision::Approved { user_id: ctx.user.user_id.clone() } };
    let request = ctx
        .daemon
        .auth
        .consents
        .decide(&params.code, decision, Instant::now())
        .map_err(|e| RpcError::new(ErrorCode::InvalidParams, e.to_string()))?;
    tracing::info!(
        client_id = %request.client_id,
        user_id = %ctx.user.user_id,
        approved = !params.deny,
        "authorization server: consent answered"
    );
    Ok(LoginApproveResult {
        approved: !params.deny,
        client_name: request.client_name,
        resource: request.resource,
        user_id: ctx.user.user_id.clone(),
        user_name: ctx.user.name.clone(),
    })
}

/// `auth.resolve`: who a bearer token names, if it is valid for `resource`.
/// Owner connections may resolve any token; a pinned connection only a
/// token for its own user.
pub async fn resolve(ctx: &RequestContext<'_>, params: AuthResolveParams) -> Result<AuthResolveResult, RpcError> {
    let claims = verify(ctx.daemon, params.token.expose_text()).await?;
    if claims.aud == SOCKET_AUDIENCE || !audience_matches(&claims.aud, &params.resource) {
        return Err(token_error(&TokenError::WrongAudience));
    }
    if !ctx.session.is_admin && claims.sub != ctx.session.user.user_id {
        return Err(RpcError::new(
            ErrorCode::PermissionDenied,
            "this connection is pinned to another user and may not resolve this token",
        ));
    }
    let user = token_user(ctx.daemon, &claims).await?;
    Ok(AuthResolveResult {
        user_id: user.user_id,
        user_name: user.name,
        expires_at: claims.exp,
        client_id: claims.client_id,
        scope: claims.scope,
    })
}

/// `auth.token`: a socket JWT for the connection's user. On a connection
/// pinned by a token, the new token may not outlive the one presented
/// (otherwise a 1 h token could mint itself 90 days): without `ttl_secs` its
/// life is cut to what remains, and a longer `ttl_secs` is refused.
pub async fn token(ctx: &RequestContext<'_>, params: AuthTokenParams) -> Result<AuthTokenResult, RpcError> {
    let now = now_secs();
    let life = token_life(params.ttl_secs, ctx.session.token_expires_at, now)?;
    let (token, claims) = ctx
        .daemon
        .auth
        .issue(&ctx.user.user_id, SOCKET_AUDIENCE, life, None, None, now)
        .map_err(|e| RpcError::new(ErrorCode::InternalError, format!("{e}; check the daemon log and retry")))?;
    tracing::info!(user_id = %ctx.user.user_id, ttl_secs = life, pinned = ctx.session.token_expires_at.is_some(), "socket token issued");
    Ok(AuthTokenResult {
        token: Secret::from_string(token),
        expires_at: claims.exp,
        user_id: ctx.user.user_id.clone(),
        user_name: ctx.user.name.clone(),
    })
}

/// The life of a new socket token: `asked` (default 1 h), within 1 s to 90
/// days, and never past `presented_expiry`, the expiry of the token the
/// connection presented.
fn token_life(asked: Option<i64>, presented_expiry: Option<i64>, now: i64) -> Result<i64, RpcError> {
    let life = asked.unwrap_or(SOCKET_TOKEN_DEFAULT_LIFE);
    if !(1..=SOCKET_TOKEN_MAX_LIFE).contains(&life) {
        return Err(RpcError::new(
            ErrorCode::InvalidParams,
            format!("a token lives 1 s to 90 days ({SOCKET_TOKEN_MAX_LIFE} s); pick a shorter --ttl"),
        ));
    }
    let Some(expiry) = presented_expiry else { return Ok(life) };
    let left = expiry - now;
    if left < 1 {
        return Err(token_error(&TokenError::Expired));
    }
    match asked {
        Some(asked) if asked > left => Err(RpcError::new(
            ErrorCode::PermissionDenied,
            format!(
                "the token in PIERRE_TOKEN expires in {left} s and cannot mint one that outlives it; ask for --ttl {left}s or less, or run `pierre-authd token` without PIERRE_TOKEN as the daemon's owner"
            ),
        )),
        _ => Ok(life.min(left)),
    }
}

/// `keys.rotate`: a new signing key; old ones stay while their tokens live.
pub async fn rotate(ctx: &RequestContext<'_>) -> Result<KeysRotateResult, RpcError> {
    ctx.require_admin("rotate signing keys")?;
    let auth = ctx.daemon.auth.clone();
    let store = ctx.daemon.store.clone();
    let rotated = match tokio::task::spawn_blocking(move || auth.keys.rotate(store.as_ref(), now_secs())).await {
        Ok(Ok(rotated)) => rotated,
        Ok(Err(crate::oauth::authz::keys::KeyError::Store(err))) => return Err(crate::daemon::store_error(err)),
        Ok(Err(other)) => return Err(RpcError::new(ErrorCode::InternalError, other.to_string())),
        Err(_) => {
            return Err(RpcError::new(
                ErrorCode::InternalError,
                "key rotation failed unexpectedly; check the daemon log and retry",
            ));
        }
    };
    let (kid, dropped) = rotated;
    let kept = ctx.daemon.auth.keys.jwks().keys.len().saturating_sub(1) as u64;
    tracing::info!(%kid, kept, dropped, "authorization server: signing key rotated");
    Ok(KeysRotateResult { kid, kept, dropped: dropped as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_token_lives_what_was_asked_within_the_bounds() {
        assert_eq!(token_life(None, None, 1_000).unwrap(), SOCKET_TOKEN_DEFAULT_LIFE);
        assert_eq!(token_life(Some(SOCKET_TOKEN_MAX_LIFE), None, 1_000).unwrap(), SOCKET_TOKEN_MAX_LIFE);
        assert!(token_life(Some(SOCKET_TOKEN_MAX_LIFE + 1), None, 1_000).is_err());
        assert!(token_life(Some(0), None, 1_000).is_err());
    }

    #[test]
    fn a_token_minted_under_a_token_never_outlives_it() {
        let now = 1_000;
        let presented = Some(now + 3_600);
        // The default (1 h) fits exactly; a shorter ask is kept.
        assert_eq!(token_life(None, presented, now).unwrap(), 3_600);
        assert_eq!(token_life(Some(600), presented, now).unwrap(), 600);
        // With 10 minutes left the default is cut to them.
        assert_eq!(token_life(None, Some(now + 600), now).unwrap(), 600);
        // 90 days asked on a 1 h token: refused, saying how long it may be.
        let err = token_life(Some(90 * 86_400), presented, now).unwrap_err();
        assert_eq!(err.data.code, ErrorCode::PermissionDenied);
        assert!(err.message.contains("--ttl 3600s or less"), "{}", err.message);
        assert!(token_life(None, Some(now), now).is_err(), "an expired token mints nothing");
    }
}
