//! `tokens.get` and `usage.report`: provider access tokens for one request,
//! and what the provider's answer said about its rate limits.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

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

/// `tokens.get` result: what a caller needs for one provider API request.
/// Never the refresh token: it stays in the daemon. `Debug` hides the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensGetResult {
    #[serde(with = "crate::secret::wire")]
    pub access_token: Secret,
    /// Seconds since the Unix epoch, when the provider said.
    pub expires_at: Option<i64>,
    /// Where this provider's API lives (overrides applied).
    pub api_base: String,
    /// Changes on every (re)connect: key caches on it.
    pub connection_id: String,
    pub account_id: Option<String>,
}
