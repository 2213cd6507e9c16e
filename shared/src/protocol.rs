//! The daemon's socket protocol: newline-delimited JSON-RPC 2.0.
//!
//! One request or response per line, UTF-8, at most [`MAX_LINE_BYTES`].
//! Many requests may be in flight on one connection; answers are matched by
//! `id`. The first request on a connection must be `daemon.hello`, which
//! resolves the connection to exactly one Pierre user.
//!
//! Owner connections (same uid, no token) may add a `user` member to any
//! request's params to act on another Pierre user; the daemon resolves it at
//! the edge, before a handler runs.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ErrorCode;

mod settings;
pub use settings::{SettingsGetResult, SettingsSetParams, SettingsSetResult};

/// Protocol versions this build speaks, newest first.
pub const PROTOCOL_VERSIONS: &[u32] = &[1];

/// Longest accepted line, in bytes, excluding the newline. Long enough for
/// any real request, short enough that a hostile peer cannot balloon memory.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Method names, one constant each so a typo is a compile error.
pub mod method {
    pub const HELLO: &str = "daemon.hello";
    pub const STATUS: &str = "daemon.status";
    pub const SHUTDOWN: &str = "daemon.shutdown";
    pub const USERS_ADD: &str = "users.add";
    pub const USERS_LIST: &str = "users.list";
    pub const USERS_REMOVE: &str = "users.remove";
    pub const USERS_RENAME: &str = "users.rename";
    pub const PROVIDERS_LIST: &str = "providers.list";
    pub const CONNECTIONS_LIST: &str = "connections.list";
    pub const CONNECTIONS_BEGIN: &str = "connections.begin";
    pub const CONNECTIONS_WAIT: &str = "connections.wait";
    pub const CONNECTIONS_DISCONNECT: &str = "connections.disconnect";
    pub const CONNECTIONS_IMPORT: &str = "connections.import";
    pub const TOKENS_GET: &str = "tokens.get";
    pub const USAGE_REPORT: &str = "usage.report";
    pub const APPS_SET: &str = "apps.set";
    pub const APPS_REMOVE: &str = "apps.remove";
    pub const EVENTS_SUBSCRIBE: &str = "events.subscribe";
    pub const PURGE: &str = "daemon.purge";
    pub const LOGIN_APPROVE: &str = "login.approve";
    pub const AUTH_RESOLVE: &str = "auth.resolve";
    pub const AUTH_TOKEN: &str = "auth.token";
    pub const KEYS_ROTATE: &str = "keys.rotate";
    pub const SETTINGS_GET: &str = "settings.get";
    pub const SETTINGS_SET: &str = "settings.set";
}

/// A request id: JSON-RPC allows numbers and strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    Number(i64),
    String(String),
}

/// A JSON-RPC request as sent by a client. Its params may hold a token or
/// a client secret, so `Debug` shows only the id and method.
#[derive(Clone, Serialize, Deserialize)]
pub struct Request {
    pub jsonrpc: String,
    pub id: RequestId,
    pub method: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub params: Value,
}

/// The error object of a JSON-RPC response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    /// JSON-RPC numeric code, derived from `data.code`.
    pub code: i64,
    /// One sentence: what happened and what to do next.
    pub message: String,
    pub data: ErrorData,
}

/// Machine-readable detail of an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorData {
    /// The stable snake_case code.
    pub code: ErrorCode,
    /// Seconds to wait before retrying, for `rate_limited` and similar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// The provider concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl RpcError {
    /// An error with a code and an actionable sentence.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: code.rpc_code(),
            message: message.into(),
            data: ErrorData { code, retry_after_secs: None, provider: None },
        }
    }

    /// Adds the provider concerned.
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.data.provider = Some(provider.into());
        self
    }

    /// Adds how long to wait.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.data.retry_after_secs = Some(secs);
        self
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RpcError {}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request").field("id", &self.id).field("method", &self.method).finish_non_exhaustive()
    }
}

/// A JSON-RPC response line. `id` is null only when the request's id could
/// not be read (parse errors, oversize lines). A result may hold a token, so
/// `Debug` shows only the id and the error.
#[derive(Clone, Serialize, Deserialize)]
pub struct Response {
    pub jsonrpc: String,
    pub id: Option<RequestId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RpcError>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("id", &self.id)
            .field("has_result", &self.result.is_some())
            .field("error", &self.error)
            .finish()
    }
}

impl Response {
    pub fn ok(id: RequestId, result: Value) -> Self {
        Self { jsonrpc: "2.0".into(), id: Some(id), result: Some(result), error: None }
    }

