//! Every `pierre-authd` command acts as the user its environment names, or refuses: a script
//! holding alice's `PIERRE_TOKEN` must never read or change the owner's connections, run the
//! owner's administration, or mint itself a longer-lived token; and `--user NAME` names a user
//! that exists rather than making one out of a typo.

use crate::common;

use std::process::Output;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{DaemonGuard, TestHome, output_within};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(30);

fn run(home: &TestHome, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = home.command("pierre-authd");
    cmd.envs(env.iter().copied()).args(args);
    output_within(&mut cmd, LIMIT)
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).unwrap()
}

/// The `exp` claim of a JWT (its payload is base64url JSON).
fn expiry(jwt: &str) -> i64 {
    let payload = jwt.trim().split('.').nth(1).expect("a JWT has three parts");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["exp"].as_i64().unwrap()
}

/// A daemon whose owner and alice each have their own `synthetic` connection, and alice's
/// socket token.
fn owner_and_alice(home: &TestHome) -> (DaemonGuard, String) {
    let daemon = home.spawn_daemon();
    ok(&run(home, &[], &["login"]));
    ok(&run(home, &[], &["users", "add", "alice"]));
    let token = ok(&run(home, &[], &["token", "--user", "alice", "--ttl", "1h"])).trim().to_string();
    (daemon, token)
}

fn providers_of(list: &Value) -> Vec<String> {
    list["connections"].as_array().unwrap().iter().map(|c| c["provider"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_token_pins_connections_and_disconnect_to_its_user() {
    let home = TestHome::new();
    let (_daemon, token) = owner_and_alice(&home);
    let alice = [("PIERRE_TOKEN", token.as_str())];
    let owner_list = json(&run(&home, &[], &["connections", "--json"]));
    assert_eq!(providers_of(&owner_list), ["synthetic"]);

    let listed = json(&run(&home, &alice, &["connections", "--json"]));
    assert_ne!(listed["user_id"], owner_list["user_id"], "alice's token lists alice's connections");
    let alice_synthetic = &listed["connections"][0];
    assert_eq!(alice_synthetic["provider"], "synthetic", "{listed}");
    assert_ne!(alice_synthetic["connection_id"], owner_list["connections"][0]["connection_id"]);

    // Disconnecting under alice's token ends alice's connection, never the owner's.
    ok(&run(&home, &alice, &["disconnect", "synthetic"]));
    assert!(providers_of(&json(&run(&home, &alice, &["connections", "--json"]))).is_empty());
    let owner_after = json(&run(&home, &[], &["connections", "--json"]));
    assert_eq!(owner_after["connections"][0]["connection_id"], owner_list["connections"][0]["connection_id"]);

    // The token may not be stretched to another user with PIERRE_USER or --user.
    let out = run(&home, &[("PIERRE_TOKEN", token.as_str()), ("PIERRE_USER", "root-owner")], &["connections"]);
    assert!(!out.status.success());
    let out = run(&home, &alice, &["connections", "--user", owner_list["user_id"].as_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("may not act for"), "{}", stderr(&out));

    // PIERRE_USER on an owner connection selects the user, as --user does.
    let by_env = json(&run(&home, &[("PIERRE_USER", "alice")], &["connections", "--json"]));
    assert_eq!(by_env["user_id"], listed["user_id"]);
}

#[test]
fn owner_only_commands_are_refused_under_a_token() {
    let home = TestHome::new();
    let (_daemon, token) = owner_and_alice(&home);
    let alice = [("PIERRE_TOKEN", token.as_str())];
    let refused: &[&[&str]] = &[
        &["users", "add", "mallory"],
        &["users", "remove", "alice", "--yes"],
        &["users", "rename", "alice", "eve"],
        &["apps", "set", "strava", "--client-id", "1", "--client-secret-stdin"],
        &["apps", "list"],
        &["keys", "rotate"],
        &["approve", "ABCD-1234"],
        &["purge", "--yes"],
        &["stop"],
    ];
    for args in refused {
        let out = run(&home, &alice, args);
        assert!(!out.status.success(), "{args:?} must be refused under PIERRE_TOKEN");
        let err = stderr(&out);
        assert!(err.contains("PIERRE_TOKEN") && err.contains("owner"), "{args:?}: {err}");
    }
    // Nothing changed: the daemon runs, and the users are the same two.
    let users = json(&run(&home, &[], &["users", "list", "--json"]));
    let names: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"alice"), "{names:?}");
}

#[test]
fn a_token_never_mints_one_that_outlives_it() {
    let home = TestHome::new();
    let (_daemon, token) = owner_and_alice(&home);
    let alice = [("PIERRE_TOKEN", token.as_str())];
    let out = run(&home, &alice, &["token", "--ttl", "90d"]);
    assert!(!out.status.success(), "a 1 h token may not become 90 days");
    assert!(stderr(&out).contains("cannot mint one that outlives it"), "{}", stderr(&out));
    // Without --ttl it gets at most what is left of the presented one, for the same user.
    let minted = ok(&run(&home, &alice, &["token"]));
    assert!(expiry(&minted) <= expiry(&token), "{} > {}", expiry(&minted), expiry(&token));
    let as_minted = json(&run(&home, &[("PIERRE_TOKEN", minted.trim())], &["connections", "--json"]));
    let as_alice = json(&run(&home, &alice, &["connections", "--json"]));
    assert_eq!(as_minted["user_id"], as_alice["user_id"]);
}

#[test]
fn login_for_a_user_that_does_not_exist_is_refused() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let out = run(&home, &[], &["login", "--user", "alcie"]);
    assert!(!out.status.success(), "a typo must not make a new user");
    assert!(stderr(&out).contains("`pierre-authd users add alcie`"), "{}", stderr(&out));
    let users = ok(&run(&home, &[], &["users", "list"]));
    assert!(!users.contains("alcie"), "{users}");
}
