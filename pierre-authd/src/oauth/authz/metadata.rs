//! RFC 8414 authorization server metadata (also served at the OIDC
//! discovery path, which MCP clients try second) and the JWKS.
//!
//! Client ID Metadata Documents are not supported yet, so
//! `client_id_metadata_document_supported` is absent: clients register
//! through `/register` (RFC 7591).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AuthServer;
use crate::daemon::Daemon;

/// The metadata document for `auth`.
pub fn document(auth: &AuthServer) -> Value {
    json!({
        "issuer": auth.issuer,
        "authorization_endpoint": auth.url("/authorize"),
        "token_endpoint": auth.url("/token"),
        "registration_endpoint": auth.url("/register"),
        "revocation_endpoint": auth.url("/revoke"),
        "jwks_uri": auth.url("/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": ["fitness:read", "offline_access"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
    })
}

pub async fn authorization_server(State(daemon): State<Arc<Daemon>>) -> Response {
    Json(document(&daemon.auth)).into_response()
}

pub async fn openid_configuration(State(daemon): State<Arc<Daemon>>) -> Response {
    Json(document(&daemon.auth)).into_response()
}

pub async fn jwks(State(daemon): State<Arc<Daemon>>) -> Response {
    Json(daemon.auth.keys.jwks()).into_response()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::TestStore;
    use super::super::{AuthServer, AuthServerConfig, RateLimits};
    use super::*;

    #[test]
    fn metadata_names_every_endpoint_under_the_issuer_and_only_s256() {
        let test = TestStore::new();
        let config = AuthServerConfig { port: 0, rate_limits: RateLimits::default() };
        let auth = AuthServer::open(test.store(), &test.paths.state_db(), &config, Some(8082), 1000).unwrap();
        let doc = document(&auth);
        assert_eq!(doc["issuer"], "http://127.0.0.1:8082");
        for (field, path) in [
            ("authorization_endpoint", "/authorize"),
            ("token_endpoint", "/token"),
            ("registration_endpoint", "/register"),
            ("revocation_endpoint", "/revoke"),
            ("jwks_uri", "/jwks.json"),
        ] {
            assert_eq!(doc[field], format!("http://127.0.0.1:8082{path}"), "{field}");
        }
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(doc["response_types_supported"], json!(["code"]));
        assert_eq!(doc["token_endpoint_auth_methods_supported"], json!(["none"]));
        assert_eq!(doc["authorization_response_iss_parameter_supported"], json!(true));
        assert!(doc.get("client_id_metadata_document_supported").is_none());
    }
}
