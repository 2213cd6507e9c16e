//! Fitbit Web API (dev.fitbit.com), retired: see `retired` below. The
//! client and its model mapping stay for the move to the Google Health API.
//!
//! "Server" apps authenticate at the token endpoint with HTTP Basic;
//! PKCE is supported and recommended; the redirect URI must match exactly;
//! every refresh returns a new refresh token and the old one stops working.
//! 150 requests per hour per user.

use super::*;

pub const DEF: ProviderDef = ProviderDef {
    name: "fitbit",
    display_name: "Fitbit",
    oauth: Some(OAuthDef {
        auth_url: "https://www.fitbit.com/oauth2/authorize",
        token_url: "https://api.fitbit.com/oauth2/token",
        revoke_url: Some("https://api.fitbit.com/oauth2/revoke"),
        revoke_style: RevokeStyle::Rfc7009,
        scopes: &["activity", "heartrate", "profile", "sleep"],
        scope_separator: " ",
        pkce: PkceSupport::Supported,
        client_auth: ClientAuth::Basic,
        rotates_refresh_tokens: true,
        account_id: AccountIdSource::TokenResponse("/user_id"),
        register_at: "https://dev.fitbit.com/apps/new",
        register_hint: "choose application type Server, or Personal for your own intraday data",
    }),
    api_base: "https://api.fitbit.com",
    rate_limits: &[RateLimitWindow { scope: LimitScope::User, requests: 150, window_secs: 3_600, aligned: true }],
    without_app: None,
    // developers.google.com/health (migration guide and release notes, read
    // 2026-12-08; docs/google-health-api.md): the Fitbit Web API and its
    // OAuth endpoints answer 410 Gone since 2026-11-02.
    retired: Some(
        "Fitbit's Web API was switched off on 2026-11-02: Google now serves Fitbit data only through the Google Health API, which Pierre does not support yet, so Fitbit cannot be connected or read for now",
    ),
};
