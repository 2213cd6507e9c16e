//! pierre-mcp's edges (issue 22, item 7), through the real binary: count
//! arguments outside their range, over MCP and on the command line.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::TestHome;
use serde_json::{Value, json};

/// The fixed clock the pierre-mcp suites use (tests/clients/mcp_expect.py).
const NOW: &str = "2025-11-23T18:00:00+01:00";

const TIMEOUT: Duration = Duration::from_secs(120);

fn mcp(home: &TestHome, args: &[&str]) -> Command {
    let mut cmd = home.command("pierre-mcp");
    cmd.args(args).env("PIERRE_SYNTHETIC_NOW", NOW);
    cmd
}

fn run(home: &TestHome, args: &[&str]) -> Output {
    common::output_within(&mut mcp(home, args), TIMEOUT)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs the stdio server, sends `requests` after the handshake, and returns
/// the answer to the last one.
fn over_mcp(home: &TestHome, request: Value) -> Value {
    let mut child = mcp(home, &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("pierre-mcp starts");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut send = |v: Value| writeln!(stdin, "{v}").expect("pierre-mcp reads stdin");
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "edges", "version": "0"}}}),
    );
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(request);
    let answer = loop {
        let line = rx
            .recv_timeout(TIMEOUT)
            .expect("pierre-mcp answers within the timeout");
        let v: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON-RPC ({e}): {line}"));
        if v["id"] == 2 {
            break v;
        }
    };
    drop(stdin);
    let _ = child.wait();
    answer
}

/// `limit=-1` answered "invalid value: integer `-1`, expected u32" while
/// `limit=0` named the range: every value outside it must name the range,
/// as a tool error (isError), not a protocol error.
#[test]
fn counts_outside_their_range_name_the_range_over_mcp_and_on_the_command_line() {
    let home = TestHome::new();
    for (args, sent) in [
        (json!({"limit": -1}), "-1"),
        (json!({"limit": 0}), "0"),
        (json!({"limit": 1000}), "1000"),
        (json!({"limit": 2.5}), "2.5, not a whole number"),
    ] {
        let answer = over_mcp(
            &home,
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "get_activities", "arguments": args}}),
        );
        assert!(answer.get("error").is_none(), "a protocol error: {answer}");
        let result = &answer["result"];
        assert_eq!(result["isError"], true, "{answer}");
        assert_eq!(
            result["content"][0]["text"],
            format!("`limit` must be from 1 to 100; it was {sent}."),
            "{answer}"
        );
    }
    for (tool, arg, sentence) in [
        (
            "get_activities",
            "limit=-1",
            "`limit` must be from 1 to 100; it was -1.",
        ),
        (
            "get_stats",
            "count=-3",
            "`count` must be from 1 to 52; it was -3.",
        ),
        (
            "get_trends",
            "weeks=99999999999",
            "`weeks` must be from 3 to 52; it was 99999999999.",
        ),
    ] {
        let mut args = vec!["call", tool, arg];
        if tool == "get_stats" {
            args.push("period=week");
        }
        let out = run(&home, &args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{tool} {arg}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr).trim(), sentence, "{tool} {arg}");
        assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    }
}
