//! The Garmin Connect web API's JSON, as typed serde structs.
//!
//! Every field is optional: Garmin leaves out or nulls whatever a device
//! did not measure (no heart-rate strap, no GPS, a day without sleep), and
//! the list and detail endpoints disagree on names (`avgPower` versus
//! `averagePower`, `activityType` versus `activityTypeDTO`). Numbers are
//! read as `f64` because Garmin writes whole quantities as floats
//! (`3125.0`, `3125.482000000001`); [`super::convert`] turns them into the
//! model's integers and rounded values. Unknown fields are ignored, so new
//! Garmin fields (and the fake provider's `pierre_test_account`) pass.

use serde::de::{Error as _, IgnoredAny};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An id Garmin sends as a JSON number (or, rarely, a string), kept as its
/// exact decimal text: activity ids are past 2^31 and may pass 2^53, where
/// a float would silently change the last digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        id_text(&value).map(Id).ok_or_else(|| D::Error::custom(format_args!("`{value}` is not an id")))
    }
}

/// The exact decimal text of an id, or `None` when it cannot be exact.
///
/// Integers render as themselves at any size serde_json holds exactly. A
/// float-looking id (`2.1954321987E10`) is accepted only while it is whole
/// and below 2^53, where the float is still the exact integer; past that,
/// the digits are already lost and guessing them would point at another
/// activity.
pub fn id_text(value: &Value) -> Option<String> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    match value {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Some(u.to_string())
            } else if let Some(i) = n.as_i64() {
                Some(i.to_string())
            } else {
                let f = n.as_f64()?;
                (f.is_finite() && f.fract() == 0.0 && f.abs() < EXACT).then(|| format!("{f:.0}"))
            }
        }
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// `activityType` (list) / `activityTypeDTO` (detail).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityType {
    pub type_key: Option<String>,
}

/// One entry of `/activitylist-service/activities/search/activities`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListActivity {
    pub activity_id: Option<Id>,
    pub activity_name: Option<String>,
    pub activity_type: Option<ActivityType>,
    /// Wall-clock time where the activity was recorded, no zone: `2026-11-20 07:31:07`.
    pub start_time_local: Option<String>,
    /// The same instant in UTC, also without a zone.
    #[serde(rename = "startTimeGMT")]
    pub start_time_gmt: Option<String>,
    /// Epoch milliseconds of the start: the zone-free cross-check.
    pub begin_timestamp: Option<f64>,
    #[serde(flatten)]
    pub metrics: Metrics,
    #[serde(alias = "averagePower")]
    pub avg_power: Option<f64>,
    pub average_running_cadence_in_steps_per_minute: Option<f64>,
    pub average_biking_cadence_in_rev_per_minute: Option<f64>,
}

/// Measurements the list entry, the detail's `summaryDTO` and a lap share
/// under the same names.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Metres.
    pub distance: Option<f64>,
    /// Seconds, fractional; the timer time.
    pub duration: Option<f64>,
    pub moving_duration: Option<f64>,
    pub elapsed_duration: Option<f64>,
    /// Metres.
    pub elevation_gain: Option<f64>,
    /// m/s.
    pub average_speed: Option<f64>,
    pub max_speed: Option<f64>,
    #[serde(rename = "averageHR")]
    pub average_hr: Option<f64>,
    #[serde(rename = "maxHR")]
    pub max_hr: Option<f64>,
    pub max_power: Option<f64>,
    /// Kilocalories.
    pub calories: Option<f64>,
    // `activityTrainingLoad` (Garmin's EPOC-based load) is left unread on
    // purpose: it is not Pierre's training load (see activity.rs).
}

/// `/activity-service/activity/{id}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDetail {
    pub activity_id: Option<Id>,
    pub activity_name: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "activityTypeDTO", alias = "activityType")]
    pub activity_type: Option<ActivityType>,
    #[serde(rename = "summaryDTO")]
    pub summary: Option<DetailSummary>,
}

/// The detail's `summaryDTO`: times as `2026-11-20T07:31:07.0`, cadence
/// and power under other names than in the list.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailSummary {
    pub start_time_local: Option<String>,
    #[serde(rename = "startTimeGMT")]
    pub start_time_gmt: Option<String>,
    #[serde(flatten)]
    pub metrics: Metrics,
    #[serde(alias = "avgPower")]
    pub average_power: Option<f64>,
    pub average_run_cadence: Option<f64>,
    pub average_bike_cadence: Option<f64>,
}

