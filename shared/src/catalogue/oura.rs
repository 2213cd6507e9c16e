//! Oura API v2 (cloud.ouraring.com/docs).
//!
//! Revoke takes the access token as a query parameter (per a secondary
//! reference). Rotation of refresh tokens is not documented; it is treated
//! as non-rotating here and the daemon stores whatever the provider returns.
//! 5,000 requests per 5 minutes (secondary reference).

use super::*;

pub const DEF: ProviderDef = ProviderDef {
    name: "oura",
    display_name: "Oura",
    oauth: Some(OAuthDef {
        auth_url: "https://cloud.ouraring.com/oauth/authorize",
        token_url: "https://api.ouraring.com/oauth/token",
        revoke_url: Some("https://api.ouraring.com/oauth/revoke"),
        revoke_style: RevokeStyle::QueryAccessToken,
        scopes: &["email", "personal", "daily", "heartrate", "workout", "session", "spo2Daily"],
        scope_separator: " ",
        pkce: PkceSupport::Undocumented,
        client_auth: ClientAuth::RequestBody,
        rotates_refresh_tokens: false,
        account_id: AccountIdSource::Profile { path: "/v2/usercollection/personal_info", pointer: "/id" },
        register_at: "https://cloud.ouraring.com/oauth/applications",
        register_hint: "create an API application and add the redirect URI",
    }),
    api_base: "https://api.ouraring.com",
    rate_limits: &[RateLimitWindow { scope: LimitScope::App, requests: 5_000, window_secs: 300, aligned: false }],
    without_app: None,
    retired: None,
};
