//! One socket connection: newline-delimited JSON-RPC with a bounded line
//! length, a hello deadline, and many requests in flight.
//!
//! Reading stays on this task; each request after hello runs as its own task
//! (tracked, so shutdown waits for it) and hands its answer to the single
//! writer task, so answers never interleave and come back in any order.

use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use pierre_shared::ErrorCode;
use pierre_shared::framing::{Frame, LineFrames};
use pierre_shared::protocol::{EventsSubscribe, Hello, MAX_LINE_BYTES, Method, RequestId, Response, RpcError};
use serde_json::Value;
use tokio::net::UnixStream;
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, FramedWrite, LinesCodec};
use tokio_util::task::TaskTracker;

use super::methods;
use super::session::{RequestContext, Session, take_user_param, user_for_request};
use crate::daemon::Daemon;

/// A request as read off the wire, shape already checked. No `Debug`: its
/// params may hold a token or a client secret.
struct Incoming {
    /// `None` for a notification, which gets no answer.
    id: Option<RequestId>,
    method: String,
    params: Value,
}

/// Serves one connection until the peer leaves or the daemon stops.
pub async fn serve(daemon: Arc<Daemon>, stream: UnixStream, peer_pid: Option<i32>, tracker: TaskTracker) {
    let (read_half, write_half) = stream.into_split();
    let (answers, mut queue) = mpsc::channel::<Response>(256);
    // Server-to-client notifications (`events.subscribe`), already encoded.
    let (notes, mut note_queue) = mpsc::channel::<String>(64);
    let writer = tokio::spawn(async move {
        let mut sink = FramedWrite::new(write_half, LinesCodec::new());
        loop {
            let line = tokio::select! {
                response = queue.recv() => match response {
                    Some(response) => serde_json::to_string(&response).ok(),
                    None => break,
                },
                Some(note) = note_queue.recv() => Some(note),
            };
            let Some(line) = line else { continue };
            if sink.send(line).await.is_err() {
                break;
            }
        }
    });

    let mut frames = FramedRead::new(read_half, LineFrames::new(MAX_LINE_BYTES));
    let mut session: Option<Arc<Session>> = None;
    let hello_deadline = tokio::time::sleep(daemon.config.hello_timeout);
    tokio::pin!(hello_deadline);

    loop {
        let frame = tokio::select! {
            _ = daemon.shutdown.cancelled() => break,
            _ = &mut hello_deadline, if session.is_none() => {
                let late = RpcError::new(ErrorCode::HelloRequired, format!(
                    "no daemon.hello within {} s; closing. Send daemon.hello first on every connection",
                    daemon.config.hello_timeout.as_secs_f32()));
                let _ = answers.send(Response::err(None, late)).await;
                break;
            }
            frame = frames.next() => frame,
        };
        let line = match frame {
            None | Some(Err(_)) => break,
            Some(Ok(Frame::TooLong)) => {
                let error = RpcError::new(
                    ErrorCode::LineTooLong,
                    format!(
                        "the request line is longer than {MAX_LINE_BYTES} bytes and was discarded; send smaller requests"
                    ),
                );
                let _ = answers.send(Response::err(None, error)).await;
                continue;
            }
            Some(Ok(Frame::InvalidUtf8)) => {
                let error = RpcError::new(
                    ErrorCode::ParseError,
                    "the request line is not valid UTF-8; send UTF-8 JSON, one request per line",
                );
                let _ = answers.send(Response::err(None, error)).await;
                continue;
            }
            Some(Ok(Frame::Line(line))) => line,
        };
        if line.trim().is_empty() {
            continue;
        }
        let incoming = match parse(&line) {
            Ok(incoming) => incoming,
            Err(response) => {
                let _ = answers.send(*response).await;
                continue;
            }
        };
        if incoming.method == Hello::NAME {
            let answer = match &session {
                Some(_) => Err(RpcError::new(
                    ErrorCode::InvalidRequest,
                    "this connection already said hello; open a new connection to act as someone else",
                )),
                None => match methods::daemon::hello(&daemon, incoming.params, peer_pid).await {
                    Ok((result, new_session)) => {
                        tracing::debug!(client = %new_session.client.name, user = %new_session.user.user_id, "hello");
                        session = Some(Arc::new(new_session));
                        Ok(serde_json::to_value(result).unwrap_or_default())
                    }
                    Err(error) => Err(error),
                },
            };
            if let Some(id) = incoming.id {
                let _ = answers.send(to_response(id, answer)).await;
            }
            continue;
        }
        let Some(current) = session.clone() else {
            if let Some(id) = incoming.id {
                let error = RpcError::new(
                    ErrorCode::HelloRequired,
                    "say daemon.hello before any other method on this connection",
                );
                let _ = answers.send(Response::err(Some(id), error)).await;
            }
            continue;
        };
        if incoming.method == EventsSubscribe::NAME {
            let answer = methods::events::subscribe(&daemon, &current, incoming.params, notes.clone())
                .await
                .map(|result| serde_json::to_value(result).unwrap_or_default());
            if let Some(id) = incoming.id {
                let _ = answers.send(to_response(id, answer)).await;
            }
            continue;
        }
        let daemon = daemon.clone();
        let answers = answers.clone();
        tracker.spawn(async move {
            let answer = handle(&daemon, &current, incoming.method.clone(), incoming.params).await;
            if let Some(id) = incoming.id {
                let _ = answers.send(to_response(id, answer)).await;
            }
        });
    }
    // In-flight tasks hold their own senders; the writer ends after them.
    drop(answers);
    let _ = writer.await;
}

