//! MCP benchmark: pierre-mcp against a bare rmcp stdio server (the floor,
//! built by `scripts/bench.sh` into `target/bench-floor/`), interleaved in
//! one run. Speaks raw MCP JSON-RPC over each server's stdin/stdout:
//! initialize → notifications/initialized → tools/list → tools/call.
//! Prints Markdown table rows; `scripts/bench.sh` collects them.
//!
//! Usage: bench-mcp PIERRE_MCP FLOOR [ROUNDS] [CALLS]
//!
//! Each round spawns both servers once (alternating which goes first) and
//! measures, per session: cold start (spawn → initialize reply), idle RSS
//! after initialize, CALLS × tools/list, the first tool call, CALLS × the
//! tool call, RSS after the calls. pierre-mcp's tool is `get_activities`
//! with 20 items; the floor's is one trivial tool with a fixed small JSON.
//! Then one pierre-mcp session compares the text block of
//! `get_activities limit=50` as JSON and as TOON.
//!
//! pierre-mcp takes its environment from the caller: `PIERRE_HOME` with the
//! daemon already running, and the synthetic seed and clock.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::time::timeout;

/// Longest wait for any single reply before the benchmark gives up.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause between initialize and the RSS reading, so the server is idle.
const SETTLE: Duration = Duration::from_millis(200);
const PROTOCOL: &str = "2025-06-18";

/// One running MCP server on pipes.
struct Session {
    name: String,
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    next_id: u64,
}

/// A reply: its parsed JSON, its size on the wire, how long it took.
struct Reply {
    value: Value,
    bytes: usize,
    elapsed: Duration,
}

