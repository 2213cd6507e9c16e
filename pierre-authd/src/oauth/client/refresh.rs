//! The refresh-token grant (RFC 6749 §6) with bounded retries.
//!
//! Sent with reqwest directly rather than through `oauth2`, because the
//! decision after a failure depends on the HTTP status (`5xx` and timeouts
//! are retried, `400 invalid_grant` ends the connection, `429` is a rate
//! limit) and `oauth2` folds every non-JSON error body into one parse error.
//! Token response bodies are never logged or put into errors.
//!
//! Also the Garmin DI part: imported Garmin sign-ins from python-garminconnect
//! and garth-ng ([`DiGrant`]) refresh here at Garmin's DI token endpoint,
//! through the same single-flight refresher as every other provider, and
//! the hint that says how to sign in to Garmin again ([`GARMIN_SIGN_IN`]).

use std::time::Duration;

use pierre_shared::Secret;
use pierre_shared::catalogue::ClientAuth;
use serde_json::Value;

use super::ResolvedProvider;
use super::exchange::Tokens;

/// Attempts per refresh: one plus two retries.
pub const MAX_ATTEMPTS: u32 = 3;
/// The first retry waits about this long; each next one twice as long.
const BASE_DELAY: Duration = Duration::from_millis(200);
/// No single wait is longer than this.
const MAX_DELAY: Duration = Duration::from_secs(2);
/// One attempt's limit: a provider that hangs must not hold the
/// (user, provider) refresh for the HTTP client's general 30 s.
pub(super) const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a refresh failed, without any token or body text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    /// RFC 6749 §5.2 `invalid_grant`: the refresh token is dead; only a new
    /// sign-in helps.
    #[error("the provider refused the refresh token (invalid_grant)")]
    InvalidGrant,
    /// `429`: the app's budget at the token endpoint is spent.
    #[error("the provider is rate limiting token requests")]
    RateLimited { retry_after_secs: u64 },
    /// Another 4xx (`invalid_client`, ...): a configuration problem.
    #[error("the provider refused the refresh: {error}")]
    Refused { error: String },
    /// 5xx, timeouts, unreadable answers, after every attempt.
    #[error("the provider did not answer usefully after {attempts} attempts ({last})")]
    Unavailable { attempts: u32, last: &'static str },
    #[error("the connection has no refresh token")]
    NoRefreshToken,
    /// A legacy garth sign-in, and no Garmin consumer to sign its exchange
    /// with: nothing was sent. Not the sign-in's end: supplying a consumer
    /// makes the next refresh work.
    #[error("no Garmin consumer key and secret are configured to refresh a legacy garth sign-in")]
    NoConsumer,
}

/// The private directory the sign-in hint writes to and imports from.
/// Not `~/.garminconnect`: that shared directory is the incident this
/// project exists for, and a fresh directory per sign-in is what
/// `import --delete-plaintext` can remove whole.
pub const GARMIN_SIGN_IN_DIR: &str = "~/.garmin-sign-in";

/// Signs in with python-garminconnect (0.3.x) and saves its DI tokens to
/// [`GARMIN_SIGN_IN_DIR`]`/garmin_tokens.json` (directory 0700, file 0600:
/// `Client.dump` in its `garminconnect/client.py`). `prompt_mfa` is how
/// its README's login example asks for the one-time code.
pub const GARMIN_SIGN_IN: &str = "python3 -c \"from getpass import getpass; from garminconnect import Garmin; Garmin(input('Garmin email: '), getpass('Garmin password: '), prompt_mfa=lambda: input('MFA code: ')).login('~/.garmin-sign-in')\"";

/// Installs the client [`GARMIN_SIGN_IN`] runs (its README's command).
pub const GARMIN_INSTALL: &str = "pip install --upgrade garminconnect curl_cffi";

/// The sign-in step of every Garmin hint, one clause.
pub fn garmin_sign_in_steps() -> String {
    format!(
        "sign in with python-garminconnect (`{GARMIN_INSTALL}`, then `{GARMIN_SIGN_IN}`; it asks for an MFA code if your account has one)"
    )
}

/// What fixes a connection the provider no longer accepts, for `user_id`.
///
/// An `imported` Garmin connection (a Python client's sign-in), and any
/// Garmin connection without Developer Program credentials, is fixed by a
/// new sign-in and a re-import into the same Pierre user, whatever app
/// credentials are configured meanwhile: `connect garmin` would make a
/// Developer Program connection, not renew the imported one. Every other
/// case is a new `connect`.
pub fn reconnect_hint(p: &ResolvedProvider, user_id: &str, imported: bool) -> String {
    if p.def.name == "garmin" && (imported || !p.configured()) {
        reconnect_hint_garmin(user_id)
    } else {
        format!("run `pierre-authd connect {}` to sign in again", p.def.name)
    }
}

