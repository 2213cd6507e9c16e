//! `/authorize` and `/authorize/continue`: the authorization code flow
//! (RFC 6749 §4.1) with PKCE S256 only (RFC 7636, OAuth 2.1), the RFC 8707
//! `resource`, `iss` in the response (RFC 9207) and owner consent.
//!
//! The browser cannot prove who the user is, so `/authorize` validates the
//! request and shows the consent page (client, redirect host, requested
//! Pierre user, a short code). The same-uid CLI approves it (`pierre-authd
//! approve CODE`, socket `login.approve`). The page refreshes itself to
//! `/authorize/continue?req=ID`, which answers 409 while pending and 302 to
//! the client's redirect URI once answered, so non-browser clients can poll.
//!
//! Errors before the client and its redirect URI are validated show a page
//! and never redirect (RFC 6749 §4.1.2.1, RFC 9700 §4.11: no open
//! redirector); later errors go back to the client with `error`, `state` and
//! `iss`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::consent::{AuthRequest, CONSENT_LIFE, Decision, Lookup};
use super::http::{CONSENT_TEMPLATE, check_rate, error_page, escape, page, parse_form, rate_headers};
use super::jwt::{SOCKET_AUDIENCE, is_loopback_host};
use super::store::CodeRecord;
use super::{CODE_LIFE, random_token};
use crate::clock::now_secs;
use crate::daemon::Daemon;

/// Seconds between the consent page's own refreshes.
const REFRESH_SECS: u64 = 3;

pub async fn authorize(
    State(daemon): State<Arc<Daemon>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
) -> Response {
    let decision = match check_rate(&daemon.auth.limits.authorize, peer.ip()) {
        Ok(decision) => decision,
        Err(response) => return response,
    };
    let mut response = handle(&daemon, query.unwrap_or_default()).await;
    rate_headers(&mut response, decision);
    response
}

async fn handle(daemon: &Arc<Daemon>, query: String) -> Response {
    let params = match parse_form(query.as_bytes()) {
        Ok(params) => params,
        Err(name) => {
            let message = format!("The parameter `{name}` appears twice. Start the sign-in again in the app.");
            return error_page(StatusCode::BAD_REQUEST, "Invalid sign-in request", &message);
        }
    };
    let mut request = match validate(daemon, &params).await {
        Ok(request) => request,
        Err(Invalid::Page(status, message)) => return error_page(status, "Invalid sign-in request", &message),
        Err(Invalid::Redirect { redirect_uri, state, error, description }) => {
            return redirect_to_client(
                &redirect_uri,
                state.as_deref(),
                &daemon.auth.issuer,
                Outcome::Error(error, &description),
            );
        }
    };
    if request.requested_user.is_empty() {
        let owner = match daemon.store(|store| store.list_users()).await {
            Ok(users) => users.into_iter().find(|u| u.is_owner).map(|u| u.name),
            Err(_) => None,
        };
        request.requested_user = match owner {
            Some(owner) => format!("{owner} (the owner), unless you approve with --user NAME"),
            None => "the owner, unless you approve with --user NAME".into(),
        };
    }
    let (id, code) = daemon.auth.consents.add(request.clone(), Instant::now());
    tracing::info!(client_id = %request.client_id, "authorization server: consent requested");
    consent_page(StatusCode::OK, &request, &code, &id, CONSENT_LIFE.as_secs() / 60)
}

