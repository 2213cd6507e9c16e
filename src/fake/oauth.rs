//! The fake's OAuth endpoints, strict where the real provider is.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use pierre_shared::catalogue::{ClientAuth, PkceSupport, RevokeStyle};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::state::{AccessGrant, CodeGrant, Fake, FaultKind, FaultTarget, RefreshGrant, random_token};

/// Codes live 10 minutes, as Fitbit documents.
const CODE_LIFE: Duration = Duration::from_secs(600);

pub(super) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({ "error": error, "error_description": description }))).into_response()
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = base.to_string();
    for (i, (k, v)) in pairs.iter().enumerate() {
        url.push(if i == 0 && !base.contains('?') { '?' } else { '&' });
        url.push_str(k);
        url.push('=');
        url.push_str(&encode(v));
    }
    url
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn encode(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes one `application/x-www-form-urlencoded` component.
fn decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn redirect(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_string())]).into_response()
}

/// `GET /oauth/authorize`: checks the request, then approves at once for the
/// configured account and 302s to the redirect URI with `code` and `state`.
/// A bad client id or redirect URI gets an error page, never a redirect
/// (RFC 6749 §4.1.2.1).
pub async fn authorize(State(fake): State<Arc<Fake>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let def = fake.options.provider;
    fake.lock().counters.authorize += 1;
    if q.get("client_id") != Some(&fake.options.client_id) {
        fake.refuse("unknown_client");
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    let Some(redirect_uri) = q.get("redirect_uri").cloned() else {
        fake.refuse("redirect_uri_missing");
        return (StatusCode::BAD_REQUEST, "redirect_uri is required").into_response();
    };
    let registered = fake.lock().registered_redirect.clone();
    if registered.as_ref().is_some_and(|r| *r != redirect_uri) {
        fake.refuse("redirect_uri_mismatch");
        return (StatusCode::BAD_REQUEST, "redirect_uri does not match the registered one").into_response();
    }
    let state = q.get("state").cloned().unwrap_or_default();
    let back = |error: &str| redirect(&with_query(&redirect_uri, &[("error", error), ("state", &state)]));
    if q.get("response_type").map(String::as_str) != Some("code") {
        fake.refuse("response_type");
        return back("unsupported_response_type");
    }
    let challenge = q.get("code_challenge").cloned();
    match (challenge.as_ref(), q.get("code_challenge_method").map(String::as_str)) {
        (None, _) if def.oauth.as_ref().is_some_and(|o| o.pkce == PkceSupport::Required) => {
            fake.refuse("pkce_missing");
            return back("invalid_request");
        }
        (Some(_), m) if m != Some("S256") => {
            fake.refuse("pkce_method");
            return back("invalid_request");
        }
        _ => {}
    }
    if fake.take_fault(FaultTarget::Authorize) == Some(FaultKind::AccessDenied) {
        return back("access_denied");
    }
    let code = random_token("fake-code-");
    let scope = q.get("scope").cloned().unwrap_or_default();
    let mut inner = fake.lock();
    let Some(account) = inner.authorize_as.clone().or_else(|| inner.accounts.first().cloned()) else {
        drop(inner);
        fake.refuse("no_account");
        return back("access_denied");
    };
    inner.codes.insert(
        code.clone(),
        CodeGrant {
            client_id: fake.options.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            challenge,
            account,
            scope: scope.clone(),
            issued: Instant::now(),
        },
    );
    drop(inner);
    let mut pairs = vec![("code", code.as_str()), ("state", state.as_str())];
    if def.name == "strava" {
        // Strava echoes the scopes the athlete accepted.
        pairs.push(("scope", scope.as_str()));
    }
    redirect(&with_query(&redirect_uri, &pairs))
}

/// The `id:secret` of an `Authorization: Basic` header, decoded.
pub(super) fn basic_credentials(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
}

/// Checks client authentication in the provider's style (RFC 6749 §2.3.1).
/// `None` when authenticated, else the 401 to send.
fn client_refusal(fake: &Fake, headers: &HeaderMap, form: &HashMap<String, String>) -> Option<Response> {
    let style = fake.options.provider.oauth.as_ref().map_or(ClientAuth::RequestBody, |o| o.client_auth);
    let basic = basic_credentials(headers);
    let ok = match style {
        ClientAuth::Basic => {
            form.get("client_secret").is_none()
                && basic.as_deref() == Some(&format!("{}:{}", fake.options.client_id, fake.options.client_secret))
        }
        ClientAuth::RequestBody => {
            basic.is_none()
                && form.get("client_id") == Some(&fake.options.client_id)
                && form.get("client_secret") == Some(&fake.options.client_secret)
        }
    };
    if ok {
        return None;
    }
    fake.refuse("invalid_client");
    let how = match style {
        ClientAuth::Basic => "use HTTP Basic authentication with the client id and secret",
        ClientAuth::RequestBody => "send client_id and client_secret in the form body",
    };
    Some(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &format!("client authentication failed; {how}")))
}

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A fault's response at the token endpoint, if one is queued.
pub(super) async fn token_fault(kind: FaultKind) -> Response {
    match kind {
        FaultKind::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "60")],
            Json(json!({ "message": "Rate Limit Exceeded" })),
        )
            .into_response(),
        FaultKind::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
        FaultKind::Hang => {
            tokio::time::sleep(Duration::from_secs(3_600)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        FaultKind::InvalidGrant | FaultKind::AccessDenied => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "the grant is invalid (injected)")
        }
        FaultKind::Malformed => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "<html>oops</html>").into_response()
        }
        FaultKind::Truncated => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "{\"access_token\":\"fake-at-trunc")
                .into_response()
        }
    }
}

