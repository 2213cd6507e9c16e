//! `/token` (RFC 6749 §4.1.3 and §6, OAuth 2.1) and `/revoke` (RFC 7009).
//!
//! Public clients only: the client authenticates by `client_id` alone and
//! proves possession of the code with the PKCE verifier. A code is consumed
//! before anything else is checked, so a failed attempt burns it too. Access
//! tokens are ES256 JWTs bound to the authorized `resource`; refresh tokens
//! rotate on every use and a reused one revokes its whole family.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::authorize::verifier_matches;
use super::http::{OAuthError, check_rate, no_store, oauth_error, parse_form, rate_headers};
use super::store::{FamilyRecord, Redeemed, Rotated};
use super::{ACCESS_TOKEN_LIFE, AuthServer, REFRESH_TOKEN_LIFE, random_token};
use crate::clock::now_secs;
use crate::daemon::Daemon;

/// A finished `/token` answer or an RFC 6749 §5.2 error.
type Answer = Result<Response, OAuthError>;

pub async fn token(
    State(daemon): State<Arc<Daemon>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    limited(daemon, peer, headers, body, handle_token).await
}

pub async fn revoke(
    State(daemon): State<Arc<Daemon>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    limited(daemon, peer, headers, body, handle_revoke).await
}

/// Counts the request against the token budget, then runs `work` off the
/// runtime (it reads and writes the database).
async fn limited(
    daemon: Arc<Daemon>,
    peer: SocketAddr,
    headers: HeaderMap,
    body: Bytes,
    work: fn(&AuthServer, &HeaderMap, &[u8]) -> Answer,
) -> Response {
    let decision = match check_rate(&daemon.auth.limits.token, peer.ip()) {
        Ok(decision) => decision,
        Err(response) => return response,
    };
    let answer = tokio::task::spawn_blocking(move || work(&daemon.auth, &headers, &body)).await;
    let mut response = match answer {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => error.into_response(),
        Err(_) => {
            oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "the request failed inside Pierre; retry")
        }
    };
    rate_headers(&mut response, decision);
    response
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn server_error() -> OAuthError {
    tracing::warn!("authorization server: a token request hit a storage error");
    OAuthError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "Pierre could not read or write its database; retry",
    )
}

/// The form of a client request, and the public client it names.
fn client_form(
    auth: &AuthServer,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(HashMap<String, String>, String), OAuthError> {
    if headers.contains_key(header::AUTHORIZATION) {
        return Err(OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Pierre registers public clients only: send client_id in the form and no Authorization header",
        ));
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(invalid_request("send the request as application/x-www-form-urlencoded"));
    }
    let params = parse_form(body).map_err(|name| invalid_request(&format!("the parameter `{name}` appears twice")))?;
    let Some(client_id) = params.get("client_id").cloned() else {
        return Err(OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "send client_id (public clients authenticate with it alone)",
        ));
    };
    match auth.store.client(&client_id) {
        Ok(Some(_)) => Ok((params, client_id)),
        Ok(None) => {
            Err(OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client_id; register again"))
        }
        Err(_) => Err(server_error()),
    }
}

fn handle_token(auth: &AuthServer, headers: &HeaderMap, body: &[u8]) -> Answer {
    let (params, client_id) = client_form(auth, headers, body)?;
    match params.get("grant_type").map(String::as_str) {
        Some("authorization_code") => authorization_code(auth, &params, &client_id),
        Some("refresh_token") => refresh(auth, &params, &client_id),
        Some(other) => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant_type `{other}` is not supported; use authorization_code or refresh_token"),
        )),
        None => Err(invalid_request("send grant_type")),
    }
}

