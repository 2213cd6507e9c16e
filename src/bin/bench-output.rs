//! Output benchmark (issue 23): the bytes, and an estimate of the tokens,
//! that the model receives from pierre-mcp per tool and output mode.
//!
//! Usage: bench-output PIERRE_MCP
//!
//! Runs one pierre-mcp session per mode (`--output structured`, then
//! `--output compact`), speaking raw MCP JSON-RPC on its stdin/stdout:
//! initialize, tools/list, then one call of every read-only tool with the
//! arguments a model would typically send. Prints Markdown table rows for
//! `scripts/bench.sh`; the floor of each row is structured mode measured in
//! the same run. Exits non-zero when a goal is missed (after printing).
//!
//! What the model receives, per the clients' own code (see
//! `pierre-mcp/src/output.rs`, the `CLIENTS` table):
//! - structured mode in Claude Code and VS Code: `JSON.stringify` of
//!   `structuredContent`; the text block is dropped (measured here as
//!   serde_json's compact form of the same value);
//! - compact mode: the one text block;
//! - chart tools (both modes, no `structuredContent`): the text block plus
//!   the PNG; the PNG is counted in bytes only (images are not text tokens).
//!
//! Token estimates: OpenAI's `o200k_base` BPE (tiktoken-rs, files embedded
//! in the crate), `encode_ordinary` over exactly those bytes. Claude's
//! tokenizer is not public, so the figure is an approximation.
//!
//! Goals (issue 23):
//! - get_activities limit=20 in compact mode ≤ 40 % of its structuredContent
//!   before issue 23 ([`ACTIVITIES_BEFORE_BYTES`]);
//! - compact tools/list ≤ [`TOOL_BYTE_BUDGET`] × the number of tools.
//!
//! pierre-mcp takes its environment from the caller: `PIERRE_HOME` with the
//! daemon already running, and the synthetic seed 42 and clock
//! 2026-11-23T12:00:00Z (as scripts/bench.sh sets them).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

/// get_activities limit=20's structuredContent before issue 23 (commit
/// f9272c3, seed 42, clock 2026-11-23T12:00:00Z): 7,669 B of compact JSON.
const ACTIVITIES_BEFORE_BYTES: usize = 7_669;
/// tools/list's tools before issue 23 (same commit): 30,883 B.
const TOOLS_LIST_BEFORE_BYTES: usize = 30_883;
/// Compact tools/list bytes per tool: 12,000 B for the 17 tools of issue 23,
/// inherited by every later tool (the same budget as the unit test in
/// `pierre-mcp/src/output.rs`).
const TOOL_BYTE_BUDGET: usize = 12_000 / 17;

/// One pierre-mcp session on pipes.
struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Session {
    fn start(program: &str, mode: &str) -> Session {
        let mut child = Command::new(program)
            .args(["--output", mode])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("bench-output: cannot spawn {program}: {e}"));
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut session = Session { child, stdin, stdout, next_id: 1 };
        session.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "bench-output", "version": "0"}}),
        );
        session.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        session
    }

    fn send(&mut self, message: &Value) {
        writeln!(self.stdin, "{message}").expect("write to pierre-mcp");
        self.stdin.flush().expect("flush");
    }

    /// One request's `result`, skipping notifications.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            let read = self.stdout.read_line(&mut line).expect("read from pierre-mcp");
            assert!(read > 0, "bench-output: pierre-mcp closed stdout during `{method}`");
            let value: Value = serde_json::from_str(&line).expect("a JSON-RPC line");
            if value.get("id") == Some(&json!(id)) {
                return value
                    .get("result")
                    .cloned()
                    .unwrap_or_else(|| panic!("bench-output: `{method}` failed: {value}"));
            }
        }
    }

    fn close(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

/// What the model receives from one result, in one mode.
struct Received {
    text: String,
    image_bytes: usize,
}

fn received(result: &Value) -> Received {
    let blocks = result["content"].as_array().cloned().unwrap_or_default();
    let image_bytes =
        blocks.iter().filter(|b| b["type"] == "image").map(|b| b["data"].as_str().map_or(0, str::len)).sum();
    let text = match result.get("structuredContent") {
        Some(structured) => structured.to_string(),
        None => blocks.iter().filter_map(|b| b["text"].as_str()).collect::<Vec<_>>().join("\n"),
    };
    Received { text, image_bytes }
}

/// The calls measured: every read-only tool, as a model would call it.
fn calls(first_activity: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("get_connection_status", json!({})),
        ("get_athlete", json!({})),
        ("get_activities", json!({"limit": 20})),
        ("get_activity", json!({"id": first_activity})),
        ("get_stats", json!({"period": "week"})),
        ("get_sleep", json!({})),
        ("get_recovery", json!({})),
        ("get_training_load", json!({})),
        ("get_weekly_summary", json!({})),
        ("compare_periods", json!({"from": "2026-11-01", "to": "2026-11-21"})),
        ("get_personal_records", json!({})),
        ("get_trends", json!({})),
        ("chart_training_load", json!({})),
        ("chart_weekly_volume", json!({})),
        ("chart_sleep_recovery", json!({})),
    ]
}

