//! Activity streams and the athlete's zones → [`StreamSummary`]s.
//!
//! Streams are summarised here and never handed on as points. Strava's
//! `time` stream is irregular (a device records every second or "smart"
//! every few), while [`StreamSummary::from_samples`] takes one interval, so
//! the interval is the mean spacing of the time stream: time in zones then
//! adds up to the recorded duration. Zone edges are the athlete's own
//! Strava zones (`/v3/athlete/zones`), the ones Strava itself shows.

use serde_json::Value;

use crate::model::{SportType, StreamKind, StreamSummary};
use crate::providers::api::{ApiError, decode};

use super::NAME;
use super::map::per_leg_cadence;
use super::payload::{StreamPayload, ZoneSetPayload, ZonesPayload};

/// The stream keys requested, in the order they are summarised.
pub const KEYS: &str = "time,heartrate,velocity_smooth,watts,cadence,altitude";

/// Zone edges to use for heart rate and power; empty when unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZoneBounds {
    pub heartrate: Vec<f64>,
    pub power: Vec<f64>,
}

/// The lower edges of zones 2..n, when they ascend (else none: a zone set
/// that does not ascend cannot be used as edges).
fn edges(set: Option<&ZoneSetPayload>) -> Vec<f64> {
    let Some(zones) = set.and_then(|s| s.zones.as_ref()) else {
        return Vec::new();
    };
    let edges: Vec<f64> = zones.iter().skip(1).filter_map(|z| z.min).collect();
    let ascending = edges.windows(2).all(|w| w[0] < w[1]);
    if edges.len() + 1 == zones.len() && ascending && edges.iter().all(|e| e.is_finite() && *e > 0.0) {
        edges
    } else {
        Vec::new()
    }
}

/// `GET /v3/athlete/zones` → zone edges.
///
/// # Errors
/// Malformed when the body is not the zones object.
pub fn zone_bounds(value: Value) -> Result<ZoneBounds, ApiError> {
    let p: ZonesPayload = decode(NAME, "athlete zones", value)?;
    Ok(ZoneBounds { heartrate: edges(p.heart_rate.as_ref()), power: edges(p.power.as_ref()) })
}

/// The streams by key, from either form Strava uses: an object keyed by
/// type (`key_by_type=true`) or an array of objects with a `type`.
///
/// # Errors
/// Malformed when a requested stream is not an object with numeric `data`.
pub fn parse(value: Value) -> Result<Vec<(String, Vec<f64>)>, ApiError> {
    let wanted = |k: &str| KEYS.split(',').any(|w| w == k);
    let mut out = Vec::new();
    let mut take = |key: String, v: Value| -> Result<(), ApiError> {
        let s: StreamPayload = decode(NAME, &format!("stream {key}"), v)?;
        out.push((key, s.data.into_iter().flatten().filter(|x| x.is_finite()).collect()));
        Ok(())
    };
    match value {
        Value::Object(map) => {
            // Other members (the fake's account tag, `latlng`) are not ours.
            for (key, v) in map.into_iter().filter(|(k, _)| wanted(k)) {
                take(key, v)?;
            }
        }
        Value::Array(items) => {
            for v in items {
                let key = v.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
                if wanted(&key) {
                    take(key, v)?;
                }
            }
        }
        other => {
            return Err(ApiError::malformed(
                NAME,
                format_args!("streams: expected an object or array, got {}", kind_of(&other)),
            ));
        }
    }
    Ok(out)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether any stream needs zone edges (so `/athlete/zones` is worth a request).
pub fn wants_zones(streams: &[(String, Vec<f64>)]) -> bool {
    streams.iter().any(|(k, d)| (k == "heartrate" || k == "watts") && !d.is_empty())
}

/// Mean spacing of the time stream in whole seconds (at least 1).
fn interval(time: Option<&Vec<f64>>) -> u32 {
    match time {
        Some(t) if t.len() >= 2 => {
            let span = t[t.len() - 1] - t[0];
            let mean = span / (t.len() - 1) as f64;
            if mean.is_finite() && mean >= 1.0 && mean <= f64::from(u32::MAX) {
                // In range by the check above.
                mean.round() as u32
            } else {
                1
            }
        }
        _ => 1,
    }
}

/// Summaries in a fixed order: heart rate, speed, power, cadence, altitude.
pub fn summarise(streams: &[(String, Vec<f64>)], sport: &SportType, zones: &ZoneBounds) -> Vec<StreamSummary> {
    let get = |key: &str| streams.iter().find(|(k, _)| k == key).map(|(_, d)| d);
    let every = interval(get("time"));
    let leg = if per_leg_cadence(sport) { 2.0 } else { 1.0 };
    let plan: [(&str, StreamKind, f64, &[f64]); 5] = [
        ("heartrate", StreamKind::Heartrate, 1.0, &zones.heartrate),
        ("velocity_smooth", StreamKind::Speed, 1.0, &[]),
        ("watts", StreamKind::Power, 1.0, &zones.power),
        // Per-leg for runs, like average_cadence (see map.rs).
        ("cadence", StreamKind::Cadence, leg, &[]),
        ("altitude", StreamKind::Altitude, 1.0, &[]),
    ];
    plan.iter()
        .filter_map(|(key, kind, factor, bounds)| {
            let data: Vec<f64> = get(key)?.iter().map(|v| v * factor).collect();
            StreamSummary::from_samples(*kind, &data, every, bounds)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SportKind;
    use serde_json::json;

    #[test]
    fn both_stream_forms_parse_and_nulls_are_skipped() {
        let keyed = parse(json!({
            "heartrate": {"data": [120, null, 130], "series_type": "distance"},
            "latlng": {"data": [[45.7, 4.8]]},
            "pierre_test_account": "a"
        }))
        .unwrap();
        assert_eq!(keyed, vec![("heartrate".to_owned(), vec![120.0, 130.0])]);
        let listed =
            parse(json!([{"type": "watts", "data": [200, 210.5]}, {"type": "moving", "data": [true]}])).unwrap();
        assert_eq!(listed, vec![("watts".to_owned(), vec![200.0, 210.5])]);
        assert!(matches!(parse(json!({"watts": {"data": ["x"]}})), Err(ApiError::Malformed { .. })));
        assert!(matches!(parse(json!("nope")), Err(ApiError::Malformed { .. })));
    }

    #[test]
    fn zone_edges_need_ascending_mins() {
        let z = zone_bounds(json!({"heart_rate": {"custom_zones": false, "zones": [
            {"min": 0, "max": 120}, {"min": 120, "max": 150}, {"min": 150, "max": -1}]}}))
        .unwrap();
        assert_eq!(z.heartrate, vec![120.0, 150.0]);
        assert!(z.power.is_empty());
        let z = zone_bounds(json!({"heart_rate": {"zones": [{"min": 0}, {"min": 150}, {"min": 120}]}})).unwrap();
        assert!(z.heartrate.is_empty());
    }

    #[test]
    fn run_cadence_stream_is_doubled_and_interval_is_mean_spacing() {
        let streams = vec![("time".to_owned(), vec![0.0, 4.0, 10.0]), ("cadence".to_owned(), vec![85.0, 86.0, 87.0])];
        let out = summarise(&streams, &SportKind::Run.into(), &ZoneBounds::default());
        assert_eq!(out.len(), 1);
        // (85+86+87)/3 × 2 = 172.
        assert_eq!((out[0].min, out[0].mean, out[0].max), (170.0, 172.0, 174.0));
        assert_eq!(interval(Some(&vec![0.0, 4.0, 10.0])), 5);
    }
}
