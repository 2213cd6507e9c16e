//! The strict fake provider's own rules, checked directly over HTTP: PKCE
//! where the registry requires it, the client-authentication style, refresh
//! rotation with a reuse grace window, tagged fixtures and injected faults,
//! and revocation in each provider's style. Every other e2e suite relies on
//! the fake being this strict.

use crate::common;

use common::fake::{ALICE_ACCOUNT, CLIENT_ID, CLIENT_SECRET, FakeProvider};
use common::http::{http, http_with};
use serde_json::{Value, json};

/// The `Location` of a redirect.
fn location(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.clone())
        .expect("a redirect without Location")
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// Authorizes at the fake with a fixed verifier and returns the code.
fn fake_code(fake: &FakeProvider, redirect: &str, verifier: Option<&str>) -> String {
    let mut url = format!(
        "{}/oauth/authorize?response_type=code&client_id={CLIENT_ID}&redirect_uri={redirect}&state=s1",
        fake.base
    );
    if let Some(v) = verifier {
        use base64::Engine as _;
        use sha2::Digest as _;
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(v.as_bytes()));
        url.push_str(&format!("&code_challenge={challenge}&code_challenge_method=S256"));
    }
    let (status, headers, body) = http("GET", &url, None, None);
    assert_eq!(status, 302, "{body}");
    let loc = location(&headers);
    loc.split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("code="))
        .unwrap_or_else(|| panic!("no code in {loc}"))
        .to_string()
}

fn token_request(fake: &FakeProvider, form: &str) -> (u16, Value) {
    let (status, _, body) = http_with("POST", &format!("{}/oauth/token", fake.base), None, Some(form), &[FORM]);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

const REDIRECT: &str = "http://127.0.0.1:9/cb";
const VERIFIER: &str = "a-verifier-that-is-long-enough-for-rfc-7636-rules-0123456789";

#[test]
fn fake_checks_pkce_and_rotates_refresh_tokens_with_a_grace_window() {
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let auth = format!("client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}");
    // A wrong verifier burns the code.
    let code = fake_code(&fake, REDIRECT, Some(VERIFIER));
    let (status, body) = token_request(
        &fake,
        &format!(
            "grant_type=authorization_code&code={code}&redirect_uri={REDIRECT}&code_verifier={}x&{auth}",
            VERIFIER
        ),
    );
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    let (status, _) = token_request(
        &fake,
        &format!("grant_type=authorization_code&code={code}&redirect_uri={REDIRECT}&code_verifier={VERIFIER}&{auth}"),
    );
    assert_eq!(status, 400, "a code is single use even after a failed exchange");
    // The right one works; Strava's shape carries expires_at and the athlete.
    let code = fake_code(&fake, REDIRECT, Some(VERIFIER));
    let (status, tokens) = token_request(
        &fake,
        &format!("grant_type=authorization_code&code={code}&redirect_uri={REDIRECT}&code_verifier={VERIFIER}&{auth}"),
    );
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["athlete"]["id"], 134815);
    assert!(tokens["expires_at"].as_u64().is_some());
    let first = tokens["refresh_token"].as_str().unwrap().to_string();
    // Rotation: the old refresh token dies at once (reuse_grace_ms 0)...
    let (status, refreshed) = token_request(&fake, &format!("grant_type=refresh_token&refresh_token={first}&{auth}"));
    assert_eq!(status, 200);
    let second = refreshed["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    let (status, body) = token_request(&fake, &format!("grant_type=refresh_token&refresh_token={first}&{auth}"));
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    // ...or after the grace window, when one is set.
    fake.control("config", json!({ "reuse_grace_ms": 60_000 }));
    let (_, third) = token_request(&fake, &format!("grant_type=refresh_token&refresh_token={second}&{auth}"));
    let (status, _) = token_request(&fake, &format!("grant_type=refresh_token&refresh_token={second}&{auth}"));
    assert_eq!(status, 200, "a rotated token still works inside the grace window");
    assert!(third["refresh_token"].is_string());
    assert_eq!(fake.counters()["counters"]["refresh"], 4);
}

#[test]
fn fake_requires_pkce_where_the_registry_does_and_checks_the_client_auth_style() {
    let garmin = FakeProvider::start("garmin", &["g-1"]);
    let url = format!(
        "{}/oauth/authorize?response_type=code&client_id={CLIENT_ID}&redirect_uri={REDIRECT}&state=s",
        garmin.base
    );
    let (status, headers, _) = http("GET", &url, None, None);
    assert_eq!(status, 302);
    assert!(location(&headers).contains("error=invalid_request"));
    // Fitbit: HTTP Basic only; a secret in the body is refused.
    let fitbit = FakeProvider::start("fitbit", &["F1"]);
    let code = fake_code(&fitbit, REDIRECT, Some(VERIFIER));
    let (status, body) = token_request(
        &fitbit,
        &format!(
            "grant_type=authorization_code&code={code}&redirect_uri={REDIRECT}&code_verifier={VERIFIER}&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
        ),
    );
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    let code = fake_code(&fitbit, REDIRECT, Some(VERIFIER));
    use base64::Engine as _;
    let basic =
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    let (status, _, body) = http_with(
        "POST",
        &format!("{}/oauth/token", fitbit.base),
        None,
        Some(&format!("grant_type=authorization_code&code={code}&redirect_uri={REDIRECT}&code_verifier={VERIFIER}")),
        &[FORM, ("Authorization", &basic)],
    );
    assert_eq!(status, 200, "{body}");
    let tokens: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(tokens["user_id"], "F1");
    // Provider-shaped API with the account tag; revoke in Fitbit's style (RFC 7009 + Basic).
    let at = tokens["access_token"].as_str().unwrap();
    let bearer = format!("Bearer {at}");
    let (status, _, body) = http_with(
        "GET",
        &format!("{}/api/1/user/-/profile.json", fitbit.base),
        None,
        None,
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 200, "{body}");
    let profile: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(profile["pierre_test_account"], "F1");
    assert_eq!(profile["user"]["encodedId"], "F1", "the profile names the token's account");
    let (status, _, _) = http_with(
        "POST",
        &format!("{}/oauth/revoke", fitbit.base),
        None,
        Some(&format!("token={at}")),
        &[FORM, ("Authorization", &basic)],
    );
    assert_eq!(status, 200);
    let (status, _, _) = http_with(
        "GET",
        &format!("{}/api/1/user/-/profile.json", fitbit.base),
        None,
        None,
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 401, "a revoked token no longer reads the API");
}

#[test]
fn fake_api_serves_tagged_fixtures_and_injects_faults() {
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let code = fake_code(&fake, REDIRECT, None);
    let (_, tokens) = token_request(
        &fake,
        &format!(
            "grant_type=authorization_code&code={code}&redirect_uri={REDIRECT}&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
        ),
    );
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let get = |path: &str| {
        http_with("GET", &format!("{}/api/v3/{path}", fake.base), None, None, &[("Authorization", &bearer)])
    };
    let (status, _, body) = get("athlete/activities");
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&body).unwrap();
    assert!(list.as_array().unwrap().iter().all(|a| a["pierre_test_account"] == ALICE_ACCOUNT));
    assert!(body.contains("9007199254740993"), "ids beyond 2^53 are served as written");
    fake.control("fault", json!({ "target": "api", "kind": "rate_limited" }));
    let (status, headers, _) = get("athlete");
    assert_eq!(status, 429);
    assert!(headers.iter().any(|(k, v)| k == "x-readratelimit-usage" && v == "100,300"));
    assert!(headers.iter().any(|(k, _)| k == "retry-after"));
    for (kind, expect) in [("server_error", 500), ("invalid_grant", 401)] {
        fake.control("fault", json!({ "target": "api", "kind": kind }));
        assert_eq!(get("athlete").0, expect, "{kind}");
    }
    fake.control("fault", json!({ "target": "api", "kind": "truncated" }));
    let (status, _, body) = get("athlete");
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<Value>(&body).is_err());
    fake.control("fault", json!({ "target": "refresh", "kind": "invalid_grant" }));
    let (status, body) = token_request(
        &fake,
        &format!(
            "grant_type=refresh_token&refresh_token={}&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}",
            tokens["refresh_token"].as_str().unwrap()
        ),
    );
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(get("athlete").0, 200, "faults are used up");
    assert_eq!(fake.counters()["counters"]["api"], 6);
}

