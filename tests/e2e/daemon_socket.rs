//! pierre-authd's socket API, end to end: the real binary in a temp home.

use crate::common;

use std::time::Duration;

use common::{DEFAULT_READ_TIMEOUT, TestHome};
use serde_json::{Value, json};

fn code(error: &Value) -> &str {
    error["data"]["code"].as_str().unwrap_or_else(|| panic!("error without data.code: {error}"))
}

/// After each bad input the same connection must still answer.
fn assert_still_serves(client: &mut common::RpcClient) {
    let status = client.call_ok("daemon.status", json!({}));
    assert!(status["pid"].as_u64().is_some(), "{status}");
}

#[test]
fn each_kind_of_bad_input_gets_its_error_and_the_connection_survives() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let mut client = home.connect_hello();

    // Oversize line (over 1 MiB).
    let mut big = vec![b'x'; 1024 * 1024 + 10];
    big.push(b'\n');
    client.send_raw(&big).unwrap();
    let answer = client.read_json(DEFAULT_READ_TIMEOUT);
    assert_eq!(code(&answer["error"]), "line_too_long", "{answer}");
    assert_eq!(answer["error"]["code"], json!(-32600));
    assert!(answer["id"].is_null());
    assert_still_serves(&mut client);

    // Invalid UTF-8.
    client.send_raw(b"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"\xff\xfe\"}\n").unwrap();
    let answer = client.read_json(DEFAULT_READ_TIMEOUT);
    assert_eq!(code(&answer["error"]), "parse_error", "{answer}");
    assert_still_serves(&mut client);

    // Invalid JSON.
    client.send_line("{\"jsonrpc\":\"2.0\",").unwrap();
    let answer = client.read_json(DEFAULT_READ_TIMEOUT);
    assert_eq!(answer["error"]["code"], json!(-32700), "{answer}");
    assert_still_serves(&mut client);

    // Wrong JSON-RPC shape: keeps the id it could read.
    client.send(&json!({"jsonrpc": "1.0", "id": 77, "method": "daemon.status"})).unwrap();
    let answer = client.read_json(DEFAULT_READ_TIMEOUT);
    assert_eq!(code(&answer["error"]), "invalid_request", "{answer}");
    assert_eq!(answer["id"], json!(77));
    assert_still_serves(&mut client);

    // Unknown method.
    let error = client.call_err("daemon.fly", json!({}));
    assert_eq!(code(&error), "method_not_found");
    assert_eq!(error["code"], json!(-32601));
    assert!(error["message"].as_str().unwrap().contains("daemon.fly"));
    assert_still_serves(&mut client);

    // Bad params.
    let error = client.call_err("users.add", json!({"nmae": "typo"}));
    assert_eq!(code(&error), "invalid_params", "{error}");
    assert_eq!(error["code"], json!(-32602));
    assert_still_serves(&mut client);
}

#[test]
fn hello_comes_first_and_late_connections_are_closed() {
    let home = TestHome::new();
    let mut cmd = home.command("pierre-authd");
    cmd.arg("serve").env("PIERRE_AUTHD_HELLO_TIMEOUT_MS", "400");
    let _daemon = home.spawn_daemon_with(cmd);

    let mut early = home.connect();
    let error = early.call_err("daemon.status", json!({}));
    assert_eq!(code(&error), "hello_required");

    let mut silent = home.connect();
    let closing = silent.read_json(Duration::from_secs(5));
    assert_eq!(code(&closing["error"]), "hello_required", "{closing}");
    assert!(silent.is_closed_within(Duration::from_secs(2)));

    // A connection that said hello stays open well past the deadline.
    let mut good = home.connect_hello();
    std::thread::sleep(Duration::from_millis(900));
    assert_still_serves(&mut good);

    let mut twice = home.connect_hello();
    let error = twice.call_err("daemon.hello", common::hello_params());
    assert_eq!(code(&error), "invalid_request");

    let mut old = home.connect();
    let error =
        old.call_err("daemon.hello", json!({"protocol_versions": [99], "client": {"name": "t", "version": "0"}}));
    assert_eq!(code(&error), "unsupported_protocol");
}

