//! Load benchmark: N users × C concurrent `get_activities provider=strava`
//! through pierre-mcp (one process per user, `PIERRE_USER`), against the
//! strict fake provider with a fixed API latency. The floor: the same
//! provider requests sent straight to the fake with the same bearer tokens,
//! N × C at once, interleaved with pierre-mcp's bursts in every round.
//!
//! Usage: bench-load SOCKET FAKE_BASE PIERRE_MCP [USERS] [CALLS] [ROUNDS] [DELAY_MS]
//!
//! Sets up USERS users `load-<i>`, each connected to its own fake Strava
//! account over the socket (`connections.begin`, then the authorize URL and
//! the callback followed as a browser would). Each round: the floor burst,
//! then fresh pierre-mcp processes (an empty answer cache) and two bursts:
//! the first calls (uncached: every call reaches the fake; checked with the
//! fake's counter) and the same calls again (answered from pierre-mcp's
//! 60 s cache: no provider request; checked too). Prints Markdown rows.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpStream, UnixStream};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Barrier;

const PROTOCOL: &str = "2025-06-18";

/// A minimal HTTP/1.1 GET/POST over a fresh loopback connection
/// (`Connection: close`, body read to EOF): status, headers, body.
async fn http(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    body: Option<&str>,
) -> (u16, Vec<(String, String)>, String) {
    let rest = url.strip_prefix("http://").unwrap_or_else(|| panic!("not an http URL: {url}"));
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(host).await.unwrap_or_else(|e| panic!("connect {host}: {e}"));
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nConnection: close\r\n");
    if let Some(token) = bearer {
        req.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if let Some(body) = body {
        req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body.unwrap_or(""));
    stream.write_all(req.as_bytes()).await.expect("http write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("http read");
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// One keep-alive connection to the fake, opened before a floor burst so
/// the burst times the requests, not 2,000 simultaneous connects (which
/// overflow the fake's listen backlog and cost a 1 s SYN retry).
struct KeepAlive {
    host: String,
    reader: BufReader<TcpStream>,
}

impl KeepAlive {
    async fn open(base: &str) -> KeepAlive {
        let host = base.trim_start_matches("http://").trim_end_matches('/').to_string();
        let stream = TcpStream::connect(&host).await.unwrap_or_else(|e| panic!("connect {host}: {e}"));
        stream.set_nodelay(true).expect("nodelay");
        KeepAlive { host, reader: BufReader::new(stream) }
    }

    /// GET `path` with the bearer; the status (the body is read and dropped).
    async fn get(&mut self, path: &str, bearer: &str) -> u16 {
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nAuthorization: Bearer {bearer}\r\n\r\n",
            self.host
        );
        self.reader.get_mut().write_all(req.as_bytes()).await.expect("http write");
        let (mut status, mut length) = (0u16, 0usize);
        let mut line = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).await.expect("http read");
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if status == 0 {
                status = l.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            } else if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().expect("content-length");
            }
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body).await.expect("http body");
        status
    }
}

/// An administrator connection to the daemon's socket, one call at a time.
struct Rpc {
    write: OwnedWriteHalf,
    lines: Lines<BufReader<OwnedReadHalf>>,
    next_id: u64,
}

impl Rpc {
    async fn connect(socket: &PathBuf) -> Rpc {
        let (read, write) = UnixStream::connect(socket).await.expect("connect to the daemon").into_split();
        let mut rpc = Rpc { write, lines: BufReader::new(read).lines(), next_id: 0 };
        rpc.call("daemon.hello", json!({"protocol_versions": [1], "client": {"name": "bench-load", "version": "0"}}))
            .await;
        rpc
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let line = json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}).to_string();
        self.write.write_all(format!("{line}\n").as_bytes()).await.expect("socket write");
        let reply: Value =
            serde_json::from_str(&self.lines.next_line().await.expect("socket read").expect("a reply")).expect("JSON");
        reply.get("result").cloned().unwrap_or_else(|| panic!("{method} failed: {reply}"))
    }
}

/// One pierre-mcp process for one user, initialized.
struct Mcp {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    next_id: u64,
}

