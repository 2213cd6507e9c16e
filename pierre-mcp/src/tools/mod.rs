//! The MCP tools: what every tool shares, and one file per tool group.
//!
//! Each tool takes its arguments as a raw JSON object and parses them here,
//! so a bad argument becomes an `isError` result with one sentence the
//! model can act on (not a JSON-RPC error, which clients hide). Each result
//! is built by [`respond`] for the session's output mode (`crate::output`):
//! `structuredContent` plus exactly one text block holding the same data as
//! compact JSON or TOON, or (compact mode) that one text block alone.

pub mod activities;
pub mod analysis;
mod arguments;
pub mod athlete;
pub mod charts;
pub mod connections;
mod error;
mod listing;
pub mod recovery;
mod schema;
mod scoring;
pub mod settings;
pub mod sleep;
pub mod stats;
mod sufficiency;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use pierre_shared::providers::api::ApiError;
use rmcp::RoleServer;
use rmcp::model::{CallToolResult, ContentBlock, JsonObject, ProgressNotificationParam, ProgressToken};
use rmcp::service::{Peer, RequestContext};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use self::arguments::{Count, day_range, in_range, parse_args, string_or_integer};
pub use self::error::ToolError;
pub use self::listing::Listing;
pub use self::schema::{input_schema, output_schema};
use crate::output::Mode;
use crate::server::PierreServer;

/// The text block's format. Undocumented in the schema on purpose: the
/// server's instructions explain it once instead of in every tool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(description = "")]
pub enum Format {
    #[default]
    Json,
    Toon,
}

/// A fitness provider (explained once, in the server's instructions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(description = "")]
pub enum ProviderName {
    Strava,
    Fitbit,
    Garmin,
    Whoop,
    Oura,
    Synthetic,
}

impl ProviderName {
    const ALL: [ProviderName; 6] = [
        ProviderName::Strava,
        ProviderName::Fitbit,
        ProviderName::Garmin,
        ProviderName::Whoop,
        ProviderName::Oura,
        ProviderName::Synthetic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderName::Strava => "strava",
            ProviderName::Fitbit => "fitbit",
            ProviderName::Garmin => "garmin",
            ProviderName::Whoop => "whoop",
            ProviderName::Oura => "oura",
            ProviderName::Synthetic => "synthetic",
        }
    }

    pub fn from_name(name: &str) -> Option<ProviderName> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for ProviderName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every tool's arguments carry the text format the caller wants.
pub trait ToolArgs: DeserializeOwned {
    fn format(&self) -> Option<Format>;
}

/// Implements [`ToolArgs`] for argument structs with a `format` field.
macro_rules! tool_args {
    ($($t:ty),+) => {$(
        impl $crate::tools::ToolArgs for $t {
            fn format(&self) -> Option<$crate::tools::Format> {
                self.format
            }
        }
    )+};
}
pub(crate) use tool_args;

/// How a session wants a result: the call's `format` (if it gave one) and
/// the session's output mode.
#[derive(Debug, Clone, Copy)]
pub struct Reply {
    pub format: Option<Format>,
    pub mode: Mode,
}

/// A successful result. Structured mode: `structuredContent` plus one text
/// block with the same data in `format` (default JSON). Compact mode: the
/// text block alone, by default TOON when the result holds a list of
/// records (TOON writes flat ones as tables) and TOON comes out smaller,
/// compact JSON otherwise (nested lists can be smaller as JSON).
pub fn respond<T: Serialize>(output: &T, reply: Reply) -> CallToolResult {
    let value = match serde_json::to_value(output) {
        Ok(value) => value,
        Err(error) => {
            tracing::error!(%error, "a tool result did not serialise");
            return failure(&ToolError::Internal);
        }
    };
    let text = match reply.format {
        Some(Format::Json) => Ok(value.to_string()),
        Some(Format::Toon) => toon(&value),
        None if reply.mode == Mode::Compact && has_records(&value) => toon(&value).map(|toon| {
            let json = value.to_string();
            if toon.len() < json.len() { toon } else { json }
        }),
        None => Ok(value.to_string()),
    };
    let Ok(text) = text else {
        return failure(&ToolError::Internal);
    };
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    if reply.mode == Mode::Structured {
        result.structured_content = Some(value);
    }
    result
}

