//! Imported Garmin DI sign-ins (python-garminconnect's `garmin_tokens.json`,
//! garth-ng's `oauth2_token.json` with its `client_id`) end to end: the
//! real daemon and CLI against the strict fake playing Garmin, whose DI
//! token endpoint checks HTTP Basic `client_id:` (empty secret) and the form
//! `client_id` against the id the sign-in was issued to, and rotates refresh
//! tokens. Token files are written from `tests/fixtures/garmin/sign-in/`,
//! shaped from the clients' own source (see its README).

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::fake::FakeProvider;
use common::files::{contains, files_under};
use common::http::http_with;
use common::{DaemonGuard, TestHome, output_within};
use serde_json::{Value, json};

const ALICE: &str = "81234567";
const CLIENT: &str = "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2";

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A JWT-shaped DI access token with the claims python-garminconnect reads
/// (`exp`, `client_id`); the signature is not checked by any client.
fn di_jwt(tag: &str, exp: i64) -> String {
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let claims = json!({ "client_id": CLIENT, "exp": exp, "iat": now(), "jti": format!("jti-{tag}") });
    format!("{}.{}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk", b64(json!({ "alg": "RS256", "typ": "JWT" })), b64(claims))
}

/// One DI sign-in: the tokens the fake knows and where the test wrote them.
struct SignIn {
    access: String,
    refresh: String,
    dir: PathBuf,
}

fn fixture(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/garmin/sign-in").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Registers a DI sign-in for `account` at the fake (issued to `issued_to`)
/// and makes a private directory at `dir`.
fn grant(fake: &FakeProvider, dir: &Path, tag: &str, account: &str, issued_to: &str, exp: i64) -> SignIn {
    let s = SignIn {
        access: di_jwt(tag, exp),
        refresh: format!("di-refresh-{tag}-3b5d5c3712955042212316173ccf37be"),
        dir: dir.to_path_buf(),
    };
    let expires_in = (exp - now()).max(1);
    fake.control(
        "grant",
        json!({ "account": account, "access_token": s.access, "refresh_token": s.refresh, "expires_in": expires_in, "client_id": issued_to }),
    );
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    s
}

/// python-garminconnect's `garmin_tokens.json`, naming `client_id`.
fn garminconnect_dir(fake: &FakeProvider, dir: &Path, tag: &str, exp: i64, client_id: &str) -> SignIn {
    let s = grant(fake, dir, tag, ALICE, CLIENT, exp);
    let text = fixture("python-garminconnect/garmin_tokens.json.in")
        .replace("@ACCESS@", &s.access)
        .replace("@REFRESH@", &s.refresh)
        .replace("@CLIENT_ID@", client_id);
    write(&dir.join("garmin_tokens.json"), &text);
    s
}

/// garth-ng's `oauth2_token.json` (alone in its directory).
fn garth_ng_dir(fake: &FakeProvider, dir: &Path, tag: &str, exp: i64, sign_in_end: i64) -> SignIn {
    let s = grant(fake, dir, tag, ALICE, CLIENT, exp);
    let text = fixture("garth-ng/oauth2_token.json.in")
        .replace("@ACCESS@", &s.access)
        .replace("@REFRESH@", &s.refresh)
        .replace("@CLIENT_ID@", CLIENT)
        .replace("@JTI@", &format!("jti-{tag}"))
        .replace("@EXPIRES_AT@", &format!("{exp}.4175"))
        .replace("@REFRESH_EXPIRES_AT@", &format!("{sign_in_end}.4175"));
    write(&dir.join("oauth2_token.json"), &text);
    s
}

/// One test's daemon, fake and a directory outside PIERRE_HOME for token
/// directories (bound in this order, dropped in reverse: the daemon stops
/// before its home goes).
struct World {
    home: TestHome,
    fake: FakeProvider,
    _daemon: DaemonGuard,
    outside: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let home = TestHome::new();
        let fake = FakeProvider::start("garmin", &[ALICE]);
        let _daemon = daemon(&home, &fake);
        World { home, fake, _daemon, outside: tempfile::tempdir().unwrap() }
    }
}

