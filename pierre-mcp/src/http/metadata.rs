//! RFC 9728 protected-resource metadata, and the `WWW-Authenticate`
//! challenges (RFC 6750 §3) that point clients at it.
//!
//! The metadata names the daemon's authorization server, so an MCP client
//! that meets a 401 can find it (PRM → RFC 8414 metadata → DCR → PKCE).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;

use super::App;

/// The scopes the daemon's authorization server offers (its RFC 8414
/// `scopes_supported`); `fitness:read` is what the tools need.
pub const SCOPES: &[&str] = &["fitness:read", "offline_access"];

/// Where this server's metadata lives (RFC 9728 §3.1: the well-known prefix
/// inserted before the resource's path).
pub fn metadata_url(origin: &str) -> String {
    format!("{origin}/.well-known/oauth-protected-resource/mcp")
}

/// The RFC 9728 §2 document.
pub fn document(resource: &str, authorization_server: &str) -> Value {
    json!({
        "resource": resource,
        "authorization_servers": [authorization_server],
        "bearer_methods_supported": ["header"],
        "scopes_supported": SCOPES,
        "resource_name": "Pierre local",
    })
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`.
pub async fn serve(State(app): State<Arc<App>>) -> Json<Value> {
    Json(document(&app.resource, &app.authorization_server))
}

/// Why a request carries no usable token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer` at all: RFC 6750 §3.1 says to send no
    /// error code then, only the challenge.
    Missing,
    /// Malformed, bad signature, expired, revoked or for another audience.
    InvalidToken,
}

/// The `WWW-Authenticate` value for a 401.
pub fn challenge(metadata_url: &str, refusal: Refusal) -> String {
    let scope = SCOPES.join(" ");
    match refusal {
        Refusal::Missing => {
            format!(r#"Bearer resource_metadata="{metadata_url}", scope="{scope}""#)
        }
        Refusal::InvalidToken => format!(
            r#"Bearer error="invalid_token", error_description="the access token is invalid, expired or not for this server", resource_metadata="{metadata_url}", scope="{scope}""#
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_names_the_resource_and_its_authorization_server() {
        let doc = document("http://127.0.0.1:8080/mcp", "http://127.0.0.1:9000");
        assert_eq!(doc["resource"], "http://127.0.0.1:8080/mcp");
        assert_eq!(doc["authorization_servers"], json!(["http://127.0.0.1:9000"]));
        assert_eq!(
            metadata_url("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp"
        );
    }

    #[test]
    fn challenges_carry_the_metadata_url_and_an_error_only_when_a_token_was_sent() {
        let url = "http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp";
        let missing = challenge(url, Refusal::Missing);
        assert!(missing.starts_with("Bearer resource_metadata=\"http://127.0.0.1:1/"), "{missing}");
        assert!(!missing.contains("error="), "{missing}");
        let invalid = challenge(url, Refusal::InvalidToken);
        assert!(invalid.starts_with("Bearer error=\"invalid_token\""), "{invalid}");
        assert!(invalid.contains(&format!("resource_metadata=\"{url}\"")), "{invalid}");
    }
}