/// Why a request was refused, and how to answer.
enum Invalid {
    Page(StatusCode, String),
    Redirect { redirect_uri: String, state: Option<String>, error: &'static str, description: String },
}

async fn validate(daemon: &Arc<Daemon>, params: &HashMap<String, String>) -> Result<AuthRequest, Invalid> {
    let Some(client_id) = params.get("client_id").cloned() else {
        return Err(Invalid::Page(
            StatusCode::BAD_REQUEST,
            "The request names no client_id. The app must register first.".into(),
        ));
    };
    let lookup_id = client_id.clone();
    let d = daemon.clone();
    let client = tokio::task::spawn_blocking(move || d.auth.store.client(&lookup_id)).await;
    let client = match client {
        Ok(Ok(Some(client))) => client,
        Ok(Ok(None)) => {
            return Err(Invalid::Page(
                StatusCode::BAD_REQUEST,
                "This app is not registered with this Pierre (unknown client_id). Start the sign-in again in the app so it registers.".into(),
            ));
        }
        _ => {
            return Err(Invalid::Page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Pierre could not read its client list; see the daemon log and retry.".into(),
            ));
        }
    };
    let Some(redirect_uri) = params.get("redirect_uri").cloned() else {
        return Err(Invalid::Page(StatusCode::BAD_REQUEST, "The request names no redirect_uri.".into()));
    };
    if !client.redirect_uris.iter().any(|registered| redirect_matches(registered, &redirect_uri)) {
        return Err(Invalid::Page(
            StatusCode::BAD_REQUEST,
            "The redirect_uri is not one this app registered, so Pierre will not send you there.".into(),
        ));
    }
    let state = params.get("state").cloned();
    let refuse = |error: &'static str, description: String| Invalid::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description,
    };
    if params.get("response_type").map(String::as_str) != Some("code") {
        return Err(refuse("unsupported_response_type", "only response_type=code is supported".into()));
    }
    match params.get("code_challenge_method").map(String::as_str) {
        Some("S256") => {}
        Some(other) => {
            return Err(refuse("invalid_request", format!("code_challenge_method `{other}` is refused; use S256")));
        }
        None => {
            return Err(refuse(
                "invalid_request",
                "PKCE is required: send code_challenge with code_challenge_method=S256".into(),
            ));
        }
    }
    let Some(challenge) = params.get("code_challenge").filter(|c| is_s256_challenge(c)).cloned() else {
        return Err(refuse(
            "invalid_request",
            "code_challenge must be the base64url SHA-256 of the code verifier (43 characters)".into(),
        ));
    };
    let resource = match params.get("resource") {
        None => {
            return Err(refuse(
                "invalid_target",
                "send `resource` (RFC 8707): the URL of the MCP server the token is for".into(),
            ));
        }
        Some(resource) if !acceptable_resource(resource) => {
            return Err(refuse(
                "invalid_target",
                "`resource` must be an absolute http(s) URL without a fragment".into(),
            ));
        }
        Some(resource) => resource.clone(),
    };
    Ok(AuthRequest {
        client_id,
        client_name: client.client_name,
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        code_challenge: challenge,
        resource,
        scope: params.get("scope").cloned(),
        requested_user: params.get("login_hint").cloned().unwrap_or_default(),
    })
}

pub async fn continue_(State(daemon): State<Arc<Daemon>>, RawQuery(query): RawQuery) -> Response {
    let params = parse_form(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let Some(id) = params.get("req") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Unknown sign-in request",
            "The link names no request. Start the sign-in again in the app.",
        );
    };
    match daemon.auth.consents.lookup(id, Instant::now()) {
        Lookup::Unknown => error_page(
            StatusCode::NOT_FOUND,
            "Unknown sign-in request",
            "This sign-in request is unknown, expired or already finished. Start the sign-in again in the app.",
        ),
        Lookup::Pending { request, short_code, left } => {
            consent_page(StatusCode::CONFLICT, &request, &short_code, id, left.as_secs().div_ceil(60))
        }
        Lookup::Decided { request, decision: Decision::Denied | Decision::Pending } => {
            tracing::info!(client_id = %request.client_id, "authorization server: consent denied or expired");
            redirect_to_client(
                &request.redirect_uri,
                request.state.as_deref(),
                &daemon.auth.issuer,
                Outcome::Error("access_denied", "the owner of this Pierre did not approve the request in time"),
            )
        }
        Lookup::Decided { request, decision: Decision::Approved { user_id } } => {
            let code = random_token(32);
            let record = CodeRecord {
                client_id: request.client_id.clone(),
                user_id,
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge.clone(),
                resource: request.resource.clone(),
                scope: request.scope.clone(),
                expires_at: now_secs() + CODE_LIFE,
            };
            let d = daemon.clone();
            let stored_code = code.clone();
            let saved = tokio::task::spawn_blocking(move || d.auth.store.put_code(&stored_code, &record)).await;
            if !matches!(saved, Ok(Ok(()))) {
                tracing::warn!("authorization server: storing an authorization code failed");
                return redirect_to_client(
                    &request.redirect_uri,
                    request.state.as_deref(),
                    &daemon.auth.issuer,
                    Outcome::Error("server_error", "Pierre could not store the authorization; try again"),
                );
            }
            tracing::info!(client_id = %request.client_id, "authorization server: code issued");
            redirect_to_client(
                &request.redirect_uri,
                request.state.as_deref(),
                &daemon.auth.issuer,
                Outcome::Code(&code),
            )
        }
    }
}

/// What goes back to the client.
enum Outcome<'a> {
    Code(&'a str),
    Error(&'a str, &'a str),
}

/// 302 to the (validated) redirect URI with the outcome, `state` and `iss`.
fn redirect_to_client(redirect_uri: &str, state: Option<&str>, issuer: &str, outcome: Outcome<'_>) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page(StatusCode::BAD_REQUEST, "Invalid sign-in request", "The app's redirect URI is not a URL.");
    };
    {
        let mut query = url.query_pairs_mut();
        match outcome {
            Outcome::Code(code) => {
                query.append_pair("code", code);
            }
            Outcome::Error(error, description) => {
                query.append_pair("error", error);
                query.append_pair("error_description", description);
            }
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    let mut response = page(StatusCode::FOUND, String::new());
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => {
            response.headers_mut().insert(header::LOCATION, location);
            response
        }
        Err(_) => {
            error_page(StatusCode::BAD_REQUEST, "Invalid sign-in request", "The app's redirect URI cannot be used.")
        }
    }
}