/// The daemon with Garmin's API and DI token endpoint at the fake, and no
/// Garmin app credentials (the individual's path).
fn daemon(home: &TestHome, fake: &FakeProvider) -> DaemonGuard {
    daemon_with(home, fake, &[])
}

/// [`daemon`] with more environment.
fn daemon_with(home: &TestHome, fake: &FakeProvider, env: &[(&str, String)]) -> DaemonGuard {
    let mut cmd = home.command("pierre-authd");
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd.arg("serve")
        .env("PIERRE_GARMIN_API_BASE", format!("{}/api", fake.base))
        .env("PIERRE_GARMIN_DI_TOKEN_URL", format!("{}/di-oauth2-service/oauth/token", fake.base))
        .env("PIERRE_CALLBACK_PORT", "0");
    home.spawn_daemon_with(cmd)
}

fn import(home: &TestHome, dir: &Path, extra: &[&str]) -> Output {
    let mut cmd = home.command("pierre-authd");
    cmd.args(["import", "garmin", "--from"]).arg(dir).args(extra);
    output_within(&mut cmd, Duration::from_secs(60))
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn di_refreshes(fake: &FakeProvider) -> u64 {
    fake.counters()["counters"]["di_refresh"].as_u64().unwrap()
}

/// No token the fake issued (nor the files' tokens) in plain text under PIERRE_HOME.
fn assert_no_plaintext(home: &TestHome, fake: &FakeProvider, more: &[&str]) {
    let files = files_under(home.path());
    assert!(!files.is_empty());
    let mut secrets = fake.secrets();
    secrets.extend(more.iter().map(|s| s.to_string()));
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        for (path, bytes) in &files {
            assert!(!contains(bytes, secret.as_bytes()), "a token in plain text in {}", path.display());
        }
    }
}

