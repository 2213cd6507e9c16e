//! `/__fake/`: counters, configuration and faults, for tests.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::state::{AccessGrant, Fake, FaultKind, FaultTarget, Oauth1Grant, RefreshGrant};

/// `GET /__fake/counters`.
pub async fn counters(State(fake): State<Arc<Fake>>) -> Json<Value> {
    let inner = fake.lock();
    Json(json!({
        "provider": fake.options.provider.name,
        "counters": inner.counters,
        "codes_outstanding": inner.codes.len(),
    }))
}

/// `GET /__fake/tokens`: every access and refresh token issued, with its
/// account, so a test can look for them in files and logs.
pub async fn tokens(State(fake): State<Arc<Fake>>) -> Json<Value> {
    let inner = fake.lock();
    let access: Vec<Value> = inner.access.iter().map(|(t, g)| json!({ "token": t, "account": g.account })).collect();
    let refresh: Vec<Value> = inner.refresh.iter().map(|(t, g)| json!({ "token": t, "account": g.account })).collect();
    Json(json!({ "access": access, "refresh": refresh, "client_secret": fake.options.client_secret }))
}

/// `POST /__fake/config` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Replaces the accounts that exist.
    pub accounts: Option<Vec<String>>,
    /// The account `/oauth/authorize` approves for next.
    pub authorize_as: Option<String>,
    /// The registered redirect URI (exact match).
    pub redirect_uri: Option<String>,
    /// How long a rotated refresh token still works (default 0).
    pub reuse_grace_ms: Option<u64>,
    pub access_ttl_secs: Option<u64>,
    /// Append ` [<account>]` to record names (isolation tests).
    pub tag_names: Option<bool>,
    /// Delay every API answer by this long (benchmarks).
    pub api_delay_ms: Option<u64>,
    /// The headers every later API 429 fault carries instead of the
    /// provider's own set and `Retry-After: 60`; `{}` sends none at all.
    pub rate_limit_headers: Option<BTreeMap<String, String>>,
}

pub async fn configure(State(fake): State<Arc<Fake>>, Json(config): Json<Config>) -> Response {
    let mut inner = fake.lock();
    if let Some(accounts) = config.accounts {
        inner.accounts = accounts;
    }
    if let Some(account) = &config.authorize_as
        && !inner.accounts.contains(account)
    {
        return (
            StatusCode::BAD_REQUEST,
            format!("unknown account {account}; add it with --account or `accounts` first"),
        )
            .into_response();
    }
    if config.authorize_as.is_some() {
        inner.authorize_as = config.authorize_as;
    }
    if config.redirect_uri.is_some() {
        inner.registered_redirect = config.redirect_uri;
    }
    if let Some(ms) = config.reuse_grace_ms {
        inner.reuse_grace = Duration::from_millis(ms);
    }
    if let Some(ttl) = config.access_ttl_secs {
        inner.access_ttl_secs = ttl;
    }
    if let Some(on) = config.tag_names {
        inner.tag_names = on;
    }
    if let Some(ms) = config.api_delay_ms {
        inner.api_delay = Duration::from_millis(ms);
    }
    if let Some(headers) = config.rate_limit_headers {
        inner.rate_limit_headers = Some(headers.into_iter().collect());
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /__fake/requests`: the last API requests, oldest first.
pub async fn requests(State(fake): State<Arc<Fake>>) -> Json<Value> {
    let inner = fake.lock();
    Json(json!({ "requests": inner.requests }))
}

/// `POST /__fake/grant` body: make `access_token` (and `refresh_token`)
/// valid for `account`, as if issued by a sign-in the fake cannot run
/// (Garmin's SSO: tests write these into a token directory to import).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub account: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    #[serde(default = "an_hour")]
    pub expires_in: u64,
    /// Garmin DI: the mobile-app client id the sign-in was issued to; the
    /// DI token endpoint then refreshes this account only for that id.
    pub client_id: Option<String>,
    /// Garmin legacy garth: the sign-in's OAuth1 token, its secret and its
    /// MFA token; the exchange then renews this account for that token.
    pub oauth1_token: Option<String>,
    pub oauth1_token_secret: Option<String>,
    pub mfa_token: Option<String>,
}

fn an_hour() -> u64 {
    3_600
}

pub async fn grant(State(fake): State<Arc<Fake>>, Json(grant): Json<Grant>) -> StatusCode {
    let mut inner = fake.lock();
    if !inner.accounts.contains(&grant.account) {
        inner.accounts.push(grant.account.clone());
    }
    if let Some(client_id) = &grant.client_id {
        inner.di_clients.insert(grant.account.clone(), client_id.clone());
    }
    if let (Some(token), Some(secret)) = (grant.oauth1_token, grant.oauth1_token_secret) {
        let oauth1 = Oauth1Grant { account: grant.account.clone(), secret, mfa_token: grant.mfa_token };
        inner.oauth1.insert(token, oauth1);
    }
    inner.access.insert(
        grant.access_token,
        AccessGrant {
            account: grant.account.clone(),
            expires: Instant::now() + Duration::from_secs(grant.expires_in),
            revoked: false,
        },
    );
    if let Some(refresh) = grant.refresh_token {
        inner.refresh.insert(
            refresh,
            RefreshGrant {
                account: grant.account,
                scope: String::new(),
                superseded: None,
                successor: None,
                revoked: false,
            },
        );
    }
    StatusCode::NO_CONTENT
}

/// `POST /__fake/fault` body: `count` faults of `kind` on `target`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub target: FaultTarget,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: usize,
}

fn one() -> usize {
    1
}

pub async fn fault(State(fake): State<Arc<Fake>>, Json(fault): Json<Fault>) -> StatusCode {
    let mut inner = fake.lock();
    let queue = inner.faults.entry(fault.target).or_default();
    queue.extend(std::iter::repeat_n(fault.kind, fault.count));
    StatusCode::NO_CONTENT
}