fn consent_page(status: StatusCode, request: &AuthRequest, code: &str, id: &str, minutes: u64) -> Response {
    let continue_url = format!("/authorize/continue?req={id}");
    let redirect_host = url::Url::parse(&request.redirect_uri)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(port) => format!("{h}:{port}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_default();
    let html = CONSENT_TEMPLATE
        .replace(
            "{{REFRESH}}",
            &format!("<meta http-equiv=\"refresh\" content=\"{REFRESH_SECS};url={}\">", escape(&continue_url)),
        )
        .replace("{{TITLE}}", "Allow this app to use Pierre?")
        .replace(
            "{{MESSAGE}}",
            &format!("{} wants to read your fitness data through Pierre.", escape(&request.client_name)),
        )
        .replace("{{CLIENT_NAME}}", &escape(&request.client_name))
        .replace("{{REDIRECT_HOST}}", &escape(&redirect_host))
        .replace("{{RESOURCE}}", &escape(&request.resource))
        .replace("{{USER}}", &escape(&request.requested_user))
        .replace("{{CODE}}", &escape(code))
        .replace("{{MINUTES}}", &minutes.max(1).to_string())
        .replace("{{CONTINUE_URL}}", &escape(&continue_url));
    page(status, html)
}

/// RFC 8252 §7.3 / RFC 9700 §2.1: exact string match, except that a
/// loopback `http` redirect may use any port.
pub fn redirect_matches(registered: &str, presented: &str) -> bool {
    if registered == presented {
        return true;
    }
    let (Ok(a), Ok(b)) = (url::Url::parse(registered), url::Url::parse(presented)) else { return false };
    a.scheme() == "http"
        && b.scheme() == "http"
        && a.host_str().is_some_and(is_loopback_host)
        && a.host_str() == b.host_str()
        && a.path() == b.path()
        && a.query() == b.query()
        && a.fragment().is_none()
        && b.fragment().is_none()
        && a.username() == b.username()
        && b.password().is_none()
}

/// An S256 challenge: 43 base64url characters (32 bytes, unpadded).
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// RFC 8707 §2: an absolute URI without a fragment; Pierre also wants
/// http(s), and never the socket's own audience.
fn acceptable_resource(resource: &str) -> bool {
    resource != SOCKET_AUDIENCE
        && url::Url::parse(resource)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none() && u.has_host())
}

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 §4.1 verifier syntax and §4.6 check.
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && s256(verifier) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(s256(verifier), challenge);
        assert!(verifier_matches(verifier, challenge));
        assert!(is_s256_challenge(challenge));
    }

    #[test]
    fn wrong_short_or_plain_verifiers_fail() {
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(!verifier_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX", challenge));
        assert!(!verifier_matches("short", &s256("short")));
        // `plain` would send the verifier as the challenge: it never matches S256.
        assert!(!verifier_matches(challenge, challenge));
        assert!(!is_s256_challenge("plain-verifier-that-is-not-a-hash"));
    }

    #[test]
    fn loopback_redirects_match_on_any_port_others_exactly() {
        assert!(redirect_matches("http://127.0.0.1:3000/callback", "http://127.0.0.1:3000/callback"));
        assert!(redirect_matches("http://127.0.0.1:3000/callback", "http://127.0.0.1:51234/callback"));
        assert!(redirect_matches("http://localhost/cb", "http://localhost:9/cb"));
        assert!(!redirect_matches("http://127.0.0.1:3000/callback", "http://127.0.0.1:3000/other"));
        assert!(!redirect_matches("http://127.0.0.1:3000/callback", "http://localhost:3000/callback"));
        assert!(!redirect_matches("https://app.example/cb", "https://app.example:444/cb"));
        assert!(!redirect_matches("https://app.example/cb", "https://app.example/cb?x=1"));
        assert!(!redirect_matches("http://127.0.0.1:3000/callback", "http://127.0.0.1:3000/callback#f"));
    }

    #[test]
    fn resources_must_be_absolute_http_urls_and_not_the_socket() {
        assert!(acceptable_resource("http://127.0.0.1:7777/mcp"));
        assert!(acceptable_resource("https://mcp.example.com/mcp"));
        assert!(!acceptable_resource(SOCKET_AUDIENCE));
        assert!(!acceptable_resource("/mcp"));
        assert!(!acceptable_resource("http://127.0.0.1/mcp#x"));
    }
}
