//! Token lifecycle end to end: the real `pierre-authd` against the strict
//! fake provider. `tokens.get` refreshes once per (user, provider) however
//! many callers ask, commits the rotated refresh token before handing out
//! the access token, and turns `invalid_grant` into `needs_reconnect`.

use crate::common;

use std::time::{Duration, Instant};

use common::fake::{ALICE_ACCOUNT, BOB_ACCOUNT, FakeProvider};
use common::{DaemonGuard, RpcClient, TestHome};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const ALICE: &str = ALICE_ACCOUNT;
const BOB: &str = BOB_ACCOUNT;

type Fake = FakeProvider;

/// Status, the response head (status line, then `name: value` lines with
/// lower-case names) and body.
fn http_full(method: &str, url: &str, body: Option<&str>) -> (u16, String, String) {
    let (status, headers, payload) = common::http::http(method, url, None, body);
    let lines: Vec<String> = headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    let head = format!("HTTP/1.1 {status}\r\n{}", lines.join("\r\n"));
    (status, head, payload)
}

/// Starts the daemon and registers its callback with the fake.
fn start_daemon(home: &TestHome, fake: &Fake) -> DaemonGuard {
    common::fake::start_daemon(home, &fake.provider, fake, &[]).0
}

/// `connect strava --no-browser` for `user` (the owner when `None`),
/// following the printed URL as a browser would.
fn connect(home: &TestHome, user: Option<&str>) {
    connect_provider(home, "strava", user);
}

use common::fake::connect as connect_provider;

/// The fake approves `account` next and issues tokens for `ttl` seconds.
fn next_login(fake: &Fake, accounts: &[&str], account: &str, ttl: u64) {
    fake.control("config", json!({ "accounts": accounts, "authorize_as": account, "access_ttl_secs": ttl }));
}

fn tokens_get(client: &mut RpcClient, params: Value) -> Value {
    client.call("tokens.get", params)
}