    pub fn err(id: Option<RequestId>, error: RpcError) -> Self {
        Self { jsonrpc: "2.0".into(), id, result: None, error: Some(error) }
    }
}

/// Who is calling, for logs and `daemon.status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    pub name: String,
    pub version: String,
}

/// `daemon.hello` params. `Debug` never shows the token.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelloParams {
    /// Versions the client speaks; the daemon picks the highest it shares.
    pub protocol_versions: Vec<u32>,
    pub client: ClientInfo,
    /// A socket JWT (`aud` = `urn:pierre:authd`, from `pierre-authd token`)
    /// pinning this connection to the Pierre user it names: such a
    /// connection is not an administrator and may not name another user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// For owner connections: the Pierre user (name or id) this connection
    /// acts for by default. Absent means the owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

impl std::fmt::Debug for HelloParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HelloParams")
            .field("protocol_versions", &self.protocol_versions)
            .field("client", &self.client)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("user", &self.user)
            .finish()
    }
}

/// `daemon.hello` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloResult {
    pub protocol_version: u32,
    pub daemon_version: String,
    pub user_id: String,
    pub user_name: String,
}

/// `daemon.status` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusResult {
    pub daemon_version: String,
    pub pid: u32,
    pub socket: String,
    /// Which backend holds the master key: `env`, `secret-service` or `file`.
    pub key_backend: String,
    pub users: u64,
    pub connections: u64,
    /// Users whose vault could not be read (damaged or tampered), with the
    /// reason; their connections are not in `connections`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable_vaults: Vec<UnreadableVault>,
    pub open_socket_connections: u64,
    pub uptime_secs: u64,
    /// Loopback ports the daemon listens on, by purpose (none yet before the
    /// OAuth issues: `oauth_callback`, `authorization_server`).
    pub ports: std::collections::BTreeMap<String, u16>,
    /// Provider rate-limit windows in use: app-wide ones and, for an
    /// administrator, every user's (otherwise only the caller's).
    #[serde(default)]
    pub rate_limits: Vec<RateLimitBudget>,
}

/// A user's vault `daemon.status` could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadableVault {
    pub user: String,
    /// What went wrong, and what to run.
    pub error: String,
}

/// One provider rate-limit window as the daemon tracks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitBudget {
    pub provider: String,
    /// `app` (shared by every user of the provider app) or `user`.
    pub scope: String,
    /// The user, for per-user windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub window_secs: u64,
    pub limit: u32,
    pub used: u32,
    /// Seconds since the Unix epoch.
    pub resets_at: i64,
}

/// `usage.report` params: one provider API answer, as pierre-mcp saw it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageReportParams {
    pub provider: String,
    /// The HTTP status of the provider's answer.
    pub status: u16,
    /// Its rate-limit headers (any case; others are ignored).
    #[serde(default)]
    pub headers: std::collections::HashMap<String, String>,
}

/// `usage.report` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReportResult {
    pub recorded: bool,
    /// Set while a wait applies (the provider's `Retry-After`, else the
    /// reset of a window its usage headers show spent): wait this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

/// A Pierre user as shown to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub user_id: String,
    pub name: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    pub is_owner: bool,
}

/// `users.add` params.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersAddParams {
    pub name: String,
}

/// `users.remove` params: `target` is a name or a user id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersRemoveParams {
    pub target: String,
}

/// `users.rename` params.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersRenameParams {
    pub target: String,
    pub new_name: String,
}

/// `users.list` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersListResult {
    pub users: Vec<UserInfo>,
}

/// State of one (user, provider) connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    Connected,
    NeedsReconnect,
}

/// One provider connection of the resolved user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConnectionInfo {
    pub provider: String,
    pub state: ConnectionState,
    /// Changes on every (re)connect: caches key on it so a reconnect to
    /// another account never serves the previous account's data.
    pub connection_id: String,
    /// The provider's account id, when known.
    pub account_id: Option<String>,
    /// Seconds since the Unix epoch.
    pub connected_at: i64,
}

/// `connections.list` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionsListResult {
    pub user_id: String,
    pub connections: Vec<ConnectionInfo>,
}

/// `tokens.get` params.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensGetParams {
    pub provider: String,
    #[serde(default)]
    pub force_refresh: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_token_sha256: Option<String>,
}

/// `connections.disconnect` params.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionsDisconnectParams {
    pub provider: String,
}

