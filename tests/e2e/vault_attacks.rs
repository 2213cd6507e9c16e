//! Attacks on the vault's files, through the real daemon (issue 15).
//!
//! The vault's unit tests (`pierre-authd/src/vault/sqlite_tests.rs`, `keys.rs`, `crypto.rs`)
//! already tamper with rows and key files through the store API. These tests do it to a real
//! install on disk, between two runs of `pierre-authd serve`, and check what a user would see:
//! `tokens.get` (or `serve` itself, when the store cannot open) fails with a clear code and
//! sentence, no token is returned, and not one byte of the vault, state database or key file
//! is rewritten by the daemon in answer to the damage.
//!
//! Each test names the protection it guards; removing that protection makes it fail.

use crate::common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::fake::{ALICE_ACCOUNT, BOB_ACCOUNT, FakeProvider, connect, provider_env, start_daemon};
use common::{DaemonGuard, TestHome};
use serde_json::{Value, json};

/// A known master key for the `env` backend: base64 of 32 bytes 0x2a.
const ENV_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

/// A home with two Pierre users, the owner (account ALICE) and `alice` (account BOB), both
/// connected to Strava through the fake, and the daemon stopped so the files can be attacked.
struct Install {
    home: TestHome,
    fake: FakeProvider,
    extra: Vec<(&'static str, &'static str)>,
    owner_id: String,
    alice_id: String,
}

fn install(extra: &[(&'static str, &'static str)]) -> Install {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT, BOB_ACCOUNT]);
    let (daemon, _) = start_daemon(&home, "strava", &fake, extra);
    let mut owner = home.connect();
    let owner_id = owner.hello()["user_id"].as_str().unwrap().to_owned();
    let alice_id = owner.call_ok("users.add", json!({ "name": "alice" }))["user_id"].as_str().unwrap().to_owned();
    fake.control("config", json!({ "authorize_as": ALICE_ACCOUNT }));
    connect(&home, "strava", None);
    fake.control("config", json!({ "authorize_as": BOB_ACCOUNT }));
    connect(&home, "strava", Some("alice"));
    // Both read fine before any attack (the positive control).
    for user in [None, Some("alice")] {
        let got = tokens_get(&home, user);
        assert!(got.get("result").is_some(), "{got}");
    }
    drop(owner);
    assert!(daemon.stop().success());
    Install { home, fake, extra: extra.to_vec(), owner_id, alice_id }
}

impl Install {
    fn vault(&self, user_id: &str) -> PathBuf {
        self.home.path().join("data/users").join(user_id).join("vault.sqlite3")
    }

    fn state_db(&self) -> PathBuf {
        self.home.path().join("data/authd.sqlite3")
    }

    fn key_file(&self) -> PathBuf {
        self.home.path().join("data/vault.key")
    }

    fn restart(&self) -> DaemonGuard {
        start_daemon(&self.home, "strava", &self.fake, &self.extra).0
    }

    /// `pierre-authd serve` with `env` (and this install's provider settings), expected to refuse
    /// to start; returns its stderr.
    fn serve_fails(&self, env: &[(&str, &str)]) -> String {
        let mut cmd: Command = self.home.command("pierre-authd");
        cmd.arg("serve");
        provider_env(&mut cmd, "strava", &self.fake);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = common::output_within(&mut cmd, Duration::from_secs(20));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "serve started despite the damage: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            !self.home.socket_path().exists()
                || std::os::unix::net::UnixStream::connect(self.home.socket_path()).is_err(),
            "a refused start must not serve"
        );
        stderr
    }
}

fn tokens_get(home: &TestHome, user: Option<&str>) -> Value {
    let mut params = json!({ "provider": "strava" });
    if let Some(user) = user {
        params["user"] = json!(user);
    }
    home.connect_hello().call("tokens.get", params)
}

