//! `POST /di-oauth2-service/oauth/token`: Garmin's DI token endpoint, as
//! strict as the maintained clients' requests let it be.
//!
//! What a refresh must look like, from python-garminconnect 0.3.12
//! (`garminconnect/client.py`, `Client._refresh_di_token` and
//! `_build_basic_auth`) and garth-ng 1.1 (`src/garth/oauth.py`,
//! `_do_exchange`): a form with `grant_type=refresh_token`, `client_id` and
//! `refresh_token`, and `Authorization: Basic base64("<client_id>:")` (the
//! mobile app's client id, an empty secret). The fake also requires the
//! client id to be the one the account's sign-in was issued to
//! (`/__fake/grant` `client_id`), refuses a `client_secret` in the form,
//! and rotates the refresh token like the provider's own refresh grant
//! (a reused one is `invalid_grant`). Faults queue on target `di_refresh`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::oauth::{basic_credentials, oauth_error, refresh_grant, token_fault};
use super::state::{Fake, FaultTarget};

/// The refresh grant at the DI endpoint (see the module doc).
pub async fn token(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    {
        let mut inner = fake.lock();
        inner.counters.refresh += 1;
        inner.counters.di_refresh += 1;
    }
    if let Some(kind) = fake.take_fault(FaultTarget::DiRefresh) {
        return token_fault(kind).await;
    }
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        fake.refuse("di_unsupported_grant_type");
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "this fake's DI endpoint serves grant_type=refresh_token only",
        );
    }
    if let Some(refused) = client_refusal(&fake, &headers, &form) {
        return refused;
    }
    refresh_grant(&fake, &form)
}

/// `None` when the request authenticates as the client id the presented
/// refresh token's account was issued to, else the 401 to send.
fn client_refusal(fake: &Fake, headers: &HeaderMap, form: &HashMap<String, String>) -> Option<Response> {
    let basic = basic_credentials(headers);
    let form_id = form.get("client_id").cloned().unwrap_or_default();
    let issued_to = {
        let inner = fake.lock();
        form.get("refresh_token")
            .and_then(|rt| inner.refresh.get(rt))
            .and_then(|grant| inner.di_clients.get(&grant.account))
            .cloned()
    };
    let reason = if basic.as_deref() != Some(&format!("{form_id}:")) || form_id.is_empty() {
        Some("di_basic_auth")
    } else if form.contains_key("client_secret") {
        Some("di_client_secret_sent")
    } else if issued_to.is_some_and(|id| id != form_id) {
        Some("di_client_mismatch")
    } else {
        None
    };
    let reason = reason?;
    fake.refuse(reason);
    Some(oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "authenticate with HTTP Basic as the sign-in's client id and an empty secret, and send the same client_id in the form",
    ))
}
