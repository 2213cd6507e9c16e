//! pierre-mcp's edges (issue 22, item 7), through the real binary: count
//! arguments outside their range (over MCP and on the command line), no
//! negative zero and no false note in get_trends, no destructive advice in
//! a tool error, a usage hint for a person at a terminal, and a quiet exit
//! when whoever reads the output has gone.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Command, Output, Stdio};
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
    send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "edges", "version": "0"}}}));
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(request);
    let answer = loop {
        let line = rx.recv_timeout(TIMEOUT).expect("pierre-mcp answers within the timeout");
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON-RPC ({e}): {line}"));
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
        assert_eq!(result["content"][0]["text"], format!("`limit` must be from 1 to 100; it was {sent}."), "{answer}");
    }
    for (tool, arg, sentence) in [
        ("get_activities", "limit=-1", "`limit` must be from 1 to 100; it was -1."),
        ("get_stats", "count=-3", "`count` must be from 1 to 52; it was -3."),
        ("get_trends", "weeks=99999999999", "`weeks` must be from 3 to 52; it was 99999999999."),
    ] {
        let mut args = vec!["call", tool, arg];
        if tool == "get_stats" {
            args.push("period=week");
        }
        let out = run(&home, &args);
        assert_eq!(out.status.code(), Some(1), "{tool} {arg}: {}", text(&out.stderr));
        assert_eq!(text(&out.stderr).trim(), sentence, "{tool} {arg}");
        assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    }
}

/// Whether `text` shows a negative zero ("-0", "-0.0", "-0.00") as a number
/// of its own (not the "-0" inside a date such as 2025-09-01).
fn negative_zero_in(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| {
        let number_starts = bytes[i] == b'-' && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !number_starts || bytes.get(i + 1) != Some(&b'0') {
            return None;
        }
        let mut end = i + 2;
        if bytes.get(end) == Some(&b'.') {
            end += 1;
            while bytes.get(end) == Some(&b'0') {
                end += 1;
            }
        }
        let zero = !bytes.get(end).is_some_and(u8::is_ascii_digit);
        zero.then(|| &text[i.saturating_sub(20)..(end + 10).min(text.len())])
    })
}