/// A new Garmin sign-in and its import into `user_id`, one clause.
pub fn reconnect_hint_garmin(user_id: &str) -> String {
    format!(
        "{}, then run `pierre-authd import garmin --from {GARMIN_SIGN_IN_DIR} --user {user_id}`",
        garmin_sign_in_steps()
    )
}

/// An imported Garmin DI sign-in's refresh grant: the refresh token and
/// the client id it was issued to, sealed together as the connection's
/// `refresh_token` field.
///
/// Why together: a DI refresh needs the client id (HTTP Basic and the
/// form), it differs per sign-in (python-garminconnect tries several
/// mobile-app ids), and the refresher hands [`refresh`] only the sealed
/// refresh token. Sealed as one value, the two can never be paired with
/// another connection's. The `garmin_di` member tells it from a plain
/// refresh token (a Developer Program connection's).
pub struct DiGrant {
    pub client_id: String,
    pub refresh_token: Secret,
}

impl std::fmt::Debug for DiGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiGrant").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// [`DiGrant`]'s sealed text. Serialised from borrows and read into owned
/// strings that move into [`Secret`]s, so no stray copy of the token is
/// left in a `serde_json::Value`.
#[derive(serde::Serialize, serde::Deserialize)]
struct SealedDi<T> {
    garmin_di: u8,
    client_id: T,
    refresh_token: T,
}

impl DiGrant {
    /// The sealed form: `{"garmin_di":1,"client_id":..,"refresh_token":..}`.
    pub fn seal(&self) -> Option<Secret> {
        let token = self.refresh_token.expose_str().ok()?;
        let text =
            serde_json::to_string(&SealedDi { garmin_di: 1, client_id: self.client_id.as_str(), refresh_token: token })
                .ok()?;
        Some(Secret::from_string(text))
    }

    /// `None` for anything but [`DiGrant::seal`]'s form.
    pub fn open(sealed: &Secret) -> Option<DiGrant> {
        let opened: SealedDi<String> = serde_json::from_slice(sealed.expose()).ok()?;
        if opened.garmin_di != 1 || opened.client_id.is_empty() || opened.refresh_token.is_empty() {
            return None;
        }
        Some(DiGrant { client_id: opened.client_id, refresh_token: Secret::from_string(opened.refresh_token) })
    }
}

/// The claims of a JWT, unverified: Garmin signs DI tokens with a key
/// clients do not have, and python-garminconnect reads `exp` and
/// `client_id` the same way (`_decode_jwt_payload`). Used only for when to
/// refresh and which client id to refresh with, never to trust an identity.
pub fn jwt_claims(token: &str) -> Option<Value> {
    use base64::Engine as _;
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<Value>(&bytes).ok().filter(Value::is_object)
}

/// `exp` of a JWT in whole seconds, when it has a sane one.
pub fn jwt_exp(token: &str) -> Option<i64> {
    let exp = jwt_claims(token)?.get("exp")?.as_f64()?;
    (exp.is_finite() && exp > 0.0 && exp < 4.0e12).then_some(exp as i64)
}

