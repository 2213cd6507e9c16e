//! What both binaries print, kept as reviewed snapshots (`tests/e2e/snapshots/`): every help
//! page, and the error sentences a user meets first. A change to any of them shows up as a
//! diff in review instead of slipping through; `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test --test e2e cli_snapshots::`) accepts an intended change.
//! Paths under the test's home and version numbers are replaced so the text is stable.

use crate::common;

use std::process::Output;
use std::time::Duration;

use common::{TestHome, output_within};

const LIMIT: Duration = Duration::from_secs(30);

/// The exit code and both streams, with the home path and the version made stable.
fn shown(home: &TestHome, out: &Output) -> String {
    let text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().map_or_else(|| "signal".to_owned(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.replace(&home.path().display().to_string(), "[HOME]").replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

fn run(home: &TestHome, bin: &str, args: &[&str]) -> String {
    let mut cmd = home.command(bin);
    cmd.args(args);
    shown(home, &output_within(&mut cmd, LIMIT))
}

#[test]
fn every_help_page_of_both_binaries() {
    let home = TestHome::new();
    let pages: &[(&str, &[&str])] = &[
        ("pierre-authd", &["--help"]),
        ("pierre-authd", &["login", "--help"]),
        ("pierre-authd", &["connect", "--help"]),
        ("pierre-authd", &["users", "--help"]),
        ("pierre-authd", &["apps", "--help"]),
        ("pierre-authd", &["import", "garmin", "--help"]),
        ("pierre-authd", &["settings", "--help"]),
        ("pierre-authd", &["token", "--help"]),
        ("pierre-mcp", &["--help"]),
        ("pierre-mcp", &["call", "--help"]),
        ("pierre-mcp", &["tools", "--help"]),
        ("pierre-mcp", &["serve-http", "--help"]),
    ];
    for (bin, args) in pages {
        let name = format!("help {bin} {}", args.join(" ")).replace(' ', "_").replace("--", "");
        insta::assert_snapshot!(name, run(&home, bin, args));
    }
}

#[test]
fn the_first_errors_a_user_meets() {
    let home = TestHome::new();
    // Without a running daemon.
    insta::assert_snapshot!("authd_status_not_running", run(&home, "pierre-authd", &["status"]));
    insta::assert_snapshot!("authd_purge_unconfirmed", run(&home, "pierre-authd", &["purge"]));
    insta::assert_snapshot!("authd_unknown_command", run(&home, "pierre-authd", &["conect", "strava"]));
    insta::assert_snapshot!("mcp_unknown_output_mode", run(&home, "pierre-mcp", &["--output", "pretty", "tools"]));
    // With one (pierre-mcp would start it; starting it here keeps the text free of start-up lines).
    let _daemon = home.spawn_daemon();
    insta::assert_snapshot!("authd_users_remove_unconfirmed", run(&home, "pierre-authd", &["users", "remove", "bob"]));
    insta::assert_snapshot!("authd_connect_unknown_provider", run(&home, "pierre-authd", &["connect", "stravaa"]));
    insta::assert_snapshot!("mcp_call_unknown_tool", run(&home, "pierre-mcp", &["call", "get_activites"]));
    insta::assert_snapshot!(
        "mcp_call_count_out_of_range",
        run(&home, "pierre-mcp", &["call", "get_activities", "limit=0"])
    );
    insta::assert_snapshot!(
        "mcp_call_strava_not_connected",
        run(&home, "pierre-mcp", &["call", "get_activities", "provider=strava"])
    );
}
