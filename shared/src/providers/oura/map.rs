//! Oura payloads → the shared model: unit conversions, range checks, the
//! choice of "the night" among a day's sleep periods, and the sport names.
//!
//! Every value that cannot be what it claims (negative seconds, a score of
//! 140, a time that is not RFC 3339) becomes [`ApiError::Malformed`] naming
//! the field, rather than a panic or a silently wrong number.

use std::collections::BTreeMap;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::PROVIDER;
use super::payload::{HeartRateSample, PersonalInfo, SleepPeriod, Workout};
use crate::model::activity::round_to;
use crate::model::{
    ActivitySummary, Athlete, SleepSession, SleepStages, SportKind, SportType, StreamKind, StreamSummary, Thresholds,
    Timestamp,
};
use crate::providers::api::{ApiError, Clock};

/// Oura has no display name; the profile is labelled with the provider so
/// the assistant can still say whose data it reads, without the e-mail.
pub const ATHLETE_NAME: &str = "Oura member";

/// Joules in a kilocalorie (thermochemical), for `calories`.
const J_PER_KCAL: f64 = 4184.0;

fn malformed(detail: impl std::fmt::Display) -> ApiError {
    ApiError::malformed(PROVIDER, detail)
}

/// Parses an Oura time. Oura sends RFC 3339 with the local offset; a time
/// without one is taken to be in the user's offset (the clock's).
pub fn timestamp(text: &str, what: &str, offset: UtcOffset) -> Result<Timestamp, ApiError> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(Timestamp::new(t));
    }
    let local = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
    PrimitiveDateTime::parse(text, local)
        .map(|t| Timestamp::new(t.assume_offset(offset)))
        .map_err(|_| malformed(format!("{what} `{text}` is not an ISO 8601 time")))
}

/// A duration in seconds (Oura may send `3125.0`).
pub fn secs(value: f64, what: &str) -> Result<u32, ApiError> {
    if value.is_finite() && (0.0..=f64::from(u32::MAX)).contains(&value) {
        // In range by the check above, so the cast cannot truncate.
        Ok(value.round() as u32)
    } else {
        Err(malformed(format!("{what} {value} is not a number of seconds")))
    }
}

fn opt_secs(value: Option<f64>, what: &str) -> Result<Option<u32>, ApiError> {
    value.map(|v| secs(v, what)).transpose()
}

/// A 0-100 score.
pub fn score(value: Option<f64>, what: &str) -> Result<Option<u8>, ApiError> {
    value
        .map(|v| {
            if v.is_finite() && (0.0..=100.0).contains(&v) {
                // 0..=100 by the check above.
                Ok(v.round() as u8)
            } else {
                Err(malformed(format!("{what} {v} is not a score from 0 to 100")))
            }
        })
        .transpose()
}

/// A physiological value that must be positive (bpm, ms, breaths, %).
fn positive(value: Option<f64>, what: &str) -> Result<Option<f64>, ApiError> {
    match value {
        Some(v) if !(v.is_finite() && v > 0.0) => Err(malformed(format!("{what} {v} is not positive"))),
        other => Ok(other),
    }
}

fn seconds_between(start: Timestamp, end: Timestamp, what: &str) -> Result<u32, ApiError> {
    let span = end.unix() - start.unix();
    u32::try_from(span).map_err(|_| malformed(format!("{what} ends before it starts")))
}

/// The profile. `age` becomes a birth year as of the clock's today, which
/// is exact to within one year (Oura gives no birth date).
pub fn athlete(info: PersonalInfo, clock: &Clock) -> Result<Athlete, ApiError> {
    let birth_year = match info.age {
        Some(age) if age.is_finite() && (0.0..=130.0).contains(&age) => {
            // 0..=130 by the guard.
            Some(clock.today.get().year() - age.round() as i32)
        }
        Some(age) => return Err(malformed(format!("personal_info age {age} is not an age"))),
        None => None,
    };
    Ok(Athlete {
        id: info.id,
        name: ATHLETE_NAME.to_owned(),
        sex: info.biological_sex.filter(|s| !s.is_empty()),
        birth_year,
        weight_kg: positive(info.weight, "personal_info weight")?,
        height_m: positive(info.height, "personal_info height")?,
        location: None,
        thresholds: Thresholds::default(),
    })
}

/// Oura's activity names for sports Pierre knows; any other name is kept as
/// Oura sent it (through [`SportType::parse`], which also catches names that
/// happen to be Pierre's, such as `yoga` or `rowing`).
pub fn sport(activity: &str) -> SportType {
    let kind = match activity {
        "walking" => SportKind::Walk,
        "running" => SportKind::Run,
        "cycling" => SportKind::Ride,
        "swimming" => SportKind::Swim,
        "hiking" => SportKind::Hike,
        "mountain_biking" => SportKind::MountainBikeRide,
        "strength_training" | "weight_lifting" => SportKind::Strength,
        "cross_country_skiing" => SportKind::NordicSki,
        "downhill_skiing" => SportKind::AlpineSki,
        other => return SportType::parse(other),
    };
    SportType::Known(kind)
}

