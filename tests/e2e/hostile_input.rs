//! Property-based fuzzing of the live processes' request handling (issue 15).
//!
//! - the daemon socket: random JSON-RPC-ish lines, each checked against a model of what the
//!   socket API must answer (`parse_error`, `invalid_request` keeping a readable id,
//!   `method_not_found`, `invalid_params` from `deny_unknown_fields`, nothing for a
//!   notification), on one connection that must keep serving;
//! - `pierre-mcp` on stdio: random lines, each followed by a `ping` that must be answered; every
//!   request with an id gets exactly one answer (or rmcp's null-id `Invalid request`), nothing
//!   on stdout is ever anything but a JSON-RPC response;
//! - the OAuth callback listener: random paths and query strings get an error page, never a
//!   crash, and the daemon keeps serving.
//!
//! Unit-level fuzzing lives beside the code: `LineFrames` (`shared/src/framing.rs`), params and
//! id decoding (`shared/src/protocol/`), the callback's query, Host check and page escaping
//! (`pierre-authd/src/oauth/client/callback.rs`), and every provider payload parser
//! (`shared/src/providers/*/`). Random bytes, oversize lines and half-closed connections over
//! time are `soak.rs`.
//!
//! `PIERRE_FUZZ_CASES` sets the number of cases per property (default 500).

use crate::common;

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, ChildStdout, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{DEFAULT_READ_TIMEOUT, TestHome};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

fn cases() -> u32 {
    std::env::var("PIERRE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(500)
}

fn runner() -> TestRunner {
    TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() })
}

fn assert_no_panic(what: &str, text: &str) {
    assert!(!text.contains("panicked"), "{what} panicked:\n{text}");
}

fn logs_have_no_panic(home: &TestHome) {
    if let Ok(entries) = std::fs::read_dir(home.log_dir()) {
        for entry in entries.flatten() {
            assert_no_panic(
                &entry.path().display().to_string(),
                &std::fs::read_to_string(entry.path()).unwrap_or_default(),
            );
        }
    }
}

// ---------------------------------------------------------------- the daemon socket

/// What the daemon must answer to one line.
#[derive(Debug, Clone)]
enum Expect {
    /// `-32700 parse_error`, id null.
    Parse,
    /// `-32600 invalid_request` with this id (null when unreadable).
    Invalid(Value),
    /// `-32601 method_not_found` with this id.
    NoMethod(Value),
    /// `-32602 invalid_params` with this id.
    BadParams(Value),
    /// No answer at all (a well-formed notification).
    Nothing,
}

/// Methods that decode their params with `deny_unknown_fields`.
const PARAM_METHODS: &[&str] = &[
    "users.add",
    "users.remove",
    "users.rename",
    "connections.begin",
    "connections.wait",
    "connections.disconnect",
    "connections.import",
    "tokens.get",
    "usage.report",
    "apps.set",
    "login.approve",
    "auth.resolve",
    "auth.token",
];

fn junk() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn good_id() -> impl Strategy<Value = Value> {
    prop_oneof![any::<i64>().prop_map(|n| json!(n)), "[ -~]{0,12}".prop_map(Value::String)]
}

fn bad_id() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (i64::MAX as u64 + 1..=u64::MAX).prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_filter("not whole", |f| f.fract() != 0.0).prop_map(|f| json!(f)),
        Just(json!([1])),
        Just(json!({"id": 1})),
    ]
}

fn not_object_params() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-z]{0,5}".prop_map(Value::String),
        Just(json!([]))
    ]
}

