//! Activities: the summary a training log lists, and the full record with
//! laps, splits, best efforts and stream summaries.
//!
//! Units are SI throughout and every field name carries its unit
//! (`distance_m`, `moving_time_s`, `average_speed_mps`), so a reader never
//! has to guess. Fields a provider may not report are `Option` and left out
//! of the JSON when absent. Streams are summarised (min, mean, max, time in
//! zones) and never handed out as raw points: an hour-long ride is thousands
//! of samples that no assistant should read.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::time::Timestamp;

/// A sport Pierre knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(description = "")]
#[non_exhaustive]
pub enum SportKind {
    Run,
    TrailRun,
    Walk,
    Hike,
    Ride,
    VirtualRide,
    MountainBikeRide,
    GravelRide,
    Swim,
    Rowing,
    Strength,
    Yoga,
    NordicSki,
    AlpineSki,
    Workout,
}

impl SportKind {
    /// Every known sport, in the order above.
    pub const ALL: &'static [SportKind] = &[
        SportKind::Run,
        SportKind::TrailRun,
        SportKind::Walk,
        SportKind::Hike,
        SportKind::Ride,
        SportKind::VirtualRide,
        SportKind::MountainBikeRide,
        SportKind::GravelRide,
        SportKind::Swim,
        SportKind::Rowing,
        SportKind::Strength,
        SportKind::Yoga,
        SportKind::NordicSki,
        SportKind::AlpineSki,
        SportKind::Workout,
    ];

    /// The wire name (the same string serde writes).
    pub fn as_str(self) -> &'static str {
        match self {
            SportKind::Run => "run",
            SportKind::TrailRun => "trail_run",
            SportKind::Walk => "walk",
            SportKind::Hike => "hike",
            SportKind::Ride => "ride",
            SportKind::VirtualRide => "virtual_ride",
            SportKind::MountainBikeRide => "mountain_bike_ride",
            SportKind::GravelRide => "gravel_ride",
            SportKind::Swim => "swim",
            SportKind::Rowing => "rowing",
            SportKind::Strength => "strength",
            SportKind::Yoga => "yoga",
            SportKind::NordicSki => "nordic_ski",
            SportKind::AlpineSki => "alpine_ski",
            SportKind::Workout => "workout",
        }
    }

    /// The sport with this wire name, if Pierre knows it.
    pub fn from_name(name: &str) -> Option<SportKind> {
        SportKind::ALL.iter().copied().find(|k| k.as_str() == name)
    }

    /// Whether distance is what the sport is about (so pace and splits make sense).
    pub fn covers_distance(self) -> bool {
        !matches!(self, SportKind::Strength | SportKind::Yoga | SportKind::Workout)
    }
}

impl fmt::Display for SportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The sport of an activity: a known one, or whatever the provider called it.
///
/// Open on purpose: providers add sports all the time, and an activity must
/// never be dropped or mislabelled because Pierre has not heard of its sport
/// yet. On the wire both forms are a plain string.
///
/// Build values with [`SportType::parse`], which never puts a known name into
/// `Other`; that keeps the string form round-tripping to the same value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SportType {
    Known(SportKind),
    /// The provider's own name, kept exactly as it was sent.
    Other(String),
}

impl SportType {
    /// A known sport when `name` is one of Pierre's names, else `Other(name)`.
    pub fn parse(name: &str) -> SportType {
        match SportKind::from_name(name) {
            Some(kind) => SportType::Known(kind),
            None => SportType::Other(name.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            SportType::Known(kind) => kind.as_str(),
            SportType::Other(name) => name,
        }
    }

    /// The known sport, if it is one.
    pub fn kind(&self) -> Option<SportKind> {
        match self {
            SportType::Known(kind) => Some(*kind),
            SportType::Other(_) => None,
        }
    }
}

impl From<SportKind> for SportType {
    fn from(kind: SportKind) -> Self {
        SportType::Known(kind)
    }
}

impl fmt::Display for SportType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SportType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SportType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = Cow::<str>::deserialize(d)?;
        Ok(SportType::parse(&name))
    }
}

impl JsonSchema for SportType {
    fn schema_name() -> Cow<'static, str> {
        "SportType".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "e.g. run, ride, swim, or the provider's own name"
        })
    }
}

/// One activity as a training log lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ActivitySummary {
    /// Pass to get_activity for laps, splits and streams.
    pub id: String,
    pub name: String,
    pub sport: SportType,
    pub start_time: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    pub moving_time_s: u32,
    pub elapsed_time_s: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevation_gain_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_speed_mps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_speed_mps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_heartrate_bpm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_heartrate_bpm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_power_w: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_power_w: Option<f64>,
    /// Steps per minute (run, walk) or revolutions per minute (ride).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_cadence_per_min: Option<f64>,
    /// Estimated energy expended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_j: Option<f64>,
    /// Pierre's load, not the provider's: 100 = 1 h at threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_load: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_load_method: Option<LoadMethod>,
}