/// How the revoke at the provider went (best effort: the local tokens are
/// deleted whatever it says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevokeOutcome {
    /// The provider confirmed.
    Revoked,
    /// The provider refused or could not be reached; `revoke_message` says more.
    Failed,
    /// The provider has no revoke endpoint (or is embedded): nothing to do.
    NotApplicable,
}

/// `connections.disconnect` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionsDisconnectResult {
    pub provider: String,
    /// `false` when there was no such connection (nothing was done).
    pub disconnected: bool,
    /// The connection that was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    pub revoke: RevokeOutcome,
    /// Why a revoke failed, and what to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_message: Option<String>,
}

/// `connections.import` params: a sign-in made elsewhere, handed to the
/// daemon once over the peer-checked socket and stored sealed in the
/// resolved user's vault. Only `garmin` imports today, in one of two
/// shapes: `di` (the DI OAuth2 tokens python-garminconnect 0.3 and
/// garth-ng write, which the daemon refreshes), or the legacy garth pair
/// `oauth1` + `oauth2` (kept working for callers written before `di`
/// existed; not refreshable without a consumer). `Debug` shows no token.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionsImportParams {
    pub provider: String,
    /// `oauth1_token.json` (legacy garth pair).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth1: Option<GarminOauth1Token>,
    /// `oauth2_token.json` (legacy garth pair).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<GarminOauth2Token>,
    /// A DI OAuth2 sign-in (python-garminconnect's `garmin_tokens.json`,
    /// garth-ng's `oauth2_token.json` with its `client_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub di: Option<ConnectionsImportDi>,
}

impl std::fmt::Debug for ConnectionsImportParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionsImportParams")
            .field("provider", &self.provider)
            .field("oauth1", &self.oauth1)
            .field("oauth2", &self.oauth2)
            .field("di", &self.di)
            .finish()
    }
}

/// Which Python client wrote a DI sign-in; only shown back to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionsImportLayout {
    /// `garmin_tokens.json`: `di_token`, `di_refresh_token`, `di_client_id`.
    PythonGarminconnect,
    /// `oauth2_token.json` with `client_id` (and no `oauth1_token.json`).
    GarthNg,
}

/// A DI OAuth2 sign-in: what Garmin's DI token endpoint issued to the
/// mobile-app client id the sign-in used. The client id is needed again
/// for every refresh (HTTP Basic `client_id:` and the form), so it travels
/// with the tokens. Times are seconds since the Unix epoch; absent when
/// the writer did not record them (python-garminconnect keeps only the
/// tokens; the CLI reads the access token's JWT `exp` when it can).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionsImportDi {
    pub layout: ConnectionsImportLayout,
    pub client_id: String,
    pub access_token: String,
    pub refresh_token: String,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub refresh_token_expires_at: Option<i64>,
}

impl std::fmt::Debug for ConnectionsImportDi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionsImportDi")
            .field("layout", &self.layout)
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .field("refresh_token_expires_at", &self.refresh_token_expires_at)
            .finish_non_exhaustive()
    }
}

/// garth's `oauth1_token.json`: the long-lived SSO token garth trades for
/// new OAuth2 tokens (a signed exchange Pierre does not do; kept sealed so a
/// later version can). Unknown members are ignored: garth may add some.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct GarminOauth1Token {
    pub oauth_token: String,
    pub oauth_token_secret: String,
    #[serde(default)]
    pub mfa_token: Option<String>,
    /// garth writes an ISO-like date string; kept as given.
    #[serde(default)]
    pub mfa_expiration_timestamp: Option<Value>,
    /// `garmin.com`, or `garmin.cn` for accounts in China (another API host).
    #[serde(default)]
    pub domain: Option<String>,
}

impl std::fmt::Debug for GarminOauth1Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GarminOauth1Token").field("domain", &self.domain).finish_non_exhaustive()
    }
}

/// garth's `oauth2_token.json`: the bearer token the Garmin Connect API
/// takes. Times are seconds since the Unix epoch (integers, or floats some
/// writers produce).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct GarminOauth2Token {
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub jti: Option<String>,
    #[serde(default)]
    pub token_type: Option<String>,
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default, deserialize_with = "epoch_secs::option")]
    pub expires_in: Option<i64>,
    #[serde(deserialize_with = "epoch_secs::required")]
    pub expires_at: i64,
    #[serde(default, deserialize_with = "epoch_secs::option")]
    pub refresh_token_expires_in: Option<i64>,
    #[serde(default, deserialize_with = "epoch_secs::option")]
    pub refresh_token_expires_at: Option<i64>,
}

