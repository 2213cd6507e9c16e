//! The incident this project exists for, scripted: a coaching app kept
//! Garmin tokens in one shared directory with a process-wide cache, so user
//! B saw user A's activities after A disconnected and B connected.
//!
//! Here the strict fake tags every record's name with the account whose
//! token fetched it (`tag_names`), and each test checks every tag a user
//! gets back against the account that user connected. Run for Pierre users
//! named by `PIERRE_USER`, for JWT users (`PIERRE_TOKEN`), across a
//! long-lived pierre-mcp process, and under churn (100 users at once).

use crate::common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::TestHome;
use common::fake::{FakeProvider, authorize, follow_connect, start_daemon};
use common::http::http;
use serde_json::{Value, json};

const NOW: &str = "2026-11-22T20:00:00+01:00";
const ACCOUNT_A: &str = "134815";
const ACCOUNT_B: &str = "220001";
const ACCOUNT_A2: &str = "134816";
const CLI_TIMEOUT: Duration = Duration::from_secs(60);

/// A fake Strava with name tags on, its daemon, and a home.
struct World {
    fake: FakeProvider,
    home: TestHome,
    _daemon: common::DaemonGuard,
    /// Held while a connect's authorize request picks its account.
    authorize: Mutex<()>,
}

fn world(accounts: &[String]) -> World {
    let home = TestHome::new();
    let refs: Vec<&str> = accounts.iter().map(String::as_str).collect();
    let fake = FakeProvider::start("strava", &refs);
    let (daemon, _) = start_daemon(&home, "strava", &fake, &[]);
    fake.control("config", json!({ "tag_names": true }));
    World { fake, home, _daemon: daemon, authorize: Mutex::new(()) }
}

fn run_ok(cmd: &mut Command) -> String {
    let out = common::output_within(cmd, CLI_TIMEOUT);
    assert!(
        out.status.success(),
        "{:?} failed: {}{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn add_user(w: &World, name: &str) {
    run_ok(w.home.command("pierre-authd").args(["users", "add", name]));
}

/// `connect strava --user USER`, the fake approving `account`. Only the
/// authorize request (where the fake picks the account) is serialised.
fn connect(w: &World, user: &str, account: &str) {
    let mut cmd = w.home.command("pierre-authd");
    cmd.args(["connect", "strava", "--no-browser", "--user", user]);
    let run = follow_connect(&mut cmd, |url| {
        let _turn = w.authorize.lock().unwrap_or_else(|e| e.into_inner());
        w.fake.control("config", json!({ "authorize_as": account }));
        authorize(url)
    });
    assert_eq!(run.callback_status, 200, "{}", run.callback_page);
    assert!(run.status.success(), "{}", run.stderr);
}

fn disconnect(w: &World, user: &str) {
    run_ok(w.home.command("pierre-authd").args(["disconnect", "strava", "--user", user]));
}

/// How pierre-mcp is told who it acts for.
#[derive(Clone)]
enum Who {
    Named(String),
    Jwt(String),
}

fn mcp(w: &World, who: &Who) -> Command {
    let mut cmd = w.home.command("pierre-mcp");
    cmd.env("PIERRE_SYNTHETIC_NOW", NOW);
    match who {
        Who::Named(user) => cmd.env("PIERRE_USER", user),
        Who::Jwt(token) => cmd.env("PIERRE_TOKEN", token),
    };
    cmd
}

/// The account tags of every activity the user reads, or the tool error.
fn read_tags(w: &World, who: &Who) -> Result<Vec<String>, String> {
    let mut cmd = mcp(w, who);
    cmd.args(["call", "get_activities", "provider=strava", "limit=50", "--json"]);
    let out = common::output_within(&mut cmd, CLI_TIMEOUT);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)));
    }
    let v: Value = serde_json::from_str(stdout.trim()).unwrap();
    Ok(tags_of(&v))
}

/// The `[account]` suffixes of every activity name in a get_activities result.
fn tags_of(result: &Value) -> Vec<String> {
    let activities = result["activities"].as_array().expect("activities");
    assert!(!activities.is_empty(), "no activities: {result}");
    activities
        .iter()
        .map(|a| {
            let name = a["name"].as_str().unwrap();
            let (_, tag) = name.rsplit_once(" [").unwrap_or_else(|| panic!("untagged: {name}"));
            tag.trim_end_matches(']').to_owned()
        })
        .collect()
}

fn assert_only(tags: &[String], account: &str, who: &str) {
    let foreign: Vec<&String> = tags.iter().filter(|t| *t != account).collect();
    assert!(foreign.is_empty(), "{who} saw foreign data: {foreign:?}");
}