/// Everything one mode's session answered.
struct Run {
    tools: Vec<Value>,
    results: Vec<(String, Value, Received)>,
}

fn run(program: &str, mode: &str) -> Run {
    let mut session = Session::start(program, mode);
    let tools = session.request("tools/list", json!({}))["tools"].as_array().cloned().unwrap_or_default();
    let listed =
        session.request("tools/call", json!({"name": "get_activities", "arguments": {"limit": 1, "format": "json"}}));
    let text = listed["content"][0]["text"].as_str().unwrap_or("{}");
    let first: Value = serde_json::from_str(text).expect("get_activities JSON");
    let first_id = first["activities"][0]["id"].as_str().unwrap_or("").to_owned();
    let mut results = Vec::new();
    for (tool, arguments) in calls(&first_id) {
        let result = session.request("tools/call", json!({"name": tool, "arguments": arguments}));
        assert_ne!(result.get("isError"), Some(&json!(true)), "{mode}: {tool}: {result}");
        let got = received(&result);
        results.push((tool.to_owned(), arguments, got));
    }
    session.close();
    Run { tools, results }
}

fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() {
    let program = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: bench-output PIERRE_MCP");
        std::process::exit(2);
    });
    let bpe = tiktoken_rs::o200k_base().expect("o200k_base is embedded in tiktoken-rs");
    let tokens = |text: &str| bpe.encode_ordinary(text).len();
    let structured = run(&program, "structured");
    let compact = run(&program, "compact");
    let mut failures = Vec::new();

    let list_bytes = |tools: &[Value]| Value::Array(tools.to_vec()).to_string();
    let (s_list, c_list) = (list_bytes(&structured.tools), list_bytes(&compact.tools));
    let budget = TOOL_BYTE_BUDGET * compact.tools.len();
    println!(
        "| tools/list ({} tools) as sent: compact vs structured (≈ o200k tokens; a client may pass the model less, e.g. no outputSchema) | {} B · ≈{} tok | {} B · ≈{} tok | ×{:.2} |",
        compact.tools.len(),
        group(c_list.len()),
        group(tokens(&c_list)),
        group(s_list.len()),
        group(tokens(&s_list)),
        c_list.len() as f64 / s_list.len() as f64
    );
    let met = c_list.len() <= budget;
    println!(
        "| goal: compact tools/list ≤ {} B/tool × {} tools (before issue 23: {} B structured) | {} B | {} B | {} |",
        TOOL_BYTE_BUDGET,
        compact.tools.len(),
        group(TOOLS_LIST_BEFORE_BYTES),
        group(c_list.len()),
        group(budget),
        if met { "met" } else { "MISSED" }
    );
    if !met {
        failures.push(format!("compact tools/list is {} B, over {budget} B", c_list.len()));
    }

    for ((tool, arguments, s), (_, _, c)) in structured.results.iter().zip(&compact.results) {
        let args = arguments
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let args = if tool == "get_activity" { "id=(newest)".to_owned() } else { args };
        let image = if c.image_bytes > 0 { format!(" + PNG {} B", group(c.image_bytes)) } else { String::new() };
        let s_image = if s.image_bytes > 0 { format!(" + PNG {} B", group(s.image_bytes)) } else { String::new() };
        println!(
            "| `{tool}` {args}: model receives, compact vs structured in Claude Code/VS Code | {} B · ≈{} tok{image} | {} B · ≈{} tok{s_image} | ×{:.2} |",
            group(c.text.len()),
            group(tokens(&c.text)),
            group(s.text.len()),
            group(tokens(&s.text)),
            c.text.len() as f64 / s.text.len().max(1) as f64
        );
        if tool == "get_activities" {
            let limit = ACTIVITIES_BEFORE_BYTES * 40 / 100;
            let met = c.text.len() <= limit;
            println!(
                "| goal: `get_activities` limit=20 compact ≤ 40 % of its structuredContent before issue 23 ({} B) | {} B | {} B | {} |",
                group(ACTIVITIES_BEFORE_BYTES),
                group(c.text.len()),
                group(limit),
                if met { "met" } else { "MISSED" }
            );
            if !met {
                failures.push(format!("compact get_activities is {} B, over {limit} B", c.text.len()));
            }
        }
    }
    if !failures.is_empty() {
        eprintln!("bench-output: goals missed: {}", failures.join("; "));
        std::process::exit(1);
    }
}
