//! Fitbit's JSON shapes, as far as Pierre reads them.
//!
//! Only the fields the mapping uses are declared; everything else (and the
//! fake provider's `pierre_test_account` tag) is ignored. Every field Fitbit
//! may leave out or send as `null` is an `Option`. Numbers go through
//! [`opt_f64`], which also takes `3125.0` for an integer and a numeric
//! string, because Fitbit's time series and older records are not
//! consistent about either; ids go through [`id`], which renders a `u64`
//! exactly (Fitbit documents every id as an unsigned 64-bit integer, past
//! JSON's 2^53).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `GET /1/user/-/profile.json`.
#[derive(Debug, Deserialize)]
pub struct ProfileEnvelope {
    pub user: Profile,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    #[serde(deserialize_with = "id")]
    pub encoded_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub full_name: Option<String>,
    /// `MALE`, `FEMALE` or `NA`.
    #[serde(default)]
    pub gender: Option<String>,
    /// `YYYY-MM-DD`; empty when the user hid it.
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// In the unit system of the request's `Accept-Language` (inches for `en_US`).
    #[serde(default, deserialize_with = "opt_f64")]
    pub height: Option<f64>,
    /// In the unit system of the request's `Accept-Language` (pounds for `en_US`).
    #[serde(default, deserialize_with = "opt_f64")]
    pub weight: Option<f64>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    /// IANA zone name (`Europe/Paris`).
    #[serde(default)]
    pub timezone: Option<String>,
    /// The user's current UTC offset; every local time Fitbit sends is in it.
    #[serde(default, rename = "offsetFromUTCMillis", deserialize_with = "opt_f64")]
    pub offset_from_utc_millis: Option<f64>,
}

/// `GET /1/user/-/activities/list.json`.
#[derive(Debug, Deserialize)]
pub struct ActivityList {
    pub activities: Vec<ActivityLog>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Deserialize)]
pub struct Pagination {
    /// Absolute URL of the next page, or `""` on the last one.
    #[serde(default)]
    pub next: Option<String>,
}

/// `GET /1/user/-/activities/{logId}.json` wraps one log in `activityLog`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityLogEnvelope {
    pub activity_log: ActivityLog,
}

/// One exercise log, the same shape in the list and the single-log answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityLog {
    #[serde(deserialize_with = "id")]
    pub log_id: String,
    /// Open set (`Run`, `Outdoor Bike`, `Swim`, `Walk`, `Yoga`, …).
    #[serde(default)]
    pub activity_name: Option<String>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub activity_type_id: Option<f64>,
    /// ISO 8601 with the user's offset (`2026-11-20T07:31:07.000+01:00`).
    pub start_time: String,
    /// Elapsed time, milliseconds.
    #[serde(default, deserialize_with = "opt_f64")]
    pub duration: Option<f64>,
    /// Moving time, milliseconds.
    #[serde(default, deserialize_with = "opt_f64")]
    pub active_duration: Option<f64>,
    /// In `distance_unit`, else in the request's unit system.
    #[serde(default, deserialize_with = "opt_f64")]
    pub distance: Option<f64>,
    /// `Mile`, `Kilometer`, …
    #[serde(default)]
    pub distance_unit: Option<String>,
    /// Kilocalories.
    #[serde(default, deserialize_with = "opt_f64")]
    pub calories: Option<f64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub average_heart_rate: Option<f64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub steps: Option<f64>,
    /// Feet for `en_US`, metres otherwise.
    #[serde(default, deserialize_with = "opt_f64")]
    pub elevation_gain: Option<f64>,
}

