//! Training zones from the athlete's thresholds: heart rate in three models,
//! Coggan's power zones and threshold-pace zones. One definition, used for
//! `get_zones` and for time in zone.
//!
//! Sources of the boundaries (as percentages of the threshold named):
//! - heart rate, % of max HR: five 10 % bands from 50 % (the common
//!   "five-zone" scheme of Polar and Garmin);
//! - heart rate, % of heart-rate reserve: Karvonen, resting + f × (max −
//!   resting) for the same five bands (Karvonen, Kentala & Mustala 1957);
//! - heart rate, % of lactate-threshold HR: Joe Friel's seven run zones
//!   (<85, 85–89, 90–94, 95–99, 100–102, 103–106, >106 %; *The Triathlete's
//!   Training Bible*);
//! - power: Andrew Coggan's seven levels (≤55, 56–75, 76–90, 91–105,
//!   106–120, 121–150, >150 % of FTP; *Training and Racing with a Power Meter*),
//!   with the edges at 55, 75, 90, 105, 120 and 150 %;
//! - running pace: Friel's pace zones as % of threshold pace, turned into
//!   speeds (pace 129 % of threshold = speed 1/1.29 of threshold speed).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::activity::round_to;
use crate::model::athlete::Thresholds;

/// What a zone set measures; bounds in bpm, W, or m/s for pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    HeartRate,
    Power,
    Pace,
}

/// How the zones are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ZoneModel {
    PercentMax,
    HeartRateReserve,
    PercentLthr,
    Coggan,
    ThresholdPace,
}

impl ZoneModel {
    /// The heart-rate model a settings value names (`hr_zone_model`).
    pub fn heart_rate(name: &str) -> Option<ZoneModel> {
        match name {
            "percent_max" => Some(ZoneModel::PercentMax),
            "heart_rate_reserve" => Some(ZoneModel::HeartRateReserve),
            "percent_lthr" => Some(ZoneModel::PercentLthr),
            _ => None,
        }
    }
}

/// One zone: from `low` to `high` (absent: open).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Zone {
    pub name: String,
    pub low: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
}

/// A set of zones and the thresholds it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ZoneSet {
    pub kind: ZoneKind,
    pub model: ZoneModel,
    pub zones: Vec<Zone>,
    /// The thresholds used, by their model field name (`max_heartrate_bpm`: 188).
    pub based_on: BTreeMap<String, f64>,
}

impl ZoneSet {
    /// The bounds between zones (every zone's `low` but the first): what
    /// time in zone counts samples against.
    pub fn inner_bounds(&self) -> Vec<f64> {
        self.zones.iter().skip(1).map(|z| z.low).collect()
    }
}

/// Why zones could not be drawn: the threshold that is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{model:?} zones need {missing}; set it with `set_athlete_settings` or `pierre-authd settings set {missing}=…`"
)]
pub struct MissingThreshold {
    pub model: ZoneModel,
    pub missing: &'static str,
}

const FIVE_BANDS: [f64; 6] = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
const FRIEL_LTHR: [f64; 6] = [0.85, 0.90, 0.95, 1.00, 1.03, 1.07];
const FRIEL_LTHR_NAMES: [&str; 7] = ["Z1", "Z2", "Z3", "Z4", "Z5a", "Z5b", "Z5c"];
const COGGAN: [f64; 6] = [0.55, 0.75, 0.90, 1.05, 1.20, 1.50];
/// Friel's pace zones, slowest first, as % of threshold pace (129 % = slower).
const FRIEL_PACE: [f64; 6] = [1.29, 1.14, 1.06, 0.99, 0.97, 0.90];

/// Heart-rate zones in `model`.
///
/// # Errors
/// The threshold the model needs and the thresholds do not have.
pub fn heart_rate(model: ZoneModel, t: &Thresholds) -> Result<ZoneSet, MissingThreshold> {
    let need = |value: Option<f64>, missing| value.ok_or(MissingThreshold { model, missing });
    match model {
        ZoneModel::PercentMax => {
            let max = need(t.max_heartrate_bpm, "max_heartrate_bpm")?;
            let edges: Vec<f64> = FIVE_BANDS.iter().map(|f| max * f).collect();
            Ok(zone_set(
                ZoneKind::HeartRate,
                model,
                &edges,
                &numbered(5),
                BTreeMap::from([("max_heartrate_bpm".into(), max)]),
            ))
        }
        ZoneModel::HeartRateReserve => {
            let max = need(t.max_heartrate_bpm, "max_heartrate_bpm")?;
            let rest = need(t.resting_heartrate_bpm, "resting_heartrate_bpm")?;
            let edges: Vec<f64> = FIVE_BANDS.iter().map(|f| rest + f * (max - rest)).collect();
            let based_on = BTreeMap::from([("max_heartrate_bpm".into(), max), ("resting_heartrate_bpm".into(), rest)]);
            Ok(zone_set(ZoneKind::HeartRate, model, &edges, &numbered(5), based_on))
        }
        ZoneModel::PercentLthr => {
            let lthr = need(t.threshold_heartrate_bpm, "threshold_heartrate_bpm")?;
            let mut edges = vec![0.0];
            edges.extend(FRIEL_LTHR.iter().map(|f| lthr * f));
            let names: Vec<String> = FRIEL_LTHR_NAMES.iter().map(|n| n.to_string()).collect();
            Ok(zone_set(
                ZoneKind::HeartRate,
                model,
                &edges,
                &names,
                BTreeMap::from([("threshold_heartrate_bpm".into(), lthr)]),
            ))
        }
        _ => Err(MissingThreshold { model, missing: "a heart-rate model" }),
    }
}