#[test]
fn a_hundred_pipelined_requests_are_all_answered_by_id() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let mut client = home.connect_hello();
    let mut batch = String::new();
    for id in 1000..1100 {
        let method = if id % 2 == 0 { "daemon.status" } else { "users.list" };
        batch.push_str(&json!({"jsonrpc": "2.0", "id": id, "method": method}).to_string());
        batch.push('\n');
    }
    client.send_raw(batch.as_bytes()).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..100 {
        let answer = client.read_json(DEFAULT_READ_TIMEOUT);
        assert!(answer.get("result").is_some(), "{answer}");
        let id = answer["id"].as_i64().unwrap();
        if id % 2 == 0 {
            assert!(answer["result"]["pid"].is_u64());
        } else {
            assert!(answer["result"]["users"].is_array());
        }
        assert!(seen.insert(id), "id {id} answered twice");
    }
    assert_eq!(seen, (1000..1100).collect());
}

#[test]
fn a_connection_killed_mid_request_does_not_hurt_the_daemon() {
    let home = TestHome::new();
    let mut daemon = home.spawn_daemon();
    for _ in 0..20 {
        let mut client = home.connect_hello();
        client.request("users.list", json!({}));
        client.send_raw(b"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"daemon.sta").unwrap();
        drop(client);
    }
    assert!(daemon.try_wait().is_none(), "daemon died: {}", daemon.stderr());
    let mut client = home.connect_hello();
    assert_still_serves(&mut client);
}

#[test]
fn users_are_added_listed_renamed_removed_and_kept_apart() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let mut owner = home.connect_hello();
    let alice = owner.call_ok("users.add", json!({"name": "alice"}));
    let bob = owner.call_ok("users.add", json!({"name": "bob"}));
    assert_ne!(alice["user_id"], bob["user_id"]);
    assert_eq!(code(&owner.call_err("users.add", json!({"name": "ALICE"}))), "user_exists");
    assert_eq!(code(&owner.call_err("users.add", json!({"name": "../etc"}))), "invalid_user_name");

    // Each user has their own synthetic connection with its own id.
    let a = owner.call_ok("connections.list", json!({"user": "alice"}));
    let b = owner.call_ok("connections.list", json!({"user": "bob"}));
    assert_eq!(a["user_id"], alice["user_id"]);
    assert_eq!(b["user_id"], bob["user_id"]);
    assert_eq!(a["connections"][0]["provider"], "synthetic");
    assert_ne!(a["connections"][0]["connection_id"], b["connections"][0]["connection_id"]);

    // A connection acting for alice by hello sees alice's data only.
    let mut as_alice = home.connect();
    let mut params = common::hello_params();
    params["user"] = json!("alice");
    let hello = as_alice.call_ok("daemon.hello", params);
    assert_eq!(hello["user_name"], "alice");
    let mine = as_alice.call_ok("connections.list", json!({}));
    assert_eq!(mine, a);

    let renamed = owner.call_ok("users.rename", json!({"target": "bob", "new_name": "robert"}));
    assert_eq!(renamed["user_id"], bob["user_id"], "the id never changes");
    assert_eq!(code(&owner.call_err("connections.list", json!({"user": "bob"}))), "unknown_user");

    owner.call_ok("users.remove", json!({"target": "robert"}));
    let bob_dir = home.path().join("data/users").join(bob["user_id"].as_str().unwrap());
    assert!(!bob_dir.exists(), "bob's vault directory must be deleted with him");
    assert_eq!(owner.call_ok("connections.list", json!({"user": "alice"})), a, "alice untouched");
    let owner_name = hello_owner_name(&home);
    assert_eq!(code(&owner.call_err("users.remove", json!({"target": owner_name}))), "user_protected");
}

fn hello_owner_name(home: &TestHome) -> String {
    let mut client = home.connect();
    client.hello()["user_name"].as_str().unwrap().to_string()
}

#[test]
fn another_uid_is_refused_even_with_open_modes_while_the_owner_is_served() {
    let other = common::require_unprivileged_user();
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    home.allow_other_users();
    let probe = other.copy_binary(&common::bin("socket-probe"));

    // Positive control: the same probe as the daemon's own uid is served.
    let own = common::output_within(home.command_at(&probe).arg(home.socket_path()), Duration::from_secs(10));
    let own_line = String::from_utf8_lossy(&own.stdout);
    assert!(own_line.contains("\"user_id\""), "same-uid probe not served: {own_line}");

    let refused = common::output_within(other.command(&probe).arg(home.socket_path()), Duration::from_secs(10));
    let line = String::from_utf8_lossy(&refused.stdout);
    assert!(
        line.contains("permission_denied"),
        "other uid not refused: {line} {}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!line.contains("user_id"), "other uid got data: {line}");
}