impl ActivitySummary {
    /// An activity with only what every provider gives (id, sport, start,
    /// moving time, the same elapsed time) and every measurement absent:
    /// a provider's mapping or a test fills in what it has with struct
    /// update syntax (`..ActivitySummary::minimal(..)`) instead of writing
    /// out a dozen `None`s.
    pub fn minimal(id: impl Into<String>, sport: SportType, start_time: Timestamp, moving_time_s: u32) -> Self {
        ActivitySummary {
            id: id.into(),
            name: String::new(),
            sport,
            start_time,
            distance_m: None,
            moving_time_s,
            elapsed_time_s: moving_time_s,
            elevation_gain_m: None,
            average_speed_mps: None,
            max_speed_mps: None,
            average_heartrate_bpm: None,
            max_heartrate_bpm: None,
            average_power_w: None,
            max_power_w: None,
            average_cadence_per_min: None,
            energy_j: None,
            training_load: None,
            training_load_method: None,
        }
    }
}

/// How an activity's training load was found, in the order tried:
/// `power` (TSS: a ride with average power and an FTP), `pace` (rTSS: a
/// road run or swim with speed and a threshold pace), `heart_rate`
/// (Banister TRIMP scaled so an hour at threshold heart rate is 100), or
/// `none` (no power, pace or heart rate: counted as zero). The rules are
/// in `crate::analysis::load`; the tools state them once, in
/// get_training_load's description, so the published schema stays short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(description = "")]
pub enum LoadMethod {
    Power,
    Pace,
    HeartRate,
    None,
}

/// A lap: a manual or device-made segment of an activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Lap {
    /// 1-based.
    pub index: u32,
    /// Seconds from the activity's start.
    pub start_offset_s: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    pub moving_time_s: u32,
    pub elapsed_time_s: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_speed_mps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_heartrate_bpm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_heartrate_bpm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_power_w: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_cadence_per_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevation_gain_m: Option<f64>,
}

/// A whole-kilometre split (the last one may be shorter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Split {
    /// 1-based kilometre number.
    pub index: u32,
    pub distance_m: f64,
    pub moving_time_s: u32,
    pub elapsed_time_s: u32,
    pub average_speed_mps: f64,
    /// End altitude minus start altitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevation_change_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_heartrate_bpm: Option<f64>,
}

/// The fastest stretch of a standard distance inside one activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BestEffort {
    /// For example `1k`, `5k`, `half_marathon`.
    pub name: String,
    pub distance_m: f64,
    pub elapsed_time_s: u32,
    /// Seconds from the activity's start.
    pub start_offset_s: u32,
}

/// Units: heartrate bpm, speed m/s, power W, cadence per minute, altitude m.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StreamKind {
    Heartrate,
    Speed,
    Power,
    Cadence,
    Altitude,
}

/// Time spent between two values of a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ZoneTime {
    /// Inclusive lower bound, in the stream's unit.
    pub min: f64,
    /// Exclusive upper bound; absent for the top zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    pub time_s: u32,
}

/// A recorded stream reduced to a few numbers, in the stream's SI unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StreamSummary {
    pub kind: StreamKind,
    pub samples: u32,
    pub min: f64,
    pub mean: f64,
    pub max: f64,
    /// Heart rate by % of max HR, power by % of FTP.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ZoneTime>,
}

impl StreamSummary {
    /// Summarises `samples` taken every `interval_s` seconds; `bounds` are
    /// the zone edges in ascending order (n edges make n + 1 zones, the first
    /// from the stream's minimum). `None` for an empty stream.
    pub fn from_samples(kind: StreamKind, samples: &[f64], interval_s: u32, bounds: &[f64]) -> Option<StreamSummary> {
        let (first, rest) = samples.split_first()?;
        let (mut min, mut max, mut sum) = (*first, *first, 0.0);
        for v in std::iter::once(first).chain(rest) {
            min = min.min(*v);
            max = max.max(*v);
            sum += v;
        }
        let zones = if bounds.is_empty() {
            Vec::new()
        } else {
            let mut counts = vec![0u32; bounds.len() + 1];
            for v in samples {
                let zone = bounds.iter().take_while(|edge| *v >= **edge).count();
                counts[zone] += 1;
            }
            let lowest = min.min(bounds[0]);
            counts
                .iter()
                .enumerate()
                .map(|(i, count)| ZoneTime {
                    min: if i == 0 { round_to(lowest, 1) } else { bounds[i - 1] },
                    max: bounds.get(i).copied(),
                    time_s: count * interval_s,
                })
                .collect()
        };
        Some(StreamSummary {
            kind,
            samples: u32::try_from(samples.len()).unwrap_or(u32::MAX),
            min: round_to(min, 2),
            mean: round_to(sum / samples.len() as f64, 2),
            max: round_to(max, 2),
            zones,
        })
    }
}

