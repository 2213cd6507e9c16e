//! Provider connections end to end: the real `pierre-authd` against the
//! strict fake provider (`fake-provider`), driven as a user would (the
//! printed sign-in URL followed with plain HTTP GETs, as a browser would).

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::fake::{ALICE_ACCOUNT, BOB_ACCOUNT, CLIENT_SECRET, FakeProvider, provider_env, start_daemon};
use common::http::http;
use common::{TestHome, output_within};
use serde_json::{Value, json};

fn location(headers: &[(String, String)]) -> String {
    headers.iter().find(|(k, _)| k == "location").map(|(_, v)| v.clone()).expect("no Location header")
}

/// Follows a sign-in URL as a browser would: the fake's 302, then the
/// callback. Returns the callback's status and page.
fn follow(url: &str) -> (u16, String) {
    let (status, headers, body) = http("GET", url, None, None);
    assert_eq!(status, 302, "the fake's /authorize answered {status}: {body}");
    let (status, _, page) = http("GET", &location(&headers), None, None);
    (status, page)
}

/// `connections.begin` for the owner (or `user`); returns the URL.
fn begin(home: &TestHome, provider: &str, user: Option<&str>) -> String {
    let mut client = home.connect_hello();
    let mut params = json!({ "provider": provider });
    if let Some(user) = user {
        params["user"] = json!(user);
    }
    let begun = client.call_ok("connections.begin", params);
    begun["authorization_url"].as_str().expect("no authorization_url").to_string()
}

fn connections(home: &TestHome, user: Option<&str>) -> Value {
    let mut cmd = home.command("pierre-authd");
    cmd.args(["connections", "--json"]);
    if let Some(user) = user {
        cmd.args(["--user", user]);
    }
    let out = output_within(&mut cmd, Duration::from_secs(20));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn account_of(list: &Value, provider: &str) -> Option<String> {
    list["connections"].as_array()?.iter().find(|c| c["provider"] == provider)?["account_id"]
        .as_str()
        .map(str::to_owned)
}

/// Runs `login --provider P --no-browser`, follows the printed URL, and
/// returns the exit status, stdout, stderr and the callback page.
fn login(
    home: &TestHome,
    provider: &str,
    user: Option<&str>,
) -> (std::process::ExitStatus, String, String, u16, String) {
    run_connect(home, &["login", "--provider", provider, "--no-browser"], user)
}

/// Like [`login`] for any connecting command line (`connect P --no-browser`).
fn run_connect(
    home: &TestHome,
    args: &[&str],
    user: Option<&str>,
) -> (std::process::ExitStatus, String, String, u16, String) {
    let mut cmd = home.command("pierre-authd");
    cmd.args(args);
    if let Some(user) = user {
        cmd.args(["--user", user]);
    }
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "the first line must be the URL alone: {first:?}");
    let (page_status, page) = follow(&url);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    (status, rest, err, page_status, page)
}

fn assert_no_secret_in(home: &Path, secrets: &[String]) {
    let files = common::files::files_under(home);
    assert!(!files.is_empty());
    for secret in secrets {
        assert!(secret.len() >= 16, "{secret}");
        for (name, bytes) in &files {
            assert!(
                !common::files::contains(bytes, secret.as_bytes()),
                "{} holds a secret in plain text ({}…)",
                name.display(),
                &secret[..8]
            );
        }
    }
}

