//! `pierre-authd import garmin --from DIR` end to end: the real daemon and
//! CLI against the strict fake playing Garmin. The fake cannot run Garmin's
//! SSO, so each test registers tokens at the fake (`/__fake/grant`) and
//! writes them into a token directory shaped as garth writes it, outside
//! PIERRE_HOME. No Garmin app credentials are configured: this is the
//! individual's path (import), not the Developer Program's OAuth2.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::fake::FakeProvider;
use common::files::{contains, files_under};
use common::http::http;
use common::{DaemonGuard, TestHome, output_within};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const ALICE: &str = "81234567";
const BOB: &str = "92345678";

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// One person's Garmin sign-in: the tokens the fake knows, and where the
/// test wrote them.
struct SignIn {
    access: String,
    refresh: String,
    oauth1: String,
    oauth1_secret: String,
    dir: PathBuf,
}

impl SignIn {
    fn secrets(&self) -> [&str; 4] {
        [&self.access, &self.refresh, &self.oauth1, &self.oauth1_secret]
    }
}

/// Writes a garth-shaped token directory (0700, files 0600) at `dir` whose
/// access token expires at `expires_at`; when `account` is given, the fake
/// accepts the access token for that account.
fn sign_in(fake: &FakeProvider, dir: &Path, tag: &str, account: Option<&str>, expires_at: i64) -> SignIn {
    let s = SignIn {
        access: format!("garmin-access-{tag}-5d41402abc4b2a76b9719d911017c592"),
        refresh: format!("garmin-refresh-{tag}-7d793037a0760186574b0282f2f435e7"),
        oauth1: format!("garmin-oauth1-{tag}-9e107d9d372bb6826bd81d3542a419d6"),
        oauth1_secret: format!("garmin-oauth1-secret-{tag}-e4d909c290d0fb1ca068ffaddf22cbd0"),
        dir: dir.to_path_buf(),
    };
    if let Some(account) = account {
        fake.control(
            "grant",
            json!({ "account": account, "access_token": s.access, "refresh_token": s.refresh, "expires_in": 3600 }),
        );
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let oauth1 = json!({
        "oauth_token": s.oauth1, "oauth_token_secret": s.oauth1_secret, "mfa_token": null,
        "mfa_expiration_timestamp": null, "domain": "garmin.com"
    });
    let oauth2 = json!({
        "scope": "CONNECT_READ CONNECT_WRITE", "jti": format!("jti-{tag}"), "token_type": "Bearer",
        "access_token": s.access, "refresh_token": s.refresh, "expires_in": expires_at - now(),
        "expires_at": expires_at, "refresh_token_expires_in": 7_776_000, "refresh_token_expires_at": now() + 7_776_000
    });
    write(&dir.join("oauth1_token.json"), &serde_json::to_string_pretty(&oauth1).unwrap(), 0o600);
    write(&dir.join("oauth2_token.json"), &serde_json::to_string_pretty(&oauth2).unwrap(), 0o600);
    s
}

fn write(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The daemon with Garmin's API at the fake and no Garmin app credentials.
fn daemon(home: &TestHome, fake: &FakeProvider) -> DaemonGuard {
    let mut cmd = home.command("pierre-authd");
    cmd.arg("serve").env("PIERRE_GARMIN_API_BASE", format!("{}/api", fake.base)).env("PIERRE_CALLBACK_PORT", "0");
    home.spawn_daemon_with(cmd)
}

/// `pierre-authd import garmin --from DIR [extra...]`, stdin closed (no terminal).
fn import(home: &TestHome, dir: &Path, extra: &[&str]) -> Output {
    let mut cmd = home.command("pierre-authd");
    cmd.args(["import", "garmin", "--from"]).arg(dir).args(extra);
    output_within(&mut cmd, Duration::from_secs(30))
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn garmin_connection(home: &TestHome, user: Option<&str>) -> Option<Value> {
    let list = home.connect_as(user).call_ok("connections.list", json!({}));
    list["connections"].as_array().unwrap().iter().find(|c| c["provider"] == "garmin").cloned()
}

/// API requests the fake saw, as (path, account).
fn api_requests(fake: &FakeProvider) -> Vec<(String, Value)> {
    let (_, _, body) = http("GET", &format!("{}/__fake/requests", fake.base), None, None);
    let v: Value = serde_json::from_str(&body).unwrap();
    v["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["path"].as_str().unwrap().to_string(), r["account"].clone()))
        .collect()
}

fn hits(files: &[(PathBuf, Vec<u8>)], secret: &str) -> Vec<PathBuf> {
    files.iter().filter(|(_, bytes)| contains(bytes, secret.as_bytes())).map(|(p, _)| p.clone()).collect()
}

fn assert_no_plaintext(home: &TestHome, secrets: &[&str]) {
    let files = files_under(home.path());
    assert!(!files.is_empty());
    for secret in secrets {
        assert_eq!(hits(&files, secret), Vec::<PathBuf>::new(), "a token in plain text under PIERRE_HOME");
    }
}

#[test]
fn import_verifies_seals_and_keeps_the_plaintext_without_a_terminal() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let _daemon = daemon(&home, &fake);
    let outside = tempfile::tempdir().unwrap();
    let alice = sign_in(&fake, &outside.path().join(".garminconnect"), "alice", Some(ALICE), now() + 3_600);

    let out = import(&home, &alice.dir, &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!("imported Garmin account {ALICE} (garth sign-in) into the vault of the owner")),
        "{stdout}"
    );
    // A garth pair is not refreshed: the output says until when it works, and what then.
    assert!(stdout.contains("the access token works until 20"), "{stdout}");
    assert!(stdout.contains("Pierre renews a garth sign-in only with a Garmin consumer you supply (set PIERRE_GARMIN_CONSUMER_KEY and PIERRE_GARMIN_CONSUMER_SECRET, or run `pierre-authd apps set garmin-connect --client-id KEY --client-secret-stdin`), so supply one or sign in with python-garminconnect and re-import before then"), "{stdout}");
    // No terminal and no flag: nothing deleted, and the exact command printed.
    let dir = alice.dir.display();
    assert!(
        stdout.contains(&format!(
            "delete them with `rm -- {dir}/oauth1_token.json {dir}/oauth2_token.json && rmdir -- {dir}`"
        )),
        "{stdout}"
    );
    assert!(alice.dir.join("oauth1_token.json").exists() && alice.dir.join("oauth2_token.json").exists());

    // Verified with one profile request carrying Alice's token.
    assert_eq!(api_requests(&fake), vec![("/userprofile-service/socialProfile".to_string(), json!(ALICE))]);
    let c = garmin_connection(&home, None).expect("a garmin connection");
    assert_eq!((c["state"].as_str(), c["account_id"].as_str()), (Some("connected"), Some(ALICE)));
    let token = home.connect_as(None).call_ok("tokens.get", json!({ "provider": "garmin" }));
    assert_eq!(token["access_token"], alice.access.as_str());
    assert_eq!(token["api_base"], format!("{}/api", fake.base));
    assert_eq!(token["connection_id"], c["connection_id"]);
    assert_no_plaintext(&home, &alice.secrets());
}

#[test]
fn delete_plaintext_removes_exactly_the_two_files_and_the_empty_directory() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let _daemon = daemon(&home, &fake);
    let outside = tempfile::tempdir().unwrap();
    let alice = sign_in(&fake, &outside.path().join("tokens"), "alice", Some(ALICE), now() + 3_600);
    let out = import(&home, &alice.dir, &["--delete-plaintext"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let dir = alice.dir.display();
    assert!(
        stdout
            .contains(&format!("deleted {dir}/oauth1_token.json and {dir}/oauth2_token.json and the now-empty {dir}")),
        "{stdout}"
    );
    assert!(!alice.dir.exists());

    // Another file in the directory: only the two token files go.
    let bob = sign_in(&fake, &outside.path().join("bob-tokens"), "bob", Some(BOB), now() + 3_600);
    write(&bob.dir.join("notes.txt"), "keep me", 0o600);
    // A user that does not exist is refused (a typo must not make a user with no
    // sign-ins), and the plaintext stays where it is.
    let out = import(&home, &bob.dir, &["--user", "bob", "--delete-plaintext"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("`pierre-authd users add bob`"), "{stderr}");
    assert!(bob.dir.join("oauth1_token.json").exists() && bob.dir.join("oauth2_token.json").exists());
    let added = output_within(home.command("pierre-authd").args(["users", "add", "bob"]), Duration::from_secs(30));
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let out = import(&home, &bob.dir, &["--user", "bob", "--delete-plaintext"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("because other files are in it"), "{stdout}");
    assert!(!bob.dir.join("oauth1_token.json").exists() && !bob.dir.join("oauth2_token.json").exists());
    assert_eq!(std::fs::read_to_string(bob.dir.join("notes.txt")).unwrap(), "keep me");
}

/// `import garmin --from DIR` with a pseudo-terminal as stdin, `answer`
/// already typed into it: (exit success, stdout, stderr).
fn import_on_a_terminal(home: &TestHome, dir: &Path, answer: &str) -> (bool, String, String) {
    use std::io::Write;
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two new descriptors into the two ints; the name,
    // termios and winsize pointers may be null.
    let rc =
        unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(rc, 0, "openpty failed: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nothing else.
    let (mut master, slave) = unsafe { (std::fs::File::from_raw_fd(master), std::fs::File::from_raw_fd(slave)) };
    master.write_all(answer.as_bytes()).unwrap();
    let mut cmd = home.command("pierre-authd");
    cmd.args(["import", "garmin", "--from"])
        .arg(dir)
        .stdin(std::process::Stdio::from(slave))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = rx.recv_timeout(Duration::from_secs(30)).expect("import on a terminal did not finish").unwrap();
    drop(master);
    let (stdout, stderr) = text(&out);
    (out.status.success(), stdout, stderr)
}

#[test]
fn on_a_terminal_the_plaintext_goes_only_after_a_yes() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let _daemon = daemon(&home, &fake);
    let outside = tempfile::tempdir().unwrap();
    let kept = sign_in(&fake, &outside.path().join("kept"), "k", Some(ALICE), now() + 3_600);
    let (ok, stdout, stderr) = import_on_a_terminal(&home, &kept.dir, "\n");
    assert!(ok, "{stderr}");
    let dir = kept.dir.display();
    assert!(
        stderr.contains(&format!(
            "Delete the plaintext token files {dir}/oauth1_token.json and {dir}/oauth2_token.json now that the vault holds them? [y/N]"
        )),
        "{stderr}"
    );
    assert!(stdout.contains("the plaintext tokens are still in"), "{stdout}");
    assert!(kept.dir.join("oauth2_token.json").exists());
    let gone = sign_in(&fake, &outside.path().join("gone"), "g", Some(ALICE), now() + 3_600);
    let (ok, stdout, stderr) = import_on_a_terminal(&home, &gone.dir, "y\n");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("and the now-empty"), "{stdout}");
    assert!(!gone.dir.exists());
}

#[test]
fn unsafe_or_broken_directories_are_refused_before_anything_is_sent() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let _daemon = daemon(&home, &fake);
    let outside = tempfile::tempdir().unwrap();
    let refused = |dir: &Path, expect: &str| {
        let out = import(&home, dir, &[]);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "imported {}", dir.display());
        assert!(stderr.contains(expect), "expected {expect:?} in: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
        stderr
    };

    refused(
        &outside.path().join("missing"),
        "does not exist; sign in with python-garminconnect (`pip install --upgrade garminconnect curl_cffi`",
    );

    let open_dir = sign_in(&fake, &outside.path().join("open-dir"), "a", Some(ALICE), now() + 3_600);
    std::fs::set_permissions(&open_dir.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    refused(&open_dir.dir, &format!("is open to other users (mode 0755); run `chmod 700 {}`", open_dir.dir.display()));

    let open_file = sign_in(&fake, &outside.path().join("open-file"), "b", Some(ALICE), now() + 3_600);
    let file = open_file.dir.join("oauth2_token.json");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    refused(&open_file.dir, &format!("is open to other users (mode 0644); run `chmod 600 {}`", file.display()));

    let linked = sign_in(&fake, &outside.path().join("real"), "c", Some(ALICE), now() + 3_600);
    let link = outside.path().join("link");
    std::os::unix::fs::symlink(&linked.dir, &link).unwrap();
    refused(&link, "is a symbolic link; pass the directory it points to");

    let file_link = sign_in(&fake, &outside.path().join("file-link"), "d", Some(ALICE), now() + 3_600);
    let moved = outside.path().join("oauth1-elsewhere.json");
    std::fs::rename(file_link.dir.join("oauth1_token.json"), &moved).unwrap();
    std::os::unix::fs::symlink(&moved, file_link.dir.join("oauth1_token.json")).unwrap();
    refused(&file_link.dir, "oauth1_token.json is a symbolic link");

    let malformed = sign_in(&fake, &outside.path().join("malformed"), "e", Some(ALICE), now() + 3_600);
    write(&malformed.dir.join("oauth2_token.json"), "{\"access_token\": ", 0o600);
    refused(&malformed.dir, "oauth2_token.json is not a Garmin token file (not valid JSON at line 1");

    let partial = sign_in(&fake, &outside.path().join("partial"), "f", Some(ALICE), now() + 3_600);
    std::fs::remove_file(partial.dir.join("oauth1_token.json")).unwrap();
    refused(&partial.dir, "oauth1_token.json is missing");

    let stale = sign_in(&fake, &outside.path().join("stale"), "g", Some(ALICE), now() + 3_600);
    let mut oauth2: Value =
        serde_json::from_str(&std::fs::read_to_string(stale.dir.join("oauth2_token.json")).unwrap()).unwrap();
    oauth2["refresh_token_expires_at"] = json!(now() - 60);
    write(&stale.dir.join("oauth2_token.json"), &oauth2.to_string(), 0o600);
    let msg = refused(&stale.dir, "the sign-in expired on");
    assert!(msg.contains("prompt_mfa=lambda: input('MFA code: ')).login('~/.garmin-sign-in')"), "{msg}");

    // Nothing reached the daemon or Garmin, and no message quoted a token.
    assert!(api_requests(&fake).is_empty());
    assert!(garmin_connection(&home, None).is_none());
    assert_no_plaintext(&home, &open_dir.secrets());
}

#[test]
fn a_token_garmin_refuses_is_rolled_back_and_the_previous_connection_stays() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let _daemon = daemon(&home, &fake);
    let outside = tempfile::tempdir().unwrap();
    // Not granted at the fake: the profile check answers 401.
    let unknown = sign_in(&fake, &outside.path().join("unknown"), "unknown", None, now() + 3_600);
    let out = import(&home, &unknown.dir, &["--delete-plaintext"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("Garmin refused the access token (HTTP 401 from /userprofile-service/socialProfile)"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(garmin_connection(&home, None).is_none());
    assert!(unknown.dir.join("oauth2_token.json").exists(), "a failed import must not delete the plaintext");

    let alice = sign_in(&fake, &outside.path().join("alice"), "alice", Some(ALICE), now() + 3_600);
    assert!(import(&home, &alice.dir, &[]).status.success());
    let before = garmin_connection(&home, None).unwrap();
    let out = import(&home, &unknown.dir, &[]);
    assert!(!out.status.success());
    assert_eq!(garmin_connection(&home, None).unwrap(), before, "a refused re-import changed the connection");
    let token = home.connect_as(None).call_ok("tokens.get", json!({ "provider": "garmin" }));
    assert_eq!(token["access_token"], alice.access.as_str());
    let mut secrets = alice.secrets().to_vec();
    secrets.extend(unknown.secrets());
    assert_no_plaintext(&home, &secrets);
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn expired_or_rejected_imported_tokens_need_a_new_sign_in_and_re_import() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let _daemon = daemon(&home, &fake);
    let outside = tempfile::tempdir().unwrap();

    // Rejected: pierre-mcp reports a 401 for the current token.
    let alice = sign_in(&fake, &outside.path().join("alice"), "alice", Some(ALICE), now() + 3_600);
    common::fake::ensure_user(&home, "alice");
    assert!(import(&home, &alice.dir, &["--user", "alice"]).status.success());
    let mut c = home.connect_as(Some("alice"));
    let user_id = c.call_ok("connections.list", json!({}))["user_id"].as_str().unwrap().to_string();
    let err =
        c.call_err("tokens.get", json!({ "provider": "garmin", "rejected_token_sha256": sha256_hex(&alice.access) }));
    assert_eq!(err["data"]["code"], "needs_reconnect", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("this legacy garth sign-in was refused by Garmin"), "{message}");
    assert!(
        message.contains(
            "apps set garmin-connect --client-id KEY --client-secret-stdin`, or sign in with python-garminconnect"
        ),
        "{message}"
    );
    assert!(
        message.contains(
            "Garmin(input('Garmin email: '), getpass('Garmin password: '), prompt_mfa=lambda: input('MFA code: '))"
        ),
        "{message}"
    );
    assert!(
        message.contains(&format!("then run `pierre-authd import garmin --from ~/.garmin-sign-in --user {user_id}`")),
        "{message}"
    );
    // Not recorded as the sign-in's end: a Garmin consumer supplied later
    // could still renew it (tests/e2e/garmin_legacy.rs); a re-import replaces it.
    assert_eq!(garmin_connection(&home, Some("alice")).unwrap()["state"], "connected");
    let fresh = sign_in(&fake, &outside.path().join("alice-again"), "alice2", Some(ALICE), now() + 3_600);
    let out = import(&home, &fresh.dir, &["--user", &user_id]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(text(&out).0.contains("replaced the Garmin connection"), "{}", text(&out).0);
    let token = home.connect_as(Some("alice")).call_ok("tokens.get", json!({ "provider": "garmin" }));
    assert_eq!(token["access_token"], fresh.access.as_str());

    // Near expiry: the access token is accepted at import (it lives more
    // than the 300 s refresh margin); inside the margin, with no Garmin
    // consumer to renew it, it is served until it actually expires.
    let bob = sign_in(&fake, &outside.path().join("bob"), "bob", Some(BOB), now() + 308);
    common::fake::ensure_user(&home, "bob");
    assert!(import(&home, &bob.dir, &["--user", "bob"]).status.success());
    std::thread::sleep(Duration::from_secs(9));
    let token = home.connect_as(Some("bob")).call_ok("tokens.get", json!({ "provider": "garmin" }));
    assert_eq!(token["access_token"], bob.access.as_str());
    // The SSO refresh token never went to any token endpoint.
    assert_eq!(fake.refreshes(), 0);
}

#[test]
fn two_users_importing_two_directories_get_two_vaults_and_share_nothing() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE, BOB]);
    let _daemon = daemon(&home, &fake);
    let outside = tempfile::tempdir().unwrap();
    let alice = sign_in(&fake, &outside.path().join("alice"), "alice", Some(ALICE), now() + 3_600);
    let bob = sign_in(&fake, &outside.path().join("bob"), "bob", Some(BOB), now() + 3_600);
    for (user, s) in [("alice", &alice), ("bob", &bob)] {
        common::fake::ensure_user(&home, user);
        let out = import(&home, &s.dir, &["--user", user]);
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let get = |user: &str| home.connect_as(Some(user)).call("tokens.get", json!({ "provider": "garmin" }));
    assert_eq!(get("alice")["result"]["access_token"], alice.access.as_str());
    assert_eq!(get("bob")["result"]["access_token"], bob.access.as_str());
    assert_eq!(get("alice")["result"]["account_id"], ALICE);
    assert_eq!(get("bob")["result"]["account_id"], BOB);
    // Each verification ran with its own user's token.
    let seen: Vec<Value> = api_requests(&fake).into_iter().map(|(_, account)| account).collect();
    assert_eq!(seen, vec![json!(ALICE), json!(BOB)]);

    let user_dir = |user: &str| {
        let id =
            home.connect_as(Some(user)).call_ok("connections.list", json!({}))["user_id"].as_str().unwrap().to_string();
        let mut found: Vec<PathBuf> = files_under(home.path())
            .into_iter()
            .filter_map(|(p, _)| p.parent().map(Path::to_path_buf))
            .filter(|p| p.file_name().is_some_and(|n| n == id.as_str()))
            .collect();
        found.sort();
        found.dedup();
        assert_eq!(found.len(), 1, "{user}'s vault directory: {found:?}");
        found.remove(0)
    };
    let (alice_dir, bob_dir) = (user_dir("alice"), user_dir("bob"));
    assert_ne!(alice_dir, bob_dir);
    let (alice_files, bob_files) = (files_under(&alice_dir), files_under(&bob_dir));
    for secret in bob.secrets() {
        assert_eq!(hits(&alice_files, secret), Vec::<PathBuf>::new());
    }
    for secret in alice.secrets() {
        assert_eq!(hits(&bob_files, secret), Vec::<PathBuf>::new());
    }
    let mut all = alice.secrets().to_vec();
    all.extend(bob.secrets());
    assert_no_plaintext(&home, &all);

    // Disconnecting one leaves the other's own token in place.
    let done = home.connect_as(Some("alice")).call_ok("connections.disconnect", json!({ "provider": "garmin" }));
    assert_eq!((done["disconnected"].as_bool(), done["revoke"].as_str()), (Some(true), Some("not_applicable")));
    assert_eq!(get("alice")["error"]["data"]["code"], "not_connected");
    assert_eq!(get("bob")["result"]["access_token"], bob.access.as_str());
    assert_no_plaintext(&home, &all);
}

/// What `pierre-mcp call TOOL provider=garmin ARGS --json` answered for `user`.
fn mcp_call(home: &TestHome, user: &str, tool: &str, args: &[&str]) -> Result<Value, String> {
    let mut cmd = home.command("pierre-mcp");
    cmd.args(["call", tool, "provider=garmin"])
        .args(args)
        .arg("--json")
        .env("PIERRE_USER", user)
        .env("PIERRE_SYNTHETIC_NOW", "2026-11-22T20:00:00+01:00");
    let out = output_within(&mut cmd, Duration::from_secs(60));
    let (stdout, stderr) = text(&out);
    if out.status.success() {
        Ok(serde_json::from_str(stdout.trim()).unwrap())
    } else {
        Err(format!("{stdout}{stderr}"))
    }
}

/// The pace42 case through the whole stack: two users import, both read
/// their own Garmin data through pierre-mcp (every record's name tagged
/// with the account whose token fetched it), one disconnects, the other
/// keeps reading only their own.
#[test]
fn imported_users_read_only_their_own_garmin_data_through_pierre_mcp() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE, BOB]);
    fake.control("config", json!({ "tag_names": true }));
    let _daemon = daemon(&home, &fake);
    let outside = tempfile::tempdir().unwrap();
    for (user, account) in [("alice", ALICE), ("bob", BOB)] {
        let s = sign_in(&fake, &outside.path().join(user), user, Some(account), now() + 3_600);
        common::fake::ensure_user(&home, user);
        let out = import(&home, &s.dir, &["--user", user]);
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let own_tags = |user: &str, account: &str| {
        let listed = mcp_call(&home, user, "get_activities", &["limit=50"]).unwrap();
        let activities = listed["activities"].as_array().unwrap();
        assert!(!activities.is_empty(), "{listed}");
        for a in activities {
            let name = a["name"].as_str().unwrap();
            assert!(name.ends_with(&format!("[{account}]")), "{user} got {name}");
        }
        activities[0]["id"].as_str().unwrap().to_owned()
    };
    let first = own_tags("alice", ALICE);
    own_tags("bob", BOB);
    // The other data tools answer too, inside the fixtures' days.
    let detail = mcp_call(&home, "alice", "get_activity", &[&format!("id={first}")]);
    assert!(detail.is_ok() || detail.as_ref().unwrap_err().contains(" has no "), "{detail:?}");
    let range = ["from=2026-11-16", "to=2026-11-22"];
    let nights = mcp_call(&home, "alice", "get_sleep", &range).unwrap();
    assert!(!nights["nights"].as_array().unwrap().is_empty(), "{nights}");
    let days = mcp_call(&home, "alice", "get_recovery", &range).unwrap();
    assert!(!days["days"].as_array().unwrap().is_empty(), "{days}");
    let athlete = mcp_call(&home, "alice", "get_athlete", &[]).unwrap();
    assert_eq!(athlete["provider"], "garmin");

    let done = home.connect_as(Some("alice")).call_ok("connections.disconnect", json!({ "provider": "garmin" }));
    assert_eq!(done["disconnected"], true);
    let e = mcp_call(&home, "alice", "get_activities", &[]).unwrap_err();
    assert!(e.contains("no garmin connection") && !e.contains(BOB), "{e}");
    own_tags("bob", BOB);
}
