//! The athlete: who the data belongs to, and the thresholds that give
//! heart rate, power and pace their meaning.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The athlete's profile as the provider reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Athlete {
    /// The provider's id for this athlete.
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_kg: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub thresholds: Thresholds,
}

/// Training thresholds; any may be unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Thresholds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_heartrate_bpm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resting_heartrate_bpm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_heartrate_bpm: Option<f64>,
    /// Functional threshold power (cycling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ftp_w: Option<f64>,
    /// Running threshold pace, as a speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_speed_mps: Option<f64>,
    /// Swimming critical speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swim_threshold_speed_mps: Option<f64>,
}

impl Thresholds {
    /// Heart-rate zone edges of the five %-of-max zones (60, 70, 80, 90 %),
    /// as [`crate::analysis::zones`] draws them; empty without max HR.
    pub fn heartrate_zone_bounds(&self) -> Vec<f64> {
        crate::analysis::zones::heart_rate(crate::analysis::zones::ZoneModel::PercentMax, self)
            .map(|z| z.inner_bounds())
            .unwrap_or_default()
    }

    /// Power zone edges of Coggan's seven levels (55, 75, 90, 105, 120,
    /// 150 % of FTP), as [`crate::analysis::zones`] draws them; empty without FTP.
    pub fn power_zone_bounds(&self) -> Vec<f64> {
        crate::analysis::zones::power(self).map(|z| z.inner_bounds()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_thresholds_are_left_out_and_round_trip() {
        let a = Athlete {
            id: "134815".into(),
            name: "Sam Rivera".into(),
            sex: None,
            birth_year: Some(1988),
            weight_kg: Some(70.5),
            height_m: None,
            location: None,
            thresholds: Thresholds { ftp_w: Some(250.0), ..Thresholds::default() },
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["thresholds"], json!({"ftp_w": 250.0}));
        assert!(v.get("sex").is_none());
        assert_eq!(serde_json::from_value::<Athlete>(v).unwrap(), a);
        assert_eq!(a.thresholds.power_zone_bounds(), vec![138.0, 188.0, 225.0, 263.0, 300.0, 375.0]);
        assert!(a.thresholds.heartrate_zone_bounds().is_empty());
    }
}
