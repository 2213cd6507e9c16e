//! WHOOP API v2 (developer.whoop.com).
//!
//! No refresh token without the `offline` scope; every refresh returns a new
//! one. Secret in the form body. Revoke is `DELETE /v2/user/access` with the
//! access token as bearer. 100 per minute and 10,000 per day per app.

use super::*;

pub const DEF: ProviderDef = ProviderDef {
    name: "whoop",
    display_name: "WHOOP",
    oauth: Some(OAuthDef {
        auth_url: "https://api.prod.whoop.com/oauth/oauth2/auth",
        token_url: "https://api.prod.whoop.com/oauth/oauth2/token",
        revoke_url: Some("https://api.prod.whoop.com/developer/v2/user/access"),
        revoke_style: RevokeStyle::DeleteBearer,
        scopes: &[
            "offline",
            "read:profile",
            "read:workout",
            "read:sleep",
            "read:recovery",
            "read:cycles",
            "read:body_measurement",
        ],
        scope_separator: " ",
        pkce: PkceSupport::Undocumented,
        client_auth: ClientAuth::RequestBody,
        rotates_refresh_tokens: true,
        account_id: AccountIdSource::Profile { path: "/v2/user/profile/basic", pointer: "/user_id" },
        register_at: "https://developer-dashboard.whoop.com/",
        register_hint: "create an app (needs a WHOOP membership) and add the redirect URI",
    }),
    api_base: "https://api.prod.whoop.com/developer",
    rate_limits: &[
        RateLimitWindow { scope: LimitScope::App, requests: 100, window_secs: 60, aligned: false },
        RateLimitWindow { scope: LimitScope::App, requests: 10_000, window_secs: 86_400, aligned: false },
    ],
    without_app: None,
    retired: None,
};
