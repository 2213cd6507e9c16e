//! `daemon.hello`, `daemon.status`, `daemon.shutdown`, `daemon.purge`: the
//! connection's handshake and the daemon itself.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// Who is calling, for logs and `daemon.status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    pub name: String,
    pub version: String,
}

/// `daemon.hello` params. `Debug` never shows the token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelloParams {
    /// Versions the client speaks; the daemon picks the highest it shares.
    pub protocol_versions: Vec<u32>,
    pub client: ClientInfo,
    /// A socket JWT (`aud` = `urn:pierre:authd`, from `pierre-authd token`)
    /// pinning this connection to the Pierre user it names: such a
    /// connection is not an administrator and may not name another user.
    #[serde(default, with = "crate::secret::wire::option", skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
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

/// `daemon.shutdown` result: the daemon stops after answering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShutdownResult {
    pub stopping: bool,
    pub pid: u32,
}

/// `daemon.purge` result: every user, token and key of the install is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeResult {
    pub purged: bool,
}

/// `events.subscribe` result: whose events the connection now receives,
/// and their kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsSubscribeResult {
    pub subscribed: bool,
    pub user_id: String,
    pub events: Vec<String>,
}