/// `strength_training` → `Strength training`.
fn humanise(activity: &str) -> String {
    let spaced = activity.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_else(|| "Workout".to_owned())
}

/// A workout as a summary. Oura records no pauses, so moving time is the
/// elapsed time; it records no elevation, power or cadence.
pub fn workout(w: &Workout, offset: UtcOffset) -> Result<ActivitySummary, ApiError> {
    let start = timestamp(&w.start_datetime, "workout start_datetime", offset)?;
    let end = timestamp(&w.end_datetime, "workout end_datetime", offset)?;
    let elapsed = seconds_between(start, end, "workout")?;
    let distance = match w.distance {
        Some(d) if !(d.is_finite() && d >= 0.0) => {
            return Err(malformed(format!("workout distance {d} is not a distance")));
        }
        d => d.map(|d| round_to(d, 1)),
    };
    let energy = match w.calories {
        Some(c) if !(c.is_finite() && c >= 0.0) => {
            return Err(malformed(format!("workout calories {c} is not an energy")));
        }
        c => c.map(|kcal| round_to(kcal * J_PER_KCAL, 0)),
    };
    let sport = sport(&w.activity);
    let average_speed = match distance {
        Some(d) if d > 0.0 && elapsed > 0 => Some(round_to(d / f64::from(elapsed), 3)),
        _ => None,
    };
    let name = w
        .label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map_or_else(|| humanise(&w.activity), str::to_owned);
    Ok(ActivitySummary {
        name,
        distance_m: distance,
        average_speed_mps: average_speed,
        energy_j: energy,
        ..ActivitySummary::minimal(w.id.clone(), sport, start, elapsed)
    })
}

/// Oura's own words for a workout, for the activity's description.
pub fn workout_description(w: &Workout) -> Option<String> {
    match (w.intensity.as_deref(), w.source.as_deref()) {
        (None, None) => None,
        (Some(i), None) => Some(format!("Intensity {i}.")),
        (None, Some(s)) => Some(format!("Source {s}.")),
        (Some(i), Some(s)) => Some(format!("Intensity {i}; source {s}.")),
    }
}

/// How much a period counts as "the night": `long_sleep` first, then
/// `sleep` (Oura's type for a main sleep under about three hours); naps
/// (`late_nap`), `rest` periods and `deleted` ones never do.
fn night_rank(p: &SleepPeriod) -> Option<u8> {
    match p.kind.as_deref() {
        Some("long_sleep") => Some(2),
        Some("sleep") => Some(1),
        _ => None,
    }
}

/// The night of each day: the best-ranked period, and among equals the
/// longest in bed (Oura can split one night into two `long_sleep` periods;
/// the longer one carries the night's figures).
pub fn nights(periods: Vec<SleepPeriod>) -> BTreeMap<crate::model::LocalDate, SleepPeriod> {
    let mut best: BTreeMap<_, SleepPeriod> = BTreeMap::new();
    for p in periods {
        let Some(rank) = night_rank(&p) else { continue };
        let better = best.get(&p.day).is_none_or(|held| {
            let held_rank = night_rank(held).unwrap_or(0);
            rank > held_rank || (rank == held_rank && p.time_in_bed.unwrap_or(0.0) > held.time_in_bed.unwrap_or(0.0))
        });
        if better {
            best.insert(p.day, p);
        }
    }
    best
}

