//! Athlete settings stored by the daemon per Pierre user: set, read, forget, refused when out of
//! range (nothing stored), idempotent, kept across a restart, and never mixed between users.

use crate::common;

use std::process::Output;
use std::time::Duration;

use common::{TestHome, output_within};
use serde_json::{Value, json};

const LIMIT: Duration = Duration::from_secs(30);

fn run(home: &TestHome, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = home.command("pierre-authd");
    cmd.envs(env.iter().copied()).args(args);
    output_within(&mut cmd, LIMIT)
}

fn settings(home: &TestHome, env: &[(&str, &str)], args: &[&str]) -> Value {
    let mut all = vec!["settings"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = run(home, env, &all);
    assert!(out.status.success(), "{all:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn settings_are_set_read_forgotten_and_survive_a_restart() {
    let home = TestHome::new();
    let daemon = home.spawn_daemon();
    let done = settings(
        &home,
        &[],
        &["set", "ftp_w=250", "max_heartrate_bpm=188", "threshold_speed_mps=4:10/km", "units=imperial"],
    );
    assert_eq!(done["changed"], json!(["ftp_w", "max_heartrate_bpm", "threshold_speed_mps", "units"]));
    let s = &done["settings"];
    assert_eq!(s["ftp_w"]["value"], json!(250.0));
    assert_eq!(s["ftp_w"]["source"], "user");
    assert_eq!(s["threshold_speed_mps"]["value"], json!(4.0), "4:10/km is 4 m/s");
    assert_eq!(s["units"]["value"], "imperial");

    // The same value again changes nothing; unset forgets.
    assert_eq!(settings(&home, &[], &["set", "ftp_w=250"])["changed"], json!([]));
    assert_eq!(settings(&home, &[], &["unset", "units"])["changed"], json!(["units"]));

    // Kept across a restart.
    drop(daemon);
    let _daemon = home.spawn_daemon();
    let after = settings(&home, &[], &[]);
    assert_eq!(after["settings"]["ftp_w"]["value"], json!(250.0));
    assert!(after["settings"].get("units").is_none(), "{after}");

    // The human table lists every field, set or not.
    let text = String::from_utf8_lossy(&run(&home, &[], &["settings"]).stdout).into_owned();
    assert!(text.contains("ftp_w") && text.contains("(user)") && text.contains("time_zone"), "{text}");
}

#[test]
fn bad_values_are_refused_with_the_range_and_store_nothing() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    settings(&home, &[], &["set", "max_heartrate_bpm=180"]);
    for (args, expected) in [
        (vec!["set", "ftp_w=2500"], "`ftp_w` must be from 30 to 700 W; it was 2500"),
        (vec!["set", "ftp=250"], "there is no athlete setting `ftp`"),
        (vec!["set", "ftp_w"], "is not FIELD=VALUE"),
        (vec!["set", "threshold_speed_mps=4:75/km"], "minutes:seconds/km"),
        (
            vec!["set", "ftp_w=240", "threshold_heartrate_bpm=185"],
            "`threshold_heartrate_bpm` (185) must be below `max_heartrate_bpm` (180)",
        ),
        (vec!["set", "time_zone=paris"], "IANA time zone"),
    ] {
        let mut all = vec!["settings"];
        all.extend(args.iter().copied());
        let out = run(&home, &[], &all);
        assert!(!out.status.success(), "{args:?} must be refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let now = settings(&home, &[], &[]);
    assert!(now["settings"].get("ftp_w").is_none(), "a refused change stores nothing, not even its valid part: {now}");

    // Over the socket too: an empty change is refused with an example.
    let mut client = home.connect_hello();
    let err = client.call_err("settings.set", json!({ "values": {} }));
    assert!(err["message"].as_str().unwrap().contains("ftp_w"), "{err}");
}

#[test]
fn two_users_never_see_each_others_settings() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    assert!(run(&home, &[], &["users", "add", "alice"]).status.success());
    settings(&home, &[], &["set", "ftp_w=250"]);
    assert!(settings(&home, &[], &["--user", "alice"])["settings"].as_object().unwrap().is_empty());

    // alice's own token sets hers; the owner's stays.
    let out = run(&home, &[], &["token", "--user", "alice"]);
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let alice = [("PIERRE_TOKEN", token.as_str())];
    settings(&home, &alice, &["set", "ftp_w=200"]);
    assert_eq!(settings(&home, &alice, &[])["settings"]["ftp_w"]["value"], json!(200.0));
    assert_eq!(settings(&home, &[], &[])["settings"]["ftp_w"]["value"], json!(250.0));
    // Her token cannot read the owner's.
    let users: Value = serde_json::from_slice(&run(&home, &[], &["users", "list", "--json"]).stdout).unwrap();
    let owner =
        users.as_array().unwrap().iter().find(|u| u["is_owner"] == true).unwrap()["name"].as_str().unwrap().to_string();
    let out = run(&home, &alice, &["settings", "--user", &owner]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("may not act for"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A removed user's settings go with her: the same name added again starts empty.
    assert!(run(&home, &[], &["users", "remove", "alice", "--yes"]).status.success());
    assert!(run(&home, &[], &["users", "add", "alice"]).status.success());
    assert!(settings(&home, &[], &["--user", "alice"])["settings"].as_object().unwrap().is_empty());
}

/// `pierre-mcp call` prints in the athlete's units; the tool result itself stays SI.
#[test]
fn the_readable_output_follows_the_units_setting() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let call = |args: &[&str]| {
        let mut cmd = home.command("pierre-mcp");
        // A fixed synthetic clock: the newest activities are runs and a ride, with distances.
        cmd.env("PIERRE_SYNTHETIC_NOW", "2025-11-23T18:00:00+01:00").env("PIERRE_SYNTHETIC_SEED", "42");
        cmd.arg("call").args(args);
        let out = output_within(&mut cmd, Duration::from_secs(60));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let metric = call(&["get_activities", "limit=3"]);
    assert!(metric.contains(" km ") && !metric.contains(" mi "), "{metric}");
    run(&home, &[], &["settings", "set", "units=imperial"]);
    let imperial = call(&["get_activities", "limit=3"]);
    assert!(imperial.contains(" mi ") && !imperial.contains(" km "), "{imperial}");
    let data: Value = serde_json::from_str(&call(&["get_activities", "limit=1", "sport=run", "--json"])).unwrap();
    assert!(data["activities"][0]["distance_m"].as_f64().is_some(), "the result stays SI: {data}");
}
