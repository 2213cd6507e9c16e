//! Legacy garth sign-ins (`oauth1_token.json` + `oauth2_token.json`)
//! renewed through Garmin's OAuth1 → OAuth2 exchange, end to end: the real
//! daemon and CLI against the strict fake playing Garmin, whose exchange
//! (`/api/oauth-service/oauth/exchange/user/2.0`) recomputes every HMAC-SHA1
//! signature with its own consumer and the OAuth1 token's secret. The
//! consumer is the user's to supply (env or `apps set garmin-connect`);
//! without one nothing is sent and the connection says when it stopped.

use crate::common;

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::fake::FakeProvider;
use common::files::{contains, files_under};
use common::{DaemonGuard, RpcClient, TestHome, output_within};
use serde_json::{Value, json};

const ALICE: &str = "81234567";
/// The fake's consumer (`FakeOptions` in src/fake/state.rs).
const CONSUMER_KEY: &str = "fake-consumer-key";
const CONSUMER_SECRET: &str = "fake-consumer-secret-8c1f0e";

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A garth token directory and the secrets in it.
struct Pair {
    dir: PathBuf,
    access: String,
    oauth1_secret: String,
}

/// Registers a garth sign-in for ALICE at the fake (its OAuth1 token, with
/// an MFA token, and its OAuth2 access token expiring at `expires_at`) and
/// writes the pair as garth does (`OAuth1Token`/`OAuth2Token` in its
/// `auth_tokens.py`), directory 0700 and files 0600.
fn pair(fake: &FakeProvider, dir: &Path, tag: &str, expires_at: i64) -> Pair {
    let access = format!("garth-access-{tag}-1b6453892473a467d07372d45eb05abc");
    let oauth1 = format!("garth-oauth1-{tag}-ac3478d69a3c81fa62e60f5c3696165a");
    let oauth1_secret = format!("garth-oauth1-secret-{tag}-4e07408562bedb8b60ce05c1decfe3ad");
    let mfa = format!("garth-mfa-{tag}-16fd2706");
    fake.control(
        "grant",
        json!({ "account": ALICE, "access_token": access, "expires_in": (expires_at - now()).max(1),
                "oauth1_token": oauth1, "oauth1_token_secret": oauth1_secret, "mfa_token": mfa }),
    );
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let oauth1_json = json!({ "oauth_token": oauth1, "oauth_token_secret": oauth1_secret, "mfa_token": mfa,
                              "mfa_expiration_timestamp": "2027-01-01 00:00:00", "domain": "garmin.com" });
    let oauth2_json = json!({ "scope": "CONNECT_READ CONNECT_WRITE", "jti": format!("jti-{tag}"), "token_type": "Bearer",
                              "access_token": access, "refresh_token": format!("garth-refresh-{tag}"),
                              "expires_in": expires_at - now(), "expires_at": expires_at,
                              "refresh_token_expires_in": 2_591_999, "refresh_token_expires_at": now() + 2_591_999 });
    for (name, value) in [("oauth1_token.json", oauth1_json), ("oauth2_token.json", oauth2_json)] {
        let path = dir.join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    Pair { dir: dir.to_path_buf(), access, oauth1_secret }
}

/// The daemon with Garmin's API (and so the exchange) at the fake, plus `env`.
fn daemon(home: &TestHome, fake: &FakeProvider, env: &[(&str, &str)]) -> DaemonGuard {
    let mut cmd = home.command("pierre-authd");
    cmd.envs(env.iter().copied())
        .arg("serve")
        .env("PIERRE_GARMIN_API_BASE", format!("{}/api", fake.base))
        .env("PIERRE_CALLBACK_PORT", "0");
    home.spawn_daemon_with(cmd)
}

fn run(home: &TestHome, args: &[&str]) -> (Output, String, String) {
    let out = output_within(home.command("pierre-authd").args(args), Duration::from_secs(60));
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    (out, stdout, stderr)
}

fn import(home: &TestHome, p: &Pair) -> String {
    let (out, stdout, stderr) =
        run(home, &["import", "garmin", "--from", p.dir.to_str().unwrap(), "--delete-plaintext"]);
    assert!(out.status.success(), "{stderr}");
    stdout
}

fn owner(home: &TestHome) -> RpcClient {
    let mut c = home.connect();
    c.call_ok("daemon.hello", common::hello_params());
    c
}

fn counter(fake: &FakeProvider, name: &str) -> u64 {
    fake.counters()["counters"][name].as_u64().unwrap_or(0)
}

/// Every refusal of the fake's exchange, by reason.
fn exchange_refusals(fake: &FakeProvider) -> Value {
    let refused = fake.counters()["counters"]["refused"].clone();
    let mut out = serde_json::Map::new();
    for (k, v) in refused.as_object().cloned().unwrap_or_default() {
        if k.starts_with("oauth1_") {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

fn state(c: &mut RpcClient) -> String {
    let list = c.call_ok("connections.list", json!({}));
    list["connections"].as_array().unwrap().iter().find(|c| c["provider"] == "garmin").unwrap()["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_legacy_sign_in_near_expiry_renews_through_the_signed_exchange_with_the_users_consumer() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let env = [("PIERRE_GARMIN_CONSUMER_KEY", CONSUMER_KEY), ("PIERRE_GARMIN_CONSUMER_SECRET", CONSUMER_SECRET)];
    let _daemon = daemon(&home, &fake, &env);
    let outside = tempfile::tempdir().unwrap();
    // Lives past the 300 s margin at import, inside it a few seconds later.
    let alice = pair(&fake, &outside.path().join("garth"), "near", now() + 306);
    let stdout = import(&home, &alice);
    assert!(stdout.contains("(garth sign-in)"), "{stdout}");
    assert!(stdout.contains("renews the access token by itself through Garmin's OAuth1 exchange"), "{stdout}");
    assert_eq!(counter(&fake, "oauth1_exchange"), 0);
    std::thread::sleep(Duration::from_secs(8));

    let mut c = owner(&home);
    let renewed = c.call_ok("tokens.get", json!({ "provider": "garmin" }));
    assert_ne!(renewed["access_token"], alice.access.as_str());
    assert!(renewed["expires_at"].as_i64().unwrap() > now() + 300, "{renewed}");
    assert_eq!(counter(&fake, "oauth1_exchange"), 1);
    assert_eq!(exchange_refusals(&fake), json!({}), "the fake accepted the signature, mfa_token and User-Agent");
    // The OAuth1 token survives the renewal: a second exchange signs with it again.
    let again = c.call_ok("tokens.get", json!({ "provider": "garmin", "force_refresh": true }));
    assert_ne!(again["access_token"], renewed["access_token"]);
    assert_eq!(counter(&fake, "oauth1_exchange"), 2);
    assert_eq!(exchange_refusals(&fake), json!({}));
    // The renewed token works at the API.
    let bearer = format!("Bearer {}", again["access_token"].as_str().unwrap());
    let (status, _, _) = common::http::http_with(
        "GET",
        &format!("{}/api/userprofile-service/socialProfile", fake.base),
        None,
        None,
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 200);
    assert_eq!(state(&mut c), "connected");

    let mut secrets = fake.secrets();
    secrets.extend([alice.oauth1_secret.clone(), CONSUMER_SECRET.to_string()]);
    for (path, bytes) in files_under(home.path()) {
        for secret in &secrets {
            assert!(!contains(&bytes, secret.as_bytes()), "a secret in plain text in {}", path.display());
        }
    }
}

#[test]
fn a_wrong_consumer_secret_is_refused_by_the_exchange_and_the_connection_needs_reconnect() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let _daemon = daemon(&home, &fake, &[]);
    let outside = tempfile::tempdir().unwrap();
    // The consumer through `apps set garmin-connect`, with the wrong secret.
    let mut set = home.command("pierre-authd");
    set.args(["apps", "set", "garmin-connect", "--client-id", CONSUMER_KEY, "--client-secret-stdin"]);
    let mut child = set.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"not-the-consumer-secret\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("stored the garmin-connect consumer fake-consumer-key"), "{stdout}");
    let (_, listed, _) = run(&home, &["apps", "list"]);
    assert!(
        listed.contains("garmin-connect consumer key fake-consumer-key (`pierre-authd apps set`), secret sha256:"),
        "{listed}"
    );
    assert!(!listed.contains("not-the-consumer-secret"), "{listed}");

    // An expired pair is exchanged at import: refused, so nothing is imported.
    let expired = pair(&fake, &outside.path().join("expired"), "exp", now() - 60);
    let (out, _, stderr) =
        run(&home, &["import", "garmin", "--from", expired.dir.to_str().unwrap(), "--delete-plaintext"]);
    assert!(!out.status.success());
    assert!(stderr.contains("Garmin refused to exchange the garth sign-in's OAuth1 token"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(expired.dir.join("oauth1_token.json").exists(), "a failed import keeps the plaintext");
    assert_eq!(exchange_refusals(&fake), json!({ "oauth1_signature": 1 }));

    let alice = pair(&fake, &outside.path().join("garth"), "wrong", now() + 3_600);
    import(&home, &alice);
    let mut c = owner(&home);
    let err = c.call_err("tokens.get", json!({ "provider": "garmin", "force_refresh": true }));
    assert_eq!(err["data"]["code"], "needs_reconnect", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("pierre-authd import garmin --from ~/.garmin-sign-in --user"), "{message}");
    assert!(!message.contains("not-the-consumer-secret"), "{message}");
    assert_eq!(counter(&fake, "oauth1_exchange"), 2, "refused, so not retried");
    assert_eq!(exchange_refusals(&fake), json!({ "oauth1_signature": 2 }));
    assert_eq!(state(&mut c), "needs_reconnect");
}

#[test]
fn without_a_consumer_nothing_is_exchanged_and_the_connection_says_when_it_stopped() {
    let home = TestHome::new();
    let fake = FakeProvider::start("garmin", &[ALICE]);
    let _daemon = daemon(&home, &fake, &[]);
    let outside = tempfile::tempdir().unwrap();
    let alice = pair(&fake, &outside.path().join("garth"), "none", now() + 306);
    let stdout = import(&home, &alice);
    assert!(stdout.contains("the access token works until "), "{stdout}");
    assert!(stdout.contains("Pierre renews a garth sign-in only with a Garmin consumer you supply"), "{stdout}");
    let mut c = owner(&home);
    // Inside the margin but not yet expired: the current token, no exchange.
    std::thread::sleep(Duration::from_secs(8));
    let token = c.call_ok("tokens.get", json!({ "provider": "garmin" }));
    assert_eq!(token["access_token"], alice.access.as_str());
    // Rejected by Garmin: the re-import (and the consumer) named, with the time.
    let err = c.call_err("tokens.get", json!({ "provider": "garmin", "force_refresh": true }));
    assert_eq!(err["data"]["code"], "needs_reconnect", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("legacy garth sign-in was refused by Garmin (it was to work until 20"), "{message}");
    assert!(message.contains(" UTC)"), "{message}");
    assert!(message.contains("apps set garmin-connect --client-id KEY --client-secret-stdin"), "{message}");
    assert!(message.contains("then run `pierre-authd import garmin --from ~/.garmin-sign-in --user"), "{message}");
    assert_eq!(counter(&fake, "oauth1_exchange"), 0, "no consumer, no exchange");
    assert_eq!(state(&mut c), "connected", "not the sign-in's end: a consumer can still renew it");

    // Supplying the consumer afterwards renews it at the next call.
    c.call_ok(
        "apps.set",
        json!({ "provider": "garmin-connect", "client_id": CONSUMER_KEY, "client_secret": CONSUMER_SECRET }),
    );
    let renewed = c.call_ok("tokens.get", json!({ "provider": "garmin", "force_refresh": true }));
    assert_ne!(renewed["access_token"], alice.access.as_str());
    assert_eq!(counter(&fake, "oauth1_exchange"), 1);
    assert_eq!(exchange_refusals(&fake), json!({}));
}
