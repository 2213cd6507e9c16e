//! Garmin.
//!
//! Individuals use the Garmin Connect web API (`https://connectapi.garmin.com`:
//! `/activitylist-service/...`, `/userprofile-service/socialProfile`, ...)
//! with bearer tokens from Garmin's SSO sign-in, which only the Python
//! clients perform (garth did until its final release, deprecated in 2026;
//! python-garminconnect 0.3 signs in as Garmin's mobile app does); they write
//! them to a token directory. Such a sign-in is brought in with
//! `pierre-authd import garmin --from DIR` (the daemon verifies it against
//! the profile route below, seals it in the user's vault, and the CLI offers
//! to delete the plaintext files). Pierre cannot refresh imported tokens
//! (that takes garth's OAuth1-signed exchange with a consumer key Pierre
//! does not have): when the access token expires the connection needs a new
//! sign-in and import.
//!
//! The OAuth 2.0 endpoints below (PKCE required) are the Connect Developer
//! Program's, for those with approved access; every one is overridable
//! (`PIERRE_GARMIN_*`). Integrators report a new refresh token on every
//! refresh and about 100 requests per minute per app.

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
        // The profile every Garmin Connect client reads first; `profileId`
        // is the account's stable numeric id.
        account_id: AccountIdSource::Profile { path: "/userprofile-service/socialProfile", pointer: "/profileId" },
        register_at: "https://developer.garmin.com/gc-developer-program/",
        register_hint: "the Connect Developer Program is for approved businesses, not for one person's own data",
    }),
    api_base: "https://connectapi.garmin.com",
    rate_limits: &[RateLimitWindow { scope: LimitScope::App, requests: 100, window_secs: 60, aligned: false }],
    without_app: Some(
        "import the sign-in a Python Garmin client saved: `pierre-authd import garmin --from DIR` (the README's \"Garmin\" section says which clients and token files work today)",
    ),
};