/// The tokens the fake issued to `account`.
fn tokens_of(fake: &FakeProvider, account: &str) -> Vec<String> {
    let (_, _, text) = http("GET", &format!("{}/__fake/tokens", fake.base), None, None);
    let v: Value = serde_json::from_str(&text).unwrap();
    ["access", "refresh"]
        .iter()
        .flat_map(|k| v[k].as_array().cloned().unwrap_or_default())
        .filter(|t| t["account"] == account)
        .map(|t| t["token"].as_str().unwrap().to_owned())
        .collect()
}

fn user_dir(w: &World, name: &str) -> std::path::PathBuf {
    let users = w.home.connect_hello().call_ok("users.list", json!({}));
    let id = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == name)
        .map(|u| u["user_id"].as_str().unwrap().to_owned())
        .unwrap();
    w.home.path().join("data/users").join(id)
}

/// The five steps of the incident, for two users identified by `a`/`b`.
fn five_steps(w: &World, a: &Who, b: &Who) {
    // 1. A connects; 2. A reads only A's data.
    connect(w, "alice", ACCOUNT_A);
    assert_only(&read_tags(w, a).unwrap(), ACCOUNT_A, "alice");
    // 3. A disconnects (revoked at the fake, tokens gone) and reconnects.
    let revokes = w.fake.counters()["counters"]["revoke"].as_u64().unwrap();
    disconnect(w, "alice");
    assert_eq!(w.fake.counters()["counters"]["revoke"].as_u64().unwrap(), revokes + 1);
    let e = read_tags(w, a).unwrap_err();
    assert!(e.contains("no strava connection"), "{e}");
    connect(w, "alice", ACCOUNT_A);
    // 4. B connects another account; 5. each reads only their own.
    connect(w, "bob", ACCOUNT_B);
    assert_only(&read_tags(w, a).unwrap(), ACCOUNT_A, "alice");
    assert_only(&read_tags(w, b).unwrap(), ACCOUNT_B, "bob");
    // A disconnected while B is connected: a clear error for A, B untouched.
    disconnect(w, "alice");
    let e = read_tags(w, a).unwrap_err();
    assert!(e.contains("no strava connection") && !e.contains(ACCOUNT_B), "{e}");
    assert_only(&read_tags(w, b).unwrap(), ACCOUNT_B, "bob");
    // Nothing of B's under A's directory.
    let bob_secrets = tokens_of(&w.fake, ACCOUNT_B);
    assert!(!bob_secrets.is_empty());
    for (path, bytes) in common::files::files_under(&user_dir(w, "alice")) {
        for secret in &bob_secrets {
            assert!(!common::files::contains(&bytes, secret.as_bytes()), "a token of bob's is in {}", path.display());
        }
        assert!(!common::files::contains(&bytes, ACCOUNT_B.as_bytes()), "bob's account id is in {}", path.display());
    }
}

#[test]
fn pierre_users_named_in_one_daemon_never_see_each_other() {
    let w = world(&[ACCOUNT_A.into(), ACCOUNT_B.into()]);
    add_user(&w, "alice");
    add_user(&w, "bob");
    five_steps(&w, &Who::Named("alice".into()), &Who::Named("bob".into()));
}

#[test]
fn jwt_users_in_one_daemon_never_see_each_other() {
    let w = world(&[ACCOUNT_A.into(), ACCOUNT_B.into()]);
    add_user(&w, "alice");
    add_user(&w, "bob");
    let token = |user: &str| run_ok(w.home.command("pierre-authd").args(["token", "--user", user])).trim().to_owned();
    let (a, b) = (Who::Jwt(token("alice")), Who::Jwt(token("bob")));
    five_steps(&w, &a, &b);
    // A token names its user: alice's token with PIERRE_USER=bob is refused.
    let Who::Jwt(alice_token) = &a else { unreachable!() };
    let mut cmd = w.home.command("pierre-mcp");
    cmd.env("PIERRE_TOKEN", alice_token).env("PIERRE_USER", "bob").args([
        "call",
        "get_activities",
        "provider=strava",
        "--json",
    ]);
    let out = common::output_within(&mut cmd, CLI_TIMEOUT);
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains(ACCOUNT_B));
}