/// The token response in the provider's shape.
fn token_body(fake: &Fake, account: &str, scope: &str, access: &str, refresh: &str, ttl: u64, first: bool) -> Value {
    let def = fake.options.provider;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut body = json!({
        "token_type": "Bearer",
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": ttl,
    });
    match def.name {
        "strava" => {
            body["expires_at"] = json!(now + ttl);
            if first {
                let id = account.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::from(account));
                body["athlete"] = json!({ "id": id, "username": format!("athlete_{account}"), "firstname": "Test", "lastname": "Athlete", "resource_state": 2 });
            }
        }
        "fitbit" => {
            body["user_id"] = json!(account);
            body["scope"] = json!(scope);
        }
        _ => {
            if !scope.is_empty() {
                body["scope"] = json!(scope);
            }
        }
    }
    body
}

/// `POST /oauth/token`: authorization_code and refresh_token grants.
pub async fn token(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    let target = if grant == "refresh_token" { FaultTarget::Refresh } else { FaultTarget::Token };
    {
        let mut inner = fake.lock();
        if target == FaultTarget::Refresh {
            inner.counters.refresh += 1;
        } else {
            inner.counters.token += 1;
        }
    }
    if let Some(kind) = fake.take_fault(target) {
        return token_fault(kind).await;
    }
    if let Some(refused) = client_refusal(&fake, &headers, &form) {
        return refused;
    }
    match grant.as_str() {
        "authorization_code" => code_grant(&fake, &form),
        "refresh_token" => refresh_grant(&fake, &form),
        _ => {
            fake.refuse("unsupported_grant_type");
            oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            )
        }
    }
}

fn code_grant(fake: &Fake, form: &HashMap<String, String>) -> Response {
    let def = fake.options.provider;
    let code = form.get("code").cloned().unwrap_or_default();
    // A code is single use: taken out even when the rest of the request fails.
    let Some(grant) = fake.lock().codes.remove(&code) else {
        fake.refuse("code_unknown");
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "authorization code unknown or already used");
    };
    if grant.issued.elapsed() > CODE_LIFE {
        fake.refuse("code_expired");
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "authorization code expired");
    }
    if grant.client_id != fake.options.client_id {
        fake.refuse("code_other_client");
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "code issued to another client");
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        fake.refuse("redirect_uri_mismatch");
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri does not match the authorization request",
        );
    }
    let verifier = form.get("code_verifier");
    match (&grant.challenge, verifier) {
        (Some(challenge), Some(v)) if (43..=128).contains(&v.len()) && s256(v) == *challenge => {}
        (Some(_), _) => {
            fake.refuse("pkce_mismatch");
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "code_verifier does not match the code_challenge",
            );
        }
        (None, _) if def.oauth.as_ref().is_some_and(|o| o.pkce == PkceSupport::Required) => {
            fake.refuse("pkce_missing");
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "PKCE is required");
        }
        (None, _) => {}
    }
    issue(fake, &grant.account, &grant.scope, true)
}