/// A sleep period as the night's session, with the day's score.
///
/// Asleep time is `total_sleep_duration`; when Oura leaves it null, the sum
/// of the stages, else time in bed less time awake.
pub fn sleep_session(p: &SleepPeriod, score: Option<u8>, offset: UtcOffset) -> Result<SleepSession, ApiError> {
    let start = timestamp(&p.bedtime_start, "sleep bedtime_start", offset)?;
    let end = timestamp(&p.bedtime_end, "sleep bedtime_end", offset)?;
    let span = seconds_between(start, end, "sleep period")?;
    let in_bed = opt_secs(p.time_in_bed, "sleep time_in_bed")?.unwrap_or(span);
    let deep = opt_secs(p.deep_sleep_duration, "sleep deep_sleep_duration")?;
    let light = opt_secs(p.light_sleep_duration, "sleep light_sleep_duration")?;
    let rem = opt_secs(p.rem_sleep_duration, "sleep rem_sleep_duration")?;
    let awake = opt_secs(p.awake_time, "sleep awake_time")?;
    let stages = match (deep, light, rem) {
        (Some(deep_s), Some(light_s), Some(rem_s)) => {
            Some(SleepStages { deep_s, light_s, rem_s, awake_s: awake.unwrap_or(0) })
        }
        _ => None,
    };
    let asleep = match (opt_secs(p.total_sleep_duration, "sleep total_sleep_duration")?, &stages) {
        (Some(total), _) => total,
        (None, Some(s)) => s.deep_s.saturating_add(s.light_s).saturating_add(s.rem_s),
        (None, None) => in_bed.saturating_sub(awake.unwrap_or(0)),
    };
    let efficiency = match p.efficiency {
        Some(e) if e.is_finite() && (0.0..=100.0).contains(&e) => Some(round_to(e / 100.0, 2)),
        Some(e) => {
            return Err(malformed(format!("sleep efficiency {e} is not a percentage")));
        }
        None => None,
    };
    Ok(SleepSession {
        date: p.day,
        start_time: start,
        end_time: end,
        in_bed_s: in_bed,
        asleep_s: Some(asleep),
        stages,
        efficiency,
        score,
        average_heartrate_bpm: positive(p.average_heart_rate, "sleep average_heart_rate")?,
        lowest_heartrate_bpm: positive(p.lowest_heart_rate, "sleep lowest_heart_rate")?,
        average_hrv_ms: positive(p.average_hrv, "sleep average_hrv")?,
        respiratory_rate_per_min: positive(p.average_breath, "sleep average_breath")?,
        score_status: None,
    })
}

/// Heart rate recorded during a workout (`source` `workout`, inside the
/// window) as a stream summary. The sampling interval is the median gap
/// between samples. Readings of 0 or above 300 bpm are not heart rates
/// (Oura's gaps) and are left out. Oura knows no max HR, so no zones.
pub fn heart_rate_stream(
    samples: &[HeartRateSample],
    start: Timestamp,
    end: Timestamp,
) -> Result<Option<StreamSummary>, ApiError> {
    let mut points = Vec::new();
    for s in samples {
        if s.source.as_deref() != Some("workout") || !(s.bpm > 0.0 && s.bpm <= 300.0) {
            continue;
        }
        let at = timestamp(&s.timestamp, "heartrate timestamp", UtcOffset::UTC)?;
        if at >= start && at <= end {
            points.push((at.unix(), s.bpm));
        }
    }
    points.sort_by_key(|p| p.0);
    let mut gaps: Vec<i64> = points.windows(2).map(|w| w[1].0 - w[0].0).filter(|g| *g > 0).collect();
    gaps.sort_unstable();
    let interval = gaps.get(gaps.len() / 2).and_then(|g| u32::try_from(*g).ok()).unwrap_or(1);
    let bpm: Vec<f64> = points.iter().map(|p| p.1).collect();
    Ok(StreamSummary::from_samples(StreamKind::Heartrate, &bpm, interval, &[]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oura_activity_names_are_an_open_set() {
        assert_eq!(sport("walking"), SportKind::Walk.into());
        assert_eq!(sport("running"), SportKind::Run.into());
        assert_eq!(sport("cycling"), SportKind::Ride.into());
        assert_eq!(sport("swimming"), SportKind::Swim.into());
        assert_eq!(sport("strength_training"), SportKind::Strength.into());
        assert_eq!(sport("yoga"), SportKind::Yoga.into());
        assert_eq!(sport("kitesurfing"), SportType::Other("kitesurfing".into()));
        assert_eq!(sport("Running"), SportType::Other("Running".into()));
        assert_eq!(humanise("strength_training"), "Strength training");
        assert_eq!(humanise(""), "Workout");
    }

    #[test]
    fn times_without_an_offset_take_the_users() {
        let plus1 = UtcOffset::from_hms(1, 0, 0).unwrap();
        let t = timestamp("2026-11-21T07:10:00.000", "x", plus1).unwrap();
        assert_eq!(t.to_string(), "2026-11-21T07:10:00+01:00");
        let t = timestamp("2026-11-21T07:10:00.000-07:00", "x", plus1).unwrap();
        assert_eq!(t.to_string(), "2026-11-21T07:10:00-07:00");
        assert!(matches!(timestamp("yesterday", "x", plus1), Err(ApiError::Malformed { .. })));
    }

    #[test]
    fn out_of_range_numbers_are_malformed() {
        assert_eq!(secs(3125.0, "x").unwrap(), 3125);
        assert!(secs(-1.0, "x").is_err());
        assert!(secs(1e12, "x").is_err());
        assert_eq!(score(Some(84.4), "x").unwrap(), Some(84));
        assert!(score(Some(101.0), "x").is_err());
        assert!(score(Some(-3.0), "x").is_err());
        assert!(positive(Some(0.0), "x").is_err());
    }
}