/// One attempt's outcome: final, or worth another try.
pub(super) enum Attempt {
    Done(Result<Tokens, RefreshError>),
    Retry(&'static str),
}

/// The wait before retry number `retry` (1-based): exponential from
/// [`BASE_DELAY`], capped at [`MAX_DELAY`], with "full jitter" in its upper
/// half so many daemons do not retry in lockstep.
pub fn backoff(retry: u32, jitter: u32) -> Duration {
    let exp = BASE_DELAY.saturating_mul(1u32 << retry.saturating_sub(1).min(16));
    let ceiling = exp.min(MAX_DELAY);
    let half = ceiling / 2;
    let extra_ms = u64::from(jitter) % (u64::try_from(half.as_millis()).unwrap_or(0) + 1);
    half + Duration::from_millis(extra_ms)
}

fn random_u32() -> u32 {
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    u32::from_le_bytes(bytes)
}

/// Exchanges `refresh_token` for new tokens, retrying 5xx, timeouts and
/// unreadable answers up to [`MAX_ATTEMPTS`] times. An imported Garmin DI
/// sign-in ([`DiGrant`]) refreshes at Garmin's DI token endpoint instead of
/// the provider's `token_url`, and its new refresh token comes back sealed
/// the same way. A legacy garth sign-in's sealed `oauth1_token.json`
/// (passed in place of a refresh token) goes through the OAuth1 exchange
/// ([`super::garmin_legacy`]) when a consumer is configured.
///
/// # Errors
/// See [`RefreshError`].
pub async fn refresh(
    http: &reqwest::Client,
    p: &ResolvedProvider,
    refresh_token: &Secret,
    now: impl Fn() -> i64,
) -> Result<Tokens, RefreshError> {
    let garmin = p.def.name == "garmin";
    let di = if garmin { DiGrant::open(refresh_token) } else { None };
    let legacy = if garmin && di.is_none() { super::garmin_legacy::open(refresh_token) } else { None };
    if legacy.is_some() && p.consumer.is_none() {
        return Err(RefreshError::NoConsumer);
    }
    let mut last = "no attempt";
    for attempt in 1..=MAX_ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(backoff(attempt - 1, random_u32())).await;
        }
        let outcome = match (&di, &legacy, &p.di_token_url) {
            (Some(grant), _, Some(url)) => di_once(http, &url.value, grant, now()).await,
            (Some(_), _, None) => return Err(RefreshError::NoRefreshToken),
            (None, Some(grant), _) => super::garmin_legacy::exchange_once(http, p, grant, now()).await,
            (None, None, _) => once(http, p, refresh_token, now()).await,
        };
        match outcome {
            Attempt::Done(result) => return result,
            Attempt::Retry(why) => {
                tracing::warn!(provider = p.def.name, attempt, why, "token refresh attempt failed");
                last = why;
            }
        }
    }
    Err(RefreshError::Unavailable { attempts: MAX_ATTEMPTS, last })
}

/// Refreshes an imported DI sign-in directly at `p`'s DI token URL (the
/// import does this when the imported access token is already near its end).
///
/// # Errors
/// See [`RefreshError`].
pub async fn refresh_di(
    http: &reqwest::Client,
    p: &ResolvedProvider,
    grant: &DiGrant,
    now: impl Fn() -> i64,
) -> Result<Tokens, RefreshError> {
    let Some(url) = &p.di_token_url else { return Err(RefreshError::NoRefreshToken) };
    let mut last = "no attempt";
    for attempt in 1..=MAX_ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(backoff(attempt - 1, random_u32())).await;
        }
        match di_once(http, &url.value, grant, now()).await {
            Attempt::Done(result) => return result,
            Attempt::Retry(why) => last = why,
        }
    }
    Err(RefreshError::Unavailable { attempts: MAX_ATTEMPTS, last })
}

async fn once(http: &reqwest::Client, p: &ResolvedProvider, refresh_token: &Secret, now: i64) -> Attempt {
    let Ok(token) = refresh_token.expose_str() else {
        return Attempt::Done(Err(RefreshError::NoRefreshToken));
    };
    let client_id = p.client_id.as_ref().map(|s| s.value.as_str()).unwrap_or_default();
    let secret = p.client_secret.as_ref().and_then(|s| s.value.expose_str().ok()).unwrap_or_default();
    let mut form: Vec<(&str, &str)> = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    let mut request = http.post(&p.token_url.value).timeout(ATTEMPT_TIMEOUT).header("Accept", "application/json");
    match p.def.oauth.as_ref().map(|o| o.client_auth) {
        // RFC 6749 §2.3.1: Basic with the form-urlencoded id and secret.
        Some(ClientAuth::Basic) => request = request.basic_auth(client_id, Some(secret)),
        _ => {
            form.push(("client_id", client_id));
            form.push(("client_secret", secret));
        }
    }
    answer(request.form(&form), false, now).await
}