/// `get_trends sport=strength` printed `"distance_m": -0.0` for every week
/// and "Fewer than 3 weeks with strength activities" over weeks that had
/// them. No tool may show a negative zero, and a note must be true.
#[test]
fn strength_trends_have_no_negative_zero_and_no_false_note() {
    let home = TestHome::new();
    let call = |args: &[&str]| {
        let out = run(&home, &[&["call"], args].concat());
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let strength = call(&["get_trends", "sport=strength", "--json"]);
    let v: Value = serde_json::from_str(&strength).unwrap();
    let notes: Vec<&str> = v["missing"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(v["weeks"].as_array().unwrap().iter().any(|w| w["activities"].as_u64() > Some(0)), "{strength}");
    assert!(!notes.iter().any(|n| n.starts_with("Fewer than 3 weeks with strength activities")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("strength activities have no distance")), "{notes:?}");
    assert!(v["weeks"].as_array().unwrap().iter().all(|w| w.get("distance_m").is_none()), "{strength}");

    let mut outputs = vec![strength];
    for sport in ["yoga", "workout", "run", "ride", "swim"] {
        outputs.push(call(&["get_trends", &format!("sport={sport}"), "--json"]));
    }
    outputs.push(call(&["get_trends", "sport=strength"]));
    for args in [
        &["get_weekly_summary", "weeks=12"][..],
        &["compare_periods", "from=2025-11-17", "to=2025-11-23"],
        &["get_training_load", "from=2025-08-01", "to=2025-11-23"],
        &["get_stats", "period=week", "count=12", "sport=strength"],
        &["get_recovery"],
    ] {
        outputs.push(call(&[args, &["--json"]].concat()));
        outputs.push(call(args));
    }
    for out in &outputs {
        assert_eq!(negative_zero_in(out), None, "a negative zero in:\n{out}");
    }
    // The detector itself: it finds what the issue showed, and only that.
    assert!(negative_zero_in("\"distance_m\": -0.0,").is_some());
    assert!(negative_zero_in("Form -0 (fitness 40").is_some());
    assert_eq!(negative_zero_in("2025-09-01, -0.5, -10, x-0"), None);
}

/// A broken key file makes the daemon's sentence end "restore it from a
/// backup, or run `pierre-authd purge` to start over". A tool error is read
/// by the model, which might run what it says: it must point at
/// `pierre-authd doctor` instead, and never at purge.
#[test]
fn a_tool_error_never_advises_purge() {
    let home = TestHome::new();
    let out = run(&home, &["call", "get_athlete"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stop = common::output_within(home.command("pierre-authd").arg("stop"), TIMEOUT);
    assert!(stop.status.success(), "{}", text(&stop.stderr));
    let key = home.path().join("data").join("vault.key");
    assert!(key.is_file(), "the test install keeps its master key in {}", key.display());
    std::fs::write(&key, "not base64 at all\n").unwrap();
    for tool in ["get_activities", "get_training_load"] {
        let out = run(&home, &["call", tool]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{tool}: {stderr}");
        assert!(!stderr.contains("purge"), "{tool}: {stderr}");
        assert!(stderr.contains("`pierre-authd doctor`"), "{tool}: {stderr}");
    }
}

/// Waits for `child` and what it wrote to its piped streams; kills it
/// after [`TIMEOUT`] (then the test fails: it never answered).
fn finish(child: Child) -> Output {
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(TIMEOUT) {
        Ok(output) => output.expect("waiting for pierre-mcp"),
        Err(_) => {
            // SAFETY: a plain kill(2) of the child this test started.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("pierre-mcp still running after {TIMEOUT:?}; killed it");
        }
    }
}

/// `pierre-mcp` with no command, started by a person at a terminal, used
/// to sit silently waiting for JSON-RPC. It must say how to use it, on
/// stderr, and exit 2 without serving. Stdin is a real pseudo-terminal.
#[test]
fn at_a_terminal_without_a_command_it_explains_itself_and_exits_2() {
    let home = TestHome::new();
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two new descriptors into the two ints; the
    // null name, termios and window size pointers are allowed.
    let opened =
        unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let child = mcp(&home, &[])
        .stdin(Stdio::from(slave))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pierre-mcp starts");
    let out = finish(child);
    drop(master);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "", "stdout is the protocol; the hint goes to stderr");
    for needed in ["stdin as a pipe", "pierre-mcp tools", "pierre-mcp call get_activities", "--help"] {
        assert!(stderr.contains(needed), "{needed:?} missing from:\n{stderr}");
    }
}

/// A pipe whose reading end is already closed: writing to the other end
/// fails with EPIPE, as for `pierre-mcp tools | head -1` once head is done.
fn pipe_nobody_reads() -> OwnedFd {
    let mut fds = [-1; 2];
    // SAFETY: pipe writes two new descriptors into the array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    write
}

/// Every CLI command ends quietly with 0 when its reader has gone, instead
/// of failing with "cannot write stdout: Broken pipe" (or panicking with
/// 101, as `println!` does).
#[test]
fn cli_commands_exit_quietly_when_the_reader_has_gone() {
    let home = TestHome::new();
    for args in [
        &["tools"][..],
        &["tools", "--json"],
        &["call", "get_activities", "limit=50"],
        &["call", "get_athlete", "--json"],
        &["call", "get_trends", "--format", "toon"],
    ] {
        let child = mcp(&home, args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(pipe_nobody_reads()))
            .stderr(Stdio::piped())
            .spawn()
            .expect("pierre-mcp starts");
        let out = finish(child);
        assert_eq!((out.status.code(), text(&out.stderr).as_str()), (Some(0), ""), "{args:?}");
    }
    // And through a shell, as a person types it.
    let bin = common::bin("pierre-mcp");
    let line = format!("set -o pipefail; '{}' tools | head -1", bin.display());
    let out = common::output_within(home.command_at("bash").args(["-c", &line]), TIMEOUT);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("TOOL"), "{}", text(&out.stdout));
}