#[test]
fn a_python_garminconnect_sign_in_imports_and_only_its_file_is_deleted() {
    let World { home, fake, _daemon, outside } = World::new();
    let alice = garminconnect_dir(&fake, &outside.path().join(".garmin-sign-in"), "a", now() + 3_600, CLIENT);

    let out = import(&home, &alice.dir, &["--delete-plaintext"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!(
            "imported Garmin account {ALICE} (python-garminconnect sign-in) into the vault of the owner"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("the daemon refreshes the access token by itself for as long as Garmin keeps the sign-in's refresh token valid"), "{stdout}");
    let dir = alice.dir.display();
    assert!(stdout.contains(&format!("deleted {dir}/garmin_tokens.json and the now-empty {dir}")), "{stdout}");
    assert!(!alice.dir.exists());
    // A fresh access token: used as is, no refresh at import.
    assert_eq!(di_refreshes(&fake), 0);
    let token = home.connect_as(None).call_ok("tokens.get", json!({ "provider": "garmin" }));
    assert_eq!(token["access_token"], alice.access.as_str());
    assert_no_plaintext(&home, &fake, &[&alice.refresh]);
}

#[test]
fn a_garth_ng_sign_in_imports_with_its_client_id_and_says_when_it_ends() {
    let World { home, fake, _daemon, outside } = World::new();
    let end = now() + 7_775_999;
    let alice = garth_ng_dir(&fake, &outside.path().join(".garth"), "ng", now() + 3_600, end);
    write(&alice.dir.join("notes.txt"), "mine");

    let out = import(&home, &alice.dir, &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("(garth-ng sign-in)"), "{stdout}");
    assert!(stdout.contains("(when Garmin ends the sign-in)"), "{stdout}");
    // Not asked (no terminal): the command names exactly the imported file.
    let dir = alice.dir.display();
    assert!(stdout.contains(&format!("delete them with `rm -- {dir}/oauth2_token.json`")), "{stdout}");
    let token = home.connect_as(None).call_ok("tokens.get", json!({ "provider": "garmin" }));
    assert_eq!(token["access_token"], alice.access.as_str());

    // Past the end garth-ng recorded: refused before anything is sent.
    let stale = garth_ng_dir(&fake, &outside.path().join("stale"), "st", now() + 3_600, now() - 60);
    let out = import(&home, &stale.dir, &[]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("the sign-in ended on"), "{stderr}");
    assert!(stderr.contains("pip install --upgrade garminconnect curl_cffi"), "{stderr}");
}

/// Sends `n` `tokens.get` on one connection before reading any answer.
#[test]
fn a_di_token_near_expiry_refreshes_once_for_100_calls_and_the_rotated_refresh_token_is_kept() {
    let World { home, fake, _daemon, outside } = World::new();
    // Lives past the 300 s margin at import, inside it a few seconds later.
    let alice = garminconnect_dir(&fake, &outside.path().join("a"), "near", now() + 306, CLIENT);
    let out = import(&home, &alice.dir, &[]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(di_refreshes(&fake), 0);
    std::thread::sleep(Duration::from_secs(8));

    let answers = home.connect_as(None).pipelined("tokens.get", 100, json!({ "provider": "garmin" }));
    let tokens: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|a| a["result"]["access_token"].as_str().unwrap_or_else(|| panic!("{a}")).to_string())
        .collect();
    assert_eq!(tokens.len(), 1, "all 100 got the same token");
    assert!(!tokens.contains(&alice.access), "the token was refreshed");
    assert_eq!(di_refreshes(&fake), 1, "one refresh at the DI endpoint for 100 concurrent calls");
    assert_eq!(fake.refused("di_basic_auth") + fake.refused("di_client_mismatch") + fake.refused("invalid_client"), 0);

    // A second refresh must present the rotated token: the fake refuses the
    // first one as reused (invalid_grant), which would end the connection.
    let again = home.connect_as(None).call_ok("tokens.get", json!({ "provider": "garmin", "force_refresh": true }));
    assert_eq!(di_refreshes(&fake), 2);
    assert_eq!(fake.refused("refresh_reused"), 0, "the old refresh token was presented again");
    assert!(!tokens.contains(again["access_token"].as_str().unwrap()));
    let list = home.connect_as(None).call_ok("connections.list", json!({}));
    let garmin = list["connections"].as_array().unwrap().iter().find(|c| c["provider"] == "garmin").unwrap().clone();
    assert_eq!(garmin["state"], "connected");
    assert_no_plaintext(&home, &fake, &[&alice.refresh]);
}

#[test]
fn a_refused_di_refresh_needs_a_new_sign_in_and_re_import() {
    let World { home, fake, _daemon, outside } = World::new();
    common::fake::ensure_user(&home, "alice");
    let alice = garminconnect_dir(&fake, &outside.path().join("a"), "r", now() + 3_600, CLIENT);
    assert!(import(&home, &alice.dir, &["--user", "alice"]).status.success());
    let mut c = home.connect_as(Some("alice"));
    let user_id = c.call_ok("connections.list", json!({}))["user_id"].as_str().unwrap().to_string();

    fake.control("fault", json!({ "target": "di_refresh", "kind": "invalid_grant", "count": 1 }));
    let err = c.call_err("tokens.get", json!({ "provider": "garmin", "force_refresh": true }));
    assert_eq!(err["data"]["code"], "needs_reconnect", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("pip install --upgrade garminconnect curl_cffi"), "{message}");
    assert!(message.contains(".login('~/.garmin-sign-in')"), "{message}");
    assert!(
        message.contains(&format!("then run `pierre-authd import garmin --from ~/.garmin-sign-in --user {user_id}`")),
        "{message}"
    );
    assert_eq!(di_refreshes(&fake), 1);
    // Sticky: no second refresh until a re-import.
    let again = c.call_err("tokens.get", json!({ "provider": "garmin" }));
    assert_eq!(again["data"]["code"], "needs_reconnect");
    assert_eq!(di_refreshes(&fake), 1);
    let fresh = garminconnect_dir(&fake, &outside.path().join("b"), "r2", now() + 3_600, CLIENT);
    let out = import(&home, &fresh.dir, &["--user", "alice"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let token = home.connect_as(Some("alice")).call_ok("tokens.get", json!({ "provider": "garmin" }));
    assert_eq!(token["access_token"], fresh.access.as_str());
}

#[test]
fn an_expired_di_access_token_is_refreshed_at_import_with_the_sign_ins_client_id() {
    let World { home, fake, _daemon, outside } = World::new();
    let alice = garminconnect_dir(&fake, &outside.path().join("a"), "old", now() - 60, CLIENT);
    let out = import(&home, &alice.dir, &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains(&format!("imported Garmin account {ALICE}")), "{stdout}");
    assert_eq!(di_refreshes(&fake), 1);
    let token = home.connect_as(None).call_ok("tokens.get", json!({ "provider": "garmin" }));
    assert_ne!(token["access_token"], alice.access.as_str());
    assert!(token["expires_at"].as_i64().unwrap() > now() + 300);

    // Issued to one client id, presented with another: the fake refuses
    // (401 invalid_client), and nothing is imported.
    let wrong =
        garminconnect_dir(&fake, &outside.path().join("b"), "wrong", now() - 60, "GARMIN_CONNECT_MOBILE_IOS_DI");
    let out = import(&home, &wrong.dir, &[]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("Garmin refused the sign-in's refresh token"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(fake.refused("di_client_mismatch"), 1);
    assert!(wrong.dir.join("garmin_tokens.json").exists(), "a failed import must not delete the plaintext");
}

#[test]
fn the_fake_di_endpoint_takes_only_basic_with_the_client_id_and_an_empty_secret() {
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let outside = tempfile::tempdir().unwrap();
    let s = grant(&fake, outside.path(), "x", ALICE, CLIENT, now() + 3_600);
    let url = format!("{}/di-oauth2-service/oauth/token", fake.base);
    let form = format!("grant_type=refresh_token&client_id={CLIENT}&refresh_token={}", s.refresh);
    let basic = |user_pass: &str| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(user_pass));
    let post = |auth: &str| {
        http_with(
            "POST",
            &url,
            None,
            Some(&form),
            &[("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", auth)],
        )
        .0
    };
    assert_eq!(post(&basic(&format!("{CLIENT}:secret"))), 401, "a non-empty secret");
    assert_eq!(post(&basic("OTHER_CLIENT:")), 401, "another client id in Basic");
    assert_eq!(post("Bearer x"), 401, "no Basic");
    assert_eq!(fake.refused("di_basic_auth"), 3);
    assert_eq!(post(&basic(&format!("{CLIENT}:"))), 200);
    // Rotated: the same refresh token again is refused.
    assert_eq!(post(&basic(&format!("{CLIENT}:"))), 400);
    assert_eq!(fake.refused("refresh_reused"), 1);
}

/// The marker that makes a connection "imported" survives refreshes and
/// `needs_reconnect`: with Developer Program credentials set afterwards, a
/// refused refresh still names the re-import (not `connect garmin`), and
/// disconnect sends the DI token nowhere (not to the program's revoke URL).
#[test]
fn an_imported_sign_in_stays_imported_after_refreshes_when_program_credentials_appear() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let revoke_url = format!("{}/oauth/revoke", fake.base);
    let _daemon = daemon_with(&home, &fake, &[("PIERRE_GARMIN_REVOKE_URL", revoke_url)]);
    let outside = tempfile::tempdir().unwrap();
    let alice = garminconnect_dir(&fake, &outside.path().join("a"), "m", now() + 3_600, CLIENT);
    assert!(import(&home, &alice.dir, &[]).status.success());
    let mut c = home.connect_as(None);
    let user_id = c.call_ok("connections.list", json!({}))["user_id"].as_str().unwrap().to_string();
    let force = json!({ "provider": "garmin", "force_refresh": true });
    c.call_ok("tokens.get", force.clone());
    assert_eq!(di_refreshes(&fake), 1);

    c.call_ok(
        "apps.set",
        json!({ "provider": "garmin", "client_id": "program-id", "client_secret": "program-secret" }),
    );
    fake.control("fault", json!({ "target": "di_refresh", "kind": "invalid_grant", "count": 1 }));
    let err = c.call_err("tokens.get", force);
    assert_eq!(err["data"]["code"], "needs_reconnect", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("then run `pierre-authd import garmin --from ~/.garmin-sign-in --user {user_id}`")),
        "{message}"
    );
    assert!(!message.contains("connect garmin"), "{message}");

    let done = c.call_ok("connections.disconnect", json!({ "provider": "garmin" }));
    assert_eq!(done["disconnected"], true, "{done}");
    assert_eq!(done["revoke"], "not_applicable", "{done}");
    assert_eq!(fake.counters()["counters"]["revoke"], 0, "a DI token went to the program's revoke endpoint");
}