/// Coggan's seven power levels from FTP.
///
/// # Errors
/// When FTP is unknown.
pub fn power(t: &Thresholds) -> Result<ZoneSet, MissingThreshold> {
    let ftp = t.ftp_w.ok_or(MissingThreshold { model: ZoneModel::Coggan, missing: "ftp_w" })?;
    let mut edges = vec![0.0];
    edges.extend(COGGAN.iter().map(|f| ftp * f));
    Ok(zone_set(ZoneKind::Power, ZoneModel::Coggan, &edges, &numbered(7), BTreeMap::from([("ftp_w".into(), ftp)])))
}

/// Running pace zones from threshold pace, as speeds (slowest zone first).
///
/// # Errors
/// When the threshold pace is unknown.
pub fn pace(t: &Thresholds) -> Result<ZoneSet, MissingThreshold> {
    let speed = t
        .threshold_speed_mps
        .ok_or(MissingThreshold { model: ZoneModel::ThresholdPace, missing: "threshold_speed_mps" })?;
    let mut edges = vec![0.0];
    edges.extend(FRIEL_PACE.iter().map(|pct| speed / pct));
    let based_on = BTreeMap::from([("threshold_speed_mps".into(), speed)]);
    Ok(zone_set(ZoneKind::Pace, ZoneModel::ThresholdPace, &edges, &FRIEL_LTHR_NAMES.map(String::from), based_on))
}

fn numbered(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("Z{i}")).collect()
}

/// Zone `i` runs from `edges[i]` to `edges[i + 1]`; with as many edges as
/// names the last zone is open, with one more it is closed.
fn zone_set(
    kind: ZoneKind,
    model: ZoneModel,
    edges: &[f64],
    names: &[String],
    based_on: BTreeMap<String, f64>,
) -> ZoneSet {
    let zones = names
        .iter()
        .enumerate()
        .map(|(i, name)| Zone {
            name: name.clone(),
            low: bound(kind, edges[i]),
            high: edges.get(i + 1).map(|e| bound(kind, *e)),
        })
        .collect();
    ZoneSet { kind, model, zones, based_on }
}

/// Heart rate and power to whole units, speeds to mm/s.
fn bound(kind: ZoneKind, value: f64) -> f64 {
    match kind {
        ZoneKind::Pace => round_to(value, 3),
        _ => value.round(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thresholds() -> Thresholds {
        Thresholds {
            max_heartrate_bpm: Some(190.0),
            resting_heartrate_bpm: Some(50.0),
            threshold_heartrate_bpm: Some(170.0),
            ftp_w: Some(250.0),
            threshold_speed_mps: Some(4.0),
            swim_threshold_speed_mps: None,
        }
    }

    fn lows(set: &ZoneSet) -> Vec<f64> {
        set.zones.iter().map(|z| z.low).collect()
    }

    #[test]
    fn percent_of_max_is_five_ten_percent_bands() {
        let z = heart_rate(ZoneModel::PercentMax, &thresholds()).unwrap();
        assert_eq!(lows(&z), vec![95.0, 114.0, 133.0, 152.0, 171.0]);
        assert_eq!(z.zones[4].high, Some(190.0));
        assert_eq!(z.inner_bounds(), vec![114.0, 133.0, 152.0, 171.0]);
    }

    #[test]
    fn karvonen_adds_the_reserve_to_resting() {
        // Reserve 140: 50 % → 50 + 70 = 120; 90 % → 50 + 126 = 176.
        let z = heart_rate(ZoneModel::HeartRateReserve, &thresholds()).unwrap();
        assert_eq!(lows(&z), vec![120.0, 134.0, 148.0, 162.0, 176.0]);
        assert_eq!(z.based_on.len(), 2);
    }

    #[test]
    fn friel_lthr_zones_are_seven_with_an_open_top() {
        // LTHR 170: 85 % = 144.5 → 145 (rounded), 90 % = 153, 95 % = 161.5 → 162, 100 % = 170, 103 % = 175.1, 107 % = 181.9.
        let z = heart_rate(ZoneModel::PercentLthr, &thresholds()).unwrap();
        assert_eq!(lows(&z), vec![0.0, 145.0, 153.0, 162.0, 170.0, 175.0, 182.0]);
        assert_eq!(z.zones.last().unwrap().name, "Z5c");
        assert_eq!(z.zones.last().unwrap().high, None);
    }

    #[test]
    fn coggan_levels_from_ftp() {
        let z = power(&thresholds()).unwrap();
        assert_eq!(lows(&z), vec![0.0, 138.0, 188.0, 225.0, 263.0, 300.0, 375.0]);
        assert_eq!(z.zones.len(), 7);
    }

    #[test]
    fn pace_zones_speed_up_zone_by_zone() {
        // Threshold 4 m/s (4:10/km): Z2 starts at 4/1.29 = 3.101 m/s (5:22/km).
        let z = pace(&thresholds()).unwrap();
        assert_eq!(z.zones[1].low, 3.101);
        assert!(z.zones.windows(2).all(|w| w[0].low < w[1].low));
        assert_eq!(z.zones[6].low, 4.444, "Z5c: faster than 90 % of threshold pace");
    }

    #[test]
    fn a_missing_threshold_is_named_with_how_to_set_it() {
        let none = Thresholds::default();
        let err = heart_rate(ZoneModel::HeartRateReserve, &none).unwrap_err();
        assert_eq!(err.missing, "max_heartrate_bpm");
        assert!(err.to_string().contains("pierre-authd settings set max_heartrate_bpm="), "{err}");
        assert_eq!(power(&none).unwrap_err().missing, "ftp_w");
        assert_eq!(pace(&none).unwrap_err().missing, "threshold_speed_mps");
    }
}