fn authorization_code(auth: &AuthServer, params: &HashMap<String, String>, client_id: &str) -> Answer {
    let code = params.get("code").ok_or_else(|| invalid_request("send the authorization code as `code`"))?;
    let now = now_secs();
    let record = match auth.store.redeem_code(code, now).map_err(|_| server_error())? {
        Redeemed::Fresh(record) => record,
        Redeemed::Reused => {
            tracing::warn!(
                client_id,
                "authorization server: an authorization code was used twice; its tokens are revoked"
            );
            return Err(invalid_grant("this authorization code was already used; tokens issued from it are revoked"));
        }
        Redeemed::Expired => return Err(invalid_grant("the authorization code has expired; sign in again")),
        Redeemed::Unknown => return Err(invalid_grant("the authorization code is not valid")),
    };
    if record.client_id != client_id {
        return Err(invalid_grant("the authorization code was issued to another client"));
    }
    match params.get("redirect_uri") {
        Some(uri) if *uri == record.redirect_uri => {}
        Some(_) => return Err(invalid_grant("redirect_uri does not match the one of the authorization request")),
        None => return Err(invalid_request("send the redirect_uri of the authorization request")),
    }
    let Some(verifier) = params.get("code_verifier") else {
        return Err(invalid_grant("send the PKCE code_verifier; the code is now spent, sign in again"));
    };
    if !verifier_matches(verifier, &record.code_challenge) {
        return Err(invalid_grant("the PKCE code_verifier does not match the code_challenge"));
    }
    if params.get("resource").is_some_and(|r| *r != record.resource) {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_target",
            "resource differs from the one authorized; ask for the same resource",
        ));
    }
    let family = FamilyRecord {
        family_id: random_token(16),
        client_id: record.client_id.clone(),
        user_id: record.user_id.clone(),
        resource: record.resource.clone(),
        scope: record.scope.clone(),
    };
    let refresh_token = random_token(32);
    auth.store
        .start_family(code, &family, &refresh_token, now, now + REFRESH_TOKEN_LIFE)
        .map_err(|_| server_error())?;
    tracing::info!(client_id, user_id = %family.user_id, "authorization server: tokens issued for a code");
    token_response(auth, &family, &refresh_token, now)
}

fn refresh(auth: &AuthServer, params: &HashMap<String, String>, client_id: &str) -> Answer {
    let presented = params.get("refresh_token").ok_or_else(|| invalid_request("send the refresh_token"))?;
    let now = now_secs();
    let next = random_token(32);
    let resource = params.get("resource").map(String::as_str);
    let rotated = auth
        .store
        .rotate_refresh(presented, client_id, resource, &next, now, now + REFRESH_TOKEN_LIFE)
        .map_err(|_| server_error())?;
    let family = match rotated {
        Rotated::Fresh(family) => family,
        Rotated::Reused => {
            tracing::warn!(
                client_id,
                "authorization server: a rotated refresh token was reused; its family is revoked"
            );
            return Err(invalid_grant(
                "this refresh token was already used; every token of this sign-in is now revoked, sign in again",
            ));
        }
        Rotated::Revoked => return Err(invalid_grant("this sign-in was revoked; sign in again")),
        Rotated::Expired => return Err(invalid_grant("the refresh token has expired; sign in again")),
        Rotated::WrongClient | Rotated::Unknown => return Err(invalid_grant("the refresh token is not valid")),
        Rotated::WrongResource => {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_target",
                "resource differs from the one authorized",
            ));
        }
    };
    token_response(auth, &family, &next, now)
}

fn token_response(auth: &AuthServer, family: &FamilyRecord, refresh_token: &str, now: i64) -> Answer {
    let (access_token, _) = auth
        .issue(
            &family.user_id,
            &family.resource,
            ACCESS_TOKEN_LIFE,
            Some(family.client_id.clone()),
            family.scope.clone(),
            now,
        )
        .map_err(|_| {
            OAuthError::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "Pierre could not sign the token; retry")
        })?;
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFE,
        "refresh_token": refresh_token,
    });
    if let Some(scope) = &family.scope {
        body["scope"] = json!(scope);
    }
    let mut response = Json(body).into_response();
    no_store(response.headers_mut());
    Ok(response)
}

/// RFC 7009 §2.2: 200 whether or not the token was valid, so a caller
/// learns nothing about tokens it does not hold.
fn handle_revoke(auth: &AuthServer, headers: &HeaderMap, body: &[u8]) -> Answer {
    let (params, client_id) = client_form(auth, headers, body)?;
    let token = params.get("token").ok_or_else(|| invalid_request("send the token to revoke as `token`"))?;
    let now = now_secs();
    let revoked_refresh = auth.store.revoke_refresh(token, &client_id, now).map_err(|_| server_error())?;
    if revoked_refresh {
        tracing::info!(client_id, "authorization server: refresh family revoked");
    } else if let Ok(claims) = auth.verify(token)
        && claims.client_id.as_deref() == Some(client_id.as_str())
    {
        auth.store.revoke_access(&claims.jti, claims.exp).map_err(|_| server_error())?;
        tracing::info!(client_id, "authorization server: access token revoked");
    }
    let mut response = StatusCode::OK.into_response();
    no_store(response.headers_mut());
    Ok(response)
}
