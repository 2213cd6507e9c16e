//! pierre-authd's authorization server and socket JWT users, end to end: the real binary in a
//! temp home, spoken to over raw HTTP/1.1 and the socket, the way an attacker or a confused
//! client would.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{DaemonGuard, RpcClient, TestHome, output_within};
use serde_json::{Value, json};

/// RFC 7636 Appendix B: a verifier and its S256 challenge (the root package has no SHA-256).
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "http://127.0.0.1:9/callback";
const RESOURCE: &str = "http://127.0.0.1:7777/mcp";
const CLI_TIMEOUT: Duration = Duration::from_secs(20);

/// A daemon with the authorization server on a free port.
struct Server {
    home: TestHome,
    daemon: DaemonGuard,
    port: u16,
}

impl Server {
    fn start() -> Server {
        Self::start_with(&[])
    }

    fn start_with(env: &[(&str, &str)]) -> Server {
        let home = TestHome::new();
        let mut cmd = home.command("pierre-authd");
        cmd.arg("serve").env("PIERRE_AS_PORT", "0").env("PIERRE_CALLBACK_PORT", "0");
        for (name, value) in env {
            cmd.env(name, value);
        }
        let daemon = home.spawn_daemon_with(cmd);
        let status = home.connect_hello().call_ok("daemon.status", json!({}));
        let port = status["ports"]["authorization_server"]
            .as_u64()
            .unwrap_or_else(|| panic!("status reports no authorization_server port: {status}"))
            as u16;
        Server { home, daemon, port }
    }

    /// Everything the daemon wrote: its stdio and every file under `logs/`.
    fn all_logs(&self) -> String {
        let mut text = self.daemon.stderr() + &self.daemon.stdout();
        if let Ok(entries) = std::fs::read_dir(self.home.path().join("logs")) {
            for entry in entries.flatten() {
                text.push_str(&String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap_or_default()));
            }
        }
        text
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn get(&self, path: &str) -> Http {
        http(self.port, "GET", path, None, None, "")
    }

    fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Http {
        let body = form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        http(self.port, "POST", path, None, Some("application/x-www-form-urlencoded"), &body)
    }

    fn register(&self) -> String {
        let body = json!({
            "client_name": "Abuse <b>Test</b>",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "none",
        });
        let r = http(self.port, "POST", "/register", None, Some("application/json"), &body.to_string());
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["client_id"].as_str().unwrap().to_string()
    }

    fn authorize_path(&self, client_id: &str, extra: &[(&str, &str)]) -> String {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("state", "st-1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("resource", RESOURCE),
        ];
        for (k, v) in extra {
            params.retain(|(name, _)| name != k);
            if !v.is_empty() {
                params.push((k, v));
            }
        }
        let query = params.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        format!("/authorize?{query}")
    }

    /// `/authorize`: the consent page's short code and continue path.
    fn start_consent(&self, client_id: &str) -> (String, String) {
        let page = self.get(&self.authorize_path(client_id, &[]));
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.header("x-frame-options"), Some("DENY"));
        assert!(page.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
        assert!(page.header("access-control-allow-origin").is_none());
        assert!(page.body.contains("Abuse &lt;b&gt;Test&lt;/b&gt;"), "client name not escaped");
        let code = between(&page.body, "data-code=\"", "\"");
        let continue_path = between(&page.body, "href=\"/authorize/continue?req=", "\"");
        (code, format!("/authorize/continue?req={continue_path}"))
    }

    fn approve(&self, code: &str, extra: &[&str]) {
        let mut cmd = self.home.command("pierre-authd");
        cmd.arg("approve").arg(code).args(extra);
        let out = output_within(&mut cmd, CLI_TIMEOUT);
        assert!(out.status.success(), "approve failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Register, consent, approve, continue: the redirect's query parameters.
    fn authorized(&self, client_id: &str) -> Vec<(String, String)> {
        let (code, continue_path) = self.start_consent(client_id);
        let pending = self.get(&continue_path);
        assert_eq!(pending.status, 409, "{}", pending.body);
        self.approve(&code, &[]);
        let done = self.get(&continue_path);
        assert_eq!(done.status, 302, "{}", done.body);
        let location = done.header("location").unwrap().to_string();
        assert!(location.starts_with(REDIRECT), "{location}");
        query_of(&location)
    }

    fn code(&self, client_id: &str) -> String {
        let q = self.authorized(client_id);
        assert_eq!(param(&q, "state"), "st-1");
        assert_eq!(param(&q, "iss"), self.issuer());
        param(&q, "code")
    }

    fn exchange(&self, client_id: &str, code: &str, verifier: &str) -> Http {
        self.post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("client_id", client_id),
                ("code_verifier", verifier),
                ("resource", RESOURCE),
            ],
        )
    }

