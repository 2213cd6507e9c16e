//! A deliberately small, blocking, line-oriented JSON-RPC 2.0 client over the daemon's Unix
//! socket. Unlike `pierre-shared`'s client it sends whatever bytes a test gives it, so tests can
//! send malformed, oversized or half-written lines too.

use std::io::{self, BufRead, BufReader, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long [`RpcClient::call`] waits for its answer.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The params of the standard first request:
/// `{"protocol_versions":[1],"client":{"name":"t","version":"0"}}`.
pub fn hello_params() -> Value {
    json!({ "protocol_versions": [1], "client": { "name": "t", "version": "0" } })
}

/// One connection to a daemon socket.
#[derive(Debug)]
pub struct RpcClient {
    writer: UnixStream,
    reader: BufReader<UnixStream>,
    /// Bytes of a line not yet ended by `\n` when a read timed out; the next read continues it.
    partial: Vec<u8>,
    next_id: i64,
    /// Lines [`RpcClient::call`] read while waiting for its own answer (notifications, answers
    /// to other ids), in arrival order.
    pub unmatched: Vec<Value>,
}

impl RpcClient {
    /// Connects to `path`.
    ///
    /// # Errors
    ///
    /// When the connect fails.
    pub fn connect(path: &Path) -> io::Result<RpcClient> {
        let writer = UnixStream::connect(path)?;
        let reader = BufReader::new(writer.try_clone()?);
        Ok(RpcClient { writer, reader, partial: Vec::new(), next_id: 1, unmatched: Vec::new() })
    }

    /// The underlying stream (for `peer_cred`, socket options, ...).
    pub fn stream(&self) -> &UnixStream {
        &self.writer
    }

    /// Writes `bytes` exactly as given: no newline is added.
    ///
    /// # Errors
    ///
    /// When the write fails (e.g. the daemon closed the connection).
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)?;
        self.writer.flush()
    }

    /// Writes `line` followed by `\n`.
    ///
    /// # Errors
    ///
    /// When the write fails.
    pub fn send_line(&mut self, line: &str) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.send_raw(&bytes)
    }

    /// Writes `value` as one JSON line.
    ///
    /// # Errors
    ///
    /// When the write fails.
    pub fn send(&mut self, value: &Value) -> io::Result<()> {
        self.send_line(&value.to_string())
    }

    /// Sends a request with the next id and returns that id, without waiting for the answer.
    ///
    /// # Panics
    ///
    /// When the write fails.
    pub fn request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        self.send(&request).unwrap_or_else(|e| panic!("cannot send {method}: {e}"));
        id
    }

    /// Reads one line (without its `\n`) as raw bytes. `Ok(None)` on EOF; a partial line before
    /// EOF is returned as a line.
    ///
    /// # Errors
    ///
    /// `TimedOut` when no whole line arrives within `timeout` (what came so far is kept for the
    /// next read), or the read error.
    pub fn read_raw_line(&mut self, timeout: Duration) -> io::Result<Option<Vec<u8>>> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, format!("no complete line within {timeout:?}")));
            }
            self.reader.get_ref().set_read_timeout(Some(left))?;
            match self.reader.read_until(b'\n', &mut self.partial) {
                Ok(0) if self.partial.is_empty() => return Ok(None),
                Ok(0) => return Ok(Some(std::mem::take(&mut self.partial))),
                Ok(_) if self.partial.last() == Some(&b'\n') => {
                    let mut line = std::mem::take(&mut self.partial);
                    line.pop();
                    return Ok(Some(line));
                }
                Ok(_) => {} // EOF right after a partial line: the next read returns 0
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads one line as UTF-8. `Ok(None)` on EOF.
    ///
    /// # Errors
    ///
    /// As [`RpcClient::read_raw_line`], or `InvalidData` when the line is not UTF-8.
    pub fn read_line(&mut self, timeout: Duration) -> io::Result<Option<String>> {
        match self.read_raw_line(timeout)? {
            None => Ok(None),
            Some(bytes) => {
                String::from_utf8(bytes).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
            }
        }
    }

    /// Reads one line and parses it as JSON.
    ///
    /// # Panics
    ///
    /// On timeout, EOF, a read error or a line that is not JSON.
    pub fn read_json(&mut self, timeout: Duration) -> Value {
        let line = match self.read_line(timeout) {
            Ok(Some(line)) => line,
            Ok(None) => panic!("the daemon closed the connection instead of answering"),
            Err(e) => panic!("no answer from the daemon: {e}"),
        };
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the daemon sent a line that is not JSON ({e}): {line:?}"))
    }

    /// Whether the daemon has closed the connection: true on EOF (or a reset) within `timeout`.
    ///
    /// # Panics
    ///
    /// When a line arrives instead.
    pub fn is_closed_within(&mut self, timeout: Duration) -> bool {
        match self.read_raw_line(timeout) {
            Ok(None) => true,
            Ok(Some(line)) => {
                panic!("expected the connection to close, got a line: {:?}", String::from_utf8_lossy(&line))
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => false,
            Err(_) => true, // ECONNRESET and friends: closed too
        }
    }

    /// Sends a request and returns the whole response object (with `result` or `error`).
    /// Other lines that arrive first are kept in [`RpcClient::unmatched`].
    ///
    /// # Panics
    ///
    /// On I/O errors, EOF, or no answer within [`DEFAULT_READ_TIMEOUT`].
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.request(method, params);
        let deadline = Instant::now() + DEFAULT_READ_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let response = self.read_json(left);
            if response.get("id") == Some(&json!(id)) {
                return response;
            }
            self.unmatched.push(response);
        }
    }

    /// Like [`RpcClient::call`], returning `result`.
    ///
    /// # Panics
    ///
    /// When the daemon answers with an error (the panic shows it).
    pub fn call_ok(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        match response.get("result") {
            Some(result) if response.get("error").is_none() => result.clone(),
            _ => panic!("{method} failed: {response}"),
        }
    }

    /// Like [`RpcClient::call`], returning the `error` object.
    ///
    /// # Panics
    ///
    /// When the daemon answers with a result.
    pub fn call_err(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        response.get("error").cloned().unwrap_or_else(|| panic!("{method} should have failed: {response}"))
    }

    /// The standard first request, `daemon.hello` with [`hello_params`]; returns its result.
    ///
    /// # Panics
    ///
    /// When hello fails.
    pub fn hello(&mut self) -> Value {
        self.call_ok("daemon.hello", hello_params())
    }

    /// The standard hello acting for `user` (the owner when `None`).
    pub fn hello_as(&mut self, user: Option<&str>) -> Value {
        let mut params = hello_params();
        if let Some(user) = user {
            params["user"] = json!(user);
        }
        self.call_ok("daemon.hello", params)
    }

    /// Sends `n` `method` requests before reading any answer, so all are in flight at once;
    /// returns the `n` answers (notifications in between are skipped).
    pub fn pipelined(&mut self, method: &str, n: usize, params: Value) -> Vec<Value> {
        for _ in 0..n {
            self.request(method, params.clone());
        }
        let mut answers = Vec::new();
        while answers.len() < n {
            let v = self.read_json(Duration::from_secs(60));
            if v.get("id").is_some() {
                answers.push(v);
            }
        }
        answers
    }

    /// Half-closes the connection: the daemon sees EOF, this side can still read.
    pub fn shutdown_write(&self) {
        let _ = self.writer.shutdown(Shutdown::Write);
    }
}
