//! Error codes shared by the daemon, its clients and pierre-mcp.
//!
//! Every error that crosses the socket carries one [`ErrorCode`]: a stable
//! snake_case string that scripts may match on, plus a sentence a person can
//! act on. The numeric JSON-RPC code is derived from it, so the two never
//! disagree.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. Adding one is fine; renaming one
/// breaks users' scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The line was not valid JSON (or not UTF-8).
    ParseError,
    /// Valid JSON but not a JSON-RPC 2.0 request.
    InvalidRequest,
    /// No such method.
    MethodNotFound,
    /// The params do not match the method.
    InvalidParams,
    /// A bug or an unexpected failure inside the daemon.
    InternalError,
    /// The request line exceeded the daemon's maximum line length.
    LineTooLong,
    /// A method other than `daemon.hello` was called before hello.
    HelloRequired,
    /// None of the client's protocol versions is spoken by the daemon.
    UnsupportedProtocol,
    /// The caller may not do this (e.g. a JWT-pinned connection naming another user).
    PermissionDenied,
    /// No Pierre user by that name or id.
    UnknownUser,
    /// A user with that name already exists.
    UserExists,
    /// The user name is not acceptable.
    InvalidUserName,
    /// The last user cannot be removed, or the owner cannot be removed.
    UserProtected,
    /// The provider name is not in the catalogue.
    UnknownProvider,
    /// The provider is known but has no app credentials configured.
    ProviderNotConfigured,
    /// The user has no connection to that provider.
    NotConnected,
    /// The connection exists but its refresh token was refused; reconnect.
    NeedsReconnect,
    /// A rate-limit budget is exhausted; `retry_after_secs` says how long.
    RateLimited,
    /// The provider answered with an error or could not be reached.
    ProviderError,
    /// The master key's backend answered before and does not now.
    KeyStoreUnavailable,
    /// The key store holds something unusable (wrong length, wrong modes, wrong owner).
    KeyStoreInvalid,
    /// A stored ciphertext failed to open: tampered, moved, or the wrong key.
    VaultCorrupt,
    /// Something in the state database or a vault failed.
    StorageError,
    /// The daemon could not be reached or started.
    DaemonUnavailable,
    /// The daemon is shutting down; retry after it restarts.
    ShuttingDown,
    /// Too many connections are open.
    TooManyConnections,
    /// A bearer token was missing, malformed, expired or for another audience.
    InvalidToken,
    /// The configuration (file or environment) is invalid.
    ConfigInvalid,
    /// The feature exists in the contract but is not built yet, or not on this OS.
    NotSupported,
    /// Something timed out.
    Timeout,
}

impl ErrorCode {
    /// The JSON-RPC 2.0 numeric code: the reserved ones for protocol errors,
    /// -32000 (server error) for everything application-level.
    pub fn rpc_code(self) -> i64 {
        match self {
            ErrorCode::ParseError => -32700,
            ErrorCode::InvalidRequest | ErrorCode::LineTooLong => -32600,
            ErrorCode::MethodNotFound => -32601,
            ErrorCode::InvalidParams => -32602,
            ErrorCode::InternalError => -32603,
            _ => -32000,
        }
    }

    /// The snake_case name, as on the wire.
    pub fn as_str(self) -> &'static str {
        ALL.iter().find(|(code, _)| *code == self).map(|(_, name)| *name).unwrap_or("internal_error")
    }
}

/// Names of every code, for `as_str` without allocation and for docs.
const ALL: &[(ErrorCode, &str)] = &[
    (ErrorCode::ParseError, "parse_error"),
    (ErrorCode::InvalidRequest, "invalid_request"),
    (ErrorCode::MethodNotFound, "method_not_found"),
    (ErrorCode::InvalidParams, "invalid_params"),
    (ErrorCode::InternalError, "internal_error"),
    (ErrorCode::LineTooLong, "line_too_long"),
    (ErrorCode::HelloRequired, "hello_required"),
    (ErrorCode::UnsupportedProtocol, "unsupported_protocol"),
    (ErrorCode::PermissionDenied, "permission_denied"),
    (ErrorCode::UnknownUser, "unknown_user"),
    (ErrorCode::UserExists, "user_exists"),
    (ErrorCode::InvalidUserName, "invalid_user_name"),
    (ErrorCode::UserProtected, "user_protected"),
    (ErrorCode::UnknownProvider, "unknown_provider"),
    (ErrorCode::ProviderNotConfigured, "provider_not_configured"),
    (ErrorCode::NotConnected, "not_connected"),
    (ErrorCode::NeedsReconnect, "needs_reconnect"),
    (ErrorCode::RateLimited, "rate_limited"),
    (ErrorCode::ProviderError, "provider_error"),
    (ErrorCode::KeyStoreUnavailable, "key_store_unavailable"),
    (ErrorCode::KeyStoreInvalid, "key_store_invalid"),
    (ErrorCode::VaultCorrupt, "vault_corrupt"),
    (ErrorCode::StorageError, "storage_error"),
    (ErrorCode::DaemonUnavailable, "daemon_unavailable"),
    (ErrorCode::ShuttingDown, "shutting_down"),
    (ErrorCode::TooManyConnections, "too_many_connections"),
    (ErrorCode::InvalidToken, "invalid_token"),
    (ErrorCode::ConfigInvalid, "config_invalid"),
    (ErrorCode::NotSupported, "not_supported"),
    (ErrorCode::Timeout, "timeout"),
];

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde() {
        for (code, name) in ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(name));
            assert_eq!(code.as_str(), *name);
        }
    }

    #[test]
    fn protocol_errors_use_reserved_codes() {
        assert_eq!(ErrorCode::ParseError.rpc_code(), -32700);
        assert_eq!(ErrorCode::MethodNotFound.rpc_code(), -32601);
        assert_eq!(ErrorCode::NotConnected.rpc_code(), -32000);
    }
}
