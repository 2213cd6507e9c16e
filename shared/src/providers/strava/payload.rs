//! Strava v3 JSON shapes, as typed serde structs.
//!
//! Every member is optional: Strava leaves members out of one
//! representation and sends `null` in another (a summary, resource_state 2,
//! has no `laps`; a manual activity has `average_heartrate` absent, an older
//! upload may have `sport_type` null), and this layer only has to say what
//! was there. Whether a missing member is an error is decided in `map.rs`,
//! where the provider and the field can be named.
//!
//! Numbers are read as `f64` even where Strava documents integers: its
//! serialiser sometimes sends `3125.0` for a duration, and rounding it in
//! one place (`map.rs`) is simpler than a lenient deserialiser per field.
//! Ids are the exception ([`Id`]): they must stay exact beyond 2^53.
//! Unknown members (and the strict fake's `pierre_test_account`) are ignored.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Visitor};

/// An id rendered exactly as a string.
///
/// serde_json hands a large integer to `visit_u64` without going through a
/// float, so `18014398509481985` stays exact. A float-looking id (`1.2e10`)
/// is accepted only when it is an integer below 2^53 (the floats that can
/// still be exact), and then rendered without a decimal point or exponent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id(pub String);

/// 2^53: beyond this a float can no longer carry every integer exactly.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0;

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer id or a non-empty id string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                if v < 0 {
                    return Err(E::custom(format_args!("negative id {v}")));
                }
                Ok(Id(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Id, E> {
                if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < EXACT_FLOAT_LIMIT {
                    // Exact by the check above: an integer below 2^53.
                    Ok(Id(format!("{}", v as u64)))
                } else {
                    Err(E::custom(format_args!("id {v} is not an exact integer")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                if v.is_empty() {
                    return Err(E::custom("empty id"));
                }
                Ok(Id(v.to_owned()))
            }
        }
        d.deserialize_any(IdVisitor)
    }
}

/// `GET /v3/athlete` (DetailedAthlete; the summary form lacks weight and FTP).
#[derive(Debug, Deserialize)]
pub struct AthletePayload {
    pub id: Option<Id>,
    /// Not documented for athletes today, but Strava adds `*_str` twins to
    /// ids that overflow JavaScript numbers; prefer it when present.
    pub id_str: Option<Id>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub username: Option<String>,
    /// `"M"`, `"F"`, or absent.
    pub sex: Option<String>,
    /// Kilograms.
    pub weight: Option<f64>,
    pub city: Option<String>,
    pub country: Option<String>,
    /// Watts; absent or null unless the athlete set it.
    pub ftp: Option<f64>,
}

/// An activity: `SummaryActivity` (resource_state 2, in lists) or
/// `DetailedActivity` (resource_state 3, from `/v3/activities/{id}`), which
/// adds the members in the second block. One struct for both, because the
/// detailed form is a superset; `resource_state` itself is not read, since
/// what matters is which members are present. `upload_id`/`upload_id_str`
/// and `external_id` are not read either: the model has no upload id, and
/// the activity's own `id` (or `id_str`) is what every later call needs.
#[derive(Debug, Deserialize)]
pub struct ActivityPayload {
    pub id: Option<Id>,
    pub id_str: Option<Id>,
    pub name: Option<String>,
    /// Deprecated coarse type (`Ride` for a gravel ride).
    #[serde(rename = "type")]
    pub legacy_type: Option<String>,
    /// The precise type (`GravelRide`); prefer it.
    pub sport_type: Option<String>,
    /// The start instant, UTC.
    pub start_date: Option<String>,
    /// The local wall-clock start, written with a misleading trailing `Z`.
    pub start_date_local: Option<String>,
    /// Seconds east of UTC at the start (a float in practice: `3600.0`).
    pub utc_offset: Option<f64>,
    /// Metres.
    pub distance: Option<f64>,
    /// Seconds.
    pub moving_time: Option<f64>,
    pub elapsed_time: Option<f64>,
    /// Metres.
    pub total_elevation_gain: Option<f64>,
    /// m/s.
    pub average_speed: Option<f64>,
    pub max_speed: Option<f64>,
    pub has_heartrate: Option<bool>,
    pub average_heartrate: Option<f64>,
    pub max_heartrate: Option<f64>,
    pub average_watts: Option<f64>,
    pub max_watts: Option<f64>,
    /// False when `average_watts` is Strava's estimate, not a power meter's.
    pub device_watts: Option<bool>,
    /// rpm for rides; strides (one leg) per minute for runs.
    pub average_cadence: Option<f64>,
    /// Mechanical work, rides only.
    pub kilojoules: Option<f64>,
    pub manual: Option<bool>,

    // DetailedActivity only.
    pub description: Option<String>,
    /// Kilocalories.
    pub calories: Option<f64>,
    pub laps: Option<Vec<LapPayload>>,
    pub splits_metric: Option<Vec<SplitPayload>>,
    pub best_efforts: Option<Vec<EffortPayload>>,
}

/// One member of `laps`.
#[derive(Debug, Deserialize)]
pub struct LapPayload {
    /// 1-based.
    pub lap_index: Option<f64>,
    pub start_date: Option<String>,
    pub distance: Option<f64>,
    pub moving_time: Option<f64>,
    pub elapsed_time: Option<f64>,
    pub average_speed: Option<f64>,
    pub average_heartrate: Option<f64>,
    pub max_heartrate: Option<f64>,
    pub average_watts: Option<f64>,
    pub average_cadence: Option<f64>,
    pub total_elevation_gain: Option<f64>,
}

/// One member of `splits_metric` (whole kilometres).
#[derive(Debug, Deserialize)]
pub struct SplitPayload {
    /// 1-based kilometre number.
    pub split: Option<f64>,
    pub distance: Option<f64>,
    pub moving_time: Option<f64>,
    pub elapsed_time: Option<f64>,
    pub average_speed: Option<f64>,
    /// Metres, end minus start.
    pub elevation_difference: Option<f64>,
    pub average_heartrate: Option<f64>,
}

/// One member of `best_efforts` (runs only).
#[derive(Debug, Deserialize)]
pub struct EffortPayload {
    /// Strava's label: `400m`, `1/2 mile`, `1K`, `5K`, `Half-Marathon`.
    pub name: Option<String>,
    pub distance: Option<f64>,
    pub elapsed_time: Option<f64>,
    pub start_date: Option<String>,
}

/// One stream of `/v3/activities/{id}/streams`. Samples may be `null`
/// where the sensor dropped out (watts, heartrate).
#[derive(Debug, Deserialize)]
pub struct StreamPayload {
    #[serde(default)]
    pub data: Vec<Option<f64>>,
}

/// `GET /v3/athlete/zones`.
#[derive(Debug, Deserialize)]
pub struct ZonesPayload {
    pub heart_rate: Option<ZoneSetPayload>,
    pub power: Option<ZoneSetPayload>,
}

#[derive(Debug, Deserialize)]
pub struct ZoneSetPayload {
    pub zones: Option<Vec<ZoneRangePayload>>,
}

/// One zone. Only `min` is read: zones tile the range, and `max` is `-1`
/// for the open top zone.
#[derive(Debug, Deserialize)]
pub struct ZoneRangePayload {
    pub min: Option<f64>,
}

/// `GET /v3/athletes/{id}/stats`.
#[derive(Debug, Deserialize)]
pub struct StatsPayload {
    pub biggest_ride_distance: Option<f64>,
    pub biggest_climb_elevation_gain: Option<f64>,
    pub recent_run_totals: Option<TotalsPayload>,
    pub recent_ride_totals: Option<TotalsPayload>,
    pub recent_swim_totals: Option<TotalsPayload>,
    pub ytd_run_totals: Option<TotalsPayload>,
    pub ytd_ride_totals: Option<TotalsPayload>,
    pub ytd_swim_totals: Option<TotalsPayload>,
    pub all_run_totals: Option<TotalsPayload>,
    pub all_ride_totals: Option<TotalsPayload>,
    pub all_swim_totals: Option<TotalsPayload>,
}

/// An `ActivityTotal`: metres and seconds.
#[derive(Debug, Deserialize)]
pub struct TotalsPayload {
    pub count: Option<f64>,
    pub distance: Option<f64>,
    pub moving_time: Option<f64>,
    pub elapsed_time: Option<f64>,
    pub elevation_gain: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(v: serde_json::Value) -> Result<Id, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn ids_are_exact_beyond_2_pow_53() {
        // 2^54 + 1 = 18014398509481985: as an f64 it would round to ...984.
        let v: serde_json::Value = serde_json::from_str("18014398509481985").unwrap();
        assert_eq!(id(v).unwrap().0, "18014398509481985");
        assert_eq!(id(json!(12873645092.0)).unwrap().0, "12873645092");
        assert_eq!(id(json!("g12345678")).unwrap().0, "g12345678");
        assert!(id(json!(1.5)).is_err());
        assert!(id(json!(1.0e17)).is_err(), "a float past 2^53 may not be exact");
        assert!(id(json!(-3)).is_err());
        assert!(id(json!("")).is_err());
        assert!(id(json!(true)).is_err());
    }
}