/// The error of a `tokens.get` that must fail, after checking it returned no token.
fn refused(answer: &Value) -> (String, String) {
    assert!(answer.get("result").is_none(), "damaged vault returned data: {answer}");
    assert!(!answer.to_string().contains("access_token\":\""), "{answer}");
    let error = &answer["error"];
    (
        error["data"]["code"].as_str().unwrap_or_default().to_owned(),
        error["message"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Every database and key file of the install (not the WAL/SHM side files, which SQLite may
/// recreate on open), by path.
fn snapshot(home: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![home.join("data")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if name.ends_with("-wal") || name.ends_with("-shm") || name.ends_with("-journal") {
                    continue;
                }
                out.insert(path.clone(), (std::fs::read(&path).unwrap(), meta.permissions().mode()));
            }
        }
    }
    out
}

fn assert_unchanged(before: &BTreeMap<PathBuf, (Vec<u8>, u32)>, home: &Path, what: &str) {
    let after = snapshot(home);
    let paths = |m: &BTreeMap<PathBuf, (Vec<u8>, u32)>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(paths(before), paths(&after), "{what}: files appeared or vanished");
    for (path, (bytes, mode)) in before {
        let (now, now_mode) = &after[path];
        assert!(bytes == now, "{what}: {} was rewritten", path.display());
        assert_eq!(mode, now_mode, "{what}: the mode of {} changed", path.display());
    }
}

/// Runs `sql` on a vault file with the daemon stopped.
fn with_db(path: &Path, f: impl FnOnce(&rusqlite::Connection)) {
    let db = rusqlite::Connection::open(path).unwrap();
    f(&db);
    // Fold the WAL back into the main file so the snapshot sees the change.
    db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
}

fn blob(db: &rusqlite::Connection, field: &str) -> Vec<u8> {
    db.query_row("SELECT blob FROM secrets WHERE provider = 'strava' AND field = ?1", [field], |r| r.get(0)).unwrap()
}

fn set_blob(db: &rusqlite::Connection, field: &str, sealed_for: Option<&str>, blob: &[u8]) {
    let changed = match sealed_for {
        Some(label) => db
            .execute(
                "UPDATE secrets SET blob = ?1, sealed_for = ?2 WHERE provider = 'strava' AND field = ?3",
                rusqlite::params![blob, label, field],
            )
            .unwrap(),
        None => db
            .execute(
                "UPDATE secrets SET blob = ?1 WHERE provider = 'strava' AND field = ?2",
                rusqlite::params![blob, field],
            )
            .unwrap(),
    };
    assert_eq!(changed, 1);
}

fn logs_have_no_panic(home: &TestHome) {
    for entry in std::fs::read_dir(home.log_dir()).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        assert!(!text.contains("panicked"), "{}: {text}", entry.path().display());
    }
}

/// Guards AES-GCM's tag check on open (`crypto::open`): one flipped ciphertext byte in the
/// owner's access token is `vault_corrupt`, never a token, and the daemon does not "repair" it
/// by refreshing over the row. The other user's vault still serves (damage stays local).
#[test]
fn a_tampered_ciphertext_is_refused_and_left_as_it_is() {
    let i = install(&[]);
    with_db(&i.vault(&i.owner_id), |db| {
        let mut b = blob(db, "access_token");
        let last = b.len() - 1;
        b[last] ^= 0x01;
        set_blob(db, "access_token", None, &b);
    });
    let before = snapshot(i.home.path());
    let daemon = i.restart();
    let (code, message) = refused(&tokens_get(&i.home, None));
    assert_eq!(code, "vault_corrupt", "{message}");
    assert!(message.contains("access_token"), "names the field: {message}");
    assert!(message.contains("failed its integrity check") && message.contains("connect again"), "{message}");
    // A forced refresh must not paper over the damage either.
    let forced = i.home.connect_hello().call("tokens.get", json!({ "provider": "strava", "force_refresh": true }));
    let (code, _) = refused(&forced);
    assert_eq!(code, "vault_corrupt", "{forced}");
    // alice is untouched.
    assert!(tokens_get(&i.home, Some("alice")).get("result").is_some());
    assert!(daemon.stop().success());
    assert_unchanged(&before, i.home.path(), "tampered ciphertext");
    logs_have_no_panic(&i.home);
}

/// Guards the AAD `<user_id>|<provider>|<field>` (and the stored `sealed_for` label): alice's
/// sealed refresh token copied into the owner's row, even relabelled as the owner's, does not
/// open; the owner's access token copied into its refresh-token field does not either.
#[test]
fn a_row_copied_to_another_user_or_field_does_not_open() {
    let i = install(&[]);
    let mut alices = Vec::new();
    with_db(&i.vault(&i.alice_id), |db| alices = blob(db, "refresh_token"));
    // Another user, relabelled so only the AAD inside the seal can catch it.
    let label = format!("{}|strava|refresh_token", i.owner_id);
    with_db(&i.vault(&i.owner_id), |db| set_blob(db, "refresh_token", Some(&label), &alices));
    let before = snapshot(i.home.path());
    let daemon = i.restart();
    let answer = i.home.connect_hello().call("tokens.get", json!({ "provider": "strava", "force_refresh": true }));
    let (code, message) = refused(&answer);
    assert_eq!(code, "vault_corrupt", "{message}");
    assert!(
        message.contains("failed its integrity check"),
        "the relabelled row passes the label check only: {message}"
    );
    assert!(daemon.stop().success());
    assert_unchanged(&before, i.home.path(), "row copied from another user");
    assert_eq!(
        i.fake.refused("refresh_reused") + i.fake.refused("invalid_grant"),
        0,
        "alice's token never reached the provider"
    );

    // Another field of the same user, label left as the copy's.
    with_db(&i.vault(&i.owner_id), |db| {
        let access = blob(db, "access_token");
        let label: String = db
            .query_row("SELECT sealed_for FROM secrets WHERE provider='strava' AND field='access_token'", [], |r| {
                r.get(0)
            })
            .unwrap();
        set_blob(db, "refresh_token", Some(&label), &access);
    });
    let before = snapshot(i.home.path());
    let daemon = i.restart();
    let answer = i.home.connect_hello().call("tokens.get", json!({ "provider": "strava", "force_refresh": true }));
    let (code, message) = refused(&answer);
    assert_eq!(code, "vault_corrupt", "{message}");
    assert!(
        message.contains("access_token") && message.contains("refresh_token"),
        "says sealed for X, found at Y: {message}"
    );
    assert!(message.contains("moved or copied") && message.contains("connect again"), "{message}");
    assert!(tokens_get(&i.home, Some("alice")).get("result").is_some());
    assert!(daemon.stop().success());
    assert_unchanged(&before, i.home.path(), "row moved to another field");
}

/// Guards opening a vault file through SQLite's checks (no silent re-creation): a vault cut to
/// half its size is an error for its user only, and the daemon does not rebuild it empty.
#[test]
fn a_truncated_vault_is_an_error_not_a_fresh_empty_vault() {
    let i = install(&[]);
    let path = i.vault(&i.owner_id);
    let len = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len / 2).unwrap();
    drop(file);
    let before = snapshot(i.home.path());
    // Not `restart` (the shared helper expects a clean status).
    let mut cmd = i.home.command("pierre-authd");
    cmd.arg("serve");
    provider_env(&mut cmd, "strava", &i.fake);
    let daemon = i.home.spawn_daemon_with(cmd);
    let answer = tokens_get(&i.home, None);
    let (code, message) = refused(&answer);
    assert_eq!(code, "storage_error", "{answer}");
    assert!(message.contains(&i.owner_id) && message.contains("vault.sqlite3"), "names the file: {message}");
    assert!(message.contains("pierre-authd doctor"), "says what to do: {message}");
    assert!(tokens_get(&i.home, Some("alice")).get("result").is_some(), "alice's vault still serves");
    let mut client = i.home.connect_hello();
    // One damaged vault never hides the daemon's state: status is served
    // and names the unreadable vault with what to run.
    let status = client.call_ok("daemon.status", json!({}));
    let unreadable = status["unreadable_vaults"].as_array().expect("unreadable_vaults listed");
    assert_eq!(unreadable.len(), 1, "{status}");
    assert!(unreadable[0]["error"].as_str().unwrap().contains("pierre-authd doctor"), "{status}");
    assert!(status["connections"].as_u64().unwrap() >= 1, "alice's connection still counted: {status}");
    assert!(client.call_ok("users.list", json!({}))["users"].is_array(), "the daemon still answers");
    assert!(daemon.stop().success());
    assert_unchanged(&before, i.home.path(), "truncated vault");

    // A truncated state database: the daemon refuses to start and writes nothing.
    let state = i.state_db();
    let len = std::fs::metadata(&state).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&state).unwrap().set_len(len / 3).unwrap();
    let before = snapshot(i.home.path());
    let stderr = i.serve_fails(&[]);
    assert!(stderr.contains("authd.sqlite3"), "names the file: {stderr}");
    assert_unchanged(&before, i.home.path(), "truncated state database");
}