#[test]
fn login_no_browser_connects_strava_and_leaves_no_secret_on_disk() {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let (_daemon, _) = start_daemon(&home, "strava", &fake, &[]);
    let started = Instant::now();
    let (status, out, err, page_status, page) = login(&home, "strava", None);
    let elapsed = started.elapsed();
    eprintln!("login round trip against the fake: {} ms", elapsed.as_millis());
    assert!(status.success(), "login failed: {err}");
    assert_eq!(page_status, 200, "{page}");
    assert!(page.contains("Connected to Strava"), "{page}");
    assert!(out.contains("connected strava (134815)"), "{out}");
    let list = connections(&home, None);
    assert_eq!(account_of(&list, "strava").as_deref(), Some(ALICE_ACCOUNT));
    let c = fake.counters();
    assert_eq!(c["counters"]["token"], 1, "{c}");
    assert_eq!(c["counters"]["authorize"], 1, "{c}");
    // Tokens and the client secret are in the daemon's vault, sealed: no
    // file or log under the home holds them in plain text.
    let secrets = fake.secrets();
    assert_eq!(secrets.len(), 3);
    assert_no_secret_in(home.path(), &secrets);
}

#[test]
fn a_sign_in_link_works_once() {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let (_daemon, _) = start_daemon(&home, "strava", &fake, &[]);
    let (status, headers, _) = http("GET", &begin(&home, "strava", None), None, None);
    assert_eq!(status, 302);
    let callback = location(&headers);
    let (first, _, _) = http("GET", &callback, None, None);
    assert_eq!(first, 200);
    let (second, _, page) = http("GET", &callback, None, None);
    assert_eq!(second, 400);
    assert!(page.contains("already used"), "{page}");
    assert!(page.contains("pierre-authd connect strava"), "{page}");
    // A state the daemon never issued gets the same answer.
    let port = callback.split(':').nth(2).unwrap().split('/').next().unwrap().to_string();
    let (forged, _, page) =
        http("GET", &format!("http://127.0.0.1:{port}/api/oauth/callback/strava?code=x&state=forged"), None, None);
    assert_eq!(forged, 400);
    assert!(page.contains("already used, or it was not issued by this Pierre daemon"), "{page}");
    assert_eq!(fake.counters()["counters"]["token"], 1, "only the first callback reached the token endpoint");
}

#[test]
fn an_expired_link_is_refused_and_wait_reports_it() {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let (_daemon, _) = start_daemon(&home, "strava", &fake, &[("PIERRE_OAUTH_STATE_TTL_SECS", "1")]);
    let url = begin(&home, "strava", None);
    std::thread::sleep(Duration::from_millis(2_100));
    let (status, page) = follow(&url);
    assert_eq!(status, 400);
    assert!(page.contains("expired"), "{page}");
    let mut client = home.connect_hello();
    let error = client.call_err("connections.wait", json!({ "provider": "strava", "timeout_secs": 5 }));
    assert_eq!(error["data"]["code"], "timeout", "{error}");
    assert!(error["message"].as_str().unwrap().contains("pierre-authd connect strava"), "{error}");
    assert_eq!(fake.counters()["counters"]["token"], 0);
    assert!(account_of(&connections(&home, None), "strava").is_none());
}

#[test]
fn events_subscribe_streams_connect_outcomes_of_its_user_only() {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT, BOB_ACCOUNT]);
    let (_daemon, _) = start_daemon(&home, "strava", &fake, &[]);
    home.connect_hello().call_ok("users.add", json!({ "name": "bob" }));
    let mut owner_events = home.connect_hello();
    let answer = owner_events.call_ok("events.subscribe", json!({}));
    assert_eq!(answer["subscribed"], true);
    // Bob's connect is not the owner's business.
    fake.control("config", json!({ "authorize_as": BOB_ACCOUNT }));
    let (status, _) = follow(&begin(&home, "strava", Some("bob")));
    assert_eq!(status, 200);
    fake.control("fault", json!({ "target": "authorize", "kind": "access_denied" }));
    let (status, _) = follow(&begin(&home, "strava", None));
    assert_eq!(status, 400);
    fake.control("config", json!({ "authorize_as": ALICE_ACCOUNT }));
    let (status, _) = follow(&begin(&home, "strava", None));
    assert_eq!(status, 200);
    let first = owner_events.read_json(Duration::from_secs(10));
    assert_eq!(first["method"], "event", "{first}");
    assert_eq!(first["params"]["kind"], "oauth_error", "{first}");
    assert!(first["params"]["message"].as_str().unwrap().contains("access_denied"), "{first}");
    let second = owner_events.read_json(Duration::from_secs(10));
    assert_eq!(second["params"]["kind"], "oauth_complete", "{second}");
    assert_eq!(second["params"]["provider"], "strava");
    assert_eq!(second["params"]["account_id"], ALICE_ACCOUNT, "never bob's event: {second}");
}