/// `value` as TOON, lists of flat objects as tables.
fn toon(value: &serde_json::Value) -> Result<String, ()> {
    toon_format::encode_default(&uniform_rows(value)).map_err(|error| tracing::error!(%error, "TOON encoding failed"))
}

/// Whether `value` holds, anywhere, a list of records (objects).
fn has_records(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Array(items) => {
            (!items.is_empty() && items.iter().all(Value::is_object)) || items.iter().any(has_records)
        }
        Value::Object(object) => object.values().any(has_records),
        _ => false,
    }
}

/// The value with every list of flat objects given one set of keys (absent
/// fields become `null`). TOON writes a list as a compact table only when
/// all its rows share their keys; activity summaries leave out what a sport
/// lacks, and without this the TOON text came out larger than the JSON.
/// `structuredContent` keeps the original; absent and null mean the same.
fn uniform_rows(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::{Map, Value};
    match value {
        Value::Array(items) => {
            let flat = |v: &Value| v.as_object().is_some_and(|o| o.values().all(|x| !x.is_object() && !x.is_array()));
            if items.len() > 1 && items.iter().all(flat) {
                let mut keys: Vec<&String> = Vec::new();
                for object in items.iter().filter_map(Value::as_object) {
                    for key in object.keys() {
                        if !keys.contains(&key) {
                            keys.push(key);
                        }
                    }
                }
                let rows = items.iter().filter_map(Value::as_object).map(|object| {
                    let row: Map<String, Value> =
                        keys.iter().map(|k| ((*k).clone(), object.get(*k).cloned().unwrap_or(Value::Null))).collect();
                    Value::Object(row)
                });
                Value::Array(rows.collect())
            } else {
                Value::Array(items.iter().map(uniform_rows).collect())
            }
        }
        Value::Object(object) => Value::Object(object.iter().map(|(k, v)| (k.clone(), uniform_rows(v))).collect()),
        other => other.clone(),
    }
}

/// A tool error result: `isError` with the one sentence.
///
/// A rate limit also carries `_meta.retry_after_secs`, so a client can wait
/// the right time without parsing the sentence.
pub fn failure(error: &ToolError) -> CallToolResult {
    let mut result = CallToolResult::error(vec![ContentBlock::text(error.sentence())]);
    if let ToolError::Provider(ApiError::RateLimited { retry_after_secs: Some(secs), .. }) = error {
        let mut meta = JsonObject::new();
        meta.insert("retry_after_secs".into(), (*secs).into());
        result.meta = Some(rmcp::model::MetaObject(meta));
    }
    result
}

/// Progress notifications, sent only when the client asked for them by
/// giving the request a progress token. Clones share one count, so the
/// runner can close the total after the tool's own steps.
#[derive(Clone)]
pub struct Progress {
    peer: Peer<RoleServer>,
    token: Option<ProgressToken>,
    done: Arc<AtomicU32>,
    total: u32,
}

impl Progress {
    fn new(ctx: &RequestContext<RoleServer>, total: u32) -> Self {
        Self { peer: ctx.peer.clone(), token: ctx.meta.get_progress_token(), done: Arc::new(AtomicU32::new(0)), total }
    }

    /// Marks one more step done.
    pub async fn step(&self, message: &str) {
        let done = self.done.fetch_add(1, Ordering::Relaxed).saturating_add(1).min(self.total);
        self.notify(done, message).await;
    }