fn with_user(mut params: Value, user: Option<&str>) -> Value {
    if let Some(user) = user {
        params["user"] = json!(user);
    }
    params
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn connection_state(home: &TestHome) -> String {
    connection_state_of(home, "strava", None)
}

/// The state of `user`'s connection to `provider`; empty when there is none.
fn connection_state_of(home: &TestHome, provider: &str, user: Option<&str>) -> String {
    let list = home.connect_hello().call_ok("connections.list", with_user(json!({}), user));
    list["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["provider"] == provider)
        .map(|c| c["state"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

fn disconnect_cli(home: &TestHome, args: &[&str]) -> std::process::Output {
    let mut cmd = home.command("pierre-authd");
    cmd.arg("disconnect").args(args);
    common::output_within(&mut cmd, Duration::from_secs(30))
}

/// A home with the owner connected to Strava (account ALICE) with an access
/// token that expires within the refresh margin; the fake's next tokens
/// live 6 h.
fn expiring_setup() -> (TestHome, Fake, DaemonGuard) {
    let home = TestHome::new();
    let fake = Fake::start("strava", &[ALICE]);
    let daemon = start_daemon(&home, &fake);
    next_login(&fake, &[ALICE], ALICE, 60);
    connect(&home, None);
    fake.control("config", json!({ "access_ttl_secs": 21_600 }));
    (home, fake, daemon)
}

#[test]
fn a_hundred_concurrent_calls_on_an_expiring_token_cause_one_refresh() {
    let (home, fake, _daemon) = expiring_setup();
    let mut client = home.connect_hello();
    let before = fake.refreshes();
    let answers = client.pipelined("tokens.get", 100, json!({ "provider": "strava" }));
    assert_eq!(fake.refreshes() - before, 1, "refreshes at the fake for 100 concurrent calls");
    let tokens: std::collections::HashSet<String> = answers
        .iter()
        .map(|a| {
            let r = &a["result"];
            assert!(r.is_object(), "{a}");
            assert!(r.get("refresh_token").is_none());
            assert!(r["api_base"].as_str().unwrap().ends_with("/api/v3"));
            assert!(r["connection_id"].is_string());
            assert_eq!(r["account_id"], ALICE);
            r["access_token"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(tokens.len(), 1, "all 100 got the same new token");
    // The new token lives 6 h: the next call does not refresh.
    let again = tokens_get(&mut client, json!({ "provider": "strava" }));
    assert_eq!(again["result"]["access_token"].as_str(), tokens.iter().next().map(String::as_str));
    assert_eq!(fake.refreshes() - before, 1);
    assert_eq!(fake.refused("refresh_reused"), 0);
}

#[test]
fn fifty_reports_of_one_rejected_token_cause_one_refresh() {
    let (home, fake, _daemon) = expiring_setup();
    let mut client = home.connect_hello();
    let first = tokens_get(&mut client, json!({ "provider": "strava" }));
    let token = first["result"]["access_token"].as_str().unwrap().to_string();
    let before = fake.refreshes();
    let answers = client.pipelined(
        "tokens.get",
        50,
        json!({ "provider": "strava", "rejected_token_sha256": sha256_hex(&token) }),
    );
    assert_eq!(fake.refreshes() - before, 1);
    for a in &answers {
        let new = a["result"]["access_token"].as_str().unwrap_or_else(|| panic!("{a}"));
        assert_ne!(new, token);
    }
    // A report of a token that is no longer current does not refresh.
    let stale = tokens_get(&mut client, json!({ "provider": "strava", "rejected_token_sha256": sha256_hex(&token) }));
    assert!(stale["result"].is_object(), "{stale}");
    assert_eq!(fake.refreshes() - before, 1);
    // force_refresh always refreshes; a malformed hash is refused.
    tokens_get(&mut client, json!({ "provider": "strava", "force_refresh": true }));
    assert_eq!(fake.refreshes() - before, 2);
    let bad = client.call_err("tokens.get", json!({ "provider": "strava", "rejected_token_sha256": "abc" }));
    assert_eq!(bad["data"]["code"], "invalid_params");
}

#[test]
fn one_users_hanging_refresh_does_not_block_another_user() {
    let home = TestHome::new();
    let fake = Fake::start("strava", &[ALICE, BOB]);
    let _daemon = start_daemon(&home, &fake);
    next_login(&fake, &[ALICE, BOB], ALICE, 60);
    connect(&home, None);
    next_login(&fake, &[ALICE, BOB], BOB, 60);
    connect(&home, Some("bob"));
    fake.control("config", json!({ "access_ttl_secs": 21_600 }));
    fake.fault("hang", 1);
    let mut owner = home.connect_hello();
    owner.request("tokens.get", json!({ "provider": "strava" }));
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.refreshes() == 0 {
        assert!(Instant::now() < deadline, "the owner's refresh never reached the fake");
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = Instant::now();
    let mut bob = home.connect_hello();
    let answer = tokens_get(&mut bob, with_user(json!({ "provider": "strava" }), Some("bob")));
    assert_eq!(answer["result"]["account_id"], BOB, "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bob waited {:?} behind the owner's refresh",
        started.elapsed()
    );
    assert_eq!(fake.refreshes(), 2);
}

#[test]
fn invalid_grant_marks_the_connection_needs_reconnect_with_the_fix() {
    let (home, fake, _daemon) = expiring_setup();
    let mut events = home.connect_hello();
    events.call_ok("events.subscribe", json!({}));
    fake.fault("invalid_grant", 1);
    let mut client = home.connect_hello();
    let err = client.call_err("tokens.get", json!({ "provider": "strava" }));
    assert_eq!(err["data"]["code"], "needs_reconnect", "{err}");
    assert_eq!(err["data"]["provider"], "strava");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("pierre-authd connect strava"), "{message}");
    assert_eq!(connection_state(&home), "needs_reconnect");
    let event = events.read_json(Duration::from_secs(10));
    assert_eq!(event["method"], "event", "{event}");
    assert_eq!(event["params"]["kind"], "needs_reconnect");
    assert_eq!(event["params"]["provider"], "strava");
    assert!(event["params"]["message"].as_str().unwrap().contains("pierre-authd connect strava"));
    // Asking again does not hammer the provider.
    let before = fake.refreshes();
    let again = client.call_err("tokens.get", json!({ "provider": "strava" }));
    assert_eq!(again["data"]["code"], "needs_reconnect");
    assert_eq!(fake.refreshes(), before);
    // Reconnecting fixes it.
    next_login(&fake, &[ALICE], ALICE, 21_600);
    connect(&home, None);
    let ok = tokens_get(&mut client, json!({ "provider": "strava" }));
    assert!(ok["result"]["access_token"].is_string(), "{ok}");
}

#[test]
fn server_errors_are_retried_and_then_reported_without_losing_the_sign_in() {
    let (home, fake, _daemon) = expiring_setup();
    let mut client = home.connect_hello();
    let mut events = home.connect_hello();
    events.call_ok("events.subscribe", json!({}));
    // 500 then success: retried.
    fake.fault("server_error", 1);
    let before = fake.refreshes();
    let ok = tokens_get(&mut client, json!({ "provider": "strava", "force_refresh": true }));
    assert!(ok["result"]["access_token"].is_string(), "{ok}");
    assert_eq!(fake.refreshes() - before, 2);
    let event = events.read_json(Duration::from_secs(10));
    assert_eq!(event["params"]["kind"], "token_refreshed", "{event}");
    assert!(event["params"].get("access_token").is_none());
    // Three 500s: a clear provider_error, and the stored sign-in still works.
    fake.fault("server_error", 3);
    let before = fake.refreshes();
    let err = client.call_err("tokens.get", json!({ "provider": "strava", "force_refresh": true }));
    assert_eq!(err["data"]["code"], "provider_error", "{err}");
    assert_eq!(fake.refreshes() - before, 3);
    assert_eq!(connection_state(&home), "connected");
    // A truncated answer is retried too (the fake kept the old token usable
    // only because nothing rotated: the fault answers before rotating).
    fake.fault("truncated", 1);
    let ok = tokens_get(&mut client, json!({ "provider": "strava", "force_refresh": true }));
    assert!(ok["result"]["access_token"].is_string(), "{ok}");
    assert_eq!(fake.refused("refresh_reused"), 0);
}

#[test]
fn synthetic_and_unconnected_providers_say_what_to_do() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let mut client = home.connect_hello();
    let err = client.call_err("tokens.get", json!({ "provider": "strava" }));
    assert_eq!(err["data"]["code"], "not_connected");
    assert!(err["message"].as_str().unwrap().contains("pierre-authd connect strava"));
    let err = client.call_err("tokens.get", json!({ "provider": "synthetic" }));
    assert_eq!(err["data"]["code"], "not_supported");
    let err = client.call_err("tokens.get", json!({ "provider": "polar" }));
    assert_eq!(err["data"]["code"], "unknown_provider");
}

/// kill -9 during refresh storms, several rounds, with the fake as strict
/// as Strava and Fitbit (a rotated refresh token stops working at once).
/// Afterwards the vault holds the last refresh token the fake issued or its
/// direct predecessor (never a torn row, never an older one), and the next
/// call either works or says `needs_reconnect` with the fix.
#[test]
fn kill_9_during_refresh_storms_leaves_the_last_token_or_its_predecessor() {
    let outcomes = storm_rounds(0, 10);
    eprintln!("kill -9 rounds, no reuse grace:\n{}", outcomes.join("\n"));
}

/// The same with a reuse grace window like GoTrue's 10 s: a predecessor
/// kept by a kill still refreshes, so every round ends working.
#[test]
fn with_a_reuse_grace_window_every_kill_9_round_recovers() {
    let outcomes = storm_rounds(10_000, 5);
    eprintln!("kill -9 rounds, 10 s reuse grace:\n{}", outcomes.join("\n"));
    assert!(outcomes.iter().all(|o| o.ends_with("then works")), "{outcomes:?}");
}

/// `rounds` refresh storms, each ended by kill -9 of the daemon, with the
/// fake's `reuse_grace_ms`; checks the vault after each and says how it went.
fn storm_rounds(grace_ms: u64, rounds: u64) -> Vec<String> {
    let home = TestHome::new();
    let fake = Fake::start("strava", &[ALICE]);
    let mut daemon = start_daemon(&home, &fake);
    fake.control("config", json!({ "reuse_grace_ms": grace_ms }));
    next_login(&fake, &[ALICE], ALICE, 60);
    connect(&home, None);
    let mut outcomes = Vec::new();
    for round in 0..rounds {
        // Every refresh issues a token expiring at once, so every call refreshes.
        fake.control("config", json!({ "access_ttl_secs": 1 }));
        let socket = home.socket_path();
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let socket = socket.clone();
                std::thread::spawn(move || {
                    let Ok(mut client) = RpcClient::connect(&socket) else {
                        return;
                    };
                    client.request("daemon.hello", common::hello_params());
                    loop {
                        client.request("tokens.get", json!({ "provider": "strava", "force_refresh": true }));
                        match client.read_line(Duration::from_secs(5)) {
                            Ok(Some(_)) => {}
                            _ => return,
                        }
                    }
                })
            })
            .collect();
        let before = fake.refreshes();
        let deadline = Instant::now() + Duration::from_secs(10);
        // Kill once a few refreshes are under way, at a varying moment.
        while fake.refreshes() < before + 3 + round {
            assert!(Instant::now() < deadline, "no refresh storm in round {round}");
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(3 * round));
        daemon.signal(libc::SIGKILL);
        daemon.wait_timeout(Duration::from_secs(5));
        for w in workers {
            let _ = w.join();
        }
        let _ = std::fs::remove_file(home.socket_path());
        let refreshed = fake.refreshes() - before;
        fake.control("config", json!({ "access_ttl_secs": 21_600 }));
        daemon = start_daemon(&home, &fake);
        let unknown = fake.refused("refresh_unknown");
        let older = fake.refused("refresh_reused_older");
        let predecessor = fake.refused("refresh_reused_predecessor");
        let mut client = home.connect_hello();
        let answer = tokens_get(&mut client, json!({ "provider": "strava", "force_refresh": true }));
        assert_eq!(
            fake.refused("refresh_unknown"),
            unknown,
            "round {round}: a token the fake never issued (torn row?)"
        );
        assert_eq!(fake.refused("refresh_reused_older"), older, "round {round}: an older token than the predecessor");
        if answer["result"].is_object() {
            outcomes.push(format!("round {round}: {refreshed} refreshes, then works"));
        } else {
            let err = &answer["error"];
            assert_eq!(err["data"]["code"], "needs_reconnect", "round {round}: {answer}");
            assert!(err["message"].as_str().unwrap().contains("pierre-authd connect strava"));
            assert_eq!(
                fake.refused("refresh_reused_predecessor"),
                predecessor + 1,
                "round {round}: refused, but not as the latest token's predecessor"
            );
            outcomes.push(format!("round {round}: {refreshed} refreshes, killed between the provider's rotation and the commit: predecessor kept, needs_reconnect"));
            next_login(&fake, &[ALICE], ALICE, 60);
            connect(&home, None);
        }
    }
    outcomes
}

#[test]
fn disconnect_revokes_once_and_removes_only_that_users_provider() {
    let home = TestHome::new();
    let fake = Fake::start("strava", &[ALICE, BOB]);
    let _daemon = start_daemon(&home, &fake);
    next_login(&fake, &[ALICE, BOB], ALICE, 21_600);
    connect(&home, None);
    next_login(&fake, &[ALICE, BOB], BOB, 21_600);
    connect(&home, Some("bob"));
    let mut events = home.connect_hello();
    events.call_ok("events.subscribe", json!({}));
    let revokes = fake.counters()["counters"]["revoke"].as_u64().unwrap();
    let out = disconnect_cli(&home, &["strava"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("strava: disconnected; access revoked at the provider"), "{stdout}");
    assert_eq!(fake.counters()["counters"]["revoke"].as_u64().unwrap() - revokes, 1);
    assert_eq!(fake.refused("revoke_style"), 0);
    assert_eq!(connection_state_of(&home, "strava", None), "");
    assert_eq!(connection_state_of(&home, "synthetic", None), "connected");
    assert_eq!(connection_state_of(&home, "strava", Some("bob")), "connected");
    let event = events.read_json(Duration::from_secs(10));
    assert_eq!(event["params"]["kind"], "disconnected", "{event}");
    assert_eq!(event["params"]["provider"], "strava");
    // Bob's tokens still work; the owner's are gone.
    let mut client = home.connect_hello();
    let bob = tokens_get(&mut client, with_user(json!({ "provider": "strava", "force_refresh": true }), Some("bob")));
    assert_eq!(bob["result"]["account_id"], BOB, "{bob}");
    let err = client.call_err("tokens.get", json!({ "provider": "strava" }));
    assert_eq!(err["data"]["code"], "not_connected");
    // Again: nothing to do, exit 1. Synthetic: just removed, no revoke.
    let again = disconnect_cli(&home, &["strava"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("was not connected"));
    let out = disconnect_cli(&home, &["synthetic"]);
    assert!(out.status.success());
    assert_eq!(connection_state_of(&home, "synthetic", None), "");
    assert_eq!(fake.counters()["counters"]["revoke"].as_u64().unwrap() - revokes, 1);
    // --all for bob: strava revoked, synthetic removed.
    let out = disconnect_cli(&home, &["--all", "--user", "bob"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("strava: disconnected; access revoked"), "{stdout}");
    assert!(stdout.contains("synthetic: disconnected"), "{stdout}");
    let list = home.connect_hello().call_ok("connections.list", json!({ "user": "bob" }));
    assert_eq!(list["connections"], json!([]));
    assert_eq!(fake.counters()["counters"]["revoke"].as_u64().unwrap() - revokes, 2);
}

#[test]
fn disconnect_revokes_in_each_providers_style_and_reports_a_failed_revoke() {
    for provider in ["fitbit", "whoop"] {
        let home = TestHome::new();
        let fake = Fake::start(provider, &[ALICE]);
        let _daemon = start_daemon(&home, &fake);
        connect_provider(&home, provider, None);
        let mut client = home.connect_hello();
        let done = client.call_ok("connections.disconnect", json!({ "provider": provider }));
        assert_eq!(done["revoke"], "revoked", "{provider}: {done}");
        assert_eq!(done["disconnected"], true);
        assert_eq!(fake.counters()["counters"]["revoke"], 1, "{provider}");
        assert_eq!(fake.refused("revoke_style"), 0, "{provider}");
        assert_eq!(fake.refused("invalid_client"), 0, "{provider}");
        // A revoke the provider refuses is reported; the tokens go anyway.
        connect_provider(&home, provider, None);
        fake.control("fault", json!({ "target": "revoke", "kind": "server_error" }));
        let done = client.call_ok("connections.disconnect", json!({ "provider": provider }));
        assert_eq!(done["revoke"], "failed", "{provider}: {done}");
        assert!(done["revoke_message"].as_str().unwrap().contains("HTTP 500"), "{done}");
        assert_eq!(connection_state_of(&home, provider, None), "");
    }
}

#[test]
fn the_disconnect_provider_tool_removes_the_connection() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let mut cmd = home.command("pierre-mcp");
    cmd.args(["call", "disconnect_provider", "provider=synthetic", "--json"]);
    let out = common::output_within(&mut cmd, Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["disconnected"], true, "{result}");
    assert_eq!(result["revoke"], "not_applicable");
    assert_eq!(connection_state_of(&home, "synthetic", None), "");
    let out = common::output_within(&mut cmd, Duration::from_secs(30));
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["disconnected"], false, "{again}");
}

/// The headers of the fake's 429 for an API request (names lower case).
fn fake_429_headers(fake: &Fake) -> serde_json::Map<String, Value> {
    fake.control("fault", json!({ "target": "api", "kind": "rate_limited" }));
    let (status, head, _) = http_full("GET", &format!("{}/api/v3/athlete", fake.base), None);
    assert_eq!(status, 429);
    head.lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), json!(v.trim())))
        .collect()
}

#[test]
fn strava_budgets_are_shared_by_the_app_and_a_429_answers_rate_limited() {
    let home = TestHome::new();
    let fake = Fake::start("strava", &[ALICE, BOB]);
    let _daemon = start_daemon(&home, &fake);
    next_login(&fake, &[ALICE, BOB], ALICE, 21_600);
    connect(&home, None);
    next_login(&fake, &[ALICE, BOB], BOB, 21_600);
    connect(&home, Some("bob"));
    let mut client = home.connect_hello();
    let got = tokens_get(&mut client, json!({ "provider": "strava" }));
    assert!(got["result"]["access_token"].is_string(), "{got}");
    // The owner's API call hit the read limit of this quarter-hour.
    let headers = fake_429_headers(&fake);
    assert_eq!(headers["x-readratelimit-usage"], "100,300");
    let reported = client.call_ok("usage.report", json!({ "provider": "strava", "status": 429, "headers": headers }));
    // The headers show the read window spent, but the fake also sends
    // Retry-After: 60, and that is the wait: never longer than Strava asked.
    let expected = 60;
    let wait = reported["retry_after_secs"].as_u64().unwrap();
    assert!(wait.abs_diff(expected) <= 2, "{wait} vs {expected}");
    // Bob shares the app's budget: he is told to wait too, without a refresh.
    let before = fake.refreshes();
    let err = client.call_err("tokens.get", json!({ "provider": "strava", "user": "bob" }));
    assert_eq!(err["data"]["code"], "rate_limited", "{err}");
    let wait = err["data"]["retry_after_secs"].as_u64().unwrap();
    assert!(wait.abs_diff(expected) <= 2, "{wait} vs {expected}");
    assert!(err["message"].as_str().unwrap().contains("retry in"));
    assert_eq!(fake.refreshes(), before);
    // Status shows the budgets.
    let status = client.call_ok("daemon.status", json!({}));
    let windows = status["rate_limits"].as_array().unwrap();
    let quarter = windows
        .iter()
        .find(|w| w["provider"] == "strava" && w["window_secs"] == 900)
        .unwrap_or_else(|| panic!("{status}"));
    assert_eq!(quarter["scope"], "app");
    assert_eq!(quarter["used"], 100);
    assert_eq!(quarter["limit"], 100);
    let daily = windows.iter().find(|w| w["provider"] == "strava" && w["window_secs"] == 86_400).unwrap();
    assert_eq!(daily["used"], 300);
    assert_eq!(daily["resets_at"].as_u64().unwrap() % 86_400, 0, "daily reset at 00:00 UTC");
    let mut cmd = home.command("pierre-authd");
    cmd.arg("status");
    let out = common::output_within(&mut cmd, Duration::from_secs(20));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rate limit strava (app, 900 s window): 100/100 used"));
}

#[test]
fn fitbit_budgets_are_per_user() {
    let home = TestHome::new();
    let fake = Fake::start("fitbit", &[ALICE, BOB]);
    let _daemon = start_daemon(&home, &fake);
    next_login(&fake, &[ALICE, BOB], ALICE, 28_800);
    connect_provider(&home, "fitbit", None);
    next_login(&fake, &[ALICE, BOB], BOB, 28_800);
    connect_provider(&home, "fitbit", Some("bob"));
    let mut client = home.connect_hello();
    let headers = json!({
        "Fitbit-Rate-Limit-Limit": "150",
        "Fitbit-Rate-Limit-Remaining": "0",
        "Fitbit-Rate-Limit-Reset": "1234",
    });
    let reported = client.call_ok("usage.report", json!({ "provider": "fitbit", "status": 429, "headers": headers }));
    assert!(reported["retry_after_secs"].as_u64().unwrap().abs_diff(1234) <= 1, "{reported}");
    let err = client.call_err("tokens.get", json!({ "provider": "fitbit" }));
    assert_eq!(err["data"]["code"], "rate_limited");
    assert!(err["data"]["retry_after_secs"].as_u64().unwrap().abs_diff(1234) <= 1, "{err}");
    let bob = tokens_get(&mut client, json!({ "provider": "fitbit", "user": "bob" }));
    assert_eq!(bob["result"]["account_id"], BOB, "{bob}");
    // Plain 200 reports count against the user's own window.
    let ok = client.call_ok("usage.report", json!({ "provider": "fitbit", "status": 200, "user": "bob" }));
    assert!(ok.get("retry_after_secs").is_none(), "{ok}");
}
