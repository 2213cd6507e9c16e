//! JSON-RPC 2.0 framing: requests, responses, ids and the error object.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ErrorCode;

/// A request id: JSON-RPC allows numbers and strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    Number(i64),
    String(String),
}

/// A JSON-RPC request as sent by a client. Its params may hold a token or
/// a client secret, so `Debug` shows only the id and method.
#[derive(Clone, Serialize, Deserialize)]
pub struct Request {
    pub jsonrpc: String,
    pub id: RequestId,
    pub method: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub params: Value,
}

/// The error object of a JSON-RPC response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    /// JSON-RPC numeric code, derived from `data.code`.
    pub code: i64,
    /// One sentence: what happened and what to do next.
    pub message: String,
    pub data: ErrorData,
}

/// Machine-readable detail of an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorData {
    /// The stable snake_case code.
    pub code: ErrorCode,
    /// Seconds to wait before retrying, for `rate_limited` and similar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// The provider concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl RpcError {
    /// An error with a code and an actionable sentence.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: code.rpc_code(),
            message: message.into(),
            data: ErrorData { code, retry_after_secs: None, provider: None },
        }
    }

    /// Adds the provider concerned.
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.data.provider = Some(provider.into());
        self
    }

    /// Adds how long to wait.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.data.retry_after_secs = Some(secs);
        self
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RpcError {}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request").field("id", &self.id).field("method", &self.method).finish_non_exhaustive()
    }
}

/// A JSON-RPC response line. `id` is null only when the request's id could
/// not be read (parse errors, oversize lines). A result may hold a token, so
/// `Debug` shows only the id and the error.
#[derive(Clone, Serialize, Deserialize)]
pub struct Response {
    pub jsonrpc: String,
    pub id: Option<RequestId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RpcError>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("id", &self.id)
            .field("has_result", &self.result.is_some())
            .field("error", &self.error)
            .finish()
    }
}

impl Response {
    pub fn ok(id: RequestId, result: Value) -> Self {
        Self { jsonrpc: "2.0".into(), id: Some(id), result: Some(result), error: None }
    }

    pub fn err(id: Option<RequestId>, error: RpcError) -> Self {
        Self { jsonrpc: "2.0".into(), id, result: None, error: Some(error) }
    }
}