/// A stdio MCP session, driven line by line.
struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Session {
    fn start(mut cmd: Command) -> Session {
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut s = Session {
            stdin: child.stdin.take().unwrap(),
            stdout: BufReader::new(child.stdout.take().unwrap()),
            child,
            next_id: 1,
        };
        s.request(
            "initialize",
            json!({ "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "isolation", "version": "1" } }),
        );
        writeln!(s.stdin, "{}", json!({ "jsonrpc": "2.0", "method": "notifications/initialized" })).unwrap();
        s
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        writeln!(self.stdin, "{}", json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })).unwrap();
        loop {
            let mut line = String::new();
            assert!(self.stdout.read_line(&mut line).unwrap() > 0, "pierre-mcp closed stdout");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["id"] == id {
                return v;
            }
        }
    }

    /// Tags of get_activities, or the tool error's text.
    fn tags(&mut self) -> Result<Vec<String>, String> {
        let v = self.request(
            "tools/call",
            json!({ "name": "get_activities", "arguments": { "provider": "strava", "limit": 50 } }),
        );
        let result = &v["result"];
        if result["isError"] == true {
            return Err(result["content"][0]["text"].as_str().unwrap_or_default().to_owned());
        }
        Ok(tags_of(&result["structuredContent"]))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One pierre-mcp process lives through A's disconnect and a reconnect to
/// another account: its answer cache never serves the old connection.
#[test]
fn a_long_lived_server_never_serves_an_old_connection() {
    let w = world(&[ACCOUNT_A.into(), ACCOUNT_A2.into()]);
    add_user(&w, "alice");
    connect(&w, "alice", ACCOUNT_A);
    let mut s = Session::start(mcp(&w, &Who::Named("alice".into())));
    assert_only(&s.tags().unwrap(), ACCOUNT_A, "alice");
    assert_only(&s.tags().unwrap(), ACCOUNT_A, "alice (cached)");
    disconnect(&w, "alice");
    let e = s.tags().unwrap_err();
    assert!(e.contains("no strava connection"), "{e}");
    connect(&w, "alice", ACCOUNT_A2);
    assert_only(&s.tags().unwrap(), ACCOUNT_A2, "alice after reconnecting");
}

/// 100 users connecting, reading, disconnecting and reconnecting at once,
/// for a bounded time: no user ever reads another's data.
#[test]
fn churn_of_100_users_never_crosses_data() {
    const USERS: usize = 100;
    const WORKERS: usize = 8;
    const FOR: Duration = Duration::from_secs(20);
    let accounts: Vec<String> = (0..USERS).map(|i| (300_000 + i).to_string()).collect();
    let w = world(&accounts);
    for i in 0..USERS {
        add_user(&w, &format!("u{i}"));
    }
    let started = Instant::now();
    let reads: Mutex<Vec<Duration>> = Mutex::new(Vec::new());
    let foreign = Mutex::new(HashMap::<String, Vec<String>>::new());
    let cycles = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for worker in 0..WORKERS {
            let (w, reads, foreign, cycles, accounts) = (&w, &reads, &foreign, &cycles, &accounts);
            scope.spawn(move || {
                let mut round = 0;
                while started.elapsed() < FOR {
                    // Each worker owns the users i ≡ worker (mod WORKERS).
                    for i in (worker..USERS).step_by(WORKERS) {
                        if started.elapsed() >= FOR && round > 0 {
                            break;
                        }
                        let user = format!("u{i}");
                        let who = Who::Named(user.clone());
                        connect(w, &user, &accounts[i]);
                        let t = Instant::now();
                        let tags = read_tags(w, &who).unwrap();
                        reads.lock().unwrap().push(t.elapsed());
                        let bad: Vec<String> = tags.into_iter().filter(|t| *t != accounts[i]).collect();
                        if !bad.is_empty() {
                            foreign.lock().unwrap().insert(user.clone(), bad);
                        }
                        disconnect(w, &user);
                        assert!(read_tags(w, &who).is_err(), "{user} read after disconnecting");
                        *cycles.lock().unwrap() += 1;
                    }
                    round += 1;
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let mut reads = reads.into_inner().unwrap();
    reads.sort();
    let p = |q: f64| reads[((reads.len() as f64 - 1.0) * q).round() as usize];
    let cycles = cycles.into_inner().unwrap();
    println!(
        "churn: {USERS} users, {WORKERS} workers, {cycles} connect-read-disconnect cycles in {:.1} s ({:.1} cycles/s); read via pierre-mcp p50 {:?} p99 {:?}",
        elapsed.as_secs_f64(),
        cycles as f64 / elapsed.as_secs_f64(),
        p(0.5),
        p(0.99)
    );
    let foreign = foreign.into_inner().unwrap();
    assert!(foreign.is_empty(), "foreign tags: {foreign:?}");
    assert!(cycles >= USERS, "every user went through at least one cycle ({cycles})");
}

/// One OS account's own Pierre: its copies of the binaries, its home, its daemon.
struct OsUser {
    account: common::UnprivUser,
    authd: std::path::PathBuf,
    mcp: std::path::PathBuf,
    probe: std::path::PathBuf,
    home: std::path::PathBuf,
    daemon: Child,
}

impl OsUser {
    fn start(name: &str, fake: &FakeProvider) -> OsUser {
        let account = common::require_unprivileged_user_named(name);
        let authd = account.copy_binary(&common::bin("pierre-authd"));
        let mcp = account.copy_binary(&common::bin("pierre-mcp"));
        let probe = account.copy_binary(&common::bin("socket-probe"));
        let home = account.private_dir();
        let mut cmd = account.command(&authd);
        cmd.arg("serve").env("PIERRE_HOME", &home);
        common::fake::provider_env(&mut cmd, "strava", fake);
        let daemon = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        common::wait_for_socket(&home.join("run/authd.sock"), Duration::from_secs(15))
            .unwrap_or_else(|e| panic!("{name}'s daemon: {e}"));
        OsUser { account, authd, mcp, probe, home, daemon }
    }

    fn cmd(&self, program: &std::path::Path) -> Command {
        let mut cmd = self.account.command(program);
        cmd.env("PIERRE_HOME", &self.home).env("PIERRE_SYNTHETIC_NOW", NOW);
        cmd
    }

    /// Connects Strava as this account, the fake approving `account`.
    fn connect(&self, fake: &FakeProvider, account: &str) {
        let status: Value = serde_json::from_str(&run_ok(self.cmd(&self.authd).args(["status", "--json"]))).unwrap();
        let port = status["ports"]["oauth_callback"].as_u64().expect("callback port");
        fake.control(
            "config",
            json!({ "authorize_as": account, "redirect_uri": format!("http://127.0.0.1:{port}/api/oauth/callback/strava") }),
        );
        let run = follow_connect(self.cmd(&self.authd).args(["connect", "strava", "--no-browser"]), authorize);
        assert_eq!(run.callback_status, 200, "{}", run.callback_page);
        assert!(run.status.success(), "{}", run.stderr);
    }

    fn tags(&self) -> Vec<String> {
        let out = run_ok(self.cmd(&self.mcp).args(["call", "get_activities", "provider=strava", "--json"]));
        tags_of(&serde_json::from_str(out.trim()).unwrap())
    }
}

impl Drop for OsUser {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// Two OS accounts, each with its own daemon and home: each reads only its
/// own data, and neither can reach the other's socket, files or key.
#[test]
fn os_users_with_their_own_daemons_cannot_reach_each_other() {
    let fake = FakeProvider::start("strava", &[ACCOUNT_A, ACCOUNT_B]);
    fake.control("config", json!({ "tag_names": true }));
    let a = OsUser::start("pierre-test-alice", &fake);
    let b = OsUser::start("pierre-test-bob", &fake);
    a.connect(&fake, ACCOUNT_A);
    b.connect(&fake, ACCOUNT_B);
    assert_only(&a.tags(), ACCOUNT_A, "alice");
    assert_only(&b.tags(), ACCOUNT_B, "bob");

    // Positive control: alice reaches her own socket.
    let own = common::output_within(a.cmd(&a.probe).arg(a.home.join("run/authd.sock")), CLI_TIMEOUT);
    assert!(String::from_utf8_lossy(&own.stdout).contains("\"user_id\""), "alice's own socket");
    // Alice against bob's socket, files and key: refused, nothing of bob's shown.
    let probe = common::output_within(a.cmd(&a.probe).arg(b.home.join("run/authd.sock")), CLI_TIMEOUT);
    let said = format!("{}{}", String::from_utf8_lossy(&probe.stdout), String::from_utf8_lossy(&probe.stderr));
    assert!(!said.contains("user_id") && !said.contains(ACCOUNT_B), "bob's socket answered alice: {said}");
    for file in ["data/authd.sqlite3", "data/vault.key", "run/authd.sock"] {
        let out = common::output_within(a.cmd(std::path::Path::new("/bin/cat")).arg(b.home.join(file)), CLI_TIMEOUT);
        assert!(!out.status.success(), "alice read bob's {file}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Permission denied"),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut steal = a.cmd(&a.mcp);
    steal.env("PIERRE_HOME", &b.home).args(["call", "get_activities", "provider=strava", "--json"]);
    let out = common::output_within(&mut steal, CLI_TIMEOUT);
    assert!(!out.status.success(), "alice's pierre-mcp read bob's home");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(ACCOUNT_B));
    // And after all that, bob still reads his own.
    assert_only(&b.tags(), ACCOUNT_B, "bob");
}
