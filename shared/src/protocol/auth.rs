//! `login.approve`, `auth.resolve`, `auth.token`, `keys.rotate`: the
//! authorization server's socket side.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthResolveParams {
    #[serde(with = "crate::secret::wire")]
    pub token: Secret,
    pub resource: String,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthTokenResult {
    #[serde(with = "crate::secret::wire")]
    pub token: Secret,
    pub expires_at: i64,
    pub user_id: String,
    pub user_name: String,
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
