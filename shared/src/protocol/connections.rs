//! `connections.list|begin|wait|disconnect`: the resolved user's provider
//! connections and the sign-ins that make them.

use serde::{Deserialize, Serialize};

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
