//! `connections.import`: a Garmin sign-in made elsewhere (python-garminconnect,
//! garth-ng, or the legacy garth pair), handed to the daemon once.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ConnectionInfo;
use crate::secret::Secret;

/// `connections.import` params: a sign-in made elsewhere, handed to the
/// daemon once over the peer-checked socket and stored sealed in the
/// resolved user's vault. Only `garmin` imports today, in one of two
/// shapes: `di` (the DI OAuth2 tokens python-garminconnect 0.3 and
/// garth-ng write, which the daemon refreshes), or the legacy garth pair
/// `oauth1` + `oauth2` (kept working for callers written before `di`
/// existed; not refreshable without a consumer). `Debug` shows no token.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionsImportDi {
    pub layout: ConnectionsImportLayout,
    pub client_id: String,
    #[serde(with = "crate::secret::wire")]
    pub access_token: Secret,
    #[serde(with = "crate::secret::wire")]
    pub refresh_token: Secret,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub refresh_token_expires_at: Option<i64>,
}

/// garth's `oauth1_token.json`: the long-lived SSO token garth trades for
/// new OAuth2 tokens (a signed exchange Pierre does not do; kept sealed so a
/// later version can). Unknown members are ignored: garth may add some.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GarminOauth1Token {
    #[serde(with = "crate::secret::wire")]
    pub oauth_token: Secret,
    #[serde(with = "crate::secret::wire")]
    pub oauth_token_secret: Secret,
    #[serde(default, with = "crate::secret::wire::option", skip_serializing_if = "Option::is_none")]
    pub mfa_token: Option<Secret>,
    /// garth writes an ISO-like date string; kept as given.
    #[serde(default)]
    pub mfa_expiration_timestamp: Option<Value>,
    /// `garmin.com`, or `garmin.cn` for accounts in China (another API host).
    #[serde(default)]
    pub domain: Option<String>,
}

/// garth's `oauth2_token.json`: the bearer token the Garmin Connect API
/// takes. Times are seconds since the Unix epoch (integers, or floats some
/// writers produce).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GarminOauth2Token {
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub jti: Option<String>,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(with = "crate::secret::wire")]
    pub access_token: Secret,
    #[serde(default, with = "crate::secret::wire::option", skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(default, deserialize_with = "epoch_secs::option")]
    pub expires_in: Option<i64>,
    #[serde(deserialize_with = "epoch_secs::required")]
    pub expires_at: i64,
    #[serde(default, deserialize_with = "epoch_secs::option")]
    pub refresh_token_expires_in: Option<i64>,
    #[serde(default, deserialize_with = "epoch_secs::option")]
    pub refresh_token_expires_at: Option<i64>,
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
