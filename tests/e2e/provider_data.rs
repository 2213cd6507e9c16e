//! Reading real providers end to end: `pierre-mcp call` → the daemon's
//! tokens → the strict fake serving `tests/fixtures/<provider>/`, for every
//! provider with an OAuth connect flow, and the provider faults a user
//! meets: 401 (one refresh and one retry), 429 with its wait, 5xx, a hang
//! past the timeout, malformed and truncated bodies. Each fault must give
//! one actionable tool error and leave the connection usable.

use crate::common;

use std::process::Command;
use std::time::Duration;

use common::TestHome;
use common::fake::{ALICE_ACCOUNT, FakeProvider, connect, start_daemon};
use serde_json::{Value, json};

/// The clock the fixtures were written for (fixtures cover 2026-11-10..22).
const NOW: &str = "2026-11-22T20:00:00+01:00";

/// A provider request hanging longer than this is given up (the fake's hang lasts an hour).
const TIMEOUT_MS: &str = "1500";

/// One connected provider: its fake, the daemon, and a home.
struct Connected {
    fake: FakeProvider,
    home: TestHome,
    _daemon: common::DaemonGuard,
}

fn connected(provider: &str) -> Connected {
    let home = TestHome::new();
    let fake = FakeProvider::start(provider, &[ALICE_ACCOUNT]);
    let (daemon, _) = start_daemon(&home, provider, &fake, &[]);
    fake.control("config", json!({ "authorize_as": ALICE_ACCOUNT }));
    connect(&home, provider, None);
    Connected { fake, home, _daemon: daemon }
}

/// What `pierre-mcp call` printed: the structured result, or the error sentence.
enum Outcome {
    Ok(Value),
    ToolError(String),
}