impl Mcp {
    async fn start(program: &PathBuf, user: &str) -> Mcp {
        let mut child = Command::new(program)
            .env("PIERRE_USER", user)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn pierre-mcp");
        let stdin = child.stdin.take().expect("stdin");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut mcp = Mcp { child, stdin, lines, next_id: 0 };
        let init = json!({"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "bench-load", "version": "0"}});
        mcp.burst("initialize", &[init]).await;
        mcp.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        mcp
    }

    async fn send(&mut self, message: &Value) {
        self.stdin.write_all(format!("{message}\n").as_bytes()).await.expect("mcp write");
        self.stdin.flush().await.expect("mcp flush");
    }

    /// Sends one request per params at once; each one's latency.
    async fn burst(&mut self, method: &str, params_list: &[Value]) -> Vec<Duration> {
        let (first, count) = (self.next_id + 1, params_list.len());
        let start = Instant::now();
        let mut batch = String::new();
        for params in params_list {
            self.next_id += 1;
            batch.push_str(
                &json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}).to_string(),
            );
            batch.push('\n');
        }
        self.stdin.write_all(batch.as_bytes()).await.expect("mcp write");
        self.stdin.flush().await.expect("mcp flush");
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let line = tokio::time::timeout(Duration::from_secs(120), self.lines.next_line())
                .await
                .expect("no pierre-mcp reply within 120 s")
                .expect("mcp read")
                .expect("pierre-mcp closed stdout");
            let value: Value = serde_json::from_str(&line).expect("JSON");
            let Some(id) = value.get("id").and_then(Value::as_u64) else { continue };
            if id < first || value.get("method").is_some() {
                continue;
            }
            let result = value.get("result").unwrap_or_else(|| panic!("{method} failed: {value}"));
            assert_ne!(result.get("isError"), Some(&json!(true)), "{method} returned an error: {result}");
            out.push(start.elapsed());
        }
        out
    }

    async fn close(mut self) {
        drop(self.stdin);
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn api_counter(fake: &str) -> u64 {
    let (_, _, body) = http("GET", &format!("{fake}/__fake/counters"), None, None).await;
    serde_json::from_str::<Value>(&body).expect("counters")["counters"]["api"].as_u64().expect("api counter")
}

async fn configure(fake: &str, config: Value) {
    let (status, _, body) = http("POST", &format!("{fake}/__fake/config"), None, Some(&config.to_string())).await;
    assert!(status < 300, "/__fake/config answered {status}: {body}");
}

/// Connects `user` to Strava as fake account `account`, as a browser would.
async fn connect(rpc: &mut Rpc, fake: &str, user: &str, account: &str) {
    configure(fake, json!({"authorize_as": account})).await;
    let begun = rpc.call("connections.begin", json!({"provider": "strava", "user": user})).await;
    let url = begun["authorization_url"].as_str().unwrap_or_else(|| panic!("no authorization_url: {begun}"));
    let (status, headers, body) = http("GET", url, None, None).await;
    assert_eq!(status, 302, "authorize answered {status}: {body}");
    let location = headers.iter().find(|(k, _)| k == "location").map(|(_, v)| v.clone()).expect("Location");
    let (status, _, body) = http("GET", &location, None, None).await;
    assert_eq!(status, 200, "the callback answered {status}: {body}");
}

/// The floor burst: every (user, call) sends the call's provider requests
/// (`urls[call]`) straight to the fake, in order, all users and calls at once.
async fn floor_burst(fake: &str, tokens: &[String], urls: &[Vec<String>]) -> Vec<Duration> {
    let barrier = Arc::new(Barrier::new(tokens.len() * urls.len()));
    let mut tasks = Vec::new();
    for token in tokens {
        for call in urls {
            let (barrier, token, urls) = (barrier.clone(), token.clone(), call.clone());
            let fake = fake.to_string();
            tasks.push(tokio::spawn(async move {
                let mut conn = KeepAlive::open(&fake).await;
                barrier.wait().await;
                let start = Instant::now();
                for url in &urls {
                    let status = conn.get(url, &token).await;
                    assert_eq!(status, 200, "the fake answered {status} to {url}");
                }
                start.elapsed()
            }));
        }
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("floor task"));
    }
    out
}

/// One burst through pierre-mcp: every session sends all `calls` at once.
async fn mcp_burst(sessions: Vec<Mcp>, calls: &[Value]) -> (Vec<Mcp>, Vec<Duration>) {
    let barrier = Arc::new(Barrier::new(sessions.len()));
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|mut s| {
            let (barrier, params) = (barrier.clone(), calls.to_vec());
            tokio::spawn(async move {
                barrier.wait().await;
                let latencies = s.burst("tools/call", &params).await;
                (s, latencies)
            })
        })
        .collect();
    let (mut sessions, mut out) = (Vec::new(), Vec::new());
    for t in tasks {
        let (s, l) = t.await.expect("mcp task");
        sessions.push(s);
        out.extend(l);
    }
    (sessions, out)
}