/// Guards the key file checks (`keys.rs`: refuse wider modes or another owner): the daemon will
/// not start on a key file others could read, says `chmod 600 <path>`, and changes nothing.
#[test]
fn a_key_file_with_a_wide_mode_or_another_owner_is_refused() {
    let i = install(&[]);
    let key = i.key_file();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = snapshot(i.home.path());
    let stderr = i.serve_fails(&[]);
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert!(stderr.contains("vault.key"), "{stderr}");
    assert_unchanged(&before, i.home.path(), "key file 0644");

    // Another owner (CI runs as root, so the file can be given away).
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let other = common::require_unprivileged_user();
    std::os::unix::fs::chown(&key, Some(other.uid), Some(other.gid)).unwrap();
    let before = snapshot(i.home.path());
    let stderr = i.serve_fails(&[]);
    assert!(stderr.contains("vault.key"), "{stderr}");
    assert!(stderr.contains("uid") || stderr.contains("owner") || stderr.contains("belongs"), "{stderr}");
    assert_unchanged(&before, i.home.path(), "key file of another owner");

    // Positive control: put it right and the same install serves again.
    std::os::unix::fs::chown(&key, Some(0), Some(0)).unwrap();
    let daemon = i.restart();
    assert!(tokens_get(&i.home, None).get("result").is_some());
    assert!(daemon.stop().success());
}