impl std::fmt::Debug for GarminOauth2Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GarminOauth2Token")
            .field("scope", &self.scope)
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("refresh_token_expires_at", &self.refresh_token_expires_at)
            .finish_non_exhaustive()
    }
}

/// Whole seconds from a JSON integer or a finite float (`1700000000.0`).
mod epoch_secs {
    use serde::{Deserialize, Deserializer};
    use serde_json::Number;

    fn from_number<E: serde::de::Error>(n: &Number) -> Result<i64, E> {
        if let Some(i) = n.as_i64() {
            return Ok(i);
        }
        match n.as_f64() {
            // Beyond ±2^62 no real time lies; refuse rather than saturate.
            Some(f) if f.is_finite() && f.abs() < 4.6e18 => Ok(f.trunc() as i64),
            _ => Err(E::custom("a time out of range")),
        }
    }

    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        from_number(&Number::deserialize(d)?)
    }

    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Option::<Number>::deserialize(d)?.as_ref().map(from_number).transpose()
    }
}

/// `connections.import` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionsImportResult {
    /// The new connection (a new `connection_id`, the account id the
    /// provider's profile named).
    pub connection: ConnectionInfo,
    /// A previous connection to the provider was replaced.
    pub replaced: bool,
    /// When the imported access token expires, seconds since the Unix epoch.
    pub expires_at: Option<i64>,
    /// The daemon refreshes this sign-in by itself (a DI import); `false`
    /// for a legacy garth pair, which needs a re-import after `expires_at`.
    #[serde(default)]
    pub refreshes: bool,
    /// When the refresh token itself ends, where the writer or Garmin said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_expires_at: Option<i64>,
}

/// `tokens.get` result: what a caller needs for one provider API request.
/// Never the refresh token: it stays in the daemon. `Debug` hides the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensGetResult {
    pub access_token: String,
    /// Seconds since the Unix epoch, when the provider said.
    pub expires_at: Option<i64>,
    /// Where this provider's API lives (overrides applied).
    pub api_base: String,
    /// Changes on every (re)connect: key caches on it.
    pub connection_id: String,
    pub account_id: Option<String>,
}

impl std::fmt::Debug for TokensGetResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokensGetResult")
            .field("expires_at", &self.expires_at)
            .field("api_base", &self.api_base)
            .field("connection_id", &self.connection_id)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

/// One catalogue provider as `providers.list` shows it. Never a client
/// secret: only its SHA-256 fingerprint (first 8 hex digits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInfo {
    pub name: String,
    pub display_name: String,
    /// Whether connecting needs OAuth app credentials (`synthetic` does not).
    pub needs_app: bool,
    /// Whether a connect can start now.
    pub configured: bool,
    pub client_id: Option<String>,
    /// Where the client id came from (`env STRAVA_CLIENT_ID`, `config.toml`, ...).
    pub client_id_source: Option<String>,
    pub client_secret_fingerprint: Option<String>,
    pub client_secret_source: Option<String>,
    /// The redirect URI to register with the provider.
    pub redirect_uri: Option<String>,
    pub api_base: String,
    /// Variables still to set, when not configured.
    pub missing: Vec<String>,
    /// One sentence: exactly what to set or run, when not configured.
    pub how_to_configure: Option<String>,
    /// Where to register an app, and what to choose there.
    pub register_at: Option<String>,
    pub register_hint: Option<String>,
    /// How to connect without registering an app (Garmin: import a sign-in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_app: Option<String>,
    /// Garmin: the OAuth1 consumer that renews legacy garth sign-ins
    /// (`apps set garmin-connect`), shown like an app: never its secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<ConsumerInfo>,
}

/// A provider's OAuth1 consumer as `providers.list` shows it (Garmin's, for
/// the legacy garth exchange). Never the secret: only its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerInfo {
    /// The name `apps set` stores it under (`garmin-connect`).
    pub name: String,
    pub configured: bool,
    pub key: Option<String>,
    pub key_source: Option<String>,
    pub secret_fingerprint: Option<String>,
    pub secret_source: Option<String>,
    /// One sentence: what to set or run, when not configured.
    pub how_to_configure: Option<String>,
}

/// `providers.list` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvidersListResult {
    pub providers: Vec<ProviderInfo>,
}

/// `connections.begin` params.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionsBeginParams {
    pub provider: String,
}