/// `/activity-service/activity/{id}/splits`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Splits {
    #[serde(rename = "lapDTOs")]
    pub laps: Option<Vec<LapDto>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LapDto {
    pub lap_index: Option<f64>,
    /// UTC without a zone, like the summary's.
    #[serde(rename = "startTimeGMT")]
    pub start_time_gmt: Option<String>,
    #[serde(flatten)]
    pub metrics: Metrics,
    #[serde(alias = "avgPower")]
    pub average_power: Option<f64>,
    pub average_run_cadence: Option<f64>,
    pub average_bike_cadence: Option<f64>,
}

/// `/userprofile-service/socialProfile`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialProfile {
    pub profile_id: Option<Id>,
    pub id: Option<Id>,
    /// The path parameter of the wellness endpoints.
    pub display_name: Option<String>,
    pub full_name: Option<String>,
    pub location: Option<String>,
}

/// `/userprofile-service/userprofile/user-settings`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSettings {
    pub user_data: Option<UserData>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserData {
    /// `MALE` / `FEMALE`.
    pub gender: Option<String>,
    /// Grams.
    pub weight: Option<f64>,
    /// Centimetres.
    pub height: Option<f64>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    pub lactate_threshold_heart_rate: Option<f64>,
    /// Tens of m/s in the responses seen (0.336 for 3.36 m/s); see `convert::threshold_speed`.
    pub lactate_threshold_speed: Option<f64>,
    /// Not in every account's settings; read when present.
    pub functional_threshold_power: Option<f64>,
}

/// `/wellness-service/wellness/dailySleepData/{displayName}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SleepResponse {
    #[serde(rename = "dailySleepDTO")]
    pub daily: Option<SleepDto>,
    /// The day's resting heart rate, next to the DTO.
    pub resting_heart_rate: Option<f64>,
    /// Overnight average RMSSD, ms.
    pub avg_overnight_hrv: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SleepDto {
    /// Null on a day without a recorded night: the "no data" marker.
    pub id: Option<IgnoredAny>,
    /// The morning the night ended.
    pub calendar_date: Option<String>,
    /// Deep + light + REM, seconds.
    pub sleep_time_seconds: Option<f64>,
    pub deep_sleep_seconds: Option<f64>,
    pub light_sleep_seconds: Option<f64>,
    pub rem_sleep_seconds: Option<f64>,
    pub awake_sleep_seconds: Option<f64>,
    /// Epoch milliseconds.
    #[serde(rename = "sleepStartTimestampGMT")]
    pub sleep_start_timestamp_gmt: Option<f64>,
    #[serde(rename = "sleepEndTimestampGMT")]
    pub sleep_end_timestamp_gmt: Option<f64>,
    /// Wall-clock time written as if it were UTC epoch milliseconds;
    /// minus the GMT value it gives the UTC offset.
    pub sleep_start_timestamp_local: Option<f64>,
    pub sleep_scores: Option<SleepScores>,
    pub average_respiration_value: Option<f64>,
    pub avg_heart_rate: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub struct SleepScores {
    pub overall: Option<Score>,
}

#[derive(Debug, Deserialize)]
pub struct Score {
    pub value: Option<f64>,
}

/// `/hrv-service/hrv/{date}`; the whole body is empty (204) on days without HRV.
/// Only last night's average is read: the model has no place for Garmin's
/// `weeklyAvg` and `status` (BALANCED, LOW...).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HrvResponse {
    pub hrv_summary: Option<HrvSummary>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HrvSummary {
    /// Last night's average RMSSD, ms.
    pub last_night_avg: Option<f64>,
}

/// One entry of `/metrics-service/metrics/trainingreadiness/{date}`; the
/// day's array holds one per recomputation (wake-up, after exercise...).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    pub calendar_date: Option<String>,
    /// UTC, `2026-11-21T05:46:00.0`.
    pub timestamp: Option<String>,
    /// `AFTER_WAKEUP_RESET` marks the morning reading.
    pub input_context: Option<String>,
    pub score: Option<f64>,
    pub sleep_score: Option<f64>,
}
