//! Garmin.
//!
//! Individuals use the Garmin Connect web API (`https://connectapi.garmin.com`:
//! `/activitylist-service/...`, `/userprofile-service/socialProfile`, ...)
//! with bearer tokens from Garmin's SSO sign-in. Garmin's sign-in pages sit
//! behind bot protection that plain HTTP clients fail, so Pierre does not
//! sign in itself: a maintained Python client does, once, and Pierre
//! imports what it saved (`pierre-authd import garmin --from DIR`: the
//! daemon verifies it against the profile route below, seals it in the
//! user's vault, and the CLI offers to delete the plaintext files).
//!
//! Why the DI token endpoint: python-garminconnect 0.3 and garth-ng sign in
//! the way Garmin's mobile app does and hold DI OAuth2 tokens, which renew
//! at `https://diauth.garmin.com/di-oauth2-service/oauth/token` with the refresh token and the app's client id
//! (python-garminconnect `garminconnect/client.py`, `_refresh_di_token`;
//! garth-ng `src/garth/oauth.py`, `refresh_oauth2_token`). The daemon does
//! the same, so an imported DI sign-in lasts as long as Garmin keeps its
//! refresh token valid. The legacy garth pair (`oauth1_token.json` +
//! `oauth2_token.json`, from garth, deprecated and no longer able to sign
//! in) renews only through an OAuth1-signed exchange on the API host
//! (`/oauth-service/oauth/exchange/user/2.0`) with a consumer key and
//! secret Pierre does not ship: the daemon does it only with a consumer the
//! user supplies (`PIERRE_GARMIN_CONSUMER_KEY`/`_SECRET`, or `apps set
//! garmin-connect`); otherwise the pair works until its access token expires.
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
        "sign in once with python-garminconnect (`pip install --upgrade garminconnect curl_cffi`, then its login one-liner, which asks for an MFA code if your account has one) into a private directory, then `pierre-authd import garmin --from DIR`; Pierre refreshes the sign-in from then on (the README's \"Garmin\" section has the exact commands)",
    ),
    retired: None,
};