#[test]
fn a_foreign_host_header_is_refused() {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let (_daemon, port) = start_daemon(&home, "strava", &fake, &[]);
    let (_, headers, _) = http("GET", &begin(&home, "strava", None), None, None);
    let callback = location(&headers);
    let (status, _, page) = http("GET", &callback, Some(&format!("evil.example:{port}")), None);
    assert_eq!(status, 421, "{page}");
    assert!(page.contains("host name Pierre does not serve"), "{page}");
    // The refused request did not burn the state: the real browser's request still works.
    let (status, _, page) = http("GET", &callback, None, None);
    assert_eq!(status, 200, "{page}");
}

#[test]
fn a_redirect_uri_mismatch_is_refused_by_the_provider() {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let (_daemon, _) = start_daemon(&home, "strava", &fake, &[]);
    fake.control("config", json!({ "redirect_uri": "http://127.0.0.1:1/api/oauth/callback/strava" }));
    let (status, headers, body) = http("GET", &begin(&home, "strava", None), None, None);
    assert_eq!(status, 400, "a mismatched redirect URI must not be redirected to");
    assert!(headers.iter().all(|(k, _)| k != "location"));
    assert!(body.contains("redirect_uri does not match"), "{body}");
    assert_eq!(fake.counters()["counters"]["refused"]["redirect_uri_mismatch"], 1);
}

#[test]
fn access_denied_is_reported_on_the_page_and_by_login() {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let (_daemon, _) = start_daemon(&home, "strava", &fake, &[]);
    fake.control("fault", json!({ "target": "authorize", "kind": "access_denied" }));
    let (status, _out, err, page_status, page) = login(&home, "strava", None);
    assert!(!status.success());
    assert_eq!(page_status, 400);
    assert!(page.contains("Access not granted"), "{page}");
    assert!(err.contains("Strava did not grant access: access_denied"), "{err}");
    assert!(err.contains("pierre-authd connect strava"), "{err}");
}

#[test]
fn the_wrong_client_authentication_style_is_refused_with_a_clear_message() {
    // The daemon plays Strava (secret in the body); the fake plays Fitbit,
    // which wants HTTP Basic.
    let home = TestHome::new();
    let fake = FakeProvider::start("fitbit", &[ALICE_ACCOUNT]);
    let (_daemon, _) = start_daemon(&home, "strava", &fake, &[]);
    let (status, page) = follow(&begin(&home, "strava", None));
    assert_eq!(status, 502, "{page}");
    assert!(page.contains("invalid_client"), "{page}");
    assert_eq!(fake.counters()["counters"]["refused"]["invalid_client"], 1);
    let mut client = home.connect_hello();
    let error = client.call_err("connections.wait", json!({ "provider": "strava", "timeout_secs": 5 }));
    assert_eq!(error["data"]["code"], "provider_error");
    assert!(error["message"].as_str().unwrap().contains("client authentication style"), "{error}");
}

#[test]
fn fitbit_connects_with_basic_auth_and_its_user_id() {
    let home = TestHome::new();
    let fake = FakeProvider::start("fitbit", &["ABC123"]);
    let (_daemon, _) = start_daemon(&home, "fitbit", &fake, &[]);
    let (status, page) = follow(&begin(&home, "fitbit", None));
    assert_eq!(status, 200, "{page}");
    assert_eq!(account_of(&connections(&home, None), "fitbit").as_deref(), Some("ABC123"));
}