    /// Marks every step done (the last notification equals the total).
    async fn finish(&self) {
        if self.done.swap(self.total, Ordering::Relaxed) < self.total {
            self.notify(self.total, "done").await;
        }
    }

    async fn notify(&self, done: u32, message: &str) {
        let Some(token) = self.token.clone() else {
            return;
        };
        let param = ProgressNotificationParam::new(token, f64::from(done))
            .with_total(f64::from(self.total))
            .with_message(message.to_owned());
        if let Err(error) = self.peer.notify_progress(param).await {
            tracing::debug!(%error, "progress notification not sent");
        }
    }
}

/// Steps every tool reports: data ready, result built.
const DATA_STEPS: u32 = 2;

/// The test-only delay is waited in steps this long.
const DELAY_STEP: Duration = Duration::from_millis(100);

impl PierreServer {
    /// Runs one tool: parse the arguments, do the work while watching the
    /// request's cancellation token, and build the result.
    ///
    /// A cancelled call stops where it is; rmcp sends no response for it.
    pub(crate) async fn run_tool<A, O, F, Fut>(
        &self,
        tool: &'static str,
        args: JsonObject,
        ctx: RequestContext<RoleServer>,
        work: F,
    ) -> CallToolResult
    where
        A: ToolArgs,
        O: Serialize,
        F: FnOnce(A, Progress) -> Fut,
        Fut: Future<Output = Result<O, ToolError>>,
    {
        self.run_tool_as(tool, args, ctx, work, |output, reply| respond(&output, reply)).await
    }

