//! RFC 7591 dynamic client registration, public clients only.
//!
//! Redirect URIs must be loopback `http` (any port is accepted later, RFC 8252
//! §7.3) or `https`, without a fragment. The server picks the `client_id`; a
//! client cannot choose it (RFC 9700 §4.15: no client ID spoofing).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::http::{check_rate, no_store, oauth_error, rate_headers};
use super::jwt::is_loopback_host;
use super::store::ClientRecord;
use crate::clock::now_secs;
use crate::daemon::Daemon;

/// Longest client name kept; the consent page shows it.
const MAX_NAME_CHARS: usize = 100;
/// Most redirect URIs per client.
const MAX_REDIRECT_URIS: usize = 10;

/// The registration request fields Pierre reads; others are ignored
/// (RFC 7591 §2: unknown metadata MUST be ignored).
#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    response_types: Option<Vec<String>>,
    #[serde(default)]
    scope: Option<String>,
}

pub async fn register(
    State(daemon): State<Arc<Daemon>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    let decision = match check_rate(&daemon.auth.limits.register, peer.ip()) {
        Ok(decision) => decision,
        Err(response) => return response,
    };
    let mut response = handle(&daemon, &body).await;
    rate_headers(&mut response, decision);
    response
}

async fn handle(daemon: &Arc<Daemon>, body: &[u8]) -> Response {
    let metadata: Metadata = match serde_json::from_slice(body) {
        Ok(m) => m,
        Err(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client_metadata",
                "the registration body must be a JSON object (RFC 7591) with redirect_uris",
            );
        }
    };
    if let Err((error, description)) = validate(&metadata) {
        return oauth_error(StatusCode::BAD_REQUEST, error, &description);
    }
    let client_name: String = metadata
        .client_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("Unnamed app")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let record = ClientRecord {
        client_id: super::random_token(24),
        client_name,
        redirect_uris: metadata.redirect_uris.clone(),
        created_at: now_secs(),
    };
    let stored = record.clone();
    let daemon2 = daemon.clone();
    let saved = tokio::task::spawn_blocking(move || daemon2.auth.store.put_client(&stored)).await;
    if !matches!(saved, Ok(Ok(()))) {
        tracing::warn!("authorization server: storing a registered client failed");
        return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "the client could not be stored; retry");
    }
    tracing::info!(client_id = %record.client_id, client_name = %record.client_name, "authorization server: client registered");
    let mut body = json!({
        "client_id": record.client_id,
        "client_id_issued_at": record.created_at,
        "client_name": record.client_name,
        "redirect_uris": record.redirect_uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    });
    if let Some(scope) = metadata.scope {
        body["scope"] = json!(scope);
    }
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    no_store(response.headers_mut());
    response
}

/// Checks the metadata; `Err((error, description))` per RFC 7591 §3.2.2.
fn validate(m: &Metadata) -> Result<(), (&'static str, String)> {
    if m.redirect_uris.is_empty() || m.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(("invalid_redirect_uri", format!("give 1 to {MAX_REDIRECT_URIS} redirect_uris")));
    }
    for uri in &m.redirect_uris {
        if !acceptable_redirect_uri(uri) {
            return Err((
                "invalid_redirect_uri",
                format!(
                    "redirect URI `{uri}` is refused: use http://127.0.0.1:<port>/..., http://localhost:<port>/... or an https URL, without a fragment"
                ),
            ));
        }
    }
    if let Some(method) = &m.token_endpoint_auth_method
        && method != "none"
    {
        return Err((
            "invalid_client_metadata",
            format!(
                "token_endpoint_auth_method `{method}` is not supported: Pierre registers public clients only (`none`) and relies on PKCE"
            ),
        ));
    }
    if let Some(grants) = &m.grant_types
        && let Some(bad) = grants.iter().find(|g| !matches!(g.as_str(), "authorization_code" | "refresh_token"))
    {
        return Err((
            "invalid_client_metadata",
            format!("grant type `{bad}` is not supported; use authorization_code and refresh_token"),
        ));
    }
    if let Some(types) = &m.response_types
        && let Some(bad) = types.iter().find(|t| t.as_str() != "code")
    {
        return Err(("invalid_client_metadata", format!("response type `{bad}` is not supported; use code")));
    }
    Ok(())
}

/// Loopback `http` or any `https`, absolute, no fragment, no user info.
pub fn acceptable_redirect_uri(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else { return false };
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return false;
    }
    match (url.scheme(), url.host_str()) {
        ("https", Some(_)) => true,
        ("http", Some(host)) => is_loopback_host(host),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(uris: &[&str]) -> Metadata {
        Metadata {
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            client_name: None,
            token_endpoint_auth_method: Some("none".into()),
            grant_types: None,
            response_types: None,
            scope: None,
        }
    }

    #[test]
    fn loopback_and_https_redirects_are_accepted() {
        assert!(acceptable_redirect_uri("http://127.0.0.1:3000/callback"));
        assert!(acceptable_redirect_uri("http://localhost/cb"));
        assert!(acceptable_redirect_uri("http://[::1]:9/cb"));
        assert!(acceptable_redirect_uri("https://app.example.com/cb"));
        assert!(!acceptable_redirect_uri("http://app.example.com/cb"));
        assert!(!acceptable_redirect_uri("https://app.example.com/cb#frag"));
        assert!(!acceptable_redirect_uri("javascript:alert(1)"));
        assert!(!acceptable_redirect_uri("/relative"));
        assert!(!acceptable_redirect_uri("http://user:pw@127.0.0.1/cb"));
    }

    #[test]
    fn confidential_clients_and_other_grants_are_refused() {
        assert!(validate(&metadata(&["http://127.0.0.1:1/cb"])).is_ok());
        assert_eq!(validate(&metadata(&[])).unwrap_err().0, "invalid_redirect_uri");
        let mut m = metadata(&["http://127.0.0.1:1/cb"]);
        m.token_endpoint_auth_method = Some("client_secret_basic".into());
        assert_eq!(validate(&m).unwrap_err().0, "invalid_client_metadata");
        let mut m = metadata(&["http://127.0.0.1:1/cb"]);
        m.grant_types = Some(vec!["password".into()]);
        assert_eq!(validate(&m).unwrap_err().0, "invalid_client_metadata");
        let mut m = metadata(&["http://127.0.0.1:1/cb"]);
        m.response_types = Some(vec!["token".into()]);
        assert_eq!(validate(&m).unwrap_err().0, "invalid_client_metadata");
    }
}