fn socket_line() -> impl Strategy<Value = (String, Expect)> {
    let req = |id: &Value, method: Value, params: Option<Value>| {
        let mut r = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if let Some(p) = params {
            r["params"] = p;
        }
        r.to_string()
    };
    prop_oneof![
        // Not JSON at all (`#` keeps it from being blank or accidentally valid).
        "#[^\\r\\n]{0,40}".prop_map(|s| (s, Expect::Parse)),
        "\\{[^\\r\\n]{0,20}"
            .prop_filter("invalid", |s| serde_json::from_str::<Value>(s).is_err())
            .prop_map(|s| (s, Expect::Parse)),
        // JSON that is not an object.
        junk()
            .prop_filter("not an object", |v| !v.is_object())
            .prop_map(|v| (v.to_string(), Expect::Invalid(Value::Null))),
        // An id of the wrong type: refused with a null id.
        bad_id().prop_map(move |id| (
            json!({"jsonrpc": "2.0", "id": id, "method": "daemon.status"}).to_string(),
            Expect::Invalid(Value::Null)
        )),
        // Readable id, wrong `jsonrpc`: refused keeping the id.
        (good_id(), junk().prop_filter("not 2.0", |v| v != "2.0")).prop_map(|(id, v)| {
            (json!({"jsonrpc": v, "id": id, "method": "daemon.status"}).to_string(), Expect::Invalid(id))
        }),
        // `method` not a string.
        (good_id(), junk().prop_filter("not a string", |v| !v.is_string()))
            .prop_map(move |(id, m)| (req(&id, m, None), Expect::Invalid(id))),
        // `params` neither an object nor null.
        (good_id(), not_object_params())
            .prop_map(move |(id, p)| (req(&id, json!("daemon.status"), Some(p)), Expect::Invalid(id))),
        // Unknown method.
        (good_id(), "zz\\.[a-z_.]{0,12}").prop_map(move |(id, m)| (req(&id, json!(m), None), Expect::NoMethod(id))),
        // A real method with an unknown member among (maybe) real ones.
        (
            good_id(),
            prop::sample::select(PARAM_METHODS),
            "zz[a-z_]{0,8}",
            junk(),
            proptest::collection::btree_map("zz[a-z]{0,5}|provider|name|target", junk(), 0..3)
        )
            .prop_map(move |(id, m, key, value, mut rest)| {
                rest.insert(key, value);
                let params = Value::Object(rest.into_iter().collect());
                (req(&id, json!(m), Some(params)), Expect::BadParams(id))
            }),
        // A well-formed notification: no answer, whatever its method.
        "zz\\.[a-z]{0,8}|daemon\\.status|users\\.list"
            .prop_map(|m| (json!({"jsonrpc": "2.0", "method": m}).to_string(), Expect::Nothing)),
    ]
}

fn check_socket_answer(answer: &Value, expect: &Expect) -> Result<(), String> {
    let (rpc, code, id) = match expect {
        Expect::Parse => (-32700, "parse_error", &Value::Null),
        Expect::Invalid(id) => (-32600, "invalid_request", id),
        Expect::NoMethod(id) => (-32601, "method_not_found", id),
        Expect::BadParams(id) => (-32602, "invalid_params", id),
        Expect::Nothing => return Err(format!("expected no answer, got {answer}")),
    };
    let e = &answer["error"];
    let ok = answer["jsonrpc"] == "2.0"
        && answer.get("result").is_none()
        && e["code"] == json!(rpc)
        && e["data"]["code"] == code
        && &answer["id"] == id
        && e["message"].as_str().is_some_and(|m| m.len() > 10 && !m.contains('\n'));
    if ok { Ok(()) } else { Err(format!("expected {code} ({rpc}) with id {id}, got {answer}")) }
}

