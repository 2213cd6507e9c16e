//! `providers.list`, `apps.set`, `apps.remove`: the provider catalogue and
//! the OAuth apps the owner registered.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

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
    /// Why the provider cannot be connected at all (its API was switched off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired: Option<String>,
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

/// `apps.set` params (owner only). The secret travels over the peer-checked
/// socket once and is stored sealed; `Debug` does not show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppsSetParams {
    pub provider: String,
    pub client_id: String,
    #[serde(with = "crate::secret::wire")]
    pub client_secret: Secret,
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