/// Resolves the request's user at the edge, then dispatches.
async fn handle(daemon: &Arc<Daemon>, session: &Session, method: String, mut params: Value) -> Result<Value, RpcError> {
    let named = take_user_param(&mut params)?;
    let user = user_for_request(daemon, session, named).await?;
    let ctx = RequestContext { daemon, session, user };
    methods::dispatch(&ctx, &method, params).await
}

fn to_response(id: RequestId, answer: Result<Value, RpcError>) -> Response {
    match answer {
        Ok(result) => Response::ok(id, result),
        Err(error) => Response::err(Some(id), error),
    }
}

/// Checks one line is a JSON-RPC 2.0 request; otherwise the error response.
fn parse(line: &str) -> Result<Incoming, Box<Response>> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        Box::new(Response::err(
            None,
            RpcError::new(
                ErrorCode::ParseError,
                format!("the request is not valid JSON ({}); send one JSON-RPC object per line", e),
            ),
        ))
    })?;
    let invalid = |id: Option<RequestId>, why: &str| {
        Box::new(Response::err(
            id,
            RpcError::new(ErrorCode::InvalidRequest, format!("{why}; see the socket API in the README")),
        ))
    };
    let Value::Object(mut object) = value else {
        return Err(invalid(None, "the request must be a JSON object (batches are not supported)"));
    };
    let id = match object.remove("id") {
        None => None,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(n) => Some(RequestId::Number(n)),
            None => return Err(invalid(None, "`id` must be an integer or a string")),
        },
        Some(Value::String(s)) => Some(RequestId::String(s)),
        Some(_) => return Err(invalid(None, "`id` must be an integer or a string")),
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(id, "`jsonrpc` must be \"2.0\""));
    }
    let method = match object.remove("method") {
        Some(Value::String(m)) => m,
        _ => return Err(invalid(id, "`method` must be a string")),
    };
    let params = match object.remove("params") {
        None | Some(Value::Null) => Value::Object(Default::default()),
        Some(p @ Value::Object(_)) => p,
        Some(_) => return Err(invalid(id, "`params` must be an object")),
    };
    Ok(Incoming { id, method, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(line: &str) -> Box<Response> {
        match parse(line) {
            Err(response) => response,
            Ok(_) => panic!("{line} should have been refused"),
        }
    }

    fn error_code(line: &str) -> ErrorCode {
        rejected(line).error.unwrap().data.code
    }

    #[test]
    fn good_request_parses() {
        let r = parse(r#"{"jsonrpc":"2.0","id":"a","method":"daemon.status","params":{"x":1}}"#).unwrap();
        assert_eq!(r.id, Some(RequestId::String("a".into())));
        assert_eq!(r.method, "daemon.status");
        let n = parse(r#"{"jsonrpc":"2.0","method":"m"}"#).unwrap();
        assert_eq!(n.id, None);
        assert!(n.params.is_object());
    }

    #[test]
    fn each_bad_shape_gets_its_error() {
        assert_eq!(error_code("{not json"), ErrorCode::ParseError);
        assert_eq!(error_code("[1,2]"), ErrorCode::InvalidRequest);
        assert_eq!(error_code(r#"{"id":1,"method":"m"}"#), ErrorCode::InvalidRequest);
        assert_eq!(error_code(r#"{"jsonrpc":"2.0","id":1}"#), ErrorCode::InvalidRequest);
        assert_eq!(error_code(r#"{"jsonrpc":"2.0","id":1.5,"method":"m"}"#), ErrorCode::InvalidRequest);
        assert_eq!(error_code(r#"{"jsonrpc":"2.0","id":1,"method":"m","params":[1]}"#), ErrorCode::InvalidRequest);
    }

    #[test]
    fn invalid_request_keeps_a_readable_id() {
        let response = rejected(r#"{"jsonrpc":"1.0","id":9,"method":"m"}"#);
        assert_eq!(response.id, Some(RequestId::Number(9)));
    }
}