/// Guards `connection.rs::parse` and `methods::parse` (and the survival of a connection after
/// each bad line): every malformed request gets exactly the model's error, a notification
/// gets nothing, and the same connection answers a status request after every case.
#[test]
fn every_malformed_socket_request_gets_the_models_error() {
    let home = TestHome::new();
    let mut daemon = home.spawn_daemon();
    let client = RefCell::new(home.connect_hello());
    let sentinel = RefCell::new(0u64);
    let result = runner().run(&socket_line(), |(line, expect)| {
        let mut client = client.borrow_mut();
        client.send_line(&line).map_err(|e| TestCaseError::fail(format!("send: {e}")))?;
        let mut n = sentinel.borrow_mut();
        *n += 1;
        let id = format!("sentinel-{n}");
        if !matches!(expect, Expect::Nothing) {
            let answer = client.read_json(DEFAULT_READ_TIMEOUT);
            check_socket_answer(&answer, &expect).map_err(|e| TestCaseError::fail(format!("{line}: {e}")))?;
        }
        // The connection still serves, and nothing else was queued before this answer.
        client.send(&json!({"jsonrpc": "2.0", "id": id, "method": "daemon.status"})).unwrap();
        let status = client.read_json(DEFAULT_READ_TIMEOUT);
        prop_assert_eq!(&status["id"], &json!(id), "{} left an extra answer: {}", line, status);
        prop_assert!(status["result"]["pid"].is_u64(), "{}", status);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(daemon.try_wait().is_none(), "the daemon died: {}", daemon.stderr());
    assert_no_panic("pierre-authd", &daemon.stderr());
    logs_have_no_panic(&home);
}

// ---------------------------------------------------------------- pierre-mcp on stdio

/// A `pierre-mcp` stdio session read on a thread, so reads can time out.
struct Mcp {
    child: std::process::Child,
    /// `None` once closed (EOF for the server).
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Mcp {
    fn start(home: &TestHome) -> Mcp {
        let mut child = home
            .command("pierre-mcp")
            // No daemon for these sessions: a tool that needs one fails fast with a tool error.
            .env("PIERRE_AUTHD_BIN", "/nonexistent/pierre-authd")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(home.path().join("mcp.stderr")).unwrap())
            .spawn()
            .expect("cannot start pierre-mcp");
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut mcp = Mcp { stdin: child.stdin.take(), child, lines };
        mcp.write(
            &json!({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}}})
            .to_string(),
        );
        let init = mcp.until_id(&json!("init"), &mut Vec::new());
        assert!(init["result"]["serverInfo"].is_object(), "{init}");
        mcp.write(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        mcp
    }

    fn write(&mut self, line: &str) {
        self.write_raw(format!("{line}\n").as_bytes());
    }

    fn write_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin already closed");
        stdin.write_all(bytes).and_then(|_| stdin.flush()).expect("pierre-mcp closed its stdin");
    }

    /// Reads lines until the answer with `id`; every other line goes to `others`.
    fn until_id(&mut self, id: &Value, others: &mut Vec<Value>) -> Value {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(15))
                .unwrap_or_else(|e| panic!("no answer to {id} from pierre-mcp ({e}); so far: {others:?}"));
            let v: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("pierre-mcp wrote a non-JSON line to stdout ({e}): {line:?}"));
            assert_response_shape(&v);
            if &v["id"] == id {
                return v;
            }
            others.push(v);
        }
    }

    /// Sends `ping` and returns every other line that came before its answer.
    fn ping(&mut self, n: u64) -> Vec<Value> {
        let id = json!(format!("ping-{n}"));
        self.write(&json!({"jsonrpc": "2.0", "id": id, "method": "ping"}).to_string());
        let mut others = Vec::new();
        let pong = self.until_id(&id, &mut others);
        assert_eq!(pong["result"], json!({}), "{pong}");
        others
    }

    fn stderr(home: &TestHome) -> String {
        std::fs::read_to_string(home.path().join("mcp.stderr")).unwrap_or_default()
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every line pierre-mcp writes is one JSON-RPC 2.0 response (or notification) of the right shape.
fn assert_response_shape(v: &Value) {
    assert_eq!(v["jsonrpc"], "2.0", "{v}");
    if v.get("method").is_some() {
        return; // a server notification (logging, progress)
    }
    assert!(v.get("result").is_some() ^ v.get("error").is_some(), "exactly one of result/error: {v}");
    if let Some(e) = v.get("error") {
        assert!(e["code"].is_i64() && e["message"].is_string(), "{v}");
    }
}

/// What pierre-mcp may answer to one line.
#[derive(Debug, Clone)]
enum McpExpect {
    /// Not JSON: ignored (rmcp's choice, modelcontextprotocol/rust-sdk#938: answering garbage
    /// can start an error storm), or at most a null-id error.
    Ignored,
    /// JSON that is no message: one null-id `-32600`.
    Invalid,
    /// A request with this id: exactly one answer with it, or one null-id `-32600` when rmcp
    /// cannot type its params.
    Answer(Value),
    /// A notification: nothing, or at most one null-id error.
    Quiet,
}

const TOOLS: &[&str] =
    &["get_activities", "get_activity", "get_athlete", "get_stats", "get_sleep", "connect_provider", "compare_periods"];

fn mcp_line() -> impl Strategy<Value = (String, McpExpect)> {
    prop_oneof![
        "#[^\\r\\n]{0,40}".prop_map(|s| (s, McpExpect::Ignored)),
        "\\{[^\\r\\n]{0,20}".prop_filter("invalid", |s| serde_json::from_str::<Value>(s).is_err()).prop_map(|s| (s, McpExpect::Ignored)),
        junk().prop_filter("not an object", |v| !v.is_object()).prop_map(|v| (v.to_string(), McpExpect::Invalid)),
        proptest::collection::btree_map("zz[a-z]{0,5}", junk(), 0..3).prop_map(|m| (Value::Object(m.into_iter().collect()).to_string(), McpExpect::Invalid)),
        (good_id(), "zz/[a-z]{0,8}|resources/read|prompts/get|completion/complete|logging/setLevel", prop::option::of(junk()))
            .prop_map(|(id, m, p)| {
                let mut r = json!({"jsonrpc": "2.0", "id": id, "method": m});
                if let Some(p) = p { r["params"] = p; }
                (r.to_string(), McpExpect::Answer(id))
            }),
        (good_id(), prop_oneof![Just("tools/list"), Just("ping")], not_object_params())
            .prop_map(|(id, m, p)| (json!({"jsonrpc": "2.0", "id": id, "method": m, "params": p}).to_string(), McpExpect::Answer(id))),
        (good_id(), prop_oneof![prop::sample::select(TOOLS).prop_map(String::from), "[a-z_]{0,12}"], proptest::collection::btree_map("limit|id|days|provider|format|zz", junk(), 0..3))
            .prop_map(|(id, name, args)| {
                let args = Value::Object(args.into_iter().collect());
                (json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}}).to_string(), McpExpect::Answer(id))
            }),
        ("notifications/[a-z]{0,10}|zz", prop::option::of(junk())).prop_map(|(m, p)| {
            let mut r = json!({"jsonrpc": "2.0", "method": m});
            if let Some(p) = p { r["params"] = p; }
            (r.to_string(), McpExpect::Quiet)
        }),
    ]
}