#[test]
fn whoop_takes_its_account_id_from_the_profile_route() {
    let home = TestHome::new();
    let fake = FakeProvider::start("whoop", &["10129", "20250"]);
    let (_daemon, _) = start_daemon(&home, "whoop", &fake, &[]);
    fake.control("config", json!({ "authorize_as": "20250" }));
    let url = begin(&home, "whoop", None);
    assert!(url.contains("offline"), "WHOOP needs the offline scope for a refresh token: {url}");
    let (status, page) = follow(&url);
    assert_eq!(status, 200, "{page}");
    assert_eq!(account_of(&connections(&home, None), "whoop").as_deref(), Some("20250"));
}

#[test]
fn two_users_connect_one_provider_with_different_accounts() {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let (_daemon, _) = start_daemon(&home, "strava", &fake, &[]);
    let (status, _, err, _, _) = login(&home, "strava", None);
    assert!(status.success(), "{err}");
    // Bob's account exists only from now on; `connect P` is `login --provider P`.
    fake.control("config", json!({ "accounts": [ALICE_ACCOUNT, BOB_ACCOUNT], "authorize_as": BOB_ACCOUNT }));
    // `--user` names an existing user: a typo is refused, not made a new user.
    let typo = output_within(
        home.command("pierre-authd").args(["connect", "strava", "--no-browser", "--user", "bob"]),
        Duration::from_secs(30),
    );
    let err = String::from_utf8_lossy(&typo.stderr);
    assert!(!typo.status.success());
    assert!(err.contains("`pierre-authd users add bob`"), "{err}");
    let added = output_within(home.command("pierre-authd").args(["users", "add", "bob"]), Duration::from_secs(30));
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let (status, _, err, _, _) = run_connect(&home, &["connect", "strava", "--no-browser"], Some("bob"));
    assert!(status.success(), "{err}");
    let owner = connections(&home, None);
    let bob = connections(&home, Some("bob"));
    assert_eq!(account_of(&owner, "strava").as_deref(), Some(ALICE_ACCOUNT));
    assert_eq!(account_of(&bob, "strava").as_deref(), Some(BOB_ACCOUNT));
    assert_ne!(owner["user_id"], bob["user_id"]);
    let id = |v: &Value| {
        v["connections"].as_array().unwrap().iter().find(|c| c["provider"] == "strava").unwrap()["connection_id"]
            .clone()
    };
    assert_ne!(id(&owner), id(&bob));
    assert_no_secret_in(home.path(), &fake.secrets());
}

