//! Sleep: one record per night, dated by the morning it ended.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::recovery::ScoreStatus;
use super::time::{LocalDate, Timestamp};

/// Time in each sleep stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SleepStages {
    pub deep_s: u32,
    pub light_s: u32,
    pub rem_s: u32,
    pub awake_s: u32,
}

/// One night's sleep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SleepSession {
    /// The morning the night ended.
    pub date: LocalDate,
    pub start_time: Timestamp,
    pub end_time: Timestamp,
    pub in_bed_s: u32,
    /// Absent when the provider has the night but has not scored it yet
    /// (`score_status`), never 0 for "unknown".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asleep_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<SleepStages>,
    /// Asleep / in bed, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
    /// 0 to 100, the provider's own score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_heartrate_bpm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lowest_heartrate_bpm: Option<f64>,
    /// RMSSD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_hrv_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respiratory_rate_per_min: Option<f64>,
    /// Why `score` is absent when the night is known but not scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_status: Option<ScoreStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_round_trips() {
        let s = SleepSession {
            date: LocalDate::parse("2025-11-23").unwrap(),
            start_time: Timestamp::parse("2025-11-22T23:10:00+01:00").unwrap(),
            end_time: Timestamp::parse("2025-11-23T06:50:00+01:00").unwrap(),
            in_bed_s: 27_600,
            asleep_s: Some(25_900),
            stages: Some(SleepStages { deep_s: 4_800, light_s: 14_000, rem_s: 7_100, awake_s: 1_700 }),
            efficiency: Some(0.94),
            score: Some(82),
            average_heartrate_bpm: None,
            lowest_heartrate_bpm: Some(44.0),
            average_hrv_ms: Some(68.0),
            respiratory_rate_per_min: None,
            score_status: None,
        };
        let v = serde_json::to_value(&s).unwrap();
        assert!(v.get("average_heartrate_bpm").is_none());
        assert_eq!(v["date"], "2025-11-23");
        assert_eq!(serde_json::from_value::<SleepSession>(v).unwrap(), s);
    }
}