fn check_mcp(line: &str, expect: &McpExpect, extra: &mut Vec<Value>, mcp: &mut Mcp) -> Result<(), String> {
    let null_errors = extra.iter().filter(|v| v["id"].is_null() && v["error"]["code"] == json!(-32600)).count();
    let unexpected = |extra: &[Value]| format!("{line} -> {extra:?}");
    match expect {
        McpExpect::Ignored | McpExpect::Quiet => {
            if extra.len() > 1 || extra.len() != null_errors {
                return Err(unexpected(extra));
            }
        }
        McpExpect::Invalid => {
            if extra.len() != 1 || null_errors != 1 {
                return Err(unexpected(extra));
            }
        }
        McpExpect::Answer(id) => {
            let mine = extra.iter().filter(|v| &v["id"] == id).count();
            if mine == 0 && null_errors == 0 {
                // A tool call may still be running: its answer comes after the ping's.
                let answer = mcp.until_id(id, extra);
                extra.push(answer);
            }
            let mine = extra.iter().filter(|v| &v["id"] == id).count();
            let null_errors = extra.iter().filter(|v| v["id"].is_null()).count();
            if mine + null_errors != 1 || extra.len() != 1 {
                return Err(unexpected(extra));
            }
        }
    }
    Ok(())
}

/// Guards pierre-mcp's stdio loop (and the rule that nothing but protocol reaches stdout):
/// after every random line the server still answers `ping`, each line got what the model
/// allows, and no answer is ever lost or doubled.
#[test]
fn pierre_mcp_answers_or_ignores_every_line_and_keeps_answering() {
    let home = TestHome::new();
    let mcp = RefCell::new(Mcp::start(&home));
    let n = RefCell::new(0u64);
    let result = runner().run(&mcp_line(), |(line, expect)| {
        let mut mcp = mcp.borrow_mut();
        let mut n = n.borrow_mut();
        *n += 1;
        mcp.write(&line);
        let mut extra = mcp.ping(*n);
        check_mcp(&line, &expect, &mut extra, &mut mcp).map_err(TestCaseError::fail)?;
        Ok(())
    });
    let mut mcp = mcp.into_inner();
    if let Err(e) = result {
        panic!("{e}\n--- stderr ---\n{}", Mcp::stderr(&home));
    }
    assert!(mcp.child.try_wait().unwrap().is_none(), "pierre-mcp exited");
    // Closing stdin ends the session cleanly.
    drop(mcp.stdin.take());
    let mut status = None;
    for _ in 0..250 {
        if let Some(s) = mcp.child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(status.is_some_and(|s| s.success()), "pierre-mcp did not exit cleanly on EOF: {status:?}");
    assert_no_panic("pierre-mcp", &Mcp::stderr(&home));
    logs_have_no_panic(&home);
}

// ---------------------------------------------------------------- the OAuth callback

fn callback_request() -> impl Strategy<Value = (String, String)> {
    let provider = prop_oneof![Just("strava".to_owned()), Just("synthetic".to_owned()), "[a-z%0-9.]{0,12}"];
    let pair = ("state|code|error|error_description|scope|[a-z]{1,6}", "[A-Za-z0-9%+._~-]{0,30}")
        .prop_map(|(k, v)| format!("{k}={v}"));
    (provider, proptest::collection::vec(pair, 0..5), "[A-Za-z0-9=&%+._~-]{0,20}").prop_map(|(p, pairs, raw)| {
        let mut q = pairs.join("&");
        if !raw.is_empty() {
            q.push('&');
            q.push_str(&raw);
        }
        (p, q)
    })
}

/// Guards the callback's refusal paths (no/unknown state, unknown provider, bad escapes): each
/// random callback gets a 4xx page, none is taken for a sign-in, and the daemon keeps serving.
#[test]
fn random_callbacks_get_error_pages_and_connect_nothing() {
    let home = TestHome::new();
    let fake = common::fake::FakeProvider::start("strava", &[common::fake::ALICE_ACCOUNT]);
    let (mut daemon, port) = common::fake::start_daemon(&home, "strava", &fake, &[]);
    let result = runner().run(&callback_request(), |(provider, query)| {
        let url = format!("http://127.0.0.1:{port}/api/oauth/callback/{provider}?{query}");
        let (status, _, body) = common::http::http("GET", &url, None, None);
        prop_assert!((400..500).contains(&status), "{url} answered {status}: {body}");
        prop_assert!(!body.contains("panicked") && !body.contains("Connected to"), "{body}");
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let list = home.connect_hello().call_ok("connections.list", json!({}));
    assert!(list["connections"].as_array().unwrap().iter().all(|c| c["provider"] != "strava"), "{list}");
    assert_eq!(fake.counters()["counters"]["token"].as_u64().unwrap_or(0), 0, "no code was exchanged");
    assert!(daemon.try_wait().is_none(), "{}", daemon.stderr());
    assert_no_panic("pierre-authd", &daemon.stderr());
    logs_have_no_panic(&home);
}
