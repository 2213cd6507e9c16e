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
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start fake-provider");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("fake-provider printed nothing");
        let base = line.trim().to_string();
        assert!(
            base.starts_with("http://127.0.0.1:"),
            "fake-provider's first line: {base:?}"
        );
        FakeProvider { child, base, provider: provider.to_string() }
    }

    pub fn control(&self, what: &str, body: Value) {
        let (status, _, text) = http(
            "POST",
            &format!("{}/__fake/{what}", self.base),
            None,
            Some(&body.to_string()),
        );
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
    let api = if provider == "strava" {
        format!("{}/api/v3", fake.base)
    } else {
        format!("{}/api", fake.base)
    };
    cmd.env(format!("PIERRE_{p}_CLIENT_ID"), CLIENT_ID)
        .env(format!("PIERRE_{p}_CLIENT_SECRET"), CLIENT_SECRET)
        .env(
            format!("PIERRE_{p}_AUTH_URL"),
            format!("{}/oauth/authorize", fake.base),
        )
        .env(
            format!("PIERRE_{p}_TOKEN_URL"),
            format!("{}/oauth/token", fake.base),
        )
        .env(
            format!("PIERRE_{p}_REVOKE_URL"),
            format!("{}/oauth/revoke", fake.base),
        )
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
    let port = status["ports"]["oauth_callback"]
        .as_u64()
        .expect("status reports the callback port") as u16;
    assert_ne!(port, 0);
    fake.control(
        "config",
        json!({ "redirect_uri": format!("http://127.0.0.1:{port}/api/oauth/callback/{provider}") }),
    );
    (guard, port)
}

/// `pierre-authd connect <provider> --no-browser` for `user` (the owner when
/// `None`), following the printed URL as a browser would: the fake approves
/// the account it was told to (`authorize_as`) and redirects to the callback.
pub fn connect(home: &super::TestHome, provider: &str, user: Option<&str>) {
    use std::io::BufRead as _;
    let mut cmd = home.command("pierre-authd");
    cmd.args(["connect", provider, "--no-browser"]);
    if let Some(user) = user {
        cmd.args(["--user", user]);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run pierre-authd connect");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let (status, headers, page) = http("GET", url.trim(), None, None);
    assert_eq!(status, 302, "authorize answered {status}: {page}");
    let location = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.clone())
        .expect("the authorize redirect has no Location");
    let (status, _, page) = http("GET", &location, None, None);
    assert_eq!(status, 200, "the callback answered {status}: {page}");
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "connect {provider} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
