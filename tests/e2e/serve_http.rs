//! `pierre-mcp serve-http` end to end, over raw HTTP/1.1: the real daemon (authorization server
//! on a free port) and the real server in a temp home. The OAuth dance, two users and the
//! conformance suite are in `tests/clients/test_mcp_http.py`; this file pins the edges a
//! hostile or confused client meets: 401 challenges, Host/Origin refusals, loopback-only binds,
//! and a clean stop on SIGTERM.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{DaemonGuard, TestHome, output_within};
use serde_json::{Value, json};

const START_LIMIT: Duration = Duration::from_secs(20);
const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#;

/// The daemon plus `serve-http --bind 127.0.0.1:0`, stopped on drop.
struct Stack {
    home: TestHome,
    _daemon: DaemonGuard,
    server: Option<Child>,
    log: PathBuf,
    port: u16,
    as_port: u16,
}

impl Stack {
    fn start() -> Stack {
        let home = TestHome::new();
        let mut cmd = home.command("pierre-authd");
        cmd.arg("serve").env("PIERRE_AS_PORT", "0").env("PIERRE_CALLBACK_PORT", "0");
        let daemon = home.spawn_daemon_with(cmd);
        let status = home.connect_hello().call_ok("daemon.status", json!({}));
        let as_port = status["ports"]["authorization_server"].as_u64().expect("an authorization_server port") as u16;
        let log = home.path().join("serve-http.log");
        let out = std::fs::File::create(&log).unwrap();
        let server = home
            .command("pierre-mcp")
            .args(["serve-http", "--bind", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("pierre-mcp runs");
        let mut stack = Stack { home, _daemon: daemon, server: Some(server), log, port: 0, as_port };
        let deadline = Instant::now() + START_LIMIT;
        while stack.port == 0 {
            let text = std::fs::read_to_string(&stack.log).unwrap_or_default();
            if let Some(rest) = text.split("serving MCP at http://127.0.0.1:").nth(1) {
                stack.port = rest.split('/').next().unwrap().parse().unwrap();
            } else if Instant::now() > deadline {
                panic!("serve-http did not start: {text}");
            } else if let Some(status) = stack.server.as_mut().unwrap().try_wait().unwrap() {
                panic!("serve-http exited ({status}): {text}");
            } else {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        stack
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            head.push_str(&format!("Host: 127.0.0.1:{}\r\n", self.port));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        stream.write_all(format!("{head}\r\n{body}").as_bytes()).unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines.next().unwrap_or_default().split_whitespace().nth(1).unwrap_or("0").parse().unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Reply { status, headers, body: body.to_string() }
    }

    fn post_mcp(&self, extra: &[(&str, &str)]) -> Reply {
        let mut headers = vec![("Accept", "application/json, text/event-stream"), ("Content-Type", "application/json")];
        headers.extend_from_slice(extra);
        self.request("POST", "/mcp", &headers, INIT)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Asserts a 401 whose challenge names the metadata; `error` = whether a token was sent.
fn assert_challenge(stack: &Stack, reply: &Reply, error: bool) {
    assert_eq!(reply.status, 401, "{}", reply.body);
    let challenge = reply.header("www-authenticate").expect("WWW-Authenticate on a 401");
    let metadata =
        format!("resource_metadata=\"http://127.0.0.1:{}/.well-known/oauth-protected-resource/mcp\"", stack.port);
    assert!(challenge.starts_with("Bearer ") && challenge.contains(&metadata), "{challenge}");
    assert_eq!(challenge.contains("error=\"invalid_token\""), error, "{challenge}");
}

#[test]
fn metadata_names_the_authorization_server_and_bad_tokens_get_challenges() {
    let stack = Stack::start();
    for path in ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"] {
        let reply = stack.request("GET", path, &[], "");
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        let prm: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(prm["resource"], stack.url());
        assert_eq!(prm["authorization_servers"], json!([format!("http://127.0.0.1:{}", stack.as_port)]));
    }
    assert_challenge(&stack, &stack.post_mcp(&[]), false);
    assert_challenge(&stack, &stack.post_mcp(&[("Authorization", "Bearer not.a.jwt")]), true);
    assert_challenge(&stack, &stack.post_mcp(&[("Authorization", "Basic dXNlcjpwYXNz")]), false);
    // A socket token (audience urn:pierre:authd) is for the socket, not for this server.
    let minted = stack.home.connect_hello().call_ok("auth.token", json!({ "ttl_secs": 600 }));
    let socket_token = minted["token"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {socket_token}");
    assert_challenge(&stack, &stack.post_mcp(&[("Authorization", &bearer)]), true);
    // An expired one.
    let minted = stack.home.connect_hello().call_ok("auth.token", json!({ "ttl_secs": 1 }));
    std::thread::sleep(Duration::from_millis(2100));
    let bearer = format!("Bearer {}", minted["token"].as_str().unwrap());
    assert_challenge(&stack, &stack.post_mcp(&[("Authorization", &bearer)]), true);
    assert!(!stack.log_text().contains(&socket_token), "a token reached serve-http's log");
}

#[test]
fn foreign_host_and_origin_are_refused_before_authentication() {
    let stack = Stack::start();
    assert_eq!(stack.post_mcp(&[("Host", "evil.example.com")]).status, 403);
    assert_eq!(stack.post_mcp(&[("Origin", "http://evil.example.com")]).status, 403);
    let prm = stack.request("GET", "/.well-known/oauth-protected-resource", &[("Host", "attacker.test:80")], "");
    assert_eq!(prm.status, 403);
    // Loopback names and origins pass (then meet authentication).
    let host = format!("localhost:{}", stack.port);
    let origin = format!("http://localhost:{}", stack.port);
    assert_eq!(stack.post_mcp(&[("Host", &host), ("Origin", &origin)]).status, 401);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut stack = Stack::start();
    let mut child = stack.server.take().unwrap();
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve-http ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}: {}", stack.log_text());
    assert!(stack.log_text().contains("HTTP server stopped"), "{}", stack.log_text());
}

#[test]
fn non_loopback_binds_are_refused() {
    let home = TestHome::new();
    for bind in ["0.0.0.0:0", "192.0.2.7:8090", "[::]:0"] {
        let out = output_within(home.command("pierre-mcp").args(["serve-http", "--bind", bind]), START_LIMIT);
        assert!(!out.status.success(), "{bind} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("binds a loopback address only") && stderr.contains("--bind 127.0.0.1:"), "{stderr}");
    }
}