pub(super) fn issue(fake: &Fake, account: &str, scope: &str, first: bool) -> Response {
    let access = random_token("fake-at-");
    let refresh = random_token("fake-rt-");
    let mut inner = fake.lock();
    let ttl = inner.access_ttl_secs;
    inner.access.insert(
        access.clone(),
        AccessGrant { account: account.into(), expires: Instant::now() + Duration::from_secs(ttl), revoked: false },
    );
    inner.refresh.insert(
        refresh.clone(),
        RefreshGrant {
            account: account.into(),
            scope: scope.into(),
            superseded: None,
            successor: None,
            revoked: false,
        },
    );
    drop(inner);
    Json(token_body(fake, account, scope, &access, &refresh, ttl, first)).into_response()
}

pub(super) fn refresh_grant(fake: &Fake, form: &HashMap<String, String>) -> Response {
    let def = fake.options.provider;
    let rotates = def.oauth.as_ref().is_some_and(|o| o.rotates_refresh_tokens);
    let presented = form.get("refresh_token").cloned().unwrap_or_default();
    let mut inner = fake.lock();
    let grace = inner.reuse_grace;
    let Some(grant) = inner.refresh.get(&presented).cloned() else {
        drop(inner);
        fake.refuse("refresh_unknown");
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "refresh token unknown");
    };
    if grant.revoked || grant.superseded.is_some_and(|at| at.elapsed() > grace) {
        // Whether the presented token is the latest one's direct predecessor.
        let predecessor = !grant.revoked
            && grant
                .successor
                .as_ref()
                .and_then(|next| inner.refresh.get(next))
                .is_some_and(|next| next.successor.is_none());
        drop(inner);
        fake.refuse("refresh_reused");
        fake.refuse(if predecessor { "refresh_reused_predecessor" } else { "refresh_reused_older" });
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "refresh token was rotated or revoked");
    }
    let access = random_token("fake-at-");
    let ttl = inner.access_ttl_secs;
    inner.access.insert(
        access.clone(),
        AccessGrant {
            account: grant.account.clone(),
            expires: Instant::now() + Duration::from_secs(ttl),
            revoked: false,
        },
    );
    let refresh = if rotates {
        let new = random_token("fake-rt-");
        if let Some(old) = inner.refresh.get_mut(&presented) {
            old.superseded.get_or_insert(Instant::now());
            old.successor.get_or_insert_with(|| new.clone());
        }
        inner.refresh.insert(
            new.clone(),
            RefreshGrant {
                account: grant.account.clone(),
                scope: grant.scope.clone(),
                superseded: None,
                successor: None,
                revoked: false,
            },
        );
        new
    } else {
        presented
    };
    drop(inner);
    Json(token_body(fake, &grant.account, &grant.scope, &access, &refresh, ttl, false)).into_response()
}

/// `/oauth/revoke` in the provider's style: Strava `POST access_token=`,
/// Fitbit RFC 7009 `POST token=` with Basic auth, WHOOP/Garmin `DELETE`
/// with the bearer, Oura `?access_token=`.
pub async fn revoke(
    State(fake): State<Arc<Fake>>,
    method: Method,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    fake.lock().counters.revoke += 1;
    if let Some(kind) = fake.take_fault(FaultTarget::Revoke) {
        return token_fault(kind).await;
    }
    let form: HashMap<String, String> =
        body.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (decode(k), decode(v))).collect();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::to_string);
    let style = fake.options.provider.oauth.as_ref().map_or(RevokeStyle::None, |o| o.revoke_style);
    let token = match style {
        RevokeStyle::FormAccessToken if method == Method::POST => form.get("access_token").cloned(),
        RevokeStyle::Rfc7009 if method == Method::POST => {
            if let Some(refused) = client_refusal(&fake, &headers, &form) {
                return refused;
            }
            form.get("token").cloned()
        }
        RevokeStyle::DeleteBearer if method == Method::DELETE => bearer,
        RevokeStyle::QueryAccessToken => query.get("access_token").cloned(),
        _ => None,
    };
    let Some(token) = token else {
        fake.refuse("revoke_style");
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "revoke request not in this provider's style");
    };
    let mut inner = fake.lock();
    let account = inner
        .access
        .get(&token)
        .map(|g| g.account.clone())
        .or_else(|| inner.refresh.get(&token).map(|g| g.account.clone()));
    let Some(account) = account else {
        // RFC 7009 §2.2: an unknown token is not an error.
        return StatusCode::OK.into_response();
    };
    // Strava's deauthorize (and the others) end every token of that account.
    for grant in inner.access.values_mut().filter(|g| g.account == account) {
        grant.revoked = true;
    }
    for grant in inner.refresh.values_mut().filter(|g| g.account == account) {
        grant.revoked = true;
    }
    if style == RevokeStyle::DeleteBearer {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::OK.into_response()
    }
}