/// One DI refresh, as python-garminconnect 0.3.12 sends it
/// (`garminconnect/client.py`, `Client._refresh_di_token`): POST to the DI
/// token URL, `Authorization: Basic base64("<client_id>:")` (the id and an
/// empty secret, `_build_basic_auth`), and the form `grant_type=
/// refresh_token`, `client_id`, `refresh_token`. garth-ng 1.1 sends the
/// same (`src/garth/oauth.py`, `_do_exchange`). The answer may name a newer
/// client id in the access token's `client_id` claim, which
/// python-garminconnect then keeps; so does this.
async fn di_once(http: &reqwest::Client, url: &str, grant: &DiGrant, now: i64) -> Attempt {
    let Ok(token) = grant.refresh_token.expose_str() else {
        return Attempt::Done(Err(RefreshError::NoRefreshToken));
    };
    let form = [("grant_type", "refresh_token"), ("client_id", grant.client_id.as_str()), ("refresh_token", token)];
    let request = http
        .post(url)
        .timeout(ATTEMPT_TIMEOUT)
        .header("Accept", "application/json")
        .basic_auth(&grant.client_id, Some(""))
        .form(&form);
    match answer(request, true, now).await {
        Attempt::Done(Ok(mut tokens)) => {
            let access = tokens.access_token.expose_str().unwrap_or_default();
            let client_id = jwt_claims(access)
                .and_then(|c| c.get("client_id").and_then(Value::as_str).map(str::to_string))
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| grant.client_id.clone());
            // Garmin rotates; an answer without one keeps the presented token.
            let refresh_token = tokens.refresh_token.take().unwrap_or_else(|| grant.refresh_token.clone());
            let Some(sealed) = (DiGrant { client_id, refresh_token }).seal() else {
                return Attempt::Retry("answer with an unreadable refresh token");
            };
            tokens.refresh_token = Some(sealed);
            Attempt::Done(Ok(tokens))
        }
        other => other,
    }
}

/// Sends one refresh request and reads the answer. `di`: Garmin's DI
/// endpoint, where a 401 (with or without a JSON body) means the refresh
/// token is no longer accepted, as `invalid_grant` does elsewhere.
pub(super) async fn answer(request: reqwest::RequestBuilder, di: bool, now: i64) -> Attempt {
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return Attempt::Retry("timed out"),
        Err(_) => return Attempt::Retry("unreachable"),
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = match response.bytes().await {
        Ok(b) => b,
        Err(e) if e.is_timeout() => return Attempt::Retry("timed out"),
        Err(_) => return Attempt::Retry("answer cut off"),
    };
    if status.is_server_error() {
        return Attempt::Retry("server error");
    }
    if status.as_u16() == 429 {
        return Attempt::Done(Err(RefreshError::RateLimited { retry_after_secs: retry_after.unwrap_or(60) }));
    }
    if di && status.as_u16() == 401 {
        return Attempt::Done(Err(RefreshError::InvalidGrant));
    }
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return if status.is_success() {
            Attempt::Retry("unreadable answer")
        } else {
            Attempt::Retry("unreadable error")
        };
    };
    if !status.is_success() {
        let error = json.get("error").and_then(Value::as_str).unwrap_or("unknown_error");
        return Attempt::Done(Err(if error == "invalid_grant" {
            RefreshError::InvalidGrant
        } else {
            RefreshError::Refused { error: error.chars().filter(|c| c.is_ascii_graphic()).take(64).collect() }
        }));
    }
    match parse_tokens(json, now) {
        Some(tokens) => Attempt::Done(Ok(tokens)),
        None => Attempt::Retry("answer without an access token"),
    }
}