impl Session {
    /// Spawns `program` and sends initialize at once; returns the session
    /// and the time from just before spawn to the initialize reply.
    async fn start(program: &Path) -> (Session, Duration) {
        let name =
            program.file_name().map_or_else(|| program.display().to_string(), |n| n.to_string_lossy().into_owned());
        let start = Instant::now();
        let mut child = Command::new(program)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("bench-mcp: cannot spawn {}: {e}", program.display()));
        let stdin = child.stdin.take().expect("stdin");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut session = Session { name, child, stdin, lines, next_id: 1 };
        let reply = session
            .request(
                "initialize",
                json!({"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "bench-mcp", "version": "0"}}),
            )
            .await;
        let cold = start.elapsed();
        assert!(reply.value.get("result").is_some(), "{}: initialize failed: {}", session.name, reply.value);
        session.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        (session, cold)
    }

    async fn send(&mut self, message: &Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.unwrap_or_else(|e| panic!("{}: write: {e}", self.name));
        self.stdin.flush().await.unwrap_or_else(|e| panic!("{}: flush: {e}", self.name));
    }

    /// Sends one request and waits for its reply, skipping notifications.
    async fn request(&mut self, method: &str, params: Value) -> Reply {
        let id = self.next_id;
        self.next_id += 1;
        let start = Instant::now();
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
        loop {
            let line = match timeout(REPLY_TIMEOUT, self.lines.next_line()).await {
                Ok(Ok(Some(line))) => line,
                Ok(Ok(None)) => panic!("{}: stdout closed while waiting for `{method}`", self.name),
                Ok(Err(e)) => panic!("{}: read: {e}", self.name),
                Err(_) => panic!("{}: no reply to `{method}` within {REPLY_TIMEOUT:?}", self.name),
            };
            let elapsed = start.elapsed();
            let value: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", self.name));
            if value.get("id") == Some(&json!(id)) && value.get("method").is_none() {
                return Reply { value, bytes: line.len(), elapsed };
            }
        }
    }

    /// A tools/call that must succeed; returns the reply.
    async fn call(&mut self, tool: &str, arguments: Value) -> Reply {
        let reply = self.request("tools/call", json!({"name": tool, "arguments": arguments})).await;
        let result =
            reply.value.get("result").unwrap_or_else(|| panic!("{}: {tool} failed: {}", self.name, reply.value));
        assert_ne!(result.get("isError"), Some(&json!(true)), "{}: {tool} returned an error: {result}", self.name);
        reply
    }

    fn rss_kib(&self) -> u64 {
        let pid = self.child.id().expect("running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    /// Closes stdin (the client leaves) and waits for the server to exit.
    async fn close(self) {
        let Session { name, mut child, stdin, .. } = self;
        drop(stdin);
        match timeout(Duration::from_secs(5), child.wait()).await {
            Ok(Ok(status)) if status.success() => {}
            Ok(Ok(status)) => eprintln!("bench-mcp: {name} exited with {status}"),
            Ok(Err(e)) => eprintln!("bench-mcp: {name}: wait: {e}"),
            Err(_) => {
                eprintln!("bench-mcp: {name} did not exit within 5 s of stdin closing; killed");
                let _ = child.kill().await;
            }
        }
    }
}

/// Everything measured for one server over all rounds.
#[derive(Default)]
struct Stats {
    cold: Vec<Duration>,
    list: Vec<Duration>,
    list_bytes: usize,
    tools: usize,
    first_call: Vec<Duration>,
    call: Vec<Duration>,
    call_bytes: usize,
    idle_rss: Vec<u64>,
    busy_rss: Vec<u64>,
}

/// What a server is asked to call.
struct Target {
    program: PathBuf,
    tool: &'static str,
    arguments: Value,
}

async fn measure(target: &Target, calls: usize, stats: &mut Stats) {
    let (mut s, cold) = Session::start(&target.program).await;
    stats.cold.push(cold);
    tokio::time::sleep(SETTLE).await;
    stats.idle_rss.push(s.rss_kib());
    for _ in 0..calls {
        let reply = s.request("tools/list", json!({})).await;
        stats.list.push(reply.elapsed);
        stats.list_bytes = reply.bytes;
        stats.tools = reply.value["result"]["tools"].as_array().map_or(0, Vec::len);
    }
    let first = s.call(target.tool, target.arguments.clone()).await;
    stats.first_call.push(first.elapsed);
    for _ in 0..calls {
        let reply = s.call(target.tool, target.arguments.clone()).await;
        stats.call.push(reply.elapsed);
        stats.call_bytes = reply.bytes;
    }
    stats.busy_rss.push(s.rss_kib());
    s.close().await;
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let idx = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[idx]
}

fn median(samples: &mut [u64]) -> u64 {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 { format!("{:.1} ms", us / 1000.0) } else { format!("{us:.0} µs") }
}

fn ratio(a: f64, b: f64) -> String {
    let r = a / b;
    if r >= 10.0 { format!("×{r:.0}") } else { format!("×{r:.2}") }
}

/// One latency row: p50 and, when there are enough samples, p99 (else max).
fn latency_row(
    measure: &str,
    pierre: &mut [Duration],
    floor: &mut [Duration],
    extra: Option<(String, String, String)>,
) {
    let n = pierre.len().min(floor.len());
    let (tail, q) = if n >= 100 { ("p99", 0.99) } else { ("max", 1.0) };
    let (p50, pt, f50, ft) =
        (percentile(pierre, 0.5), percentile(pierre, q), percentile(floor, 0.5), percentile(floor, q));
    let (xp, xf, xr) = extra.map_or((String::new(), String::new(), String::new()), |(p, f, r)| {
        (format!(" · {p}"), format!(" · {f}"), format!(" · {r}"))
    });
    println!(
        "| {measure} (n={n}) | p50 {} · {tail} {}{xp} | bare rmcp p50 {} · {tail} {}{xf} | p50 {} · {tail} {}{xr} |",
        fmt(p50),
        fmt(pt),
        fmt(f50),
        fmt(ft),
        ratio(p50.as_secs_f64(), f50.as_secs_f64()),
        ratio(pt.as_secs_f64(), ft.as_secs_f64()),
    );
}

/// The text block of a get_activities reply.
fn text_block(reply: &Reply) -> &str {
    reply.value["result"]["content"][0]["text"].as_str().expect("a text content block")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench-mcp PIERRE_MCP FLOOR [ROUNDS] [CALLS]";
    let pierre = Target {
        program: PathBuf::from(args.next().expect(usage)),
        tool: "get_activities",
        arguments: json!({"limit": 20}),
    };
    let floor =
        Target { program: PathBuf::from(args.next().expect(usage)), tool: "ping", arguments: json!({"limit": 20}) };
    let rounds: usize = args.next().map(|a| a.parse().expect("ROUNDS")).unwrap_or(20);
    let calls: usize = args.next().map(|a| a.parse().expect("CALLS")).unwrap_or(50);

    // Check once that pierre-mcp really returns 20 activities.
    {
        let (mut s, _) = Session::start(&pierre.program).await;
        let reply = s.call(pierre.tool, pierre.arguments.clone()).await;
        let n = reply.value["result"]["structuredContent"]["activities"].as_array().map_or(0, Vec::len);
        assert_eq!(n, 20, "get_activities limit=20 returned {n} activities: {}", reply.value);
        s.close().await;
    }

    let (mut p, mut f) = (Stats::default(), Stats::default());
    for round in 0..rounds {
        if round % 2 == 0 {
            measure(&pierre, calls, &mut p).await;
            measure(&floor, calls, &mut f).await;
        } else {
            measure(&floor, calls, &mut f).await;
            measure(&pierre, calls, &mut p).await;
        }
    }

    latency_row("MCP cold start: spawn → `initialize` reply", &mut p.cold, &mut f.cold, None);
    latency_row(
        "MCP `tools/list`",
        &mut p.list,
        &mut f.list,
        Some((
            format!("{} B, {} tools", p.list_bytes, p.tools),
            format!("{} B, {} tool", f.list_bytes, f.tools),
            format!("bytes {}", ratio(p.list_bytes as f64, f.list_bytes as f64)),
        )),
    );
    latency_row(
        "MCP `get_activities` 20 items, first call of a session (floor: its one tool)",
        &mut p.first_call,
        &mut f.first_call,
        None,
    );
    latency_row(
        "MCP `get_activities` 20 items, later calls (floor: its one tool)",
        &mut p.call,
        &mut f.call,
        Some((
            format!("{} B", p.call_bytes),
            format!("{} B", f.call_bytes),
            format!("bytes {}", ratio(p.call_bytes as f64, f.call_bytes as f64)),
        )),
    );
    let (pi, fi) = (median(&mut p.idle_rss), median(&mut f.idle_rss));
    println!(
        "| pierre-mcp idle RSS after initialize (median of {rounds}) | {pi} KiB | bare rmcp {fi} KiB | {} |",
        ratio(pi as f64, fi as f64)
    );
    let (pb, fb) = (median(&mut p.busy_rss), median(&mut f.busy_rss));
    println!(
        "| pierre-mcp RSS after {} tool calls (median of {rounds}) | {pb} KiB | bare rmcp {fb} KiB | {} |",
        calls + 1,
        ratio(pb as f64, fb as f64)
    );

    // TOON vs JSON: the same 50 activities, text block only.
    let (mut s, _) = Session::start(&pierre.program).await;
    let as_json = s.call(pierre.tool, json!({"limit": 50, "format": "json"})).await;
    let as_toon = s.call(pierre.tool, json!({"limit": 50, "format": "toon"})).await;
    let n = as_json.value["result"]["structuredContent"]["activities"].as_array().map_or(0, Vec::len);
    assert_eq!(n, 50, "get_activities limit=50 returned {n} activities");
    let (jb, tb) = (text_block(&as_json).len(), text_block(&as_toon).len());
    s.close().await;
    println!(
        "| `get_activities` 50 items, text block bytes: TOON vs JSON as the floor | TOON {tb} B | JSON {jb} B | {} |",
        ratio(tb as f64, jb as f64)
    );
}
