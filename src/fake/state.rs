//! The fake's state: what it was configured with and what it issued.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use pierre_shared::catalogue::{self, ProviderDef};
use serde::{Deserialize, Serialize};

/// Start-up options.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    pub provider: &'static ProviderDef,
    pub client_id: String,
    pub client_secret: String,
    /// Accounts that exist; `/oauth/authorize` approves for the first unless configured.
    pub accounts: Vec<String>,
    /// The registered redirect URI; `None` accepts any loopback one at
    /// `/authorize` (the token request must still repeat it exactly).
    pub redirect_uri: Option<String>,
    pub fixtures: PathBuf,
    /// Garmin's OAuth1 consumer, which legacy garth exchanges must be
    /// signed with (tests give the daemon the same pair, or a wrong one).
    pub consumer_key: String,
    pub consumer_secret: String,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            provider: catalogue::find("strava").expect("strava is in the catalogue"),
            client_id: "fake-client-id".into(),
            client_secret: "fake-client-secret".into(),
            accounts: Vec::new(),
            redirect_uri: None,
            fixtures: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")),
            consumer_key: "fake-consumer-key".into(),
            consumer_secret: "fake-consumer-secret-8c1f0e".into(),
        }
    }
}

/// A fault to inject into the next matching requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with the provider's rate-limit headers and `Retry-After`.
    RateLimited,
    /// 500.
    ServerError,
    /// Never answer (until the client gives up).
    Hang,
    /// 400 `invalid_grant` (token endpoint) or 401 (API).
    InvalidGrant,
    /// 200 with a body that is not JSON.
    Malformed,
    /// 200 with JSON cut in the middle.
    Truncated,
    /// `/authorize` redirects with `error=access_denied`.
    AccessDenied,
}

/// Which endpoint a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTarget {
    Authorize,
    Token,
    Refresh,
    Revoke,
    Api,
    /// Garmin's DI token endpoint (`/di-oauth2-service/oauth/token`).
    DiRefresh,
    /// Garmin's OAuth1 exchange (`/api/oauth-service/oauth/exchange/user/2.0`).
    Oauth1Exchange,
}

/// A legacy garth sign-in's OAuth1 token, as `/__fake/grant` registered it.
#[derive(Debug, Clone)]
pub struct Oauth1Grant {
    pub account: String,
    pub secret: String,
    pub mfa_token: Option<String>,
}

/// An issued authorization code.
#[derive(Debug, Clone)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: Option<String>,
    pub account: String,
    pub scope: String,
    pub issued: Instant,
}

/// An issued refresh token.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub account: String,
    pub scope: String,
    /// When a rotation replaced it; it is refused after `reuse_grace_ms`.
    pub superseded: Option<Instant>,
    /// The refresh token that replaced it, so a refused reuse can be told
    /// apart: the latest token's direct predecessor or an older one.
    pub successor: Option<String>,
    pub revoked: bool,
}

/// An issued access token.
#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub account: String,
    pub expires: Instant,
    pub revoked: bool,
}

/// Request counters, as `/__fake/counters` reports them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    pub authorize: u64,
    pub token: u64,
    pub refresh: u64,
    pub revoke: u64,
    pub api: u64,
    /// Refresh requests at Garmin's DI token endpoint (also counted in `refresh`).
    pub di_refresh: u64,
    /// Requests at Garmin's OAuth1 exchange (legacy garth renewals).
    pub oauth1_exchange: u64,
    /// Requests refused (any endpoint), by reason.
    pub refused: HashMap<String, u64>,
}

/// Everything mutable.
#[derive(Debug, Default)]
pub struct Inner {
    /// Accounts that exist (start-up `--account`s, or `/__fake/config`).
    pub accounts: Vec<String>,
    pub authorize_as: Option<String>,
    pub registered_redirect: Option<String>,
    pub reuse_grace: Duration,
    pub access_ttl_secs: u64,
    pub codes: HashMap<String, CodeGrant>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub access: HashMap<String, AccessGrant>,
    pub counters: Counters,
    pub faults: HashMap<FaultTarget, VecDeque<FaultKind>>,
    /// The last API requests (newest last), for tests to check what a
    /// client sent: paging parameters, `Accept-Language`, never a token.
    pub requests: VecDeque<ApiRequestSeen>,
    /// Also append ` [<account>]` to every served record's display name.
    pub tag_names: bool,
    /// Extra latency before every API answer (benchmarks' fake latency).
    pub api_delay: Duration,
    /// What API 429 faults send instead of the provider's headers
    /// (`/__fake/config` `rate_limit_headers`).
    pub rate_limit_headers: Option<Vec<(String, String)>>,
    /// Garmin DI: the client id each account's DI sign-in was issued to
    /// (`/__fake/grant` `client_id`); its refreshes must authenticate as it.
    pub di_clients: HashMap<String, String>,
    /// Garmin legacy: OAuth1 tokens by token (`/__fake/grant` `oauth1_token`).
    pub oauth1: HashMap<String, Oauth1Grant>,
    /// `token timestamp nonce` of every accepted exchange (RFC 5849 §3.3).
    pub oauth1_nonces: HashSet<String>,
}

/// How many API requests `/__fake/requests` remembers.
pub const REQUESTS_KEPT: usize = 512;

/// One API request as the fake saw it.
#[derive(Debug, Clone, Serialize)]
pub struct ApiRequestSeen {
    pub path: String,
    /// The raw query string (`page=2&per_page=30`), empty when none.
    pub query: String,
    pub accept_language: Option<String>,
    /// The account the bearer belonged to (`None` when refused).
    pub account: Option<String>,
    pub status: u16,
}

/// The fake provider.
pub struct Fake {
    pub options: FakeOptions,
    pub inner: Mutex<Inner>,
}

impl Fake {
    pub fn new(options: FakeOptions) -> Fake {
        let inner = Inner {
            accounts: options.accounts.clone(),
            registered_redirect: options.redirect_uri.clone(),
            access_ttl_secs: default_ttl(options.provider),
            ..Inner::default()
        };
        Fake { options, inner: Mutex::new(inner) }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the next queued fault for `target`, if any.
    pub fn take_fault(&self, target: FaultTarget) -> Option<FaultKind> {
        self.lock().faults.get_mut(&target).and_then(VecDeque::pop_front)
    }

    /// Counts a refusal and returns its reason for the body.
    pub fn refuse(&self, reason: &str) {
        *self.lock().counters.refused.entry(reason.to_string()).or_default() += 1;
    }
}

/// Access-token life by provider, as documented.
fn default_ttl(def: &ProviderDef) -> u64 {
    match def.name {
        "strava" => 21_600,
        "fitbit" => 28_800,
        "whoop" => 3_600,
        _ => 86_400,
    }
}

/// A random token with a readable prefix (`fake-at-…`).
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}
