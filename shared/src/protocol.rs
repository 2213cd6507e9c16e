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
    pub const TOKENS_GET: &str = "tokens.get";
    pub const PURGE: &str = "daemon.purge";
}

/// A request id: JSON-RPC allows numbers and strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    Number(i64),
    String(String),
}

/// A JSON-RPC request as sent by a client.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// A JSON-RPC response line. `id` is null only when the request's id could
/// not be read (parse errors, oversize lines).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    pub jsonrpc: String,
    pub id: Option<RequestId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RpcError>,
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

/// `daemon.hello` params.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelloParams {
    /// Versions the client speaks; the daemon picks the highest it shares.
    pub protocol_versions: Vec<u32>,
    pub client: ClientInfo,
    /// A socket JWT pinning this connection to one Pierre user. Reserved for
    /// the authorization server; the daemon refuses it until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// For owner connections: the Pierre user (name or id) this connection
    /// acts for by default. Absent means the owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
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
    pub open_socket_connections: u64,
    pub uptime_secs: u64,
    /// Loopback ports the daemon listens on, by purpose (none yet before the
    /// OAuth issues: `oauth_callback`, `authorization_server`).
    pub ports: std::collections::BTreeMap<String, u16>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_response_carries_code_and_sentence() {
        let r = Response::err(
            Some(RequestId::Number(7)),
            RpcError::new(ErrorCode::NotConnected, "No Strava connection for user alice. Run `pierre-authd connect strava`.")
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
    fn hello_refuses_unknown_fields() {
        let bad = serde_json::from_value::<HelloParams>(json!({
            "protocol_versions": [1], "client": {"name": "t", "version": "1"}, "usr": "typo"
        }));
        assert!(bad.is_err());
    }
}
