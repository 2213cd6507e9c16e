//! DNS-rebinding protection: every request must name a loopback `Host`,
//! and a browser's `Origin`, when present, must be a loopback origin too.
//!
//! Why: a web page on `evil.example` can make its own name resolve to
//! 127.0.0.1 and then talk to this server from the user's browser. The
//! browser still sends `Host: evil.example` and `Origin: http://evil.example`,
//! so both are checked before anything else (authentication included), and
//! the request is refused with 403. rmcp checks `Host` as well; this layer
//! also covers the metadata routes.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Loopback host names (without port) a request may name.
const LOOPBACK: &[&str] = &["127.0.0.1", "localhost", "[::1]", "::1"];

/// The host part of a `Host` header or URL authority, port removed.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        // [::1]:8080 -> [::1]
        return match rest.find(']') {
            Some(end) => &authority[..end + 2],
            None => authority,
        };
    }
    authority.split(':').next().unwrap_or(authority)
}

fn is_loopback_authority(authority: &str) -> bool {
    let host = host_name(authority.trim()).to_ascii_lowercase();
    LOOPBACK.contains(&host.as_str())
}

/// `Host` missing or not loopback.
pub fn host_refused(headers: &HeaderMap) -> bool {
    match headers.get(header::HOST).map(|v| v.to_str()) {
        Some(Ok(host)) => !is_loopback_authority(host),
        _ => true,
    }
}

/// `Origin` present and not an `http(s)` loopback origin (any port: the
/// page of a local tool, never a remote site). `Origin: null` is refused.
pub fn origin_refused(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    match authority {
        Some(authority) if !authority.contains('/') => !is_loopback_authority(authority),
        _ => true,
    }
}

/// The middleware: 403 for a foreign `Host` or `Origin`.
pub async fn check(request: Request, next: Next) -> Response {
    let headers = request.headers();
    if host_refused(headers) {
        tracing::warn!(host = ?headers.get(header::HOST), "refused a request for a foreign Host (DNS rebinding?)");
        return forbidden("Forbidden: this server answers only requests for a loopback Host.");
    }
    if origin_refused(headers) {
        tracing::warn!(origin = ?headers.get(header::ORIGIN), "refused a request from a foreign Origin");
        return forbidden("Forbidden: this server answers only loopback Origins.");
    }
    next.run(request).await
}

fn forbidden(text: &'static str) -> Response {
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], Body::from(text)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn loopback_hosts_pass_and_others_are_refused() {
        for host in ["127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]:9"] {
            assert!(!host_refused(&headers(&[(header::HOST, host)])), "{host}");
        }
        for host in ["evil.example.com", "evil.example.com:8080", "127.0.0.1.evil.com", "[::2]:1", "0.0.0.0:1"] {
            assert!(host_refused(&headers(&[(header::HOST, host)])), "{host}");
        }
        assert!(host_refused(&HeaderMap::new()), "no Host at all");
    }

    #[test]
    fn origins_must_be_loopback_when_present() {
        assert!(!origin_refused(&HeaderMap::new()));
        for origin in ["http://127.0.0.1:3000", "http://localhost", "https://[::1]:8443"] {
            assert!(!origin_refused(&headers(&[(header::ORIGIN, origin)])), "{origin}");
        }
        for origin in ["http://evil.example.com", "null", "file://", "http://localhost.evil.com", "ftp://127.0.0.1"] {
            assert!(origin_refused(&headers(&[(header::ORIGIN, origin)])), "{origin}");
        }
    }
}
