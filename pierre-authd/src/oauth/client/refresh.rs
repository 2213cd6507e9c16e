//! The refresh-token grant (RFC 6749 §6) with bounded retries.
//!
//! Sent with reqwest directly rather than through `oauth2`, because the
//! decision after a failure depends on the HTTP status (`5xx` and timeouts
//! are retried, `400 invalid_grant` ends the connection, `429` is a rate
//! limit) and `oauth2` folds every non-JSON error body into one parse error.
//! Token response bodies are never logged or put into errors.

use std::time::Duration;

use pierre_shared::catalogue::ClientAuth;
use pierre_shared::Secret;
use serde_json::Value;

use super::exchange::Tokens;
use super::ResolvedProvider;

/// Attempts per refresh: one plus two retries.
pub const MAX_ATTEMPTS: u32 = 3;
/// The first retry waits about this long; each next one twice as long.
const BASE_DELAY: Duration = Duration::from_millis(200);
/// No single wait is longer than this.
const MAX_DELAY: Duration = Duration::from_secs(2);
/// One attempt's limit: a provider that hangs must not hold the
/// (user, provider) refresh for the HTTP client's general 30 s.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

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
}

/// Signs a Python Garmin client (garth) in again and writes its token
/// directory, `~/.garminconnect`, the one python-garminconnect uses too.
pub const GARMIN_SIGN_IN: &str =
    "python3 -c \"import garth, getpass; garth.login(input('Email: '), getpass.getpass()); garth.save('~/.garminconnect')\"";

/// What fixes a connection the provider no longer accepts, for `user_id`.
///
/// Garmin without Developer Program credentials is connected only by
/// importing a Python client's sign-in, which Pierre cannot refresh (garth
/// re-signs an OAuth1 exchange with a consumer key Pierre does not have):
/// the fix is a new sign-in there and a re-import into the same Pierre
/// user. Every other case is a new `connect`.
pub fn reconnect_hint(p: &ResolvedProvider, user_id: &str) -> String {
    if p.def.name == "garmin" && !p.configured() {
        format!(
            "Pierre cannot refresh an imported Garmin sign-in: sign in again with your Python Garmin client (garth: `{GARMIN_SIGN_IN}`), then run `pierre-authd import garmin --from ~/.garminconnect --user {user_id}`"
        )
    } else {
        format!("run `pierre-authd connect {}` to sign in again", p.def.name)
    }
}

/// One attempt's outcome: final, or worth another try.
enum Attempt {
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
/// unreadable answers up to [`MAX_ATTEMPTS`] times.
///
/// # Errors
/// See [`RefreshError`].
pub async fn refresh(
    http: &reqwest::Client,
    p: &ResolvedProvider,
    refresh_token: &Secret,
    now: impl Fn() -> i64,
) -> Result<Tokens, RefreshError> {
    let mut last = "no attempt";
    for attempt in 1..=MAX_ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(backoff(attempt - 1, random_u32())).await;
        }
        match once(http, p, refresh_token, now()).await {
            Attempt::Done(result) => return result,
            Attempt::Retry(why) => {
                tracing::warn!(provider = p.def.name, attempt, why, "token refresh attempt failed");
                last = why;
            }
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
    let response = match request.form(&form).send().await {
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
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return if status.is_success() { Attempt::Retry("unreadable answer") } else { Attempt::Retry("unreadable error") };
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
    Some(Tokens {
        access_token: Secret::from_string(access),
        refresh_token: refresh.map(Secret::from_string),
        expires_at,
        scopes,
        extra: Value::Null,
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
        let hint = reconnect_hint(&client.resolve("garmin").unwrap(), "u-1");
        assert!(hint.contains("pierre-authd import garmin --from ~/.garminconnect --user u-1"), "{hint}");
        assert!(hint.contains("garth.save('~/.garminconnect')"), "{hint}");
        assert_eq!(reconnect_hint(&client.resolve("strava").unwrap(), "u-1"), "run `pierre-authd connect strava` to sign in again");
        let with_app = |k: &str| match k {
            "PIERRE_GARMIN_CLIENT_ID" => Some("id".to_string()),
            "PIERRE_GARMIN_CLIENT_SECRET" => Some("secret".to_string()),
            _ => None,
        };
        let config = super::super::settings::OAuthConfig::load(&with_app, None, "config.toml").unwrap();
        let client = super::super::OAuthClient::new(config, std::collections::HashMap::new()).unwrap();
        assert_eq!(reconnect_hint(&client.resolve("garmin").unwrap(), "u-1"), "run `pierre-authd connect garmin` to sign in again");
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
        let t = parse_tokens(serde_json::json!({"access_token": "a", "refresh_token": "r", "expires_in": 60}), 1_000).unwrap();
        assert_eq!(t.expires_at, Some(1_060));
        assert_eq!(t.refresh_token.unwrap().expose(), b"r");
        let t = parse_tokens(serde_json::json!({"access_token": "a", "expires_at": 5}), 1_000).unwrap();
        assert_eq!(t.expires_at, Some(5));
        assert!(t.refresh_token.is_none());
        assert!(parse_tokens(serde_json::json!({"access_token": ""}), 0).is_none());
    }
}
