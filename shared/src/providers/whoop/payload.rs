//! WHOOP v2 response bodies, typed as they arrive.
//!
//! Everything a record may leave out is an `Option`, and every number is an
//! `f64`: WHOOP documents most of them as integers, but a float such as
//! `148.0` must not sink a whole page. Ids go through [`Id`], which renders
//! integers exactly (v1 and cycle ids are int64) and keeps v2 UUIDs as they
//! are. Unknown fields are ignored (the fake provider adds its own tag).
//!
//! Instants stay strings here and are parsed in [`super::convert`], so a bad
//! one is reported with the record and field it came from.

use serde::{Deserialize, Deserializer};

/// A record id: a v2 UUID string, or an integer (v1 ids, cycle ids, user
/// ids) rendered exactly, beyond 2^53 too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) if !s.trim().is_empty() => Ok(Id(s)),
            serde_json::Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    Ok(Id(u.to_string()))
                } else if let Some(i) = n.as_i64() {
                    Ok(Id(i.to_string()))
                } else {
                    // `3125.0`: a float that holds an integer. Anything with
                    // a fraction, or too big to be exact, is not an id.
                    match n.as_f64() {
                        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Id(format!("{f:.0}"))),
                        _ => Err(D::Error::custom(format_args!("`{n}` is not an integer id"))),
                    }
                }
            }
            other => Err(D::Error::custom(format_args!("expected a string or integer id, got {other}"))),
        }
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// WHOOP's scoring state. Open: a state this client has not heard of is
/// kept, and its record is treated as unscored unless a score came with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoreState {
    Scored,
    PendingScore,
    Unscorable,
    Other(String),
}

impl<'de> Deserialize<'de> for ScoreState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "SCORED" => ScoreState::Scored,
            "PENDING_SCORE" => ScoreState::PendingScore,
            "UNSCORABLE" => ScoreState::Unscorable,
            _ => ScoreState::Other(s),
        })
    }
}

/// One page of a collection endpoint (`records` + `next_token`).
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub records: Vec<T>,
    /// Absent, null or empty on the last page.
    #[serde(default)]
    pub next_token: Option<String>,
}

