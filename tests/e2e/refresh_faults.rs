//! Refresh faults met during a `pierre-mcp` tool call, through the whole stack (issue 15).
//!
//! `token_lifecycle.rs` covers these at the socket (`tokens.get`); `provider_data.rs` covers API
//! faults through pierre-mcp. Here the provider rejects the access token during a tool call
//! (401), pierre-mcp reports it, the daemon's refresh then fails at the token endpoint, and the
//! assistant must get one actionable sentence while the sign-in is kept or marked exactly as the
//! fault deserves.

use crate::common;

use std::path::PathBuf;
use std::time::Duration;

use common::TestHome;
use common::fake::{ALICE_ACCOUNT, FakeProvider, connect, start_daemon};
use serde_json::{Value, json};

struct Connected {
    fake: FakeProvider,
    home: TestHome,
    _daemon: common::DaemonGuard,
}

fn connected() -> Connected {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let (daemon, _) = start_daemon(&home, "strava", &fake, &[]);
    fake.control("config", json!({ "authorize_as": ALICE_ACCOUNT }));
    connect(&home, "strava", None);
    Connected { fake, home, _daemon: daemon }
}

/// `pierre-mcp call TOOL ARGS --json`: Ok(structured result) or Err(the error text).
fn call(c: &Connected, tool: &str, args: &[&str]) -> Result<Value, String> {
    let mut cmd = c.home.command("pierre-mcp");
    cmd.arg("call").arg(tool).args(args).arg("--json").env("PIERRE_PROVIDER_TIMEOUT_MS", "3000");
    let out = common::output_within(&mut cmd, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    if out.status.success() {
        Ok(serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{tool}: not JSON ({e}): {stdout}")))
    } else {
        Err(format!("{stdout}{stderr}"))
    }
}

fn api_fault(fake: &FakeProvider, kind: &str, count: usize) {
    fake.control("fault", json!({ "target": "api", "kind": kind, "count": count }));
}

fn strava_state(c: &Connected) -> String {
    let status = call(c, "get_connection_status", &[]).expect("get_connection_status");
    let list = status["connections"].as_array().unwrap_or_else(|| panic!("{status}"));
    list.iter()
        .find(|x| x["provider"] == "strava")
        .map(|x| x["state"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no strava connection: {status}"))
}

/// The owner's sealed rows, as stored.
fn sealed_rows(home: &TestHome) -> Vec<(String, Vec<u8>)> {
    let users = home.path().join("data/users");
    let dir: PathBuf = std::fs::read_dir(&users).unwrap().flatten().next().unwrap().path();
    let db =
        rusqlite::Connection::open_with_flags(dir.join("vault.sqlite3"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = db.prepare("SELECT field, blob FROM secrets WHERE provider = 'strava' ORDER BY field").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

/// Guards "invalid_grant marks the connection needs reconnect and the error names the command
/// that fixes it", as the assistant sees it: the tool error says `pierre-authd connect strava`,
/// and `get_connection_status` shows `needs_reconnect`.
#[test]
fn invalid_grant_during_a_tool_call_asks_for_a_reconnect() {
    let c = connected();
    assert_eq!(strava_state(&c), "connected");
    api_fault(&c.fake, "access_denied", 1);
    c.fake.fault("invalid_grant", 1);
    let e = call(&c, "get_activities", &["provider=strava"]).expect_err("the call must fail");
    assert!(e.contains("pierre-authd connect strava"), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "one sentence: {e}");
    assert_eq!(strava_state(&c), "needs_reconnect");
    // Asking again fails the same way without another refresh (no hammering).
    let before = c.fake.refreshes();
    let again = call(&c, "get_athlete", &["provider=strava"]).expect_err("still needs a reconnect");
    assert!(again.contains("pierre-authd connect strava"), "{again}");
    assert_eq!(c.fake.refreshes(), before);
}

/// Guards "the new refresh token is committed before the access token is handed out" from the
/// other side: a refresh the provider answers with 5xx changes nothing stored, the connection
/// stays `connected`, and the very same refresh token still works afterwards (the fake refuses
/// a reused rotated token, so a lost or half-rotated chain would show as `refresh_reused`).
#[test]
fn a_server_error_during_refresh_loses_no_token() {
    let c = connected();
    let rows = sealed_rows(&c.home);
    assert_eq!(rows.len(), 2, "access and refresh token stored");
    api_fault(&c.fake, "access_denied", 1);
    // The daemon tries a refresh three times before giving up (token_lifecycle.rs).
    c.fake.fault("server_error", 3);
    let before = c.fake.refreshes();
    let e = call(&c, "get_activities", &["provider=strava"]).expect_err("the call must fail");
    assert!(!e.contains("pierre-authd connect"), "a 5xx is not a reason to reconnect: {e}");
    assert!(e.contains("retry later") && e.contains("sign-in is unchanged"), "{e}");
    assert_eq!(c.fake.refreshes(), before + 3, "three attempts, all answered 500");
    assert_eq!(sealed_rows(&c.home), rows, "a failed refresh rewrote the stored tokens");
    assert_eq!(strava_state(&c), "connected");
    // No fault is left queued: the old refresh token must work.
    let mut client = c.home.connect_hello();
    let got = client.call("tokens.get", json!({ "provider": "strava", "force_refresh": true }));
    assert!(got["result"]["access_token"].is_string(), "the kept refresh token no longer works: {got}");
    assert_eq!(c.fake.refused("refresh_reused"), 0);
    assert_ne!(sealed_rows(&c.home), rows, "the successful refresh stored the rotated tokens");
    let listed = call(&c, "get_activities", &["provider=strava"]).expect("reads again");
    assert!(!listed["activities"].as_array().unwrap().is_empty());
}
