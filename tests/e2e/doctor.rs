//! `pierre-authd doctor` tells the truth about the master key: a deleted key file, a wrong or
//! malformed `PIERRE_MASTER_ENCRYPTION_KEY` each fail with what to do, and never with advice
//! that would orphan the vaults; a daemon that is simply not running yet is not a failure.

use crate::common;

use std::process::Output;
use std::time::Duration;

use common::{TestHome, output_within};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(30);
/// base64 of 32 bytes, none of them this install's key.
const OTHER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn doctor(home: &TestHome, env: &[(&str, &str)]) -> (Output, Value) {
    let mut cmd = home.command("pierre-authd");
    cmd.envs(env.iter().copied()).args(["doctor", "--json"]);
    let out = output_within(&mut cmd, LIMIT);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("doctor --json printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out, report)
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check: {report}"))
}

/// Starts and stops the daemon once, so an install with a key file exists.
fn install(home: &TestHome) {
    let daemon = home.spawn_daemon();
    drop(daemon);
    assert!(home.path().join("data/vault.key").exists());
}

#[test]
fn a_fresh_machine_passes_and_says_the_daemon_starts_on_demand() {
    let home = TestHome::new();
    let (out, report) = doctor(&home, &[]);
    assert!(out.status.success(), "{report}");
    assert_eq!(report["ok"], true);
    let daemon = check(&report, "daemon");
    assert_eq!(daemon["ok"], true);
    assert!(daemon["detail"].as_str().unwrap().contains("starts it when needed"), "{daemon}");
    assert_eq!(check(&report, "master key")["ok"], true);
}

#[test]
fn a_stopped_install_with_its_key_passes() {
    let home = TestHome::new();
    install(&home);
    let (out, report) = doctor(&home, &[]);
    assert!(out.status.success(), "{report}");
    assert!(check(&report, "master key")["detail"].as_str().unwrap().contains("opens this install's vaults"));
}

#[test]
fn a_deleted_key_file_fails_with_restore_advice() {
    let home = TestHome::new();
    install(&home);
    std::fs::remove_file(home.path().join("data/vault.key")).unwrap();
    let (out, report) = doctor(&home, &[]);
    assert!(!out.status.success(), "{report}");
    let key_file = check(&report, "key file");
    assert_eq!(key_file["ok"], false, "an absent key file the install needs is not ok: {key_file}");
    assert!(key_file["fix"].as_str().unwrap().contains("restore"), "{key_file}");
    assert_eq!(check(&report, "master key")["ok"], false);
    // The text form says FAIL too, never "[ ok ] key file (absent)".
    let mut cmd = home.command("pierre-authd");
    let text = output_within(cmd.arg("doctor"), LIMIT);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("[FAIL] key file"), "{text}");
    assert!(!text.contains("All checks passed"), "{text}");
}

#[test]
fn a_wrong_env_key_fails_and_says_to_unset_or_correct_it() {
    let home = TestHome::new();
    install(&home);
    let (out, report) = doctor(&home, &[("PIERRE_MASTER_ENCRYPTION_KEY", OTHER_KEY)]);
    assert!(!out.status.success(), "{report}");
    let key = check(&report, "master key");
    assert_eq!(key["ok"], false);
    let fix = key["fix"].as_str().unwrap();
    assert!(fix.contains("unset PIERRE_MASTER_ENCRYPTION_KEY"), "{fix}");
    assert!(!fix.contains(OTHER_KEY), "never the key itself: {fix}");
}

#[test]
fn a_malformed_env_key_over_a_vault_never_advises_a_new_key() {
    let home = TestHome::new();
    install(&home);
    let (out, report) = doctor(&home, &[("PIERRE_MASTER_ENCRYPTION_KEY", "not-base64!")]);
    assert!(!out.status.success(), "{report}");
    let fix = check(&report, "master key")["fix"].as_str().unwrap().to_string();
    assert!(!fix.contains("/dev/urandom"), "a new key would orphan the vaults: {fix}");
    assert!(fix.contains("exact key this install was created with"), "{fix}");
    // Before any install, the same variable is simply malformed: making a key is right then.
    let fresh = TestHome::new();
    let (out, report) = doctor(&fresh, &[("PIERRE_MASTER_ENCRYPTION_KEY", "not-base64!")]);
    assert!(!out.status.success(), "{report}");
    assert!(check(&report, "master key")["fix"].as_str().unwrap().contains("/dev/urandom"));
}

#[test]
fn a_running_daemon_with_a_shell_that_could_not_restart_it_is_flagged() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    std::fs::remove_file(home.path().join("data/vault.key")).unwrap();
    let (out, report) = doctor(&home, &[]);
    assert_eq!(check(&report, "daemon")["ok"], true);
    assert!(!out.status.success(), "the next start would fail: {report}");
    assert_eq!(check(&report, "master key")["ok"], false);
}

#[test]
fn a_consumer_secret_in_config_toml_gets_the_plain_text_advice() {
    let home = TestHome::new();
    std::fs::write(
        home.path().join("config.toml"),
        "[providers.garmin]\nconsumer_key = \"ck-example\"\nconsumer_secret = \"cs-example-secret-value\"\n",
    )
    .unwrap();
    std::fs::set_permissions(home.path().join("config.toml"), std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .unwrap();
    let _daemon = home.spawn_daemon();
    let (_, report) = doctor(&home, &[]);
    let garmin = check(&report, "garmin")["detail"].as_str().unwrap().to_string();
    assert!(garmin.contains("consumer secret sits in config.toml in plain text"), "{garmin}");
    assert!(garmin.contains("apps set garmin-connect"), "{garmin}");
    assert!(!report.to_string().contains("cs-example-secret-value"), "never the secret itself");
}
