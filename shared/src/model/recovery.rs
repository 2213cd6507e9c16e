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
        };
        let v = serde_json::to_value(&r).unwrap();
        assert!(v.get("resting_heartrate_bpm").is_none());
        assert_eq!(serde_json::from_value::<Recovery>(v).unwrap(), r);
    }
}