/// Guards "the first start records the backend; never generate a new key over an existing
/// vault": with the recorded `file` backend's key file gone, `serve` fails with
/// `key_store_unavailable` and does not create a new key file; with the recorded `env` backend
/// and the variable unset, the same; with a different env key, `key_store_invalid`.
#[test]
fn a_missing_key_backend_is_unavailable_and_no_new_key_is_made() {
    // File backend.
    let i = install(&[]);
    let key = i.key_file();
    let saved = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    let before = snapshot(i.home.path());
    let stderr = i.serve_fails(&[]);
    assert!(stderr.contains("key_store_unavailable") || stderr.contains("unavailable"), "{stderr}");
    assert!(stderr.contains("vault.key"), "{stderr}");
    assert!(!key.exists(), "a new key file was generated over an existing vault");
    assert_unchanged(&before, i.home.path(), "file backend gone");
    // Putting the key back restores everything (nothing was lost).
    std::fs::write(&key, &saved).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let daemon = i.restart();
    assert!(tokens_get(&i.home, None).get("result").is_some());
    assert!(daemon.stop().success());

    // Env backend.
    let e = install(&[("PIERRE_MASTER_ENCRYPTION_KEY", ENV_KEY)]);
    assert!(!e.key_file().exists(), "the env backend writes no key file");
    let before = snapshot(e.home.path());
    let stderr = e.serve_fails(&[]);
    assert!(stderr.contains("PIERRE_MASTER_ENCRYPTION_KEY"), "names the variable: {stderr}");
    assert!(!e.key_file().exists(), "a key file was generated over an env-keyed vault");
    assert_unchanged(&before, e.home.path(), "env backend gone");
    let wrong = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    let stderr = e.serve_fails(&[("PIERRE_MASTER_ENCRYPTION_KEY", wrong)]);
    assert!(stderr.contains("key"), "{stderr}");
    assert_unchanged(&before, e.home.path(), "wrong env key");
    let daemon = e.restart();
    assert!(tokens_get(&e.home, Some("alice")).get("result").is_some());
    assert!(daemon.stop().success());
}