    /// [`PierreServer::run_tool`] with the success result built by `build`
    /// (the chart tools answer with an image instead of structured data).
    pub(crate) async fn run_tool_as<A, O, F, Fut, B>(
        &self,
        tool: &'static str,
        args: JsonObject,
        ctx: RequestContext<RoleServer>,
        work: F,
        build: B,
    ) -> CallToolResult
    where
        A: ToolArgs,
        F: FnOnce(A, Progress) -> Fut,
        Fut: Future<Output = Result<O, ToolError>>,
        B: FnOnce(O, Reply) -> CallToolResult,
    {
        let parsed: A = match parse_args(tool, args) {
            Ok(parsed) => parsed,
            Err(error) => return failure(&error),
        };
        let reply = Reply { format: parsed.format(), mode: self.mode(&ctx) };
        let delay = self.test_delay();
        let delay_steps = delay.map_or(0, |d| d.as_millis().div_ceil(DELAY_STEP.as_millis()) as u32);
        let progress = Progress::new(&ctx, DATA_STEPS + delay_steps);
        let cancelled = ctx.ct.clone();
        let job = async move {
            for _ in 0..delay_steps {
                tokio::time::sleep(DELAY_STEP).await;
                progress.step("waiting (PIERRE_TEST_SLOW_MS)").await;
            }
            let output = work(parsed, progress.clone()).await?;
            progress.finish().await;
            Ok(output)
        };
        let outcome = tokio::select! {
            _ = cancelled.cancelled() => Err(ToolError::Cancelled),
            outcome = job => outcome,
        };
        match outcome {
            Ok(output) => build(output, reply),
            Err(ToolError::Cancelled) => {
                tracing::info!(tool, request = %ctx.id, "tool call cancelled by the client; work stopped");
                failure(&ToolError::Cancelled)
            }
            Err(error) => {
                tracing::info!(tool, "tool error: {}", error.sentence());
                failure(&error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_provider_enum_is_the_catalogue() {
        let ours: Vec<&str> = ProviderName::ALL.iter().map(|p| p.as_str()).collect();
        let catalogue: Vec<&str> = pierre_shared::catalogue::ALL.iter().map(|p| p.name).collect();
        assert_eq!(ours, catalogue);
    }

    #[test]
    fn toon_and_json_text_carry_the_same_data() {
        let data = json!({"provider": "synthetic", "activities": [{"id": "1", "distance_m": 5000.0}, {"id": "2", "distance_m": 10.5}]});
        for format in [Format::Json, Format::Toon] {
            let r = respond(&data, Reply { format: Some(format), mode: Mode::Structured });
            assert_eq!(r.structured_content.as_ref(), Some(&data));
            assert_eq!(r.content.len(), 1);
            let text = &r.content[0].as_text().unwrap().text;
            let decoded: serde_json::Value = match format {
                Format::Json => serde_json::from_str(text).unwrap(),
                Format::Toon => toon_format::decode_default(text).unwrap(),
            };
            assert!(same_data(&decoded, &data), "{format:?}: {decoded} vs {data}");
        }
    }

    #[test]
    fn toon_lists_of_uneven_rows_become_a_table_smaller_than_json() {
        let rows: Vec<_> = (0..30)
            .map(|i| {
                if i % 2 == 0 {
                    json!({"id": i.to_string(), "distance_m": 5000.5, "average_watts": 210})
                } else {
                    json!({"id": i.to_string(), "distance_m": 4000.5, "average_cadence": 170})
                }
            })
            .collect();
        let data = json!({"activities": rows, "next_cursor": null});
        let r = respond(&data, Reply { format: Some(Format::Toon), mode: Mode::Structured });
        assert_eq!(r.structured_content.as_ref(), Some(&data), "structuredContent keeps absent fields absent");
        let text = &r.content[0].as_text().unwrap().text;
        assert!(text.contains("activities[30]{"), "not a table:\n{text}");
        assert!(text.len() < data.to_string().len(), "TOON {} B >= JSON {} B", text.len(), data.to_string().len());
        let decoded: serde_json::Value = toon_format::decode_default(text).unwrap();
        assert!(same_data_null_is_absent(&decoded, &data), "{decoded}");
    }

    #[test]
    fn compact_mode_sends_one_text_block_toon_for_lists_json_otherwise() {
        let list = json!({"provider": "synthetic", "activities": [{"id": "1", "distance_m": 5000.0}, {"id": "2"}]});
        let one = json!({"provider": "synthetic", "athlete": {"id": "1", "weight_kg": 70.5}});
        for (data, toon) in [(&list, true), (&one, false)] {
            let r = respond(data, Reply { format: None, mode: Mode::Compact });
            assert!(r.structured_content.is_none());
            assert_eq!(r.content.len(), 1);
            let text = &r.content[0].as_text().unwrap().text;
            let decoded: serde_json::Value = if toon {
                assert!(text.contains("activities[2]{"), "{text}");
                toon_format::decode_default(text).unwrap()
            } else {
                serde_json::from_str(text).unwrap()
            };
            assert!(same_data_null_is_absent(&decoded, data), "{decoded}");
        }
        // `format` still picks the encoding.
        let r = respond(&list, Reply { format: Some(Format::Json), mode: Mode::Compact });
        let text = &r.content[0].as_text().unwrap().text;
        assert_eq!(serde_json::from_str::<serde_json::Value>(text).unwrap(), list);
    }

    /// Like [`same_data`], where an object member that is null on one side
    /// may be absent on the other.
    fn same_data_null_is_absent(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (a, b) {
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_data_null_is_absent(x, y))
            }
            (Value::Object(x), Value::Object(y)) => {
                let keys: std::collections::BTreeSet<_> = x.keys().chain(y.keys()).collect();
                keys.into_iter().all(|k| match (x.get(k), y.get(k)) {
                    (Some(v), Some(w)) => same_data_null_is_absent(v, w),
                    (Some(Value::Null), None) | (None, Some(Value::Null)) => true,
                    _ => false,
                })
            }
            _ => same_data(a, b),
        }
    }

    /// JSON equality where numbers compare by value (TOON writes 5000.0 as 5000).
    fn same_data(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
            (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_data(x, y)),
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_data(v, w)))
            }
            _ => a == b,
        }
    }
}