fn call(c: &Connected, tool: &str, args: &[&str]) -> Outcome {
    let mut cmd: Command = c.home.command("pierre-mcp");
    cmd.arg("call")
        .arg(tool)
        .args(args)
        .arg("--json")
        .env("PIERRE_SYNTHETIC_NOW", NOW)
        .env("PIERRE_PROVIDER_TIMEOUT_MS", TIMEOUT_MS);
    let out = common::output_within(&mut cmd, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if out.status.success() {
        let value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{tool}: stdout is not JSON ({e}): {stdout}\n{stderr}"));
        Outcome::Ok(value)
    } else {
        assert_eq!(out.status.code(), Some(1), "{tool}: {stdout}\n{stderr}");
        Outcome::ToolError(format!("{stdout}{stderr}"))
    }
}

fn ok(c: &Connected, tool: &str, args: &[&str]) -> Value {
    match call(c, tool, args) {
        Outcome::Ok(v) => v,
        Outcome::ToolError(e) => panic!("{tool} {args:?} failed: {e}"),
    }
}

fn tool_error(c: &Connected, tool: &str, args: &[&str]) -> String {
    match call(c, tool, args) {
        Outcome::Ok(v) => panic!("{tool} {args:?} should have failed: {v}"),
        Outcome::ToolError(e) => e,
    }
}

/// The API requests the fake saw.
fn requests(fake: &FakeProvider) -> Vec<Value> {
    let (_, _, text) = common::http::http("GET", &format!("{}/__fake/requests", fake.base), None, None);
    let v: Value = serde_json::from_str(&text).unwrap();
    v["requests"].as_array().cloned().unwrap_or_default()
}

fn api_fault(fake: &FakeProvider, kind: &str, count: usize) {
    fake.control("fault", json!({ "target": "api", "kind": kind, "count": count }));
}

/// Every provider reads its athlete and activities through the whole
/// stack, with the token of the account the user connected.
#[test]
fn every_provider_answers_the_data_tools() {
    for provider in ["strava", "fitbit", "whoop", "oura"] {
        let c = connected(provider);
        let args = [format!("provider={provider}")];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let athlete = ok(&c, "get_athlete", &args);
        assert_eq!(athlete["provider"], provider, "{athlete}");
        let listed = ok(&c, "get_activities", &args);
        let activities = listed["activities"].as_array().expect("activities");
        assert!(!activities.is_empty(), "{provider}: no activities: {listed}");
        for a in activities {
            assert!(a["id"].as_str().is_some_and(|id| !id.is_empty()), "{provider}: {a}");
            assert!(a["start_time"].as_str().is_some(), "{provider}: {a}");
        }
        let seen = requests(&c.fake);
        assert!(!seen.is_empty(), "{provider}: the fake saw no API request");
        for r in &seen {
            assert_eq!(r["account"], ALICE_ACCOUNT, "{provider}: {r}");
        }
        // The fixtures hold details for some listed activities: those must
        // read in full, the others must say the activity is unknown.
        let mut detailed = 0;
        for a in activities {
            let id = a["id"].as_str().unwrap();
            match call(&c, "get_activity", &[args[0], &format!("id={id}")]) {
                Outcome::Ok(detail) => {
                    assert_eq!(detail["activity"]["id"], id, "{provider}: {detail}");
                    detailed += 1;
                }
                Outcome::ToolError(e) => assert!(e.contains(" has no "), "{provider} {id}: {e}"),
            }
        }
        assert!(detailed > 0, "{provider}: no activity read in full");
        // The analysis tools read the same provider (details of the newest
        // activities for records; ones without a detail are skipped).
        let range = [args[0], "from=2026-11-09", "to=2026-11-22"];
        let records = ok(&c, "get_personal_records", &range);
        assert_eq!(records["provider"], provider, "{records}");
        let load = ok(&c, "get_training_load", &range);
        assert!(!load["days"].as_array().unwrap().is_empty(), "{provider}: {load}");
        // Every threshold is named with its origin, and each one named as assumed has its
        // rule in `assumed` (e.g. "max heart rate 184 bpm (208 − 0.7 × age; ...)").
        let named: Vec<&str> = load["thresholds"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert!(named.iter().any(|t| t.starts_with("max heart rate ")), "{provider}: {named:?}");
        let rules: Vec<&str> =
            load["assumed"].as_array().map_or(vec![], |a| a.iter().filter_map(Value::as_str).collect());
        for t in named.iter().filter(|t| t.ends_with("(assumed)")) {
            let figure = t.trim_end_matches(" (assumed)");
            assert!(rules.iter().any(|r| r.starts_with(figure)), "{provider}: {t} has no rule in {rules:?}");
        }
        let stats = ok(&c, "get_stats", &[args[0], "period=week", "count=2"]);
        assert_eq!(stats["provider"], provider, "{stats}");
    }
}

#[test]
fn strava_has_no_sleep_and_says_so() {
    let c = connected("strava");
    let e = tool_error(&c, "get_sleep", &["provider=strava"]);
    assert!(e.contains("strava does not provide sleep"), "{e}");
    assert!(e.contains("provider=synthetic"), "{e}");
}

/// A 401 is answered by one refresh (at the fake) and one retry; a second
/// 401 in a row asks the user to reconnect.
#[test]
fn a_rejected_token_is_refreshed_once_and_retried() {
    let c = connected("strava");
    api_fault(&c.fake, "access_denied", 1);
    let before = c.fake.refreshes();
    let listed = ok(&c, "get_activities", &["provider=strava"]);
    assert!(!listed["activities"].as_array().unwrap().is_empty());
    assert_eq!(c.fake.refreshes(), before + 1, "exactly one refresh");

    api_fault(&c.fake, "access_denied", 2);
    let e = tool_error(&c, "get_activities", &["provider=strava"]);
    assert!(e.contains("pierre-authd connect strava"), "{e}");
    assert_eq!(c.fake.refreshes(), before + 2, "one refresh per call, never a loop");
}

#[test]
fn provider_faults_are_one_actionable_sentence_and_lose_nothing() {
    let c = connected("strava");
    // A 429 sets a wait in the daemon's budget, so it has its own tests (tests/e2e/rate_limits.rs).
    let cases = [
        ("server_error", "server error (HTTP 500); try again"),
        ("malformed", "could not read"),
        ("truncated", "could not read"),
        ("hang", "did not answer within"),
    ];
    for (kind, expected) in cases {
        api_fault(&c.fake, kind, 1);
        let e = tool_error(&c, "get_activities", &["provider=strava"]);
        assert!(e.contains(expected), "{kind}: {e}");
        assert_eq!(e.lines().count(), 1, "{kind}: one sentence: {e}");
        assert!(!e.contains("panick"), "{kind}: {e}");
        // The connection still works and nothing was lost.
        let listed = ok(&c, "get_activities", &["provider=strava"]);
        assert!(!listed["activities"].as_array().unwrap().is_empty(), "{kind}");
    }
    let status = ok(&c, "get_connection_status", &[]);
    assert!(status.to_string().contains("\"connected\""), "{status}");
}

/// A 429's wait reaches the assistant in `_meta.retry_after_secs` too.
#[test]
fn a_rate_limit_says_how_long_to_wait() {
    let c = connected("strava");
    api_fault(&c.fake, "rate_limited", 1);
    let e = tool_error(&c, "get_athlete", &["provider=strava"]);
    assert!(e.contains("try again in 60 s"), "{e}");
}