#[test]
fn providers_list_says_what_to_set_and_apps_set_stores_the_secret_sealed() {
    let home = TestHome::new();
    let mut serve = home.command("pierre-authd");
    serve.arg("serve").env("PIERRE_CALLBACK_PORT", "0");
    let _daemon = home.spawn_daemon_with(serve);
    let out = output_within(home.command("pierre-authd").args(["providers", "--json"]), Duration::from_secs(20));
    assert!(out.status.success());
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let strava = list["providers"].as_array().unwrap().iter().find(|p| p["name"] == "strava").unwrap().clone();
    assert_eq!(strava["configured"], false);
    assert_eq!(strava["missing"], json!(["PIERRE_STRAVA_CLIENT_ID", "PIERRE_STRAVA_CLIENT_SECRET"]));
    assert!(
        strava["how_to_configure"]
            .as_str()
            .unwrap()
            .contains("pierre-authd apps set strava --client-id ID --client-secret-stdin")
    );
    let mut client = home.connect_hello();
    let error = client.call_err("connections.begin", json!({ "provider": "strava" }));
    assert_eq!(error["data"]["code"], "provider_not_configured");
    assert!(error["message"].as_str().unwrap().contains("PIERRE_STRAVA_CLIENT_ID"), "{error}");

    let mut set = home.command("pierre-authd");
    set.args(["apps", "set", "strava", "--client-id", "12345", "--client-secret-stdin"]);
    let mut child = set.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(format!("{CLIENT_SECRET}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("sha256:"), "{text}");
    assert!(!text.contains(CLIENT_SECRET));
    let list = client.call_ok("providers.list", json!({}));
    let strava = list["providers"].as_array().unwrap().iter().find(|p| p["name"] == "strava").unwrap().clone();
    assert_eq!(strava["configured"], true, "{strava}");
    assert_eq!(strava["client_id"], "12345");
    assert_eq!(strava["client_secret_fingerprint"].as_str().unwrap().len(), 8);
    assert!(!list.to_string().contains(CLIENT_SECRET));
    let begun = client.call_ok("connections.begin", json!({ "provider": "strava" }));
    assert!(begun["authorization_url"].as_str().unwrap().contains("client_id=12345"), "{begun}");
    assert_no_secret_in(home.path(), &[CLIENT_SECRET.to_string()]);
}

#[test]
fn login_without_a_provider_connects_synthetic_and_lists_the_rest() {
    let home = TestHome::new();
    let out = output_within(home.command("pierre-authd").arg("login"), Duration::from_secs(30));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("synthetic is already connected"), "{text}");
    assert!(text.contains("PIERRE_STRAVA_CLIENT_ID"), "{text}");
    assert!(text.contains("Fitbit's Web API was switched off"), "{text}");
    assert!(text.contains("pierre-authd apps set whoop"), "{text}");
}

// The strict fake itself: what later OAuth and API tests rely on.

/// A listener on a free port below the kernel's ephemeral range (32768 and up by default), for
/// tests that free a port and expect to bind it again: no `bind(0)` elsewhere in the suite (every
/// daemon's listeners use port 0) can be handed that port in between.
fn low_port() -> std::net::TcpListener {
    let start = 20_000 + u16::try_from(std::process::id() % 6_000).unwrap_or(0);
    (start..32_000)
        .chain(20_000..start)
        .find_map(|p| std::net::TcpListener::bind(("127.0.0.1", p)).ok())
        .expect("no free port from 20000 to 31999")
}

#[test]
fn a_busy_callback_port_does_not_stop_the_daemon_and_begin_says_what_to_do() {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let squatter = low_port();
    let port = squatter.local_addr().unwrap().port().to_string();
    let mut cmd = home.command("pierre-authd");
    cmd.arg("serve");
    provider_env(&mut cmd, "strava", &fake);
    cmd.env("PIERRE_CALLBACK_PORT", &port);
    let _daemon = home.spawn_daemon_with(cmd);
    let mut client = home.connect_hello();
    let status = client.call_ok("daemon.status", json!({}));
    assert!(status["ports"].get("oauth_callback").is_none(), "{status}");
    let error = client.call_err("connections.begin", json!({ "provider": "strava" }));
    assert_eq!(error["data"]["code"], "config_invalid", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&format!("127.0.0.1:{port}")) && message.contains("PIERRE_CALLBACK_PORT"), "{message}");
    // Once the port is free, the next begin binds it.
    drop(squatter);
    let begun = client.call_ok("connections.begin", json!({ "provider": "strava" }));
    assert!(begun["authorization_url"].as_str().unwrap().contains(&format!("127.0.0.1%3A{port}")), "{begun}");
}

#[test]
fn a_configured_redirect_uri_and_callback_port_are_used_as_given() {
    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let port = low_port().local_addr().unwrap().port();
    let redirect = format!("http://localhost:{port}/api/oauth/callback/strava");
    let port_text = port.to_string();
    let (_daemon, bound) = start_daemon(
        &home,
        "strava",
        &fake,
        &[("PIERRE_CALLBACK_PORT", &port_text), ("PIERRE_STRAVA_REDIRECT_URI", &redirect)],
    );
    assert_eq!(bound, port);
    fake.control("config", json!({ "redirect_uri": redirect }));
    let (status, page) = follow(&begin(&home, "strava", None));
    assert_eq!(status, 200, "{page}");
    assert_eq!(account_of(&connections(&home, None), "strava").as_deref(), Some(ALICE_ACCOUNT));
}