/// The tokens of a successful answer; `None` without an access token.
fn parse_tokens(json: Value, now: i64) -> Option<Tokens> {
    let access = json.get("access_token").and_then(Value::as_str).filter(|s| !s.is_empty())?.to_string();
    let refresh = json.get("refresh_token").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let expires_at = json
        .get("expires_in")
        .and_then(Value::as_i64)
        .map(|secs| now.saturating_add(secs))
        .or_else(|| json.get("expires_at").and_then(Value::as_i64));
    let scopes = json.get("scope").and_then(Value::as_str).map(str::to_string);
    // Garmin's DI answers say how long the refresh token lives (garth-ng
    // 1.1 keeps it as `refresh_token_expires_in`); an import reports it.
    let extra = match json.get("refresh_token_expires_in").and_then(Value::as_i64) {
        Some(secs) => serde_json::json!({ "refresh_token_expires_at": now.saturating_add(secs) }),
        None => Value::Null,
    };
    Some(Tokens {
        access_token: Secret::from_string(access),
        refresh_token: refresh.map(Secret::from_string),
        expires_at,
        scopes,
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_garmin_is_fixed_by_a_new_sign_in_and_a_re_import_for_the_same_user() {
        let none = |_: &str| None::<String>;
        let config = super::super::settings::OAuthConfig::load(&none, None, "config.toml").unwrap();
        let client = super::super::OAuthClient::new(config, std::collections::HashMap::new()).unwrap();
        let hint = reconnect_hint(&client.resolve("garmin").unwrap(), "u-1", false);
        assert!(hint.contains("then run `pierre-authd import garmin --from ~/.garmin-sign-in --user u-1`"), "{hint}");
        assert!(hint.contains("pip install --upgrade garminconnect curl_cffi"), "{hint}");
        assert!(hint.contains("prompt_mfa=lambda: input('MFA code: ')).login('~/.garmin-sign-in')"), "{hint}");
        assert!(!hint.contains("garth"), "{hint}");
        assert_eq!(
            reconnect_hint(&client.resolve("strava").unwrap(), "u-1", false),
            "run `pierre-authd connect strava` to sign in again"
        );
        let with_app = |k: &str| match k {
            "PIERRE_GARMIN_CLIENT_ID" => Some("id".to_string()),
            "PIERRE_GARMIN_CLIENT_SECRET" => Some("secret".to_string()),
            _ => None,
        };
        let config = super::super::settings::OAuthConfig::load(&with_app, None, "config.toml").unwrap();
        let client = super::super::OAuthClient::new(config, std::collections::HashMap::new()).unwrap();
        assert_eq!(
            reconnect_hint(&client.resolve("garmin").unwrap(), "u-1", false),
            "run `pierre-authd connect garmin` to sign in again"
        );
        // Imported, Developer Program credentials or not: a re-import.
        assert_eq!(reconnect_hint(&client.resolve("garmin").unwrap(), "u-1", true), hint);
    }

    /// A JWT-shaped token with these claims (unsigned: only the shape matters).
    fn jwt(claims: serde_json::Value) -> String {
        use base64::Engine as _;
        let b64 = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", b64(&serde_json::json!({"alg": "RS256", "typ": "JWT"})), b64(&claims))
    }

    #[test]
    fn a_di_grant_seals_its_client_id_with_the_refresh_token_and_opens_only_that_form() {
        let grant = DiGrant {
            client_id: "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2".into(),
            refresh_token: Secret::from_string("rt-1".into()),
        };
        let sealed = grant.seal().unwrap();
        let back = DiGrant::open(&sealed).unwrap();
        assert_eq!(back.client_id, "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2");
        assert_eq!(back.refresh_token.expose(), b"rt-1");
        assert!(!format!("{back:?}").contains("rt-1"));
        // A Developer Program connection's plain refresh token is not a DI grant.
        assert!(DiGrant::open(&Secret::from_string("fake-rt-abc".into())).is_none());
        assert!(DiGrant::open(&Secret::from_string(r#"{"client_id":"c","refresh_token":"r"}"#.into())).is_none());
        assert!(
            DiGrant::open(&Secret::from_string(r#"{"garmin_di":1,"client_id":"","refresh_token":"r"}"#.into()))
                .is_none()
        );
    }

    #[test]
    fn jwt_claims_are_read_without_trusting_them() {
        let token = jwt(serde_json::json!({"client_id": "GARMIN_CONNECT_MOBILE_IOS_DI", "exp": 1_800_000_000.5}));
        assert_eq!(jwt_exp(&token), Some(1_800_000_000));
        assert_eq!(jwt_claims(&token).unwrap()["client_id"], "GARMIN_CONNECT_MOBILE_IOS_DI");
        assert_eq!(jwt_exp("fake-at-opaque"), None);
        assert_eq!(jwt_exp(&jwt(serde_json::json!({"exp": "soon"}))), None);
        assert_eq!(jwt_exp(&jwt(serde_json::json!({"exp": -5}))), None);
        assert_eq!(jwt_claims("a.!!!.c"), None);
    }

    #[test]
    fn backoff_is_bounded_and_grows() {
        for retry in 1..20 {
            for jitter in [0, 1, 77, 5_000, u32::MAX] {
                let d = backoff(retry, jitter);
                assert!(d <= MAX_DELAY, "retry {retry}: {d:?}");
                assert!(d >= BASE_DELAY / 2, "retry {retry}: {d:?}");
            }
        }
        assert_eq!(backoff(1, 0), Duration::from_millis(100));
        assert_eq!(backoff(2, 0), Duration::from_millis(200));
        assert_eq!(backoff(10, 0), MAX_DELAY / 2);
        assert!(backoff(1, 100) <= Duration::from_millis(200));
    }

    #[test]
    fn token_answers_parse_with_expires_in_or_expires_at() {
        let t = parse_tokens(serde_json::json!({"access_token": "a", "refresh_token": "r", "expires_in": 60}), 1_000)
            .unwrap();
        assert_eq!(t.expires_at, Some(1_060));
        assert_eq!(t.refresh_token.unwrap().expose(), b"r");
        let t = parse_tokens(serde_json::json!({"access_token": "a", "expires_at": 5}), 1_000).unwrap();
        assert_eq!(t.expires_at, Some(5));
        assert!(t.refresh_token.is_none());
        assert!(parse_tokens(serde_json::json!({"access_token": ""}), 0).is_none());
    }
}