/// Everything known about one activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Activity {
    #[serde(flatten)]
    pub summary: ActivitySummary,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub laps: Vec<Lap>,
    /// Whole kilometres; the last may be shorter.
    pub splits: Vec<Split>,
    /// Fastest stretches of standard distances.
    pub best_efforts: Vec<BestEffort>,
    /// Recorded streams as min/mean/max and time in zones.
    pub streams: Vec<StreamSummary>,
}

/// One page of activities, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ActivityPage {
    pub activities: Vec<ActivitySummary>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Rounds to `digits` decimal places: sensor values have no more precision
/// than that, and shorter numbers are cheaper for an assistant to read.
///
/// Never returns negative zero: an empty `f64` sum is `-0.0` in Rust, and
/// so is a small negative value rounded away; `-0.0` reads as nonsense in
/// JSON and text ("distance_m": -0.0, "form -0"). Adding `+0.0` turns `-0.0`
/// into `0.0` and leaves every other value as it is.
pub fn round_to(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sport_names_match_serde() {
        for kind in SportKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
            assert_eq!(SportKind::from_name(kind.as_str()), Some(*kind));
        }
    }

    #[test]
    fn open_sport_type_keeps_unknown_names_verbatim() {
        let known: SportType = serde_json::from_value(json!("trail_run")).unwrap();
        assert_eq!(known, SportType::Known(SportKind::TrailRun));
        let other: SportType = serde_json::from_value(json!("Kitesurf")).unwrap();
        assert_eq!(other, SportType::Other("Kitesurf".into()));
        assert_eq!(serde_json::to_value(&other).unwrap(), json!("Kitesurf"));
        assert_eq!(serde_json::to_value(&known).unwrap(), json!("trail_run"));
        // Case matters: a provider's "Run" is its own name, not ours.
        assert_eq!(SportType::parse("Run"), SportType::Other("Run".into()));
    }

    fn summary() -> ActivitySummary {
        ActivitySummary {
            id: "12345678901234567890".into(),
            name: "Morning Run".into(),
            sport: SportKind::Run.into(),
            start_time: Timestamp::parse("2025-11-20T07:00:00+01:00").unwrap(),
            distance_m: Some(10_012.4),
            moving_time_s: 2_950,
            elapsed_time_s: 3_010,
            elevation_gain_m: Some(42.0),
            average_speed_mps: Some(3.394),
            max_speed_mps: None,
            average_heartrate_bpm: Some(151.2),
            max_heartrate_bpm: Some(171.0),
            average_power_w: None,
            max_power_w: None,
            average_cadence_per_min: Some(172.0),
            energy_j: Some(2_900_000.0),
            training_load: Some(61.0),
            training_load_method: Some(LoadMethod::Pace),
        }
    }

    #[test]
    fn rounding_never_gives_negative_zero() {
        let empty: f64 = std::iter::empty::<f64>().sum();
        for v in [empty, -0.0, -0.04, -0.4999] {
            let r = round_to(v, if v == -0.04 { 1 } else { 0 });
            assert!(r == 0.0 && r.is_sign_positive(), "{v} -> {r:?}");
            assert_eq!(serde_json::to_string(&r).unwrap(), "0.0");
            assert_eq!(format!("{r:+.0}"), "+0");
        }
        assert_eq!(round_to(-1.26, 1), -1.3);
        assert_eq!(round_to(2.25, 1), 2.3);
    }

    #[test]
    fn activity_round_trips_and_omits_absent_fields() {
        let activity = Activity {
            summary: summary(),
            description: None,
            laps: vec![],
            splits: vec![Split {
                index: 1,
                distance_m: 1000.0,
                moving_time_s: 290,
                elapsed_time_s: 290,
                average_speed_mps: 3.448,
                elevation_change_m: Some(-3.0),
                average_heartrate_bpm: None,
            }],
            best_efforts: vec![BestEffort {
                name: "5k".into(),
                distance_m: 5000.0,
                elapsed_time_s: 1450,
                start_offset_s: 600,
            }],
            streams: vec![],
        };
        let v = serde_json::to_value(&activity).unwrap();
        assert_eq!(v["id"], json!("12345678901234567890"), "summary is flattened");
        assert!(v.get("max_speed_mps").is_none());
        assert!(v["splits"][0].get("average_heartrate_bpm").is_none());
        let back: Activity = serde_json::from_value(v).unwrap();
        assert_eq!(back, activity);
    }

    #[test]
    fn stream_summary_counts_time_in_zones() {
        let hr = [100.0, 120.0, 140.0, 160.0, 180.0, 150.0];
        let s = StreamSummary::from_samples(StreamKind::Heartrate, &hr, 10, &[130.0, 170.0]).unwrap();
        assert_eq!((s.min, s.max, s.mean), (100.0, 180.0, 141.67));
        let times: Vec<u32> = s.zones.iter().map(|z| z.time_s).collect();
        assert_eq!(times, vec![20, 30, 10]);
        assert_eq!(s.zones[2].max, None);
        assert_eq!(s.zones[1].min, 130.0);
        assert!(StreamSummary::from_samples(StreamKind::Power, &[], 1, &[]).is_none());
    }
}
