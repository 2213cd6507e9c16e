//! Garmin Connect Developer Program (OAuth 2.0 with PKCE, required).
//!
//! Most individuals have no access to the program; they connect by
//! importing a token directory instead (`pierre-authd import garmin`, planned, not built yet).
//! The endpoints below are the program's, for those who have access.
//! Integrators report a new refresh token on every refresh and about
//! 100 requests per minute per app.

use super::*;

pub const DEF: ProviderDef = ProviderDef {
    name: "garmin",
    display_name: "Garmin",
    oauth: Some(OAuthDef {
        auth_url: "https://connect.garmin.com/oauth2Confirm",
        token_url: "https://diauth.garmin.com/di-oauth2-service/oauth/token",
        revoke_url: Some("https://apis.garmin.com/wellness-api/rest/user/registration"),
        revoke_style: RevokeStyle::DeleteBearer,
        scopes: &[],
        scope_separator: " ",
        pkce: PkceSupport::Required,
        client_auth: ClientAuth::RequestBody,
        rotates_refresh_tokens: true,
        account_id: AccountIdSource::Profile { path: "/wellness-api/rest/user/id", pointer: "/userId" },
        register_at: "https://developer.garmin.com/gc-developer-program/",
        register_hint: "apply for the Connect Developer Program (evaluation key); without it there is no way in yet: importing the tokens Python Garmin clients keep in ~/.garminconnect is planned, not built",
    }),
    api_base: "https://apis.garmin.com",
    rate_limits: &[RateLimitWindow { scope: LimitScope::App, requests: 100, window_secs: 60, aligned: false }],
};
