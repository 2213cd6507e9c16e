//! Many-users benchmark: pierre-authd's RSS, the time taken and the disk
//! used with 1,000 and 10,000 users, each with a connection (the synthetic
//! provider, which needs no OAuth: `users.add` already records one for every
//! new user, and `connections.begin synthetic` then answers
//! `already_connected`, which is checked for every user).
//! Everything goes over one socket connection, pipelined: all `users.add`
//! of a stage written at once, then all `connections.begin`. The floor for
//! the time: the same request lines through a raw Unix-socket line echo
//! over one connection, pipelined the same way; for RSS, a bare tokio
//! process serving that echo (`bench-socket --serve-echo`, pid given).
//!
//! Usage: bench-users SOCKET DAEMON_PID PIERRE_HOME FLOOR_PID STAGE...
//! (STAGE: total users wanted after it, e.g. 1000 10000). Prints Markdown rows.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// A number field of `/proc/<pid>/status` (`VmRSS` in KiB, `Threads`).
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

fn rss_kib(pid: u32) -> u64 {
    proc_status(pid, "VmRSS")
}

/// How long after a stage RSS is read: tokio's idle blocking threads (one
/// per concurrent store call, up to 512) exit after 10 s.
const SETTLE: Duration = Duration::from_secs(11);

/// Disk allocated under `dir` (st_blocks), in KiB.
fn disk_kib(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => disk_kib(&e.path()) + m.blocks() / 2,
            Ok(m) => m.blocks() / 2,
            Err(_) => 0,
        })
        .sum()
}

/// Writes every line at once (from a second task) and reads as many
/// replies; the wall time, the first few errors, and how many replies
/// said `already_connected: true`.
async fn pipeline(socket: &Path, hello: bool, lines: Vec<String>) -> (Duration, Vec<String>, usize) {
    let (read, mut write) = UnixStream::connect(socket).await.expect("connect").into_split();
    let mut replies = BufReader::new(read).lines();
    if hello {
        let hello = json!({"jsonrpc": "2.0", "id": 0, "method": "daemon.hello",
            "params": {"protocol_versions": [1], "client": {"name": "bench-users", "version": "0"}}});
        write.write_all(format!("{hello}\n").as_bytes()).await.expect("hello");
        let reply = replies.next_line().await.expect("hello reply").expect("hello reply");
        assert!(reply.contains("\"result\""), "hello failed: {reply}");
    }
    let n = lines.len();
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        let mut buf = String::new();
        for line in lines {
            buf.push_str(&line);
            buf.push('\n');
            if buf.len() > 64 * 1024 {
                write.write_all(buf.as_bytes()).await.expect("write");
                buf.clear();
            }
        }
        write.write_all(buf.as_bytes()).await.expect("write");
        write
    });
    let (mut errors, mut already) = (Vec::new(), 0);
    for _ in 0..n {
        let reply = replies.next_line().await.expect("read").expect("a reply");
        already += usize::from(reply.contains("\"already_connected\":true"));
        if reply.contains("\"error\"") && errors.len() < 3 {
            errors.push(reply);
        }
    }
    let elapsed = start.elapsed();
    drop(writer.await.expect("writer"));
    (elapsed, errors, already)
}

async fn echo_server(path: &Path) {
    let listener = UnixListener::bind(path).expect("bind echo");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if write.write_all(format!("{line}\n").as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
}

fn request(id: usize, method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

#[tokio::main]
async fn main() {
    let usage = "usage: bench-users SOCKET DAEMON_PID PIERRE_HOME FLOOR_PID STAGE...";
    let mut args = std::env::args().skip(1);
    let socket = PathBuf::from(args.next().expect(usage));
    let daemon: u32 = args.next().and_then(|a| a.parse().ok()).expect(usage);
    let home = PathBuf::from(args.next().expect(usage));
    let floor: u32 = args.next().and_then(|a| a.parse().ok()).expect(usage);
    let stages: Vec<usize> = args.map(|a| a.parse().expect(usage)).collect();
    let echo_dir = std::env::temp_dir().join(format!("pierre-bench-users-{}", std::process::id()));
    std::fs::create_dir_all(&echo_dir).expect("temp dir");
    let echo = echo_dir.join("echo.sock");
    echo_server(&echo).await;

    let floor_rss = rss_kib(floor);
    let mut done = 0usize;
    for total in stages {
        let names: Vec<String> = (done..total).map(|i| format!("many-{i}")).collect();
        let adds: Vec<String> =
            names.iter().enumerate().map(|(i, n)| request(i + 1, "users.add", json!({"name": n}))).collect();
        let begins: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| request(i + 1, "connections.begin", json!({"provider": "synthetic", "user": n})))
            .collect();
        // Floor first, then the daemon: the same lines, the same way.
        let (echo_add, _, _) = pipeline(&echo, false, adds.clone()).await;
        let (echo_begin, _, _) = pipeline(&echo, false, begins.clone()).await;
        let (add, errors, _) = pipeline(&socket, true, adds).await;
        assert!(errors.is_empty(), "users.add failed: {errors:?}");
        let (begin, errors, already) = pipeline(&socket, true, begins).await;
        assert!(errors.is_empty(), "connections.begin failed: {errors:?}");
        assert_eq!(already, names.len(), "not every new user had its synthetic connection");
        done = total;
        let (peak_rss, peak_threads) = (rss_kib(daemon), proc_status(daemon, "Threads"));
        tokio::time::sleep(SETTLE).await;
        let (rss, disk) = (rss_kib(daemon), disk_kib(&home));
        let (pierre, floor_t) = ((add + begin).as_secs_f64(), (echo_add + echo_begin).as_secs_f64());
        let added = names.len();
        println!(
            "| pierre-authd with {total} users, each with a (synthetic) connection: RSS (11 s after the stage) · disk of PIERRE_HOME · time to add {added} users + `connections.begin synthetic` each (already connected), pipelined on one socket connection | RSS {rss} KiB (right after: {peak_rss} KiB, {peak_threads} threads) · disk {disk} KiB · {:.2} s ({:.0} µs/user: add {:.2} s, begin {:.2} s) | bare tokio echo process RSS {floor_rss} KiB · the same {} lines echoed {:.3} s | RSS ×{:.1} · time ×{:.0} |",
            pierre,
            pierre * 1e6 / added as f64,
            add.as_secs_f64(),
            begin.as_secs_f64(),
            2 * added,
            floor_t,
            rss as f64 / floor_rss as f64,
            pierre / floor_t,
        );
    }
    let _ = std::fs::remove_dir_all(&echo_dir);
}