/// `connections.begin` result: the URL to open, or (for providers without
/// OAuth, such as `synthetic`) the connection made at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionsBeginResult {
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// When the sign-in link stops working, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<ConnectionInfo>,
    /// True when the provider was already connected and nothing changed.
    #[serde(default)]
    pub already_connected: bool,
}

/// `connections.wait` params.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionsWaitParams {
    pub provider: String,
    /// How long to wait for the callback; the daemon caps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

/// `apps.set` params (owner only). The secret travels over the peer-checked
/// socket once and is stored sealed; `Debug` does not show it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppsSetParams {
    pub provider: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for AppsSetParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppsSetParams")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// `apps.set` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppsSetResult {
    pub provider: String,
    pub client_id: String,
    pub client_secret_fingerprint: String,
    /// The redirect URI to register with the provider.
    pub redirect_uri: String,
}

/// `apps.remove` params (owner only): forget the app `apps.set` stored for
/// `provider`. Apps from the environment or `config.toml` are not touched.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppsRemoveParams {
    pub provider: String,
}

/// `apps.remove` result: whether a stored app was there to remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppsRemoveResult {
    pub provider: String,
    pub removed: bool,
}

/// `login.approve` params (owner connections only): the short code the
/// authorization server's consent page shows. The connection's user (its
/// hello `user`, or a `user` param) is who the tokens will name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginApproveParams {
    pub code: String,
    /// Refuse the request instead.
    #[serde(default)]
    pub deny: bool,
}

/// `login.approve` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginApproveResult {
    pub approved: bool,
    pub client_name: String,
    /// The MCP server (RFC 8707 resource) the tokens are for.
    pub resource: String,
    pub user_id: String,
    pub user_name: String,
}

/// `auth.resolve` params: a bearer token and the resource it is presented to.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthResolveParams {
    pub token: String,
    pub resource: String,
}

impl std::fmt::Debug for AuthResolveParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthResolveParams").field("resource", &self.resource).finish_non_exhaustive()
    }
}

/// `auth.resolve` result: who the token names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthResolveResult {
    pub user_id: String,
    pub user_name: String,
    /// Seconds since the Unix epoch.
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// `auth.token` params (owner connections only): a socket JWT for the
/// connection's user.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthTokenParams {
    /// Life in seconds; default one hour, at most 90 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_secs: Option<i64>,
}

/// `auth.token` result. `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokenResult {
    pub token: String,
    pub expires_at: i64,
    pub user_id: String,
    pub user_name: String,
}

impl std::fmt::Debug for AuthTokenResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthTokenResult")
            .field("expires_at", &self.expires_at)
            .field("user_id", &self.user_id)
            .field("user_name", &self.user_name)
            .finish_non_exhaustive()
    }
}

/// `keys.rotate` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysRotateResult {
    /// The new signing key's id.
    pub kid: String,
    /// Old keys kept because tokens they signed may still be valid.
    pub kept: u64,
    /// Old keys removed because nothing they signed can still be valid.
    pub dropped: u64,
}

