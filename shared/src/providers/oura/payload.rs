//! Oura API v2 response shapes, exactly as the API sends them.
//!
//! Every field Pierre does not strictly need is `Option`: Oura leaves
//! fields `null` while a day is still being processed, and older rings do
//! not measure everything. Numbers are read as `f64` even where Oura sends
//! integers (seconds, scores), so `3125.0` parses as well as `3125`; the
//! range checks happen in `map.rs`, where a bad value becomes
//! [`ApiError::Malformed`]. Unknown fields (the fake provider's
//! `pierre_test_account`, fields Oura adds later) are ignored.
//!
//! `email` in `personal_info` is deliberately not a field here: it is never
//! shown, so it is never even parsed.

use serde::{Deserialize, Deserializer};

use crate::model::LocalDate;

/// One page of a `/v2/usercollection/...` list.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Present while more pages follow; `null` on the last one.
    #[serde(default)]
    pub next_token: Option<String>,
}

/// `GET /v2/usercollection/personal_info`.
#[derive(Debug, Deserialize)]
pub struct PersonalInfo {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Whole years; Oura gives no birth date.
    #[serde(default)]
    pub age: Option<f64>,
    /// Kilograms.
    #[serde(default)]
    pub weight: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub height: Option<f64>,
    #[serde(default)]
    pub biological_sex: Option<String>,
}

/// One workout of `GET /v2/usercollection/workout` (and the single
/// document of `/workout/{id}`).
#[derive(Debug, Deserialize)]
pub struct Workout {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// Open set (`walking`, `running`, `cycling`, `strength_training`, ...).
    pub activity: String,
    /// Kilocalories.
    #[serde(default)]
    pub calories: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub distance: Option<f64>,
    /// Local time with offset.
    pub start_datetime: String,
    pub end_datetime: String,
    /// `easy`, `moderate`, `hard`.
    #[serde(default)]
    pub intensity: Option<String>,
    /// The user's own name for the workout.
    #[serde(default)]
    pub label: Option<String>,
    /// `manual`, `autodetected`, `confirmed`, `workout_heart_rate`.
    #[serde(default)]
    pub source: Option<String>,
}

/// One sleep period of `GET /v2/usercollection/sleep`. Durations are seconds.
#[derive(Debug, Deserialize)]
pub struct SleepPeriod {
    /// The day the period belongs to: the morning the night ended.
    pub day: LocalDate,
    /// `long_sleep`, `sleep`, `late_nap`, `rest`, `deleted` (open set).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    pub bedtime_start: String,
    pub bedtime_end: String,
    #[serde(default)]
    pub time_in_bed: Option<f64>,
    #[serde(default)]
    pub total_sleep_duration: Option<f64>,
    #[serde(default)]
    pub deep_sleep_duration: Option<f64>,
    #[serde(default)]
    pub light_sleep_duration: Option<f64>,
    #[serde(default)]
    pub rem_sleep_duration: Option<f64>,
    #[serde(default)]
    pub awake_time: Option<f64>,
    /// Percent, 0 to 100.
    #[serde(default)]
    pub efficiency: Option<f64>,
    #[serde(default)]
    pub average_heart_rate: Option<f64>,
    #[serde(default)]
    pub lowest_heart_rate: Option<f64>,
    /// RMSSD, ms.
    #[serde(default)]
    pub average_hrv: Option<f64>,
    /// Breaths per minute.
    #[serde(default)]
    pub average_breath: Option<f64>,
}

/// One day of `GET /v2/usercollection/daily_sleep`: only the score is used;
/// its `contributors` are 1-100 sub-scores, not durations, so they are not parsed.
#[derive(Debug, Deserialize)]
pub struct DailySleep {
    pub day: LocalDate,
    #[serde(default)]
    pub score: Option<f64>,
}

/// One day of `GET /v2/usercollection/daily_readiness`. Its `contributors`
/// (`hrv_balance`, `resting_heart_rate`, ...) are 1-100 sub-scores, not bpm
/// or ms; they are deliberately not parsed so no code can mistake one for a
/// physiological value.
#[derive(Debug, Deserialize)]
pub struct DailyReadiness {
    pub day: LocalDate,
    #[serde(default)]
    pub score: Option<f64>,
    /// °C versus the athlete's baseline.
    #[serde(default)]
    pub temperature_deviation: Option<f64>,
}

/// One day of `GET /v2/usercollection/daily_spo2`.
#[derive(Debug, Deserialize)]
pub struct DailySpo2 {
    pub day: LocalDate,
    #[serde(default)]
    pub spo2_percentage: Option<Spo2Percentage>,
}

#[derive(Debug, Deserialize)]
pub struct Spo2Percentage {
    /// Percent, night average.
    #[serde(default)]
    pub average: Option<f64>,
}

/// One sample of `GET /v2/usercollection/heartrate`.
#[derive(Debug, Deserialize)]
pub struct HeartRateSample {
    pub bpm: f64,
    /// `awake`, `rest`, `sleep`, `session`, `live`, `workout` (open set).
    #[serde(default)]
    pub source: Option<String>,
    /// UTC, RFC 3339.
    pub timestamp: String,
}

/// Reads an id that Oura sends as a string (UUID) but might send as a
/// number: integers are rendered exactly (beyond 2^53 too, as serde_json
/// keeps u64/i64), and an integral float such as `1.2e10` becomes
/// `12000000000`, never `1.2e10`.
fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    render_id(&value).map_err(serde::de::Error::custom)
}

/// The string form of an id value.
pub fn render_id(value: &serde_json::Value) -> Result<String, String> {
    match value {
        serde_json::Value::String(s) if !s.is_empty() => Ok(s.clone()),
        serde_json::Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Ok(u.to_string())
            } else if let Some(i) = n.as_i64() {
                Ok(i.to_string())
            } else {
                match n.as_f64() {
                    // 2^64: beyond it a float id has lost its digits anyway.
                    Some(f) if f.fract() == 0.0 && f.abs() < 1.8e19 => Ok(format!("{f:.0}")),
                    _ => Err(format!("id {n} is not a whole number")),
                }
            }
        }
        other => Err(format!("id must be a string or a number, not {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_render_exactly_whatever_their_json_type() {
        assert_eq!(render_id(&json!("8f9a5221-639e")).unwrap(), "8f9a5221-639e");
        assert_eq!(render_id(&json!(12_345_678_901_234_567_890u64)).unwrap(), "12345678901234567890");
        assert_eq!(render_id(&json!(-42)).unwrap(), "-42");
        assert_eq!(render_id(&json!(1.2e10)).unwrap(), "12000000000");
        assert_eq!(render_id(&json!(3125.0)).unwrap(), "3125");
        assert!(render_id(&json!(1.5)).is_err());
        assert!(render_id(&json!("")).is_err());
        assert!(render_id(&json!(null)).is_err());
        assert!(render_id(&json!({"a": 1})).is_err());
    }

    #[test]
    fn integers_sent_as_floats_and_unknown_fields_are_accepted() {
        let p: SleepPeriod = serde_json::from_value(json!({
            "id": 77, "day": "2026-11-20", "type": "long_sleep",
            "bedtime_start": "2026-11-20T00:30:00+01:00", "bedtime_end": "2026-11-20T07:10:00+01:00",
            "time_in_bed": 24000.0, "total_sleep_duration": null, "pierre_test_account": "alice"
        }))
        .unwrap();
        assert_eq!(p.time_in_bed, Some(24_000.0));
        assert_eq!(p.total_sleep_duration, None);
    }
}