    fn refresh(&self, client_id: &str, refresh_token: &str) -> Http {
        self.post_form(
            "/token",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", client_id)],
        )
    }

    /// A full sign-in: (client_id, token response).
    fn tokens(&self) -> (String, Value) {
        let client = self.register();
        let code = self.code(&client);
        let r = self.exchange(&client, &code, VERIFIER);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        (client, r.json())
    }

    fn socket_token(&self, extra: &[&str]) -> String {
        let mut cmd = self.home.command("pierre-authd");
        cmd.arg("token").args(extra);
        let out = output_within(&mut cmd, CLI_TIMEOUT);
        assert!(out.status.success(), "token failed: {}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 1, "token prints the JWT alone: {stdout:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains(lines[0]));
        lines[0].to_string()
    }

    /// A socket connection that said hello with `token` (and `user`): the raw answer.
    fn hello_with(&self, token: &str, user: Option<&str>) -> (RpcClient, Value) {
        let mut client = self.home.connect();
        let mut params = common::hello_params();
        params["token"] = json!(token);
        if let Some(user) = user {
            params["user"] = json!(user);
        }
        let answer = client.call("daemon.hello", params);
        (client, answer)
    }
}

struct Http {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Http {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_string()
    }
}

/// One HTTP/1.1 request with `Connection: close`; `host` defaults to the listener's own.
fn http(port: u16, method: &str, path: &str, host: Option<&str>, content_type: Option<&str>, body: &str) -> Http {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let host = host.map(str::to_owned).unwrap_or_else(|| format!("127.0.0.1:{port}"));
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if let Some(ct) = content_type {
        request.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_string(), v.trim().to_string())).collect();
    assert!(
        !headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")),
        "chunked bodies are not decoded by this helper"
    );
    Http { status, headers, body: body.to_string() }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn dec(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k), dec(v))
        })
        .collect()
}

fn param(query: &[(String, String)], name: &str) -> String {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no `{name}` in {query:?}"))
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text.find(start).unwrap_or_else(|| panic!("`{start}` not in page")) + start.len();
    let len = text[from..].find(end).unwrap();
    text[from..from + len].to_string()
}

fn code_of(error: &Value) -> &str {
    error["data"]["code"].as_str().unwrap_or_else(|| panic!("error without data.code: {error}"))
}

#[test]
fn metadata_jwks_and_the_status_port() {
    let s = Server::start();
    let md = s.get("/.well-known/oauth-authorization-server");
    assert_eq!(md.status, 200);
    assert!(md.header("content-type").unwrap().starts_with("application/json"));
    let doc = md.json();
    assert_eq!(doc["issuer"], s.issuer());
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(doc["authorization_response_iss_parameter_supported"], json!(true));
    assert_eq!(s.get("/.well-known/openid-configuration").json(), doc);
    let jwks = s.get("/jwks.json").json();
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
    assert!(jwks["keys"][0]["kid"].is_string());
    assert!(jwks["keys"][0].get("d").is_none());
    let out = output_within(s.home.command("pierre-authd").args(["status", "--json"]), CLI_TIMEOUT);
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["ports"]["authorization_server"], json!(s.port));
}

#[test]
fn a_foreign_host_is_refused() {
    let s = Server::start();
    for host in ["evil.example", "evil.example:80", "127.0.0.1:1"] {
        let r = http(s.port, "GET", "/.well-known/oauth-authorization-server", Some(host), None, "");
        assert_eq!(r.status, 421, "Host {host}: {}", r.body);
        assert!(!r.body.contains("token_endpoint"));
    }
    let ok = http(s.port, "GET", "/jwks.json", Some(&format!("localhost:{}", s.port)), None, "");
    assert_eq!(ok.status, 200);
}

