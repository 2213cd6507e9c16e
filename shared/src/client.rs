//! An async client for the daemon socket: one connection, many requests in
//! flight, answers matched by id, and a fresh connection plus `daemon.hello`
//! after the daemon went away.
//!
//! The client never retries a request that may have reached the daemon: a
//! request lost mid-flight returns [`ClientError::ConnectionLost`], and the
//! *next* call reconnects. Only a request that could not be written at all is
//! sent again on a fresh connection.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::UnixStream;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_util::codec::{FramedRead, FramedWrite, LinesCodec};

use crate::framing::{Frame, LineFrames};
use crate::protocol::{Hello, Method};
use crate::protocol::{HelloParams, HelloResult, MAX_LINE_BYTES, Request, RequestId, Response, RpcError};

/// How long one request may wait for its answer before giving up.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a call did not produce a result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Nothing answers on the socket (the daemon is not running).
    #[error("pierre-authd is not running at {path}; start it with `pierre-authd start`")]
    NotRunning {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The connection closed before the answer arrived.
    #[error(
        "the connection to pierre-authd closed before it answered; the daemon may have stopped, so run `pierre-authd status` and retry"
    )]
    ConnectionLost,
    /// The daemon did not answer in time.
    #[error("pierre-authd did not answer `{method}` within {secs} s; check `pierre-authd status` and its log")]
    Timeout { method: String, secs: u64 },
    /// The daemon answered with an error.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The daemon's answer could not be understood (version mismatch?).
    #[error(
        "pierre-authd sent an answer this client cannot read ({detail}); make sure pierre-mcp and pierre-authd are the same version"
    )]
    BadResponse { detail: String },
}

/// Callers waiting for answers, and whether the reader has stopped. One lock
/// guards both, so a caller can never register after the reader gave up.
#[derive(Default)]
struct Waiters {
    by_id: HashMap<i64, oneshot::Sender<Response>>,
    closed: bool,
}

type Pending = Arc<StdMutex<Waiters>>;

/// One live socket connection with its reader task.
struct Connection {
    outgoing: mpsc::Sender<String>,
    pending: Pending,
    hello: HelloResult,
}

impl Connection {
    fn is_open(&self) -> bool {
        !self.pending.lock().expect("pending map poisoned").closed && !self.outgoing.is_closed()
    }

    /// Registers a waiter for `id`; `None` if the connection already closed.
    fn register(&self, id: i64) -> Option<oneshot::Receiver<Response>> {
        let mut waiters = self.pending.lock().expect("pending map poisoned");
        if waiters.closed {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        waiters.by_id.insert(id, tx);
        Some(rx)
    }

    fn forget(&self, id: i64) {
        self.pending.lock().expect("pending map poisoned").by_id.remove(&id);
    }
}

/// A multiplexed, reconnecting daemon client. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    socket: PathBuf,
    hello: HelloParams,
    next_id: AtomicI64,
    current: Mutex<Option<Arc<Connection>>>,
    request_timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hello params may hold a token: show only the socket.
        f.debug_struct("Client").field("socket", &self.inner.socket).finish_non_exhaustive()
    }
}

impl Client {
    /// Connects and says hello; fails fast if nothing answers.
    pub async fn connect(socket: &Path, hello: HelloParams) -> Result<(Client, HelloResult), ClientError> {
        let client = Client {
            inner: Arc::new(Inner {
                socket: socket.to_path_buf(),
                hello,
                next_id: AtomicI64::new(1),
                current: Mutex::new(None),
                request_timeout: DEFAULT_REQUEST_TIMEOUT,
            }),
        };
        let conn = client.connection().await?;
        Ok((client, conn.hello.clone()))
    }

    /// The hello result of the current (or a fresh) connection.
    pub async fn hello(&self) -> Result<HelloResult, ClientError> {
        Ok(self.connection().await?.hello.clone())
    }

    /// The socket this client talks to.
    pub fn socket(&self) -> &Path {
        &self.inner.socket
    }

    /// Calls method `M` with typed params and decodes its typed result.
    pub async fn call<M: Method>(&self, params: &M::Params) -> Result<M::Result, ClientError> {
        let params = serde_json::to_value(params)
            .map_err(|e| ClientError::BadResponse { detail: format!("{}: params: {e}", M::NAME) })?;
        let value = self.call_value(M::NAME, params).await?;
        serde_json::from_value(value).map_err(|e| ClientError::BadResponse { detail: format!("{}: {e}", M::NAME) })
    }

    /// Calls `method` by name with raw params and returns the raw result:
    /// for scripts and tests that speak the wire format directly.
    pub async fn call_value(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let line = encode(id, method, params.clone())?;
        let conn = self.connection().await?;
        match self.send_on(&conn, id, line.clone(), method).await {
            // Not written at all: safe to send once more on a fresh connection.
            Err(Unsent) => {
                self.drop_connection(&conn).await;
                let conn = self.connection().await?;
                self.send_on(&conn, id, line, method).await.unwrap_or(Err(ClientError::ConnectionLost))
            }
            Ok(answer) => answer,
        }
    }

