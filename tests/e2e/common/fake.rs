//! The strict fake provider (`fake-provider`, this package's own binary) as
//! the e2e tests drive it: started on a free loopback port with test app
//! credentials and accounts, controlled through `/__fake/`, killed on drop;
//! and the daemon environment that points a provider at it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use super::http::http;

/// The app credentials the fake expects.
pub const CLIENT_ID: &str = "pierre-test-client";
pub const CLIENT_SECRET: &str = "pierre-test-secret-5f1c9a";
pub const ALICE_ACCOUNT: &str = "134815";
pub const BOB_ACCOUNT: &str = "220001";

/// A running fake provider, killed on drop.
pub struct FakeProvider {
    child: Child,
    /// `http://127.0.0.1:<port>`, as the fake printed it.
    pub base: String,
    /// The provider it plays.
    pub provider: String,
}

impl FakeProvider {
    pub fn start(provider: &str, accounts: &[&str]) -> FakeProvider {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fake-provider"));
        cmd.args([
            "--bind",
            "127.0.0.1:0",
            "--provider",
            provider,
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
        ]);
        for account in accounts {
            cmd.args(["--account", account]);
        }
        let mut child =
            cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("cannot start fake-provider");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("fake-provider printed nothing");
        let base = line.trim().to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "fake-provider's first line: {base:?}");
        FakeProvider { child, base, provider: provider.to_string() }
    }

    pub fn control(&self, what: &str, body: Value) {
        let (status, _, text) = http("POST", &format!("{}/__fake/{what}", self.base), None, Some(&body.to_string()));
        assert!(status < 300, "/__fake/{what} answered {status}: {text}");
    }

    pub fn counters(&self) -> Value {
        let (_, _, text) = http("GET", &format!("{}/__fake/counters", self.base), None, None);
        serde_json::from_str(&text).unwrap()
    }

    /// Every token the fake issued, and the client secret.
    pub fn secrets(&self) -> Vec<String> {
        let (_, _, text) = http("GET", &format!("{}/__fake/tokens", self.base), None, None);
        let v: Value = serde_json::from_str(&text).unwrap();
        let mut out: Vec<String> = ["access", "refresh"]
            .iter()
            .flat_map(|k| v[k].as_array().cloned().unwrap_or_default())
            .map(|t| t["token"].as_str().unwrap().to_string())
            .collect();
        out.push(v["client_secret"].as_str().unwrap().to_string());
        out
    }

    /// Refresh-token grants the fake has answered.
    pub fn refreshes(&self) -> u64 {
        self.counters()["counters"]["refresh"].as_u64().unwrap()
    }

    /// Requests the fake refused for `reason` (e.g. `invalid_client`).
    pub fn refused(&self, reason: &str) -> u64 {
        self.counters()["counters"]["refused"][reason].as_u64().unwrap_or(0)
    }

    /// Makes the next `count` refresh grants fail with `kind` (500, invalid_grant, ...).
    pub fn fault(&self, kind: &str, count: usize) {
        self.control("fault", json!({ "target": "refresh", "kind": kind, "count": count }));
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The daemon's environment for `provider` played by `fake`.
pub fn provider_env(cmd: &mut Command, provider: &str, fake: &FakeProvider) {
    let p = provider.to_ascii_uppercase();
    let api = if provider == "strava" { format!("{}/api/v3", fake.base) } else { format!("{}/api", fake.base) };
    cmd.env(format!("PIERRE_{p}_CLIENT_ID"), CLIENT_ID)
        .env(format!("PIERRE_{p}_CLIENT_SECRET"), CLIENT_SECRET)
        .env(format!("PIERRE_{p}_AUTH_URL"), format!("{}/oauth/authorize", fake.base))
        .env(format!("PIERRE_{p}_TOKEN_URL"), format!("{}/oauth/token", fake.base))
        .env(format!("PIERRE_{p}_REVOKE_URL"), format!("{}/oauth/revoke", fake.base))
        .env(format!("PIERRE_{p}_API_BASE"), api)
        .env("PIERRE_CALLBACK_PORT", "0");
}

/// Starts the daemon for `provider` and registers its callback with the fake.
pub fn start_daemon(
    home: &super::TestHome,
    provider: &str,
    fake: &FakeProvider,
    extra: &[(&str, &str)],
) -> (super::DaemonGuard, u16) {
    let mut cmd = home.command("pierre-authd");
    cmd.arg("serve");
    provider_env(&mut cmd, provider, fake);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let guard = home.spawn_daemon_with(cmd);
    let status = home.connect_hello().call_ok("daemon.status", json!({}));
    let port = status["ports"]["oauth_callback"].as_u64().expect("status reports the callback port") as u16;
    assert_ne!(port, 0);
    fake.control("config", json!({ "redirect_uri": format!("http://127.0.0.1:{port}/api/oauth/callback/{provider}") }));
    (guard, port)
}

/// What one `connect --no-browser` run printed and how its callback went.
pub struct ConnectRun {
    pub status: std::process::ExitStatus,
    /// The authorize URL (the first line of stdout).
    pub url: String,
    /// The rest of stdout.
    pub stdout: String,
    pub stderr: String,
    /// The callback page the browser would show.
    pub callback_status: u16,
    pub callback_page: String,
}

/// GETs a provider's authorize URL and returns where it redirects (the
/// daemon's callback), as a browser would follow it.
pub fn authorize(url: &str) -> String {
    let (status, headers, page) = http("GET", url, None, None);
    assert_eq!(status, 302, "authorize answered {status}: {page}");
    headers
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v)
        .expect("the authorize redirect has no Location")
}

/// Runs a `connect ... --no-browser` command: reads the URL it prints,
/// gets the callback from `authorize` (tests pick the account there),
/// opens it, and waits for the command (stdout stays open until it exits:
/// it prints more after the URL).
pub fn follow_connect(cmd: &mut Command, authorize: impl FnOnce(&str) -> String) -> ConnectRun {
    use std::io::{BufRead as _, Read as _};
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run pierre-authd connect");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let location = authorize(url.trim());
    let (callback_status, _, callback_page) = http("GET", &location, None, None);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    ConnectRun {
        status: out.status,
        url: url.trim().to_owned(),
        stdout: rest,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        callback_status,
        callback_page,
    }
}

/// `pierre-authd connect <provider> --no-browser` for `user` (the owner when
/// `None`, added first when missing, since `--user` must name an existing
/// user), the fake approving the account it was told to (`authorize_as`).
pub fn connect(home: &super::TestHome, provider: &str, user: Option<&str>) {
    if let Some(user) = user {
        ensure_user(home, user);
    }
    let mut cmd = home.command("pierre-authd");
    cmd.args(["connect", provider, "--no-browser"]);
    if let Some(user) = user {
        cmd.args(["--user", user]);
    }
    let run = follow_connect(&mut cmd, authorize);
    assert_eq!(run.callback_status, 200, "the callback answered: {}", run.callback_page);
    assert!(run.status.success(), "connect {provider} failed: {}", run.stderr);
}

/// `pierre-authd users add NAME`, accepting a user that already exists.
pub fn ensure_user(home: &super::TestHome, name: &str) {
    let out = super::output_within(
        home.command("pierre-authd").args(["users", "add", name]),
        std::time::Duration::from_secs(30),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() || err.contains("already exists"), "users add {name}: {err}");
}
