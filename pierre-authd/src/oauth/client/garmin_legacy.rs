//! Legacy garth sign-ins (`oauth1_token.json` + `oauth2_token.json`):
//! their access token is renewed by exchanging the OAuth1 token for a new
//! OAuth2 token, signed with a consumer key and secret that Pierre does not
//! ship and never fetches (garth downloads its consumer from a third-party
//! bucket, `OAUTH_CONSUMER_URL` in `src/garth/sso.py`; Pierre does not).
//! Only a consumer the user supplies is used: `PIERRE_GARMIN_CONSUMER_KEY`
//! and `PIERRE_GARMIN_CONSUMER_SECRET` (or `GARMIN_CONSUMER_*`,
//! `[providers.garmin] consumer_key`/`consumer_secret`), or
//! `pierre-authd apps set garmin-connect --client-id KEY --client-secret-stdin`.
//!
//! The grant is the imported `oauth1_token.json` itself, sealed in the
//! connection's `garmin_oauth1_token` field at import; the refresher hands
//! it to [`super::refresh::refresh`] in place of a refresh token. The
//! OAuth1 token does not change on an exchange, so nothing but the new
//! access token is stored afterwards.

use pierre_shared::Secret;
use pierre_shared::protocol::GarminOauth1Token;

use super::ResolvedProvider;
use super::oauth1::{self, Credentials};
use super::refresh::{ATTEMPT_TIMEOUT, Attempt, RefreshError, answer};
use super::settings::Setting;

/// The `apps set` name of the Garmin consumer (DESIGN.md's note of
/// 2026-12-07): stored like a provider app, under this id.
pub const CONSUMER_APP: &str = "garmin-connect";

/// The exchange's path on the Connect API host (the resolved `api_base`).
pub const EXCHANGE_PATH: &str = "/oauth-service/oauth/exchange/user/2.0";

/// garth's exchange header: "must match the Android consumer key"
/// (`OAUTH_USER_AGENT` in `src/garth/sso.py`).
const USER_AGENT: &str = "com.garmin.android.apps.connectmobile";

/// The OAuth1 consumer the exchange is signed with.
pub struct Consumer {
    pub key: Setting<String>,
    pub secret: Setting<Secret>,
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer").field("key", &self.key.value).finish_non_exhaustive()
    }
}

/// What to set for a legacy garth sign-in to refresh, one clause.
pub fn how_to_supply() -> String {
    format!(
        "set PIERRE_GARMIN_CONSUMER_KEY and PIERRE_GARMIN_CONSUMER_SECRET, or run `pierre-authd apps set {CONSUMER_APP} --client-id KEY --client-secret-stdin`"
    )
}

/// A sealed `oauth1_token.json` as garth wrote it, when it is one: both the
/// token and its secret present. `None` for anything else (a DI grant, a
/// Developer Program refresh token).
pub fn open(sealed: &Secret) -> Option<GarminOauth1Token> {
    let token: GarminOauth1Token = serde_json::from_slice(sealed.expose()).ok()?;
    (!token.oauth_token.expose_text().trim().is_empty() && !token.oauth_token_secret.expose_text().trim().is_empty())
        .then_some(token)
}

/// One OAuth1 → OAuth2 exchange, as garth 0.8.0 sends it (`src/garth/sso.py`,
/// `exchange`, called by `Client.refresh_oauth2` in `src/garth/http.py`):
/// `POST https://connectapi.<domain>/oauth-service/oauth/exchange/user/2.0`,
/// `Content-Type: application/x-www-form-urlencoded`, `User-Agent:
/// com.garmin.android.apps.connectmobile`, a form holding `mfa_token` when
/// the OAuth1 token has one (and nothing else on a refresh: `audience` is
/// sent only at login), signed by requests-oauthlib's `OAuth1Session` with
/// the consumer key and secret and the user's `oauth_token` and
/// `oauth_token_secret` (`resource_owner_key`/`resource_owner_secret`):
/// HMAC-SHA1, the protocol parameters in the `Authorization` header, the
/// form parameters in the signature base string. The answer is an OAuth2
/// token (garth's cassette `tests/cassettes/test_exchange.yaml`: `scope`,
/// `jti`, `access_token`, `token_type`, `refresh_token`, `expires_in`,
/// `refresh_token_expires_in`). A 401 means Garmin refused the signature or
/// the OAuth1 token: the sign-in ends there, as `invalid_grant` does.
pub(super) async fn exchange_once(
    http: &reqwest::Client,
    p: &ResolvedProvider,
    grant: &GarminOauth1Token,
    now: i64,
) -> Attempt {
    let Some(consumer) = &p.consumer else { return Attempt::Done(Err(RefreshError::NoConsumer)) };
    let Ok(consumer_secret) = consumer.secret.value.expose_str() else {
        return Attempt::Done(Err(RefreshError::NoConsumer));
    };
    let Ok(url) = url::Url::parse(&format!("{}{EXCHANGE_PATH}", p.api_base.value.trim_end_matches('/'))) else {
        return Attempt::Done(Err(RefreshError::Refused { error: "invalid_api_base".into() }));
    };
    let mfa = grant.mfa_token.as_ref().map(Secret::expose_text).filter(|m| !m.is_empty());
    let form: Vec<(&str, &str)> = mfa.map(|m| ("mfa_token", m)).into_iter().collect();
    let creds = Credentials {
        consumer_key: &consumer.key.value,
        consumer_secret,
        token: grant.oauth_token.expose_text(),
        token_secret: grant.oauth_token_secret.expose_text(),
    };
    let header = Secret::from_string(oauth1::authorization("POST", &url, &form, &creds, &oauth1::nonce(), now));
    let Ok(mut authorization) = reqwest::header::HeaderValue::from_bytes(header.expose()) else {
        return Attempt::Done(Err(RefreshError::Refused { error: "unsendable_oauth1_header".into() }));
    };
    // Kept out of any debug rendering of the request (it names the token).
    authorization.set_sensitive(true);
    let request = http
        .post(url)
        .timeout(ATTEMPT_TIMEOUT)
        .header(reqwest::header::ACCEPT, "application/json")
        .header(reqwest::header::USER_AGENT, USER_AGENT)
        .header(reqwest::header::AUTHORIZATION, authorization)
        .form(&form);
    match answer(request, true, now).await {
        Attempt::Done(Ok(mut tokens)) => {
            // garth never uses the OAuth2 refresh token (it exchanges again):
            // not kept, so no unused secret is stored.
            tokens.refresh_token = None;
            Attempt::Done(Ok(tokens))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_garth_oauth1_token_opens_as_a_legacy_grant() {
        let garth = r#"{"oauth_token":"t","oauth_token_secret":"s","mfa_token":null,"mfa_expiration_timestamp":null,"domain":"garmin.com"}"#;
        let opened = open(&Secret::from_string(garth.into())).unwrap();
        assert_eq!((opened.oauth_token.expose_text(), opened.mfa_token), ("t", None));
        assert!(open(&Secret::from_string(r#"{"garmin_di":1,"client_id":"c","refresh_token":"r"}"#.into())).is_none());
        assert!(open(&Secret::from_string(r#"{"oauth_token":"t","oauth_token_secret":" "}"#.into())).is_none());
        assert!(open(&Secret::from_string("fake-rt-plain".into())).is_none());
        assert!(how_to_supply().contains("apps set garmin-connect --client-id KEY --client-secret-stdin"));
    }
}