fn row(measure: &str, pierre: &mut [Duration], floor: &mut [Duration]) {
    let (p50, p99, f50, f99) =
        (percentile(pierre, 0.5), percentile(pierre, 0.99), percentile(floor, 0.5), percentile(floor, 0.99));
    println!(
        "| {measure} (n={}) | p50 {:.1} ms · p99 {:.1} ms | straight to the fake (keep-alive) p50 {:.1} ms · p99 {:.1} ms | overhead p50 {:+.1} ms · p99 {:+.1} ms · p50 ×{:.2} |",
        pierre.len(),
        ms(p50),
        ms(p99),
        ms(f50),
        ms(f99),
        ms(p50) - ms(f50),
        ms(p99) - ms(f99),
        ms(p50) / ms(f50),
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench-load SOCKET FAKE_BASE PIERRE_MCP [USERS] [CALLS] [ROUNDS] [DELAY_MS]";
    let socket = PathBuf::from(args.next().expect(usage));
    let fake = args.next().expect(usage);
    let mcp = PathBuf::from(args.next().expect(usage));
    let mut num = |default: usize| args.next().map_or(default, |a| a.parse().expect(usage));
    let (users, calls, rounds, delay) = (num(100), num(20), num(3), num(20));

    let setup = Instant::now();
    let mut rpc = Rpc::connect(&socket).await;
    let accounts: Vec<String> = (0..users).map(|i| (300_000 + i).to_string()).collect();
    configure(&fake, json!({"accounts": accounts, "api_delay_ms": 0})).await;
    let mut tokens = Vec::new();
    for (i, account) in accounts.iter().enumerate() {
        let user = format!("load-{i}");
        rpc.call("users.add", json!({"name": user})).await;
        connect(&mut rpc, &fake, &user, account).await;
        let token = rpc.call("tokens.get", json!({"provider": "strava", "user": user})).await;
        tokens.push(token["access_token"].as_str().expect("access_token").to_string());
    }
    eprintln!("bench-load: {users} users connected to the fake in {:.1} s", setup.elapsed().as_secs_f64());

    // The calls of one user's burst differ in `limit` (20, 21, ...) so that
    // none is answered from another's cached answer in the first burst.
    let call_list: Vec<Value> = (0..calls)
        .map(|j| json!({"name": "get_activities", "arguments": {"provider": "strava", "limit": 20 + j}}))
        .collect();
    // Which provider requests one call makes: ask once and read the fake's log.
    let before = api_counter(&fake).await;
    let mut probe = Mcp::start(&mcp, "load-0").await;
    probe.burst("tools/call", &call_list[..1]).await;
    probe.close().await;
    let per_call = (api_counter(&fake).await - before) as usize;
    let (_, _, log) = http("GET", &format!("{fake}/__fake/requests"), None, None).await;
    let log: Value = serde_json::from_str(&log).expect("requests log");
    let seen = log["requests"].as_array().expect("requests");
    let urls: Vec<String> = seen[seen.len() - per_call..]
        .iter()
        .map(|r| {
            let (path, query) = (r["path"].as_str().expect("path"), r["query"].as_str().unwrap_or(""));
            if query.is_empty() { format!("/api{path}") } else { format!("/api{path}?{query}") }
        })
        .collect();
    eprintln!("bench-load: one get_activities call makes {per_call} provider request(s): {urls:?}");
    assert!(urls.iter().all(|u| u.contains("per_page=20")), "expected per_page=20 = limit in {urls:?}");
    let urls: Vec<Vec<String>> = (0..calls)
        .map(|j| urls.iter().map(|u| u.replace("per_page=20", &format!("per_page={}", 20 + j))).collect())
        .collect();
    configure(&fake, json!({"api_delay_ms": delay})).await;

    let (mut floor, mut first, mut cached) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first, so neither always follows the other.
        if round % 2 == 0 {
            floor.extend(floor_burst(&fake, &tokens, &urls).await);
        }
        let mut sessions = Vec::new();
        for i in 0..users {
            sessions.push(Mcp::start(&mcp, &format!("load-{i}")).await);
        }
        let before = api_counter(&fake).await;
        let (sessions, l) = mcp_burst(sessions, &call_list).await;
        first.extend(l);
        let mid = api_counter(&fake).await;
        let (sessions, l) = mcp_burst(sessions, &call_list).await;
        cached.extend(l);
        let after = api_counter(&fake).await;
        eprintln!(
            "bench-load: round {round}: first burst made {} provider requests (expected {}), repeated burst {}",
            mid - before,
            users * calls * per_call,
            after - mid
        );
        for s in sessions {
            s.close().await;
        }
        if round % 2 == 1 {
            floor.extend(floor_burst(&fake, &tokens, &urls).await);
        }
    }
    let label = format!(
        "{users} users × {calls} concurrent `get_activities provider=strava limit=20..{}` via pierre-mcp (the fixture has 4 activities), fake API latency {delay} ms",
        20 + calls - 1
    );
    row(&format!("{label}: first calls (uncached, {per_call} provider request each)"), &mut first, &mut floor);
    row(
        &format!("{label}: repeated calls (pierre-mcp's 60 s answer cache, no provider request)"),
        &mut cached,
        &mut floor,
    );
}