/// `GET /1.2/user/-/sleep/date/{from}/{to}.json`.
#[derive(Debug, Deserialize)]
pub struct SleepList {
    pub sleep: Vec<SleepLog>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SleepLog {
    /// The morning the sleep ended, in the user's calendar.
    pub date_of_sleep: String,
    /// Local time without a zone (`2026-11-21T23:12:30.000`).
    pub start_time: String,
    pub end_time: String,
    /// `false` for naps.
    #[serde(default)]
    pub is_main_sleep: Option<bool>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub minutes_asleep: Option<f64>,
    #[serde(default, deserialize_with = "opt_f64")]
    pub time_in_bed: Option<f64>,
    /// Milliseconds; the fallback for `time_in_bed`.
    #[serde(default, deserialize_with = "opt_f64")]
    pub duration: Option<f64>,
    /// 0 to 100.
    #[serde(default, deserialize_with = "opt_f64")]
    pub efficiency: Option<f64>,
    #[serde(default)]
    pub levels: Option<SleepLevels>,
}

#[derive(Debug, Deserialize)]
pub struct SleepLevels {
    #[serde(default)]
    pub summary: Option<LevelSummary>,
}

/// `stages` records carry deep/light/rem/wake; `classic` ones carry
/// asleep/restless/awake instead, which are not stages and are not read.
#[derive(Debug, Deserialize)]
pub struct LevelSummary {
    #[serde(default)]
    pub deep: Option<Level>,
    #[serde(default)]
    pub light: Option<Level>,
    #[serde(default)]
    pub rem: Option<Level>,
    #[serde(default)]
    pub wake: Option<Level>,
}

#[derive(Debug, Deserialize)]
pub struct Level {
    #[serde(default, deserialize_with = "opt_f64")]
    pub minutes: Option<f64>,
}

/// `GET /1/user/-/activities/heart/date/{from}/{to}.json`.
#[derive(Debug, Deserialize)]
pub struct HeartSeries {
    #[serde(rename = "activities-heart")]
    pub days: Vec<HeartDay>,
}

#[derive(Debug, Deserialize)]
pub struct HeartDay {
    #[serde(rename = "dateTime")]
    pub date_time: String,
    #[serde(default)]
    pub value: Option<HeartValue>,
}

#[derive(Debug, Deserialize)]
pub struct HeartValue {
    /// Absent on days the device could not compute it.
    #[serde(default, rename = "restingHeartRate", deserialize_with = "opt_f64")]
    pub resting_heart_rate: Option<f64>,
}

/// `GET /1/user/-/hrv/date/{from}/{to}.json`; days without a reading are
/// left out of the array.
#[derive(Debug, Deserialize)]
pub struct HrvSeries {
    pub hrv: Vec<HrvDay>,
}

#[derive(Debug, Deserialize)]
pub struct HrvDay {
    #[serde(rename = "dateTime")]
    pub date_time: String,
    #[serde(default)]
    pub value: Option<HrvValue>,
}

#[derive(Debug, Deserialize)]
pub struct HrvValue {
    /// RMSSD over the main sleep, ms.
    #[serde(default, rename = "dailyRmssd", deserialize_with = "opt_f64")]
    pub daily_rmssd: Option<f64>,
}

/// A finite number from a JSON number or numeric string; `null` and `""` are
/// absent. Anything else is a shape error (→ `ApiError::Malformed`).
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let value = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        other => return Err(D::Error::custom(format_args!("expected a number, got {other}"))),
    };
    match value {
        Some(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(D::Error::custom("expected a finite number")),
    }
}

/// An id as a string: a string as given, an integer exactly, and an
/// integral float (`5.8934810233e10`) as its integer digits, never in
/// exponent form.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Ok(s),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Ok(u.to_string())
            } else if let Some(i) = n.as_i64() {
                Ok(i.to_string())
            } else {
                match n.as_f64() {
                    // Below 2^64 an integral f64 prints exactly with {:.0}.
                    Some(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1.8e19 => Ok(format!("{f:.0}")),
                    _ => Err(D::Error::custom(format_args!("`{n}` is not an id"))),
                }
            }
        }
        other => Err(D::Error::custom(format_args!("`{other}` is not an id"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "id")]
        id: String,
        #[serde(default, deserialize_with = "opt_f64")]
        n: Option<f64>,
    }

    fn probe(v: Value) -> Result<Probe, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn ids_render_exactly_beyond_2_pow_53_and_never_in_exponent_form() {
        assert_eq!(probe(json!({"id": 18446744073709551615u64})).unwrap().id, "18446744073709551615");
        assert_eq!(probe(json!({"id": 9007199254740993u64})).unwrap().id, "9007199254740993");
        assert_eq!(probe(json!({"id": 58934810233.0})).unwrap().id, "58934810233");
        assert_eq!(probe(json!({"id": "ABC123"})).unwrap().id, "ABC123");
        assert!(probe(json!({"id": 1.5})).is_err());
        assert!(probe(json!({"id": ""})).is_err());
        assert!(probe(json!({"id": [1]})).is_err());
    }

    #[test]
    fn numbers_are_tolerant_of_floats_strings_and_null() {
        assert_eq!(probe(json!({"id": 1, "n": 3125.0})).unwrap().n, Some(3125.0));
        assert_eq!(probe(json!({"id": 1, "n": "62"})).unwrap().n, Some(62.0));
        assert_eq!(probe(json!({"id": 1, "n": null})).unwrap().n, None);
        assert_eq!(probe(json!({"id": 1})).unwrap().n, None);
        assert!(probe(json!({"id": 1, "n": "NaN"})).is_err());
        assert!(probe(json!({"id": 1, "n": "fast"})).is_err());
        assert!(probe(json!({"id": 1, "n": {}})).is_err());
    }
}
