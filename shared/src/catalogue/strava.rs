//! Strava (developers.strava.com).
//!
//! Scopes are comma-separated; the client secret goes in the form body;
//! PKCE is not documented (Pierre sends S256 anyway). Each refresh may
//! return a new refresh token, and integrators report older ones stop
//! working, so it is treated as rotating. Read limits are per app:
//! 100 per quarter-hour and 1,000 per day, aligned to :00/:15/:30/:45 and
//! 00:00 UTC.

use super::*;

pub const DEF: ProviderDef = ProviderDef {
    name: "strava",
    display_name: "Strava",
    oauth: Some(OAuthDef {
        auth_url: "https://www.strava.com/oauth/authorize",
        token_url: "https://www.strava.com/oauth/token",
        revoke_url: Some("https://www.strava.com/oauth/deauthorize"),
        revoke_style: RevokeStyle::FormAccessToken,
        scopes: &["read", "activity:read_all", "profile:read_all"],
        scope_separator: ",",
        pkce: PkceSupport::Undocumented,
        client_auth: ClientAuth::RequestBody,
        rotates_refresh_tokens: true,
        account_id: AccountIdSource::TokenResponse("/athlete/id"),
        register_at: "https://www.strava.com/settings/api",
        register_hint: "create an API application; set its Authorization Callback Domain to 127.0.0.1",
    }),
    api_base: "https://www.strava.com/api/v3",
    rate_limits: &[
        RateLimitWindow { scope: LimitScope::App, requests: 100, window_secs: 900, aligned: true },
        RateLimitWindow { scope: LimitScope::App, requests: 1_000, window_secs: 86_400, aligned: true },
    ],
    without_app: None,
    retired: None,
};
