//! The thresholds a person sets are the ones every answer uses: after `settings set ftp_w=…`,
//! get_athlete shows it, get_training_load scores rides on it, and another Pierre user of the
//! same daemon is untouched.

use crate::common;

use std::process::Output;
use std::time::Duration;

use common::{TestHome, output_within};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);
const NOW: &str = "2026-11-23T12:00:00Z";

fn mcp(home: &TestHome, user: Option<&str>, args: &[&str]) -> Value {
    let mut cmd = home.command("pierre-mcp");
    cmd.env("PIERRE_SYNTHETIC_NOW", NOW).arg("call").args(args).arg("--json");
    if let Some(user) = user {
        cmd.env("PIERRE_USER", user);
    }
    let out = output_within(&mut cmd, LIMIT);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn authd(home: &TestHome, args: &[&str]) -> Output {
    let out = output_within(home.command("pierre-authd").args(args), LIMIT);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn ftp(home: &TestHome, user: Option<&str>) -> f64 {
    mcp(home, user, &["get_athlete"])["athlete"]["thresholds"]["ftp_w"].as_f64().unwrap()
}

/// The summed daily load of November's first three weeks.
/// The FTP phrase get_training_load names among the thresholds it used.
fn named_ftp(home: &TestHome) -> String {
    let load = mcp(home, None, &["get_training_load", "from=2026-11-01", "to=2026-11-21"]);
    let thresholds = load["thresholds"].as_array().unwrap();
    thresholds.iter().filter_map(|t| t.as_str()).find(|t| t.starts_with("FTP ")).unwrap().to_owned()
}

fn november_load(home: &TestHome) -> f64 {
    let load = mcp(home, None, &["get_training_load", "from=2026-11-01", "to=2026-11-21"]);
    load["days"].as_array().unwrap().iter().map(|d| d["load"].as_f64().unwrap()).sum()
}

#[test]
fn a_users_ftp_replaces_the_providers_in_every_answer_and_for_that_user_only() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    authd(&home, &["users", "add", "alice"]);
    let provider_ftp = ftp(&home, None);
    let before = november_load(&home);
    assert_eq!(named_ftp(&home), format!("FTP {provider_ftp} W (from synthetic)"));

    let mine = provider_ftp + 60.0;
    authd(&home, &["settings", "set", &format!("ftp_w={mine}")]);
    assert_eq!(ftp(&home, None), mine, "get_athlete shows the FTP the person set");
    let after = november_load(&home);
    // A higher FTP makes the same rides a smaller fraction of threshold: less load.
    assert!(after < before - 1.0, "rides must be scored on the new FTP: {before} -> {after}");
    assert_eq!(named_ftp(&home), format!("FTP {mine} W (set in Pierre)"), "the answer names the FTP it used");

    assert_eq!(ftp(&home, Some("alice")), provider_ftp, "another user's answers keep the provider's FTP");

    // Forgetting it brings the provider's value and the same figures back.
    authd(&home, &["settings", "unset", "ftp_w"]);
    assert_eq!(ftp(&home, None), provider_ftp);
    assert!((november_load(&home) - before).abs() < 0.05);
}
