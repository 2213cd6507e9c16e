//! HTTP plumbing of the authorization server: the Host check and security
//! headers around every route, RFC 6749 error bodies, rate-limit headers and
//! HTML pages.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::ratelimit::{Decision, RateLimiter};
use crate::daemon::Daemon;

/// The consent page template (self-contained: no external assets).
pub const CONSENT_TEMPLATE: &str = include_str!("../../../../templates/consent.html");

/// Refuses a request whose `Host` is not this listener (DNS rebinding: a web
/// page that resolves its own name to 127.0.0.1 must not reach the AS), and
/// adds headers every answer carries: no framing (RFC 9700 §4.16), no
/// sniffing, no referrer, no caching.
pub async fn guard(State(daemon): State<Arc<Daemon>>, request: Request, next: Next) -> Response {
    let port = daemon.auth.port.unwrap_or(0);
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    let mut response = match host {
        Some(host) if host_allowed(host, port) => next.run(request).await,
        _ => {
            tracing::warn!(
                host = host.unwrap_or("(none)"),
                "authorization server: request with a foreign Host refused"
            );
            (
                StatusCode::MISDIRECTED_REQUEST,
                "This is Pierre's local authorization server; it answers only to http://127.0.0.1 on its own port.\n",
            )
                .into_response()
        }
    };
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

pub use crate::oauth::loopback::host_allowed;

/// 404 for every unknown path.
pub async fn not_found() -> Response {
    oauth_error(
        StatusCode::NOT_FOUND,
        "not_found",
        "there is no such endpoint; see /.well-known/oauth-authorization-server",
    )
}

/// An RFC 6749 §5.2 error body: `{error, error_description}`, no caching.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({ "error": error, "error_description": description });
    let mut response = (status, axum::Json(body)).into_response();
    no_store(response.headers_mut());
    response
}

/// An RFC 6749 §5.2 error not yet turned into a response (small, so
/// handlers can return it in a `Result`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError { status, error, description: description.into() }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        oauth_error(self.status, self.error, &self.description)
    }
}

/// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1).
pub fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// Counts a request against `limiter`; `Err` is the 429 to send.
#[allow(clippy::result_large_err)] // the error is the response itself
pub fn check_rate(limiter: &RateLimiter, ip: IpAddr) -> Result<Decision, Response> {
    let decision = limiter.check(ip, Instant::now());
    if decision.allowed {
        return Ok(decision);
    }
    tracing::warn!(%ip, "authorization server: rate limit reached");
    let mut response = oauth_error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        &format!("too many requests from this address; retry in {} s", decision.reset_secs),
    );
    rate_headers(&mut response, decision);
    if let Ok(value) = HeaderValue::from_str(&decision.reset_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Err(response)
}

/// Adds `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds).
pub fn rate_headers(response: &mut Response, decision: Decision) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", u64::from(decision.limit)),
        ("x-ratelimit-remaining", u64::from(decision.remaining)),
        ("x-ratelimit-reset", decision.reset_secs),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}

/// An HTML page with `status`.
pub fn page(status: StatusCode, html: String) -> Response {
    let mut response = Response::new(Body::from(html));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

/// A short page for requests that cannot go back to the client (unknown
/// client, bad redirect URI, expired request): never redirect to an
/// unvalidated URI (RFC 9700 §4.11).
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Pierre</title>\
         <style>body{{font:17px/1.55 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1.2rem}}</style>\
         </head><body><h1>{title}</h1><p>{message}</p></body></html>",
        title = escape(title),
        message = escape(message)
    );
    page(status, html)
}

pub use crate::oauth::loopback::escape_html as escape;

/// Parses `application/x-www-form-urlencoded` (a query or a body), refusing
/// a parameter given twice (RFC 6749 §3.1).
///
/// # Errors
/// The name of the repeated parameter.
pub fn parse_form(bytes: &[u8]) -> Result<std::collections::HashMap<String, String>, String> {
    let mut params = std::collections::HashMap::new();
    for (name, value) in url::form_urlencoded::parse(bytes) {
        if params.insert(name.to_string(), value.to_string()).is_some() {
            return Err(name.to_string());
        }
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_host_and_port_pass() {
        assert!(host_allowed("127.0.0.1:8082", 8082));
        assert!(host_allowed("LOCALHOST:8082", 8082));
        assert!(!host_allowed("127.0.0.1:8083", 8082));
        assert!(!host_allowed("evil.example:8082", 8082));
        assert!(!host_allowed("127.0.0.1", 8082));
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape("<b a=\"1\">'&"), "&lt;b a=&quot;1&quot;&gt;&#39;&amp;");
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert_eq!(parse_form(b"a=1&b=2").unwrap().len(), 2);
        assert_eq!(parse_form(b"a=1&a=2"), Err("a".into()));
    }

    #[test]
    fn the_consent_template_has_every_placeholder_and_no_external_asset() {
        for slot in
            ["{{TITLE}}", "{{MESSAGE}}", "{{CLIENT_NAME}}", "{{USER}}", "{{CODE}}", "{{CONTINUE_URL}}", "{{REFRESH}}"]
        {
            assert!(CONSENT_TEMPLATE.contains(slot), "{slot} missing");
        }
        assert!(!CONSENT_TEMPLATE.contains("src="), "external asset");
        assert!(!CONSENT_TEMPLATE.contains("http://") && !CONSENT_TEMPLATE.contains("https://"));
    }
}
