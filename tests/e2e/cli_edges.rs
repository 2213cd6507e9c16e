//! `pierre-authd` as a shell user meets it: app credentials exported after the daemon started,
//! output piped into `head`, a removal that cannot be undone, and the `apps` commands.

use crate::common;

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Output, Stdio};
use std::time::Duration;

use common::{TestHome, output_within};

const LIMIT: Duration = Duration::from_secs(30);

fn run(home: &TestHome, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = home.command("pierre-authd");
    cmd.envs(env.iter().copied()).args(args);
    output_within(&mut cmd, LIMIT)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn login_says_when_the_shells_app_never_reached_the_running_daemon() {
    let home = TestHome::new();
    // Started without app credentials, as pierre-mcp's auto-start would.
    let _daemon = home.spawn_daemon();
    let shell = [("PIERRE_STRAVA_CLIENT_ID", "4242"), ("PIERRE_STRAVA_CLIENT_SECRET", "shell-secret-value-0123456789")];
    let out = run(&home, &shell, &["login", "--provider", "strava", "--no-browser"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("this shell sets PIERRE_STRAVA_CLIENT_ID and PIERRE_STRAVA_CLIENT_SECRET"), "{err}");
    assert!(err.contains("pierre-authd stop"), "{err}");
    assert!(err.contains("pierre-authd apps set strava --client-id 4242 --client-secret-stdin"), "{err}");
    assert!(!err.contains("shell-secret-value"), "never the secret: {err}");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "no URL is printed");
    // Nothing was copied into the vault behind the user's back.
    let apps = String::from_utf8_lossy(&run(&home, &[], &["apps", "list"]).stdout).into_owned();
    assert!(apps.contains("strava    no app"), "{apps}");
}

#[test]
fn apps_list_and_remove_show_and_forget_a_stored_app() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let mut set = home.command("pierre-authd");
    set.args(["apps", "set", "strava", "--client-id", "777", "--client-secret-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = set.spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"stored-secret-abcdefghijklmnop\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let listed = String::from_utf8_lossy(&run(&home, &[], &["apps", "list"]).stdout).into_owned();
    assert!(listed.contains("strava    client id 777 (`pierre-authd apps set`)"), "{listed}");
    assert!(!listed.contains("stored-secret"), "{listed}");
    let as_json: serde_json::Value =
        serde_json::from_slice(&run(&home, &[], &["apps", "list", "--json"]).stdout).unwrap();
    assert!(as_json.as_array().unwrap().iter().any(|a| a["provider"] == "strava" && a["client_id"] == "777"));

    let removed = run(&home, &[], &["apps", "remove", "strava"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let listed = String::from_utf8_lossy(&run(&home, &[], &["apps", "list"]).stdout).into_owned();
    assert!(listed.contains("strava    no app"), "{listed}");
    let again = run(&home, &[], &["apps", "remove", "strava"]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("apps list"), "{}", stderr(&again));
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    for args in [&["users", "list"][..], &["providers"], &["status"], &["--help"], &["doctor"]] {
        // A pipe whose reader is gone before the command writes, as `| head -0` leaves it.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = home.command("pierre-authd");
        cmd.args(args).stdout(writer).stderr(Stdio::piped()).stdin(Stdio::null());
        let out = cmd.spawn().unwrap().wait_with_output().unwrap();
        assert_ne!(out.status.code(), Some(101), "{args:?} panicked: {}", stderr(&out));
        assert!(
            out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
            "{args:?}: {:?} {}",
            out.status,
            stderr(&out)
        );
        assert!(stderr(&out).is_empty(), "{args:?} printed: {}", stderr(&out));
    }
}

#[test]
fn users_remove_without_a_terminal_refuses_unless_yes() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    assert!(run(&home, &[], &["users", "add", "bob"]).status.success());
    let out = run(&home, &[], &["users", "remove", "bob"]);
    assert!(!out.status.success(), "no terminal, no --yes: refused at once");
    assert!(stderr(&out).contains("pierre-authd users remove bob --yes"), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&run(&home, &[], &["users", "list"]).stdout).contains("bob"));
    let out = run(&home, &[], &["users", "remove", "bob", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!String::from_utf8_lossy(&run(&home, &[], &["users", "list"]).stdout).contains("bob"));
}

/// Fitbit's Web API answers 410 Gone since 2026-11-02: with its real endpoints, connecting is
/// refused before any browser opens, saying why, and `providers` and `doctor` say the same.
#[test]
fn fitbit_with_its_real_endpoints_is_refused_with_the_reason() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let out = run(&home, &[], &["connect", "fitbit", "--no-browser"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("switched off on 2026-11-02") && err.contains("Google Health API"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "no sign-in URL is printed");
    let providers = String::from_utf8_lossy(&run(&home, &[], &["providers"]).stdout).into_owned();
    assert!(providers.contains("unavailable: Fitbit's Web API was switched off"), "{providers}");
    let doctor = String::from_utf8_lossy(&run(&home, &[], &["doctor"]).stdout).into_owned();
    assert!(doctor.contains("unavailable: Fitbit's Web API was switched off"), "{doctor}");
}
