//! One sweep for plaintext secrets after every representative flow (issue 15).
//!
//! The flows: connect Strava against the fake, read through `pierre-mcp`, a forced refresh, a
//! 401 answered by refresh-and-retry, a socket JWT from `pierre-authd token` used by
//! `pierre-mcp`, status/doctor/connections output, and a disconnect; all with `RUST_LOG=debug`
//! so the logs say as much as they ever will. Then every token the fake issued, the client
//! secret, every access token the socket handed out, the JWT and the master key (set with
//! `PIERRE_MASTER_ENCRYPTION_KEY` to a value only this test knows; raw, base64 and hex) are
//! searched for in every file under the home (databases, WAL, logs, the daemon's stdout and
//! stderr) and in every captured stdout and stderr.
//!
//! DESIGN's exceptions, and only those, are allowed: the stdout of `pierre-authd token` (its
//! job is to print the JWT), and the env-supplied key living in the environment (not a file).
//! Sealed values are ciphertext, so they never match.

use crate::common;

use std::process::Command;
use std::time::Duration;

use base64::Engine;
use common::TestHome;
use common::fake::{ALICE_ACCOUNT, FakeProvider, start_daemon};
use serde_json::json;

/// One captured output: what produced it, and its bytes.
struct Captured {
    what: String,
    bytes: Vec<u8>,
}