#[test]
fn the_code_flow_issues_es256_tokens_for_the_approving_user() {
    let s = Server::start();
    let mut admin = s.home.connect_hello();
    let bob = admin.call_ok("users.add", json!({"name": "bob"}));
    let client = s.register();
    let (code, continue_path) = s.start_consent(&client);
    s.approve(&code, &["--user", "bob"]);
    let done = s.get(&continue_path);
    assert_eq!(done.status, 302);
    let q = query_of(done.header("location").unwrap());
    let r = s.exchange(&client, &param(&q, "code"), VERIFIER);
    assert_eq!(r.status, 200, "{}", r.body);
    let tokens = r.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let resolved = admin
        .call_ok("auth.resolve", json!({"token": tokens["access_token"], "resource": "http://localhost:45678/mcp"}));
    assert_eq!(resolved["user_id"], bob["user_id"]);
    assert_eq!(resolved["user_name"], "bob");
    // The continue link is single use.
    assert_eq!(s.get(&continue_path).status, 404);
}

#[test]
fn a_code_works_once_and_its_reuse_revokes_what_it_issued() {
    let s = Server::start();
    let client = s.register();
    let code = s.code(&client);
    let first = s.exchange(&client, &code, VERIFIER);
    assert_eq!(first.status, 200, "{}", first.body);
    let again = s.exchange(&client, &code, VERIFIER);
    assert_eq!((again.status, again.error()), (400, "invalid_grant".into()));
    let refresh = first.json()["refresh_token"].as_str().unwrap().to_string();
    let r = s.refresh(&client, &refresh);
    assert_eq!(r.error(), "invalid_grant", "the family from a reused code must be revoked: {}", r.body);
}

#[test]
fn concurrent_redemptions_of_one_code_issue_tokens_once() {
    let s = Server::start();
    let client = s.register();
    let code = s.code(&client);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..6).map(|_| scope.spawn(|| s.exchange(&client, &code, VERIFIER).status)).collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 400), "{statuses:?}");
}

#[test]
fn a_wrong_or_missing_verifier_fails_and_burns_the_code() {
    let s = Server::start();
    let client = s.register();
    let code = s.code(&client);
    let wrong = s.exchange(&client, &code, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX");
    assert_eq!((wrong.status, wrong.error()), (400, "invalid_grant".into()));
    assert!(wrong.json()["error_description"].as_str().unwrap().contains("verifier"));
    let right_after = s.exchange(&client, &code, VERIFIER);
    assert_eq!(right_after.error(), "invalid_grant", "a failed attempt must spend the code");
    let code = s.code(&client);
    let missing = s.post_form(
        "/token",
        &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("client_id", &client)],
    );
    assert_eq!(missing.error(), "invalid_grant");
}

#[test]
fn plain_or_missing_pkce_is_refused_back_to_the_client() {
    let s = Server::start();
    let client = s.register();
    for extra in [
        vec![("code_challenge_method", "plain"), ("code_challenge", VERIFIER)],
        vec![("code_challenge_method", ""), ("code_challenge", "")],
        vec![("code_challenge_method", "S256"), ("code_challenge", "")],
    ] {
        let r = s.get(&s.authorize_path(&client, &extra));
        assert_eq!(r.status, 302, "{extra:?}: {}", r.body);
        let q = query_of(r.header("location").unwrap());
        assert_eq!(param(&q, "error"), "invalid_request", "{extra:?}");
        assert_eq!(param(&q, "state"), "st-1");
        assert_eq!(param(&q, "iss"), s.issuer());
    }
    let no_resource = s.get(&s.authorize_path(&client, &[("resource", "")]));
    assert_eq!(param(&query_of(no_resource.header("location").unwrap()), "error"), "invalid_target");
}