    /// Sends one line and waits; `Err(Unsent)` when nothing was written.
    async fn send_on(
        &self,
        conn: &Arc<Connection>,
        id: i64,
        line: String,
        method: &str,
    ) -> Result<Result<Value, ClientError>, Unsent> {
        let rx = conn.register(id).ok_or(Unsent)?;
        if conn.outgoing.send(line).await.is_err() {
            conn.forget(id);
            return Err(Unsent);
        }
        Ok(self.await_answer(conn, id, rx, method).await)
    }

    async fn await_answer(
        &self,
        conn: &Arc<Connection>,
        id: i64,
        rx: oneshot::Receiver<Response>,
        method: &str,
    ) -> Result<Value, ClientError> {
        let answer = tokio::time::timeout(self.inner.request_timeout, rx).await;
        let response = match answer {
            Ok(Ok(response)) => response,
            Ok(Err(_)) => {
                self.drop_connection(conn).await;
                return Err(ClientError::ConnectionLost);
            }
            Err(_) => {
                conn.forget(id);
                return Err(ClientError::Timeout {
                    method: method.to_string(),
                    secs: self.inner.request_timeout.as_secs(),
                });
            }
        };
        match (response.result, response.error) {
            (_, Some(error)) => Err(ClientError::Rpc(error)),
            (Some(result), None) => Ok(result),
            (None, None) => Ok(Value::Null),
        }
    }

    async fn drop_connection(&self, conn: &Arc<Connection>) {
        let mut current = self.inner.current.lock().await;
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
            *current = None;
        }
    }

    /// The open connection, or a new one after hello.
    async fn connection(&self) -> Result<Arc<Connection>, ClientError> {
        let mut current = self.inner.current.lock().await;
        if let Some(conn) = current.as_ref().filter(|c| c.is_open()) {
            return Ok(conn.clone());
        }
        let conn = Arc::new(open_connection(&self.inner.socket, &self.inner.hello, &self.inner.next_id).await?);
        *current = Some(conn.clone());
        Ok(conn)
    }
}

/// A request that never left this process.
struct Unsent;

fn encode(id: i64, method: &str, params: Value) -> Result<String, ClientError> {
    let request = Request { jsonrpc: "2.0".into(), id: RequestId::Number(id), method: method.to_string(), params };
    serde_json::to_string(&request).map_err(|e| ClientError::BadResponse { detail: e.to_string() })
}

async fn open_connection(socket: &Path, hello: &HelloParams, next_id: &AtomicI64) -> Result<Connection, ClientError> {
    let stream = UnixStream::connect(socket)
        .await
        .map_err(|source| ClientError::NotRunning { path: socket.to_path_buf(), source })?;
    let (read_half, write_half) = stream.into_split();
    let pending: Pending = Arc::new(StdMutex::new(Waiters::default()));
    let (outgoing, mut queue) = mpsc::channel::<String>(64);

    // Writer: the only task that writes, so lines never interleave.
    tokio::spawn(async move {
        let mut sink = FramedWrite::new(write_half, LinesCodec::new());
        while let Some(line) = queue.recv().await {
            if sink.send(line).await.is_err() {
                break;
            }
        }
    });

    // Reader: routes each answer to the caller waiting on its id. When it
    // ends, dropping the pending senders wakes every waiter with an error.
    let reader_pending = pending.clone();
    tokio::spawn(async move {
        let mut frames = FramedRead::new(read_half, LineFrames::new(MAX_LINE_BYTES));
        while let Some(Ok(frame)) = frames.next().await {
            let Frame::Line(line) = frame else { continue };
            let Ok(response) = serde_json::from_str::<Response>(&line) else { continue };
            let Some(RequestId::Number(id)) = response.id else { continue };
            if let Some(waiter) = reader_pending.lock().expect("pending map poisoned").by_id.remove(&id) {
                let _ = waiter.send(response);
            }
        }
        let mut waiters = reader_pending.lock().expect("pending map poisoned");
        waiters.closed = true;
        // Dropping the senders wakes every waiter with ConnectionLost.
        waiters.by_id.clear();
    });

    let mut conn = Connection { outgoing, pending, hello: placeholder_hello() };
    let id = next_id.fetch_add(1, Ordering::Relaxed);
    let params = serde_json::to_value(hello).map_err(|e| ClientError::BadResponse { detail: e.to_string() })?;
    let line = encode(id, Hello::NAME, params)?;
    let rx = conn.register(id).ok_or(ClientError::ConnectionLost)?;
    conn.outgoing.send(line).await.map_err(|_| ClientError::ConnectionLost)?;
    let response = tokio::time::timeout(Duration::from_secs(10), rx)
        .await
        .map_err(|_| ClientError::Timeout { method: Hello::NAME.into(), secs: 10 })?
        .map_err(|_| ClientError::ConnectionLost)?;
    if let Some(error) = response.error {
        return Err(ClientError::Rpc(error));
    }
    conn.hello = serde_json::from_value(response.result.unwrap_or(Value::Null))
        .map_err(|e| ClientError::BadResponse { detail: format!("daemon.hello: {e}") })?;
    Ok(conn)
}

fn placeholder_hello() -> HelloResult {
    HelloResult { protocol_version: 0, daemon_version: String::new(), user_id: String::new(), user_name: String::new() }
}
