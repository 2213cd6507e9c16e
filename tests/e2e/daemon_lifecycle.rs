//! pierre-authd's lifecycle, end to end: start/stop/status, signals, one
//! daemon per socket, crash safety, purge, and exit when the home vanishes.

use crate::common;

use std::time::Duration;

use common::{TestHome, output_within};
use serde_json::{Value, json};

const LIMIT: Duration = Duration::from_secs(30);

fn run(home: &TestHome, args: &[&str]) -> std::process::Output {
    output_within(home.command("pierre-authd").args(args), LIMIT)
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether `pid` runs. An exited daemon whose parent (`start` exited, so
/// whatever adopted it) has not reaped it yet is a zombie: not running.
fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next()) != Some('Z'),
        Err(_) => false,
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn start_is_idempotent_status_reports_and_stop_stops() {
    let home = TestHome::new();
    let not_running = run(&home, &["status", "--json"]);
    assert_eq!(not_running.status.code(), Some(3), "{}", stderr(&not_running));
    let v: Value = serde_json::from_str(&stdout(&not_running)).unwrap();
    assert_eq!(v["running"], json!(false));

    let first = run(&home, &["start"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("started"), "{}", stdout(&first));
    let again = run(&home, &["start"]);
    assert!(again.status.success());
    assert!(stdout(&again).contains("already running"), "{}", stdout(&again));

    let status = run(&home, &["status", "--json"]);
    assert!(status.status.success(), "{}", stderr(&status));
    let v: Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(v["running"], json!(true));
    assert_eq!(v["key_backend"], json!("file"));
    assert_eq!(v["users"], json!(1));
    assert_eq!(v["socket"], json!(home.socket_path()));
    let pid = v["pid"].as_u64().unwrap() as i32;

    let stop = run(&home, &["stop"]);
    assert!(stop.status.success(), "{}", stderr(&stop));
    assert!(!running(pid), "daemon still alive after stop");
    assert!(!home.socket_path().exists(), "socket left behind");
    let after = run(&home, &["stop"]);
    assert!(after.status.success());
    assert!(stdout(&after).contains("not running"));
}

#[test]
fn sigterm_lets_in_flight_work_finish_and_exits_cleanly() {
    let home = TestHome::new();
    let mut daemon = home.spawn_daemon();
    let mut client = home.connect_hello();
    let mut batch = String::new();
    for i in 0..50 {
        batch.push_str(
            &json!({"jsonrpc": "2.0", "id": i, "method": "users.add", "params": {"name": format!("t{i}")}}).to_string(),
        );
        batch.push('\n');
    }
    client.send_raw(batch.as_bytes()).unwrap();
    let first = client.read_json(Duration::from_secs(10));
    assert!(first.get("result").is_some(), "{first}");
    daemon.signal(libc::SIGTERM);
    // Everything answered after the signal was finished, not cut off.
    let mut answered = vec![first["result"]["name"].as_str().unwrap().to_string()];
    while let Ok(Some(line)) = client.read_line(Duration::from_secs(10)) {
        let answer: Value = serde_json::from_str(&line).unwrap();
        let name =
            answer["result"]["name"].as_str().unwrap_or_else(|| panic!("request failed during shutdown: {answer}"));
        answered.push(name.to_string());
    }
    let status = daemon.wait_timeout(Duration::from_secs(15)).expect("daemon did not exit on SIGTERM");
    assert!(status.success(), "exit status {status:?}: {}", daemon.stderr());
    assert!(!home.socket_path().exists());
    assert!(!home.pid_file().exists());
    drop(daemon);
    let _restarted = home.spawn_daemon();
    let users = home.connect_hello().call_ok("users.list", json!({}));
    for name in &answered {
        assert!(users.to_string().contains(&format!("\"{name}\"")), "answered user {name} missing after restart");
    }
}

#[test]
fn a_second_serve_is_refused_and_names_the_running_pid() {
    let home = TestHome::new();
    let daemon = home.spawn_daemon();
    let second = run(&home, &["serve"]);
    assert!(!second.status.success());
    let err = stderr(&second);
    assert!(err.contains("already running"), "{err}");
    assert!(err.contains(&daemon.pid().to_string()), "{err}");
    // The first daemon still serves.
    home.connect_hello();
}

#[test]
fn kill_9_during_a_burst_of_writes_loses_no_acknowledged_write() {
    let home = TestHome::new();
    let mut daemon = home.spawn_daemon();
    let mut client = home.connect_hello();
    let mut batch = String::new();
    for i in 0..200 {
        batch.push_str(
            &json!({"jsonrpc": "2.0", "id": i, "method": "users.add", "params": {"name": format!("u{i}")}}).to_string(),
        );
        batch.push('\n');
    }
    client.send_raw(batch.as_bytes()).unwrap();
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 40 {
        let answer = client.read_json(Duration::from_secs(10));
        if answer.get("result").is_some() {
            acknowledged.push(answer["result"]["name"].as_str().unwrap().to_string());
        }
    }
    daemon.signal(libc::SIGKILL);
    daemon.wait_timeout(Duration::from_secs(10)).expect("SIGKILL did not stop the daemon");
    // Whatever else arrived before the kill was acknowledged too.
    while let Ok(Some(line)) = client.read_line(Duration::from_millis(200)) {
        let answer: Value = serde_json::from_str(&line).unwrap();
        if let Some(name) = answer["result"]["name"].as_str() {
            acknowledged.push(name.to_string());
        }
    }
    drop(daemon);

    let _restarted = home.spawn_daemon();
    let mut client = home.connect_hello();
    let users = client.call_ok("users.list", json!({}));
    let names: Vec<&str> = users["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    for name in &acknowledged {
        assert!(names.contains(&name.as_str()), "acknowledged user {name} lost after kill -9");
    }
    for user in users["users"].as_array().unwrap() {
        let listed = client.call_ok("connections.list", json!({"user": user["user_id"]}));
        assert_eq!(listed["connections"][0]["provider"], "synthetic", "torn user {user}");
    }
}

#[test]
fn purge_deletes_every_user_vault_and_key_then_stops() {
    let home = TestHome::new();
    let started = run(&home, &["start"]);
    assert!(started.status.success(), "{}", stderr(&started));
    assert!(run(&home, &["users", "add", "alice"]).status.success());
    let data = home.path().join("data");
    assert!(data.join("vault.key").exists());
    assert!(data.join("users").read_dir().unwrap().count() >= 2);

    let refused = output_within(home.command("pierre-authd").arg("purge").stdin(std::process::Stdio::null()), LIMIT);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--yes"), "{}", stderr(&refused));
    assert!(data.join("vault.key").exists(), "purge without confirmation deleted something");

    let purged = run(&home, &["purge", "--yes"]);
    assert!(purged.status.success(), "{}", stderr(&purged));
    assert!(!data.join("vault.key").exists(), "key file survived purge");
    let left: Vec<_> = data.join("users").read_dir().map(|d| d.collect()).unwrap_or_default();
    assert!(left.is_empty(), "user dirs survived purge: {left:?}");
    assert_eq!(run(&home, &["status"]).status.code(), Some(3), "daemon still running after purge");
}

#[test]
fn the_daemon_exits_when_its_home_disappears() {
    let home = TestHome::new();
    let mut daemon = home.spawn_daemon();
    std::fs::remove_dir_all(home.path().join("data")).unwrap();
    let status = daemon.wait_timeout(Duration::from_secs(10));
    assert!(status.is_some(), "daemon kept running without its data directory");
}

#[test]
fn cli_errors_say_what_to_do() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let out = run(&home, &["users", "remove", "nobody-here", "--yes"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("no Pierre user named `nobody-here`"), "{err}");
    assert!(err.contains("pierre-authd users"), "{err}");
    let doctor = run(&home, &["doctor", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&doctor)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&doctor)));
    assert_eq!(v["ok"], json!(true), "{v}");
}