#[test]
fn a_foreign_redirect_uri_gets_a_page_not_a_redirect_and_token_checks_it() {
    let s = Server::start();
    let client = s.register();
    for bad in ["https://evil.example/callback", "http://127.0.0.1:9/other", "http://localhost:9/callback"] {
        let r = s.get(&s.authorize_path(&client, &[("redirect_uri", bad)]));
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.header("location").is_none(), "{bad}: an unregistered redirect must never be followed");
    }
    // Any port on the registered loopback host and path is fine (RFC 8252 §7.3).
    let any_port = s.get(&s.authorize_path(&client, &[("redirect_uri", "http://127.0.0.1:61000/callback")]));
    assert_eq!(any_port.status, 200);
    let unknown = s.get(&s.authorize_path("no-such-client", &[]));
    assert_eq!(unknown.status, 400);
    assert!(unknown.header("location").is_none());
    let code = s.code(&client);
    let r = s.post_form(
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("client_id", &client),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_eq!(r.error(), "invalid_grant");
}

#[test]
fn refresh_rotates_and_reusing_an_old_token_revokes_the_family() {
    let s = Server::start();
    let (client, tokens) = s.tokens();
    let rt1 = tokens["refresh_token"].as_str().unwrap().to_string();
    let second = s.refresh(&client, &rt1);
    assert_eq!(second.status, 200, "{}", second.body);
    let rt2 = second.json()["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    let reuse = s.refresh(&client, &rt1);
    assert_eq!((reuse.status, reuse.error()), (400, "invalid_grant".into()));
    let after = s.refresh(&client, &rt2);
    assert_eq!(after.error(), "invalid_grant", "the newest token of a reused family must be dead too");
    let other = s.register();
    let (_, fresh) = s.tokens();
    let foreign = s.refresh(&other, fresh["refresh_token"].as_str().unwrap());
    assert_eq!(foreign.error(), "invalid_grant", "a refresh token only works for its own client");
}

#[test]
fn revocation_ends_refresh_and_access_tokens() {
    let s = Server::start();
    let (client, tokens) = s.tokens();
    let rt = tokens["refresh_token"].as_str().unwrap();
    let r = s.post_form("/revoke", &[("token", rt), ("token_type_hint", "refresh_token"), ("client_id", &client)]);
    assert_eq!(r.status, 200);
    assert_eq!(s.refresh(&client, rt).error(), "invalid_grant");
    let mut admin = s.home.connect_hello();
    let at = tokens["access_token"].as_str().unwrap();
    admin.call_ok("auth.resolve", json!({"token": at, "resource": RESOURCE}));
    let r = s.post_form("/revoke", &[("token", at), ("client_id", &client)]);
    assert_eq!(r.status, 200);
    let err = admin.call_err("auth.resolve", json!({"token": at, "resource": RESOURCE}));
    assert_eq!(code_of(&err), "invalid_token");
    let unknown = s.post_form("/revoke", &[("token", "nonsense"), ("client_id", &client)]);
    assert_eq!(unknown.status, 200, "RFC 7009: an unknown token is not an error");
    let logs = s.all_logs();
    assert!(logs.contains("authorization server"), "the daemon should log the flow (without secrets): {logs}");
    for secret in [at, rt] {
        assert!(!logs.contains(secret), "a token reached the daemon's log");
    }
}

#[test]
fn consent_can_be_denied_and_approval_needs_the_owner() {
    let s = Server::start();
    let client = s.register();
    let (code, continue_path) = s.start_consent(&client);
    let bob_token = {
        s.home.connect_hello().call_ok("users.add", json!({"name": "bob"}));
        s.socket_token(&["--user", "bob"])
    };
    let (mut bob, answer) = s.hello_with(&bob_token, None);
    assert!(answer.get("result").is_some(), "{answer}");
    let err = bob.call_err("login.approve", json!({"code": code}));
    assert_eq!(code_of(&err), "permission_denied");
    s.approve(&code, &["--deny"]);
    let done = s.get(&continue_path);
    assert_eq!(done.status, 302);
    let q = query_of(done.header("location").unwrap());
    assert_eq!(param(&q, "error"), "access_denied");
    assert_eq!(param(&q, "state"), "st-1");
    let mut approve = s.home.command("pierre-authd");
    approve.args(["approve", "ZZZZ-0000"]);
    let out = output_within(&mut approve, CLI_TIMEOUT);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no pending sign-in"));
}

#[test]
fn audiences_do_not_cross_and_tampered_tokens_fail() {
    let s = Server::start();
    let (_, tokens) = s.tokens();
    let at = tokens["access_token"].as_str().unwrap().to_string();
    let mut admin = s.home.connect_hello();
    let err = admin.call_err("auth.resolve", json!({"token": at, "resource": "https://other.example/mcp"}));
    assert_eq!(code_of(&err), "invalid_token");
    let err = admin.call_err("auth.resolve", json!({"token": at, "resource": "http://127.0.0.1:7777/elsewhere"}));
    assert_eq!(code_of(&err), "invalid_token");
    // An HTTP token does not open the socket, and a socket token does not pass auth.resolve.
    let (_, answer) = s.hello_with(&at, None);
    assert_eq!(code_of(&answer["error"]), "invalid_token", "{answer}");
    let socket = s.socket_token(&[]);
    let err = admin.call_err("auth.resolve", json!({"token": socket, "resource": RESOURCE}));
    assert_eq!(code_of(&err), "invalid_token");
    // One changed character in the signature or the claims.
    for part in [2, 1] {
        let mut pieces: Vec<String> = socket.split('.').map(str::to_owned).collect();
        let middle = pieces[part].len() / 2;
        let original = pieces[part].as_bytes()[middle];
        let swapped = if original == b'A' { 'B' } else { 'A' };
        pieces[part].replace_range(middle..=middle, &swapped.to_string());
        let (_, answer) = s.hello_with(&pieces.join("."), None);
        assert_eq!(code_of(&answer["error"]), "invalid_token", "part {part}: {answer}");
    }
}

#[test]
fn an_expired_socket_token_is_refused() {
    let s = Server::start();
    let token = s.socket_token(&["--ttl", "1s"]);
    std::thread::sleep(Duration::from_millis(2100));
    let (_, answer) = s.hello_with(&token, None);
    let error = &answer["error"];
    assert_eq!(code_of(error), "invalid_token", "{answer}");
    assert!(error["message"].as_str().unwrap().contains("expired"));
    let mut too_long = s.home.command("pierre-authd");
    too_long.args(["token", "--ttl", "91d"]);
    assert!(!output_within(&mut too_long, CLI_TIMEOUT).status.success());
}

#[test]
fn a_jwt_for_user_b_cannot_read_user_a() {
    let s = Server::start();
    let mut admin = s.home.connect_hello();
    let alice = admin.call_ok("users.add", json!({"name": "alice"}));
    let bob = admin.call_ok("users.add", json!({"name": "bob"}));
    let bob_token = s.socket_token(&["--user", "bob"]);
    let (_, answer) = s.hello_with(&bob_token, Some("alice"));
    assert_eq!(code_of(&answer["error"]), "permission_denied", "{answer}");
    let (mut b, answer) = s.hello_with(&bob_token, None);
    assert_eq!(answer["result"]["user_id"], bob["user_id"]);
    let mine = b.call_ok("connections.list", json!({}));
    assert_eq!(mine["user_id"], bob["user_id"]);
    for target in [alice["name"].clone(), alice["user_id"].clone()] {
        let err = b.call_err("connections.list", json!({"user": target}));
        assert_eq!(code_of(&err), "permission_denied");
    }
    for (method, params) in [
        ("users.add", json!({"name": "mallory"})),
        ("users.remove", json!({"target": "alice"})),
        // A pinned connection may mint only a token that dies with its own (1 h here).
        ("auth.token", json!({"ttl_secs": 90 * 86_400})),
        ("keys.rotate", json!({})),
        ("daemon.shutdown", json!({})),
    ] {
        let err = b.call_err(method, params);
        assert_eq!(code_of(&err), "permission_denied", "{method}");
    }
    let users = b.call_ok("users.list", json!({}));
    assert_eq!(users["users"].as_array().unwrap().len(), 1, "a pinned connection sees only itself");
    // The user the token names is gone: the token is dead with it.
    admin.call_ok("users.remove", json!({"target": "bob"}));
    let (_, answer) = s.hello_with(&bob_token, None);
    assert_eq!(code_of(&answer["error"]), "invalid_token");
}

#[test]
fn keys_rotate_keeps_old_tokens_valid_and_adds_a_key() {
    let s = Server::start();
    let before = s.socket_token(&[]);
    let out = output_within(s.home.command("pierre-authd").args(["keys", "rotate"]), CLI_TIMEOUT);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(s.get("/jwks.json").json()["keys"].as_array().unwrap().len(), 2);
    let (_, answer) = s.hello_with(&before, None);
    assert!(answer.get("result").is_some(), "a token from before the rotation must still work: {answer}");
    let after = s.socket_token(&[]);
    let (_, answer) = s.hello_with(&after, None);
    assert!(answer.get("result").is_some(), "{answer}");
}

#[test]
fn rate_limits_answer_429_with_headers() {
    let s = Server::start_with(&[("PIERRE_AS_RATE_REGISTER", "2"), ("PIERRE_AS_RATE_TOKEN", "3")]);
    let body = json!({"redirect_uris": [REDIRECT]}).to_string();
    let register = || http(s.port, "POST", "/register", None, Some("application/json"), &body);
    let first = register();
    assert_eq!(first.status, 201);
    assert_eq!(first.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(first.header("x-ratelimit-remaining"), Some("1"));
    assert_eq!(register().status, 201);
    let refused = register();
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert!(refused.header("x-ratelimit-reset").is_some());
    for _ in 0..3 {
        assert_eq!(s.post_form("/token", &[("grant_type", "refresh_token")]).status, 401);
    }
    assert_eq!(s.post_form("/token", &[("grant_type", "refresh_token")]).status, 429);
}

#[test]
fn token_endpoint_errors_are_rfc6749_json() {
    let s = Server::start();
    let client = s.register();
    let r = s.post_form("/token", &[("grant_type", "password"), ("client_id", &client)]);
    assert_eq!((r.status, r.error()), (400, "unsupported_grant_type".into()));
    assert!(r.json()["error_description"].is_string());
    let r = s.post_form("/token", &[("grant_type", "authorization_code"), ("client_id", "nobody")]);
    assert_eq!((r.status, r.error()), (401, "invalid_client".into()));
    let r = s.post_form("/token", &[("grant_type", "authorization_code"), ("client_id", &client)]);
    assert_eq!((r.status, r.error()), (400, "invalid_request".into()));
    let r =
        s.post_form("/token", &[("grant_type", "authorization_code"), ("client_id", &client), ("client_id", &client)]);
    assert_eq!(r.error(), "invalid_request");
    let r = http(
        s.port,
        "POST",
        "/register",
        None,
        Some("application/json"),
        r#"{"redirect_uris":["http://evil.example/cb"]}"#,
    );
    assert_eq!((r.status, r.error()), (400, "invalid_redirect_uri".into()));
}

#[test]
fn pierre_token_makes_pierre_mcp_act_as_that_user_only() {
    let s = Server::start();
    let mut admin = s.home.connect_hello();
    admin.call_ok("users.add", json!({"name": "alice"}));
    let bob = admin.call_ok("users.add", json!({"name": "bob"}));
    let token = s.socket_token(&["--user", "bob", "--ttl", "10m"]);
    let mut call = s.home.command("pierre-mcp");
    call.args(["call", "get_connection_status", "--json"]).env("PIERRE_TOKEN", &token);
    let out = output_within(&mut call, CLI_TIMEOUT);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["user"], "bob", "{status}");
    let bob_prefix = &bob["user_id"].as_str().unwrap()[..8];
    assert_eq!(status["connections"][0]["account_id"], format!("synthetic-{bob_prefix}"));
    let mut other = s.home.command("pierre-mcp");
    other.args(["call", "get_connection_status", "--json"]).env("PIERRE_TOKEN", &token).env("PIERRE_USER", "alice");
    let out = output_within(&mut other, CLI_TIMEOUT);
    assert!(!out.status.success(), "a token for bob must not act for alice");
    assert!(String::from_utf8_lossy(&out.stderr).contains("may not act for `alice`"));
}
