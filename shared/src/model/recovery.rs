//! Recovery: one morning reading per day.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::time::LocalDate;

/// How recovered the athlete was on one morning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Recovery {
    pub date: LocalDate,
    /// 0 to 100, higher is better recovered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    /// Overnight RMSSD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hrv_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resting_heartrate_bpm: Option<f64>,
    /// Last night's sleep score, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleep_score: Option<u8>,
    /// Training load of the last 7 days, daily average.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acute_load: Option<f64>,
    /// Training load of the last 42 days, daily average.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chronic_load: Option<f64>,
    /// Skin temperature versus the athlete's baseline, °C.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature_deviation_c: Option<f64>,
    /// Blood oxygen saturation, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spo2_percent: Option<f64>,
    /// The provider's own strain/load figure for the day (WHOOP 0-21).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strain: Option<f64>,
    /// Why `score` is absent when the provider has the day but no score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_status: Option<ScoreStatus>,
}

/// A provider record without a score yet, or without one ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoreStatus {
    /// Still being scored (WHOOP `PENDING_SCORE`).
    Pending,
    /// Will never be scored (WHOOP `UNSCORABLE`).
    Unscorable,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_round_trips_with_gaps() {
        let r = Recovery {
            date: LocalDate::parse("2025-11-23").unwrap(),
            score: Some(71),
            hrv_ms: Some(64.5),
            resting_heartrate_bpm: None,
            sleep_score: None,
            acute_load: Some(55.2),
            chronic_load: Some(48.9),
            temperature_deviation_c: None,
            spo2_percent: None,
            strain: None,
            score_status: None,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert!(v.get("resting_heartrate_bpm").is_none());
        assert_eq!(serde_json::from_value::<Recovery>(v).unwrap(), r);
    }
}