fn run(cmd: &mut Command, what: &str, log: &mut Vec<Captured>) -> (bool, String) {
    let out = common::output_within(cmd, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    log.push(Captured { what: format!("{what} (stdout)"), bytes: out.stdout });
    log.push(Captured { what: format!("{what} (stderr)"), bytes: out.stderr });
    (out.status.success(), stdout)
}

/// `pierre-authd connect strava --no-browser`, following the URL as a browser would, with
/// every byte it prints captured.
fn connect(home: &TestHome, log: &mut Vec<Captured>) {
    let mut cmd = home.command("pierre-authd");
    cmd.args(["connect", "strava", "--no-browser"]).env("RUST_LOG", "debug");
    let run = common::fake::follow_connect(&mut cmd, common::fake::authorize);
    assert_eq!(run.callback_status, 200, "{}", run.callback_page);
    assert!(run.status.success(), "{}", run.stderr);
    log.push(Captured { what: "callback page".into(), bytes: run.callback_page.into_bytes() });
    log.push(Captured { what: "connect (stdout)".into(), bytes: format!("{}\n{}", run.url, run.stdout).into_bytes() });
    log.push(Captured { what: "connect (stderr)".into(), bytes: run.stderr.into_bytes() });
}

/// Guards every redaction at once: `Secret`'s `Debug`, the request/response `Debug`s, the
/// sealed vault rows, the logs' field choices, the CLI's output, the callback page.
#[test]
fn no_secret_is_left_in_any_file_or_output() {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).unwrap();
    let key_b64 = base64::engine::general_purpose::STANDARD.encode(key);
    let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();

    let home = TestHome::new();
    let fake = FakeProvider::start("strava", &[ALICE_ACCOUNT]);
    let env = [("PIERRE_MASTER_ENCRYPTION_KEY", key_b64.as_str()), ("RUST_LOG", "debug")];
    let (daemon, _) = start_daemon(&home, "strava", &fake, &env);
    fake.control("config", json!({ "authorize_as": ALICE_ACCOUNT }));
    let mut log = Vec::new();
    let mut handed_out: Vec<String> = Vec::new();
    let cmd = |name: &str| {
        let mut c = home.command(name);
        c.env("RUST_LOG", "debug").env("PIERRE_MASTER_ENCRYPTION_KEY", &key_b64);
        c
    };

    connect(&home, &mut log);
    let (ok, _) = run(
        cmd("pierre-mcp").args(["call", "get_activities", "provider=strava", "--json"]),
        "mcp get_activities",
        &mut log,
    );
    assert!(ok);
    // A forced refresh, as a script would ask for it.
    let mut client = home.connect_hello();
    let got = client.call_ok("tokens.get", json!({ "provider": "strava", "force_refresh": true }));
    handed_out.push(got["access_token"].as_str().unwrap().to_owned());
    // A 401: pierre-mcp reports the token, the daemon refreshes once, pierre-mcp retries.
    let before = fake.refreshes();
    fake.control("fault", json!({ "target": "api", "kind": "access_denied", "count": 1 }));
    let (ok, _) =
        run(cmd("pierre-mcp").args(["call", "get_athlete", "provider=strava", "--json"]), "mcp after 401", &mut log);
    assert!(ok);
    assert_eq!(fake.refreshes(), before + 1, "the 401 caused a refresh");
    // A socket JWT, printed by `token` (DESIGN's exception), then used by pierre-mcp.
    let (ok, jwt) = run(cmd("pierre-authd").args(["token", "--ttl", "1h"]), "token", &mut log);
    assert!(ok);
    let jwt = jwt.trim().to_owned();
    assert_eq!(jwt.split('.').count(), 3, "token prints a JWT: {jwt}");
    let token_stdout = log.len() - 2;
    let (ok, _) = run(
        cmd("pierre-mcp").args(["call", "get_connection_status", "--json"]).env("PIERRE_TOKEN", &jwt),
        "mcp with PIERRE_TOKEN",
        &mut log,
    );
    assert!(ok);
    for args in [&["status", "--json"][..], &["doctor", "--json"], &["connections", "--json"]] {
        let _ = run(cmd("pierre-authd").args(args), &format!("pierre-authd {}", args.join(" ")), &mut log);
    }
    let (ok, _) = run(cmd("pierre-authd").args(["disconnect", "strava"]), "disconnect", &mut log);
    assert!(ok);
    let counters = fake.counters();
    assert!(counters["counters"]["revoke"].as_u64().unwrap_or(1) >= 1, "{counters}");

    // Everything to look for.
    let mut secrets: Vec<(String, Vec<u8>)> =
        fake.secrets().into_iter().map(|s| (format!("fake token/secret {}…", &s[..6]), s.into_bytes())).collect();
    assert!(
        secrets.len() >= 5,
        "access and refresh tokens of the connect and two refreshes, and the client secret: {}",
        secrets.len()
    );
    secrets.extend(handed_out.iter().map(|t| ("handed-out access token".to_owned(), t.clone().into_bytes())));
    secrets.push(("socket JWT".into(), jwt.clone().into_bytes()));
    secrets.push(("socket JWT signature".into(), jwt.rsplit('.').next().unwrap().as_bytes().to_vec()));
    secrets.push(("master key (base64)".into(), key_b64.clone().into_bytes()));
    secrets.push(("master key (hex)".into(), key_hex.into_bytes()));
    secrets.push(("master key (raw)".into(), key.to_vec()));

    // Stop the daemon first so its logs are complete, then sweep.
    drop(client);
    assert!(daemon.stop().success());
    let files: Vec<Captured> = common::files::files_under(home.path())
        .into_iter()
        .map(|(path, bytes)| Captured { what: path.display().to_string(), bytes })
        .collect();
    let names: Vec<&str> = files.iter().map(|f| f.what.as_str()).collect();
    assert!(names.iter().any(|n| n.contains("/logs/")), "the logs are swept too: {names:?}");
    assert!(files.iter().any(|f| f.what.ends_with("vault.sqlite3")));

    // Positive control: the search finds a secret where it is allowed to be.
    assert!(
        common::files::contains(&log[token_stdout].bytes, jwt.as_bytes()),
        "the sweep cannot find the JWT in token's stdout"
    );

    eprintln!("files: {names:?}");
    let mut hits = Vec::new();
    for (i, place) in log.iter().enumerate().chain(files.iter().enumerate().map(|(i, f)| (usize::MAX - i, f))) {
        if i == token_stdout {
            continue; // `token` prints the JWT: that is its job
        }
        for (name, secret) in &secrets {
            if common::files::contains(&place.bytes, secret) {
                hits.push(format!("{name} in {}", place.what));
            }
        }
    }
    assert!(hits.is_empty(), "plaintext secrets found:\n{}", hits.join("\n"));
    let swept: usize = files.iter().chain(log.iter()).map(|c| c.bytes.len()).sum();
    eprintln!("swept {} files and {} outputs ({swept} bytes) for {} secrets", files.len(), log.len(), secrets.len());
}