#[test]
fn fake_revokes_in_each_providers_style() {
    use base64::Engine as _;
    let basic =
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    for provider in ["strava", "whoop", "oura"] {
        let fake = FakeProvider::start(provider, &["10129"]);
        let code = fake_code(&fake, REDIRECT, Some(VERIFIER));
        let (status, tokens) = token_request(
            &fake,
            &format!(
                "grant_type=authorization_code&code={code}&redirect_uri={REDIRECT}&code_verifier={VERIFIER}&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
            ),
        );
        assert_eq!(status, 200, "{provider}: {tokens}");
        let at = tokens["access_token"].as_str().unwrap().to_string();
        let bearer = format!("Bearer {at}");
        let revoke = format!("{}/oauth/revoke", fake.base);
        // The wrong style is refused and revokes nothing...
        let (status, _, _) = http_with("PUT", &revoke, None, Some(""), &[FORM, ("Authorization", &basic)]);
        assert_eq!(status, 400, "{provider}");
        // ...the provider's own style works.
        let (status, _, body) = match provider {
            "strava" => http_with("POST", &revoke, None, Some(&format!("access_token={at}")), &[FORM]),
            "whoop" => http_with("DELETE", &revoke, None, None, &[("Authorization", &bearer)]),
            _ => http_with("POST", &format!("{revoke}?access_token={at}"), None, Some(""), &[FORM]),
        };
        assert!(status == 200 || status == 204, "{provider}: {status} {body}");
        let profile = match provider {
            "strava" => format!("{}/api/v3/athlete", fake.base),
            "whoop" => format!("{}/api/v2/user/profile/basic", fake.base),
            _ => format!("{}/api/v2/usercollection/personal_info", fake.base),
        };
        let (status, _, _) = http_with("GET", &profile, None, None, &[("Authorization", &bearer)]);
        assert_eq!(status, 401, "{provider}: a revoked token no longer reads the API");
        assert_eq!(fake.counters()["counters"]["revoke"], 2, "{provider}");
    }
}
