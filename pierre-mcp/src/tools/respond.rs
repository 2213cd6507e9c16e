//! Building a tool's answer in the session's output mode: structured
//! (`structuredContent` plus one text block) or compact (one text block,
//! TOON for lists of records), and the error result.

use pierre_shared::providers::api::ApiError;
use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use serde::Serialize;

use super::{Format, ToolError};
use crate::output::Mode;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Format;
    use serde_json::json;

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