#[cfg(test)]
#[path = "protocol_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_response_carries_code_and_sentence() {
        let r = Response::err(
            Some(RequestId::Number(7)),
            RpcError::new(
                ErrorCode::NotConnected,
                "No Strava connection for user alice. Run `pierre-authd connect strava`.",
            )
            .with_provider("strava"),
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["error"]["code"], json!(-32000));
        assert_eq!(v["error"]["data"]["code"], json!("not_connected"));
        assert_eq!(v["error"]["data"]["provider"], json!("strava"));
        assert_eq!(v["id"], json!(7));
        assert!(v.get("result").is_none());
    }

    #[test]
    fn ids_may_be_strings_or_numbers() {
        let a: Request = serde_json::from_str(r#"{"jsonrpc":"2.0","id":"x","method":"m"}"#).unwrap();
        assert_eq!(a.id, RequestId::String("x".into()));
        let b: Request = serde_json::from_str(r#"{"jsonrpc":"2.0","id":3,"method":"m","params":{}}"#).unwrap();
        assert_eq!(b.id, RequestId::Number(3));
    }

    #[test]
    fn request_and_response_debug_hide_params_and_results() {
        let request = Request {
            jsonrpc: "2.0".into(),
            id: RequestId::Number(1),
            method: "apps.set".into(),
            params: json!({"client_secret": "very-secret-value"}),
        };
        let response = Response::ok(RequestId::Number(1), json!({"token": "very-secret-value"}));
        let shown = format!("{request:?} {response:?}");
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(shown.contains("apps.set"));
    }

    #[test]
    fn hello_debug_never_shows_the_token() {
        let hello = HelloParams {
            protocol_versions: vec![1],
            client: ClientInfo { name: "t".into(), version: "0".into() },
            token: Some("eyJhbGciOiJFUzI1NiJ9.secret-part".into()),
            user: None,
        };
        let shown = format!("{hello:?}");
        assert!(!shown.contains("secret-part"), "{shown}");
        assert!(shown.contains("REDACTED"));
    }

    #[test]
    fn garmin_token_files_parse_as_garth_writes_them_and_debug_hides_tokens() {
        let oauth1: GarminOauth1Token = serde_json::from_value(json!({
            "oauth_token": "o1-token", "oauth_token_secret": "o1-secret", "mfa_token": null,
            "mfa_expiration_timestamp": "2024-08-02 05:56:10.000", "domain": "garmin.com", "later": 1
        }))
        .unwrap();
        assert_eq!(oauth1.domain.as_deref(), Some("garmin.com"));
        let oauth2: GarminOauth2Token = serde_json::from_value(json!({
            "scope": "CONNECT_READ", "jti": "j", "token_type": "Bearer", "access_token": "o2-access",
            "refresh_token": "o2-refresh", "expires_in": 3599, "expires_at": 1700003599.75,
            "refresh_token_expires_in": 7199, "refresh_token_expires_at": 1700007199
        }))
        .unwrap();
        assert_eq!((oauth2.expires_at, oauth2.refresh_token_expires_at), (1_700_003_599, Some(1_700_007_199)));
        let di = ConnectionsImportDi {
            layout: ConnectionsImportLayout::PythonGarminconnect,
            client_id: "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2".into(),
            access_token: "di-access".into(),
            refresh_token: "di-refresh".into(),
            token_type: None,
            scope: None,
            expires_at: Some(1),
            refresh_token_expires_at: None,
        };
        let params = ConnectionsImportParams {
            provider: "garmin".into(),
            oauth1: Some(oauth1),
            oauth2: Some(oauth2),
            di: Some(di),
        };
        let shown = format!("{params:?}");
        assert!(shown.contains("GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2"), "{shown}");
        for secret in ["o1-token", "o1-secret", "o2-access", "o2-refresh", "di-access", "di-refresh"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let missing = serde_json::from_value::<GarminOauth2Token>(json!({ "access_token": "a" }));
        assert!(missing.unwrap_err().to_string().contains("expires_at"));
        let huge = serde_json::from_value::<GarminOauth2Token>(json!({ "access_token": "a", "expires_at": 1e300 }));
        assert!(huge.is_err());
    }

    #[test]
    fn connections_import_takes_the_garth_pair_as_before_or_a_di_sign_in() {
        let old = serde_json::from_value::<ConnectionsImportParams>(json!({
            "provider": "garmin",
            "oauth1": { "oauth_token": "t", "oauth_token_secret": "s" },
            "oauth2": { "access_token": "a", "expires_at": 1 }
        }))
        .unwrap();
        assert!(old.oauth1.is_some() && old.oauth2.is_some() && old.di.is_none());
        let di = serde_json::from_value::<ConnectionsImportParams>(json!({
            "provider": "garmin",
            "di": { "layout": "garth-ng", "client_id": "c", "access_token": "a", "refresh_token": "r", "expires_at": 5 }
        }))
        .unwrap();
        let di = di.di.unwrap();
        assert_eq!(
            (di.layout, di.expires_at, di.refresh_token_expires_at),
            (ConnectionsImportLayout::GarthNg, Some(5), None)
        );
        let typo = serde_json::from_value::<ConnectionsImportParams>(json!({
            "provider": "garmin", "di": { "layout": "garth-ng", "client_id": "c", "access_token": "a", "refresh_token": "r", "refresh": 1 }
        }));
        assert!(typo.is_err());
        // An older daemon's answer (no `refreshes`) still reads.
        let result = serde_json::from_value::<ConnectionsImportResult>(json!({
            "connection": { "provider": "garmin", "state": "connected", "connection_id": "c", "account_id": null, "connected_at": 0 },
            "replaced": false, "expires_at": null
        }))
        .unwrap();
        assert!(!result.refreshes);
    }

    #[test]
    fn hello_refuses_unknown_fields() {
        let bad = serde_json::from_value::<HelloParams>(json!({
            "protocol_versions": [1], "client": {"name": "t", "version": "1"}, "usr": "typo"
        }));
        assert!(bad.is_err());
    }
}