/// `GET /v2/user/profile/basic`.
#[derive(Debug, Deserialize)]
pub struct Profile {
    pub user_id: Id,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

/// `GET /v2/user/measurement/body`.
#[derive(Debug, Default, Deserialize)]
pub struct Body {
    #[serde(default)]
    pub height_meter: Option<f64>,
    #[serde(default)]
    pub weight_kilogram: Option<f64>,
    /// WHOOP's own estimate of the member's max heart rate.
    #[serde(default)]
    pub max_heart_rate: Option<f64>,
}

/// `GET /v1/activity-mapping/{v1Id}`: the v2 UUID of a v1 activity id.
#[derive(Debug, Deserialize)]
pub struct ActivityMapping {
    pub v2_activity_id: Id,
}

/// One record of `GET /v2/activity/workout`.
///
/// Not read: `v1_id` (the old integer id; the UUID is the id Pierre hands
/// out, and an old id still works through `/v1/activity-mapping`).
#[derive(Debug, Deserialize)]
pub struct Workout {
    /// v2 UUID; the id Pierre hands out.
    pub id: Id,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub timezone_offset: Option<String>,
    #[serde(default)]
    pub sport_name: Option<String>,
    /// Deprecated in v2 and may be absent; used only when there is no name.
    #[serde(default)]
    pub sport_id: Option<f64>,
    pub score_state: ScoreState,
    /// Present only when `score_state` is `SCORED`.
    #[serde(default)]
    pub score: Option<WorkoutScore>,
}

/// Not read: `strain` (0-21, no place in the activity model),
/// `percent_recorded`, `altitude_change_meter` and `zone_durations`
/// (milliseconds in WHOOP's six heart-rate zones: without samples or a
/// minimum they cannot make an honest heart-rate `StreamSummary`).
#[derive(Debug, Deserialize)]
pub struct WorkoutScore {
    #[serde(default)]
    pub average_heart_rate: Option<f64>,
    #[serde(default)]
    pub max_heart_rate: Option<f64>,
    /// Kilojoules expended (energy, not work).
    #[serde(default)]
    pub kilojoule: Option<f64>,
    #[serde(default)]
    pub distance_meter: Option<f64>,
    #[serde(default)]
    pub altitude_gain_meter: Option<f64>,
}

/// One record of `GET /v2/activity/sleep`.
#[derive(Debug, Deserialize)]
pub struct Sleep {
    pub id: Id,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub timezone_offset: Option<String>,
    /// Naps are separate records; only the night counts as sleep here.
    #[serde(default)]
    pub nap: bool,
    pub score_state: ScoreState,
    #[serde(default)]
    pub score: Option<SleepScore>,
}

#[derive(Debug, Deserialize)]
pub struct SleepScore {
    #[serde(default)]
    pub stage_summary: Option<StageSummary>,
    #[serde(default)]
    pub respiratory_rate: Option<f64>,
    /// Sleep achieved versus sleep needed, 0-100: WHOOP's own sleep score.
    #[serde(default)]
    pub sleep_performance_percentage: Option<f64>,
    /// Asleep / in bed, 0-100.
    #[serde(default)]
    pub sleep_efficiency_percentage: Option<f64>,
}

/// Stage totals, all in milliseconds.
#[derive(Debug, Deserialize)]
pub struct StageSummary {
    #[serde(default)]
    pub total_in_bed_time_milli: Option<f64>,
    #[serde(default)]
    pub total_awake_time_milli: Option<f64>,
    #[serde(default)]
    pub total_light_sleep_time_milli: Option<f64>,
    /// Slow-wave sleep is what the model calls deep sleep.
    #[serde(default)]
    pub total_slow_wave_sleep_time_milli: Option<f64>,
    #[serde(default)]
    pub total_rem_sleep_time_milli: Option<f64>,
}

/// One record of `GET /v2/recovery`.
#[derive(Debug, Deserialize)]
pub struct Recovery {
    pub cycle_id: Id,
    #[serde(default)]
    pub sleep_id: Option<Id>,
    pub score_state: ScoreState,
    #[serde(default)]
    pub score: Option<RecoveryScore>,
}

/// Not read: `user_calibrating`, and `skin_temp_celsius`, an absolute
/// temperature where the model wants a deviation from a baseline WHOOP
/// does not send.
#[derive(Debug, Deserialize)]
pub struct RecoveryScore {
    #[serde(default)]
    pub recovery_score: Option<f64>,
    #[serde(default)]
    pub resting_heart_rate: Option<f64>,
    /// Already milliseconds, despite the `_milli` suffix suggesting a conversion.
    #[serde(default)]
    pub hrv_rmssd_milli: Option<f64>,
    #[serde(default)]
    pub spo2_percentage: Option<f64>,
}

/// One record of `GET /v2/cycle`: a physiological day, sleep onset to sleep onset.
#[derive(Debug, Deserialize)]
pub struct Cycle {
    pub id: Id,
    pub start: String,
    /// `null` for the cycle the member is in now.
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub timezone_offset: Option<String>,
    pub score_state: ScoreState,
    #[serde(default)]
    pub score: Option<CycleScore>,
}

#[derive(Debug, Deserialize)]
pub struct CycleScore {
    /// Day strain, 0-21; still rising while `end` is null.
    #[serde(default)]
    pub strain: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(v: serde_json::Value) -> Result<Id, serde_json::Error> {
        serde_json::from_value(v)
    }

    #[test]
    fn ids_render_exactly_whatever_their_json_type() {
        // 2^53 + 1 = 9007199254740993 would become ...992 through an f64.
        assert_eq!(id(json!(9_007_199_254_740_993_u64)).unwrap().0, "9007199254740993");
        assert_eq!(id(json!(u64::MAX)).unwrap().0, "18446744073709551615");
        assert_eq!(id(json!(-7)).unwrap().0, "-7");
        assert_eq!(id(json!(3125.0)).unwrap().0, "3125", "not 3125.0 nor 3.125e3");
        assert_eq!(id(json!(12_000_000_000.0)).unwrap().0, "12000000000", "not 1.2e10");
        let uuid = "ecfc6a15-4661-442f-a9a4-f160dd7afae8";
        assert_eq!(id(json!(uuid)).unwrap().0, uuid);
        assert!(id(json!(1.5)).is_err());
        assert!(id(json!(1e300)).is_err());
        assert!(id(json!("")).is_err());
        assert!(id(json!(null)).is_err());
        assert!(id(json!({"id": 1})).is_err());
    }

    #[test]
    fn score_state_is_an_open_set() {
        let s: ScoreState = serde_json::from_value(json!("SCORED")).unwrap();
        assert_eq!(s, ScoreState::Scored);
        let s: ScoreState = serde_json::from_value(json!("RESCORING")).unwrap();
        assert_eq!(s, ScoreState::Other("RESCORING".into()));
        assert!(serde_json::from_value::<ScoreState>(json!(3)).is_err());
    }
}
