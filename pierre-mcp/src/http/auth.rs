//! Bearer authentication for `/mcp`: every request's token is verified by
//! the daemon (`auth.resolve`: signature, issuer, expiry, revocation and
//! that its audience is this server) and the request is then served as the
//! user the token names. There is no switch that turns this off.
//!
//! Shared state: a short cache of verified tokens, keyed by the token's
//! SHA-256 (never the token itself) and bounded by [`CACHE_FOR`] and by the
//! token's own expiry, so one MCP session does not cost a socket round trip
//! per message. A revoked token is refused again within [`CACHE_FOR`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pierre_shared::protocol::{AuthResolve, AuthResolveParams};
use pierre_shared::{ErrorCode, Secret};
use sha2::{Digest, Sha256};

use super::App;
use super::metadata::{Refusal, challenge};
use crate::daemon::{DaemonLink, LinkError};

/// How long a verified token is trusted without asking the daemon again.
const CACHE_FOR: Duration = Duration::from_secs(30);
/// Cached tokens at most; past this the cache starts over (a household's
/// clients hold a handful of live tokens).
const MAX_CACHED: usize = 1024;

/// The Pierre user a request is served as, from its verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub user_name: String,
}

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The daemon refused it: malformed, bad signature, expired, revoked,
    /// for another audience or for a user that no longer exists.
    #[error("the token was refused")]
    Refused,
    /// The daemon could not be asked.
    #[error("the daemon could not verify the token")]
    Unavailable(#[source] LinkError),
}

struct Cached {
    caller: Arc<Caller>,
    /// The token's `exp`, seconds since the epoch.
    expires_at: i64,
    fresh_until: Instant,
}

/// Verifies tokens through the daemon, with the short cache above.
pub struct Verifier {
    /// An owner connection: it may resolve any user's token.
    link: DaemonLink,
    /// This server's RFC 8707 resource (`http://127.0.0.1:PORT/mcp`).
    resource: String,
    cache: Mutex<HashMap<[u8; 32], Cached>>,
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Verifier {
    pub fn new(link: DaemonLink, resource: String) -> Self {
        Self { link, resource, cache: Mutex::new(HashMap::new()) }
    }

    /// The user `token` names, if the daemon accepts it for this resource.
    ///
    /// # Errors
    /// [`VerifyError::Refused`] for a token that must get a 401,
    /// [`VerifyError::Unavailable`] when the daemon did not answer.
    pub async fn verify(&self, token: &str) -> Result<Arc<Caller>, VerifyError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = now_secs();
        {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            match cache.get(&key) {
                Some(hit) if hit.fresh_until > Instant::now() && hit.expires_at > now => {
                    return Ok(hit.caller.clone());
                }
                Some(_) => {
                    cache.remove(&key);
                }
                None => {}
            }
        }
        let params =
            AuthResolveParams { token: Secret::from_string(token.to_string()), resource: self.resource.clone() };
        let resolved = self.link.call::<AuthResolve>(params).await;
        let resolved = match resolved {
            Ok(resolved) => resolved,
            Err(LinkError::Rpc(e))
                if matches!(
                    e.data.code,
                    ErrorCode::InvalidToken | ErrorCode::PermissionDenied | ErrorCode::UnknownUser
                ) =>
            {
                tracing::info!(code = ?e.data.code, "refused a bearer token: {}", e.message);
                return Err(VerifyError::Refused);
            }
            Err(other) => return Err(VerifyError::Unavailable(other)),
        };
        if resolved.expires_at <= now {
            return Err(VerifyError::Refused);
        }
        let caller = Arc::new(Caller { user_id: resolved.user_id, user_name: resolved.user_name });
        let left = Duration::from_secs((resolved.expires_at - now) as u64);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(
            key,
            Cached {
                caller: caller.clone(),
                expires_at: resolved.expires_at,
                fresh_until: Instant::now() + CACHE_FOR.min(left),
            },
        );
        Ok(caller)
    }
}

/// The token of an `Authorization: Bearer TOKEN` header (RFC 6750 §2.1),
/// `None` when there is none. A query-string token is never read.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The middleware in front of `/mcp`: 401 with a challenge, or the request
/// with its [`Caller`] attached (and the token removed, so nothing further
/// can pass it on).
pub async fn require_bearer(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let refusal = match bearer(request.headers()) {
        None => Refusal::Missing,
        Some(token) => match app.verifier.verify(token).await {
            Ok(caller) => {
                request.headers_mut().remove(header::AUTHORIZATION);
                request.extensions_mut().insert(caller);
                return next.run(request).await;
            }
            Err(VerifyError::Refused) => Refusal::InvalidToken,
            Err(VerifyError::Unavailable(error)) => {
                tracing::error!("cannot verify a bearer token: {}", crate::logging::chain(&error));
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "5")],
                    "pierre-authd did not answer; check `pierre-authd status` and retry.",
                )
                    .into_response();
            }
        },
    };
    unauthorized(&app.metadata_url, refusal)
}

/// 401 with `WWW-Authenticate` naming the protected-resource metadata.
pub fn unauthorized(metadata_url: &str, refusal: Refusal) -> Response {
    let text = match refusal {
        Refusal::Missing => "Unauthorized: send an access token from pierre-authd's authorization server.",
        Refusal::InvalidToken => "Unauthorized: the access token is invalid, expired or not for this server.",
    };
    let mut response = (StatusCode::UNAUTHORIZED, Body::from(text)).into_response();
    if let Ok(value) = challenge(metadata_url, refusal).parse() {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_an_authorization_bearer_header_counts() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer abc.def"));
        assert_eq!(bearer(&headers), Some("abc.def"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer  xyz"));
        assert_eq!(bearer(&headers), Some("xyz"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic dXNlcjpwdw=="));
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&headers), None);
    }

    #[test]
    fn a_401_names_the_metadata() {
        let response =
            unauthorized("http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp", Refusal::InvalidToken);
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let value = response.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
        assert!(value.contains("error=\"invalid_token\""), "{value}");
        assert!(value.contains("resource_metadata=\"http://127.0.0.1:1/"), "{value}");
    }
}
