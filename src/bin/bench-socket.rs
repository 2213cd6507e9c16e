//! Socket benchmark: one method (default `daemon.status`) on a running
//! pierre-authd against a raw Unix-socket line echo (the floor), interleaved
//! in one run, 1 and 8 connections. Prints Markdown table rows;
//! `scripts/bench.sh` collects them.
//!
//! Usage: bench-socket SOCKET [REQUESTS] [ROUNDS] [METHOD [PARAMS_JSON [USER]]]
//!        bench-socket --serve-echo SOCKET
//!
//! USER is sent in `daemon.hello` (the Pierre user the connection acts
//! for), so `tokens.get` reads that user's connection. `--serve-echo` runs
//! only the echo floor, forever: its RSS is the floor of the daemon's.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// What each request of a run sends.
#[derive(Clone)]
struct Call {
    method: String,
    /// The params object, as JSON text.
    params: String,
    /// The `daemon.hello` line (with the user to act for, if any).
    hello: String,
}

impl Call {
    fn new(method: String, params: String, user: Option<String>) -> Call {
        let user = user.map_or(String::new(), |u| format!(",\"user\":{}", serde_json::Value::String(u)));
        let hello = format!(
            r#"{{"jsonrpc":"2.0","id":0,"method":"daemon.hello","params":{{"protocol_versions":[1],"client":{{"name":"bench-socket","version":"0"}}{user}}}}}"#
        );
        Call { method, params, hello }
    }
}

#[derive(Default)]
struct Sample {
    latencies: Vec<Duration>,
    wall: Duration,
    requests: usize,
}

impl Sample {
    fn merge(&mut self, other: Sample) {
        self.latencies.extend(other.latencies);
        self.wall += other.wall;
        self.requests += other.requests;
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort();
        let idx = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[idx]
    }

    fn throughput(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }
}

/// Sends `n` requests one after another on one connection, timing each.
/// The echo floor gets the same request lines, without the hello.
async fn drive(socket: PathBuf, n: usize, call: Call, hello: bool) -> Vec<Duration> {
    let stream = UnixStream::connect(&socket).await.expect("connect");
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let (method, params) = (call.method.as_str(), call.params.as_str());
    if hello {
        write.write_all(format!("{}\n", call.hello).as_bytes()).await.expect("hello");
        let reply = lines.next_line().await.expect("hello reply").expect("hello reply");
        assert!(reply.contains("\"result\""), "hello failed: {reply}");
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let line = format!("{{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"{method}\",\"params\":{params}}}\n", i + 1);
        let start = Instant::now();
        write.write_all(line.as_bytes()).await.expect("write");
        let reply = lines.next_line().await.expect("read").expect("reply");
        out.push(start.elapsed());
        assert!(!reply.contains("\"error\""), "request failed: {reply}");
    }
    out
}

async fn run(socket: &Path, conns: usize, n: usize, call: &Call, hello: bool) -> Sample {
    let start = Instant::now();
    let tasks: Vec<_> = (0..conns).map(|_| tokio::spawn(drive(socket.to_path_buf(), n, call.clone(), hello))).collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.expect("task"));
    }
    Sample { wall: start.elapsed(), requests: latencies.len(), latencies }
}

/// A line echo server: the cheapest possible request/response on a socket.
async fn echo_server(path: &Path) {
    let listener = UnixListener::bind(path).expect("bind echo");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
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

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next().expect("usage: bench-socket SOCKET [REQUESTS] [ROUNDS] [METHOD [PARAMS_JSON [USER]]]");
    if first == "--serve-echo" {
        let path = PathBuf::from(args.next().expect("--serve-echo SOCKET"));
        echo_server(&path).await;
        std::future::pending::<()>().await;
    }
    let daemon_socket = PathBuf::from(first);
    let n: usize = args.next().map(|a| a.parse().expect("REQUESTS")).unwrap_or(2000);
    let rounds: usize = args.next().map(|a| a.parse().expect("ROUNDS")).unwrap_or(3);
    let method = args.next().unwrap_or_else(|| "daemon.status".into());
    let params = args.next().unwrap_or_else(|| "{}".into());
    let user = args.next();
    let label = if user.is_some() { format!("`{method}` (a user's Strava connection)") } else { format!("`{method}`") };
    let call = Call::new(method, params, user);
    let dir = tempfile_dir();
    let echo_socket = dir.join("echo.sock");
    echo_server(&echo_socket).await;

    for conns in [1usize, 8] {
        let per_conn = n / conns;
        let (mut daemon, mut echo) = (Sample::default(), Sample::default());
        for _ in 0..rounds {
            echo.merge(run(&echo_socket, conns, per_conn, &call, false).await);
            daemon.merge(run(&daemon_socket, conns, per_conn, &call, true).await);
        }
        let (d50, d99, e50, e99) =
            (daemon.percentile(0.5), daemon.percentile(0.99), echo.percentile(0.5), echo.percentile(0.99));
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "| socket {label}, {conns} conn | p50 {:.0} µs · p99 {:.0} µs · {:.0} req/s | echo p50 {:.0} µs · p99 {:.0} µs · {:.0} req/s | p50 ×{:.1} · p99 ×{:.1} · throughput ×{:.2} |",
            us(d50),
            us(d99),
            daemon.throughput(),
            us(e50),
            us(e99),
            echo.throughput(),
            us(d50) / us(e50),
            us(d99) / us(e99),
            daemon.throughput() / echo.throughput()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pierre-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
