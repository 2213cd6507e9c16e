//! Strava payloads → the shared model.
//!
//! Each decision about a Strava quirk lives here, next to the field it
//! affects, so the tests in `tests.rs` can pin one quirk each:
//!
//! - **Local time.** `start_date` is the UTC instant; `start_date_local` is
//!   the wall-clock time at the start, written with a trailing `Z` that does
//!   not mean UTC. The offset is their difference, and the start is the UTC
//!   instant carried at that offset. `utc_offset` (seconds) is only a
//!   fallback: when it disagrees with the difference, the difference wins,
//!   because it reproduces the wall time Strava shows the athlete.
//! - **Sport.** `sport_type` (precise, `GravelRide`) is preferred over the
//!   deprecated `type` (`Ride`); names Pierre does not know are kept as given.
//! - **Cadence.** Strava reports running cadence per leg (strides/min, ~85);
//!   Pierre's `average_cadence_per_min` is steps/min, so foot sports are
//!   doubled. This is what Strava's own web page does, and what open-source
//!   clients do (some only below 130 as a heuristic; Pierre doubles always,
//!   because the API's unit does not change with the value).
//! - **Energy.** `kilojoules` (rides) × 1000 J; otherwise `calories` (kcal,
//!   detailed representation only) × 4184 J.
//! - **Power.** Strava estimates `average_watts` for rides without a meter
//!   (`device_watts: false`); the model's power is measured power, so
//!   estimates are left out.
//! - **Manual activities** have zeros for what was not recorded (speed,
//!   elevation, often distance); zeros there become absent.
//! - **Durations** may arrive as floats (`3125.0`) and are rounded.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::model::{
    Activity, ActivitySummary, Athlete, BestEffort, Lap, Split, SportKind, SportType, StreamSummary, Thresholds,
    Timestamp,
};
use crate::providers::api::ApiError;

use super::NAME;
use super::payload::{ActivityPayload, AthletePayload, EffortPayload, Id, LapPayload, SplitPayload};

fn malformed(detail: impl std::fmt::Display) -> ApiError {
    ApiError::malformed(NAME, detail)
}

/// The id, preferring the exact `*_str` twin when Strava sent one.
pub fn pick_id(id: Option<&Id>, id_str: Option<&Id>) -> Option<String> {
    id_str.or(id).map(|i| i.0.clone())
}

/// A whole number of seconds (or an index) from a number that may be a float.
///
/// # Errors
/// Malformed when the value is negative, not finite or past `u32`.
pub fn whole(what: &str, value: f64) -> Result<u32, ApiError> {
    if value.is_finite() && value >= 0.0 && value <= f64::from(u32::MAX) {
        // In range by the check above.
        Ok(value.round() as u32)
    } else {
        Err(malformed(format_args!("{what} {value} is not a whole count")))
    }
}

fn opt_whole(what: &str, value: Option<f64>) -> Result<Option<u32>, ApiError> {
    value.map(|v| whole(what, v)).transpose()
}

/// A measurement that is only meaningful when finite; NaN cannot come from
/// JSON, but a value of 1e308 can, and it is passed through as given.
fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

/// Zero means "not recorded" for these (a stationary activity's speed).
fn nonzero(value: Option<f64>) -> Option<f64> {
    finite(value).filter(|v| *v != 0.0)
}

/// `GET /v3/athlete` → [`Athlete`].
///
/// # Errors
/// Malformed when the athlete has no id.
pub fn athlete(p: AthletePayload) -> Result<Athlete, ApiError> {
    let id = pick_id(p.id.as_ref(), p.id_str.as_ref()).ok_or_else(|| malformed("athlete: no id"))?;
    let name = [p.firstname.as_deref(), p.lastname.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let name = if name.is_empty() { p.username.unwrap_or_default() } else { name };
    let sex = p.sex.filter(|s| !s.is_empty()).map(|s| match s.as_str() {
        // The synthetic provider and the other clients say female/male.
        "F" => "female".to_owned(),
        "M" => "male".to_owned(),
        _ => s,
    });
    let location = [p.city.as_deref(), p.country.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Athlete {
        id,
        name,
        sex,
        birth_year: None,
        weight_kg: nonzero(p.weight),
        height_m: None,
        location: (!location.is_empty()).then_some(location),
        thresholds: Thresholds { ftp_w: nonzero(p.ftp), ..Thresholds::default() },
    })
}

/// Strava's sport name → Pierre's sport. `sport_type` first, then `type`.
pub fn sport(sport_type: Option<&str>, legacy_type: Option<&str>) -> SportType {
    let name = sport_type.filter(|s| !s.is_empty()).or(legacy_type.filter(|s| !s.is_empty()));
    let Some(name) = name else {
        // Neither member: keep the activity, say we do not know.
        return SportType::Other("Unknown".to_owned());
    };
    let kind = match name {
        "Run" => SportKind::Run,
        "TrailRun" => SportKind::TrailRun,
        "Walk" => SportKind::Walk,
        "Hike" => SportKind::Hike,
        "Ride" => SportKind::Ride,
        "VirtualRide" => SportKind::VirtualRide,
        "MountainBikeRide" => SportKind::MountainBikeRide,
        "GravelRide" => SportKind::GravelRide,
        "Swim" => SportKind::Swim,
        "Rowing" => SportKind::Rowing,
        "WeightTraining" => SportKind::Strength,
        "Yoga" => SportKind::Yoga,
        "NordicSki" => SportKind::NordicSki,
        "AlpineSki" => SportKind::AlpineSki,
        "Workout" => SportKind::Workout,
        other => return SportType::parse(other),
    };
    SportType::Known(kind)
}

/// Whether Strava's cadence for this sport counts one leg (so ×2 for steps).
pub fn per_leg_cadence(sport: &SportType) -> bool {
    match sport {
        SportType::Known(k) => matches!(k, SportKind::Run | SportKind::TrailRun | SportKind::Walk | SportKind::Hike),
        SportType::Other(name) => name == "VirtualRun",
    }
}

fn cadence(sport: &SportType, value: Option<f64>) -> Option<f64> {
    let factor = if per_leg_cadence(sport) { 2.0 } else { 1.0 };
    nonzero(value).map(|v| v * factor)
}

fn parse_utc(what: &str, s: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| malformed(format_args!("{what} `{s}`: {e}")))
}

/// The wall-clock reading of `start_date_local`, as if it were UTC (which is
/// how Strava writes it). Accepts it with or without the trailing `Z`.
fn parse_wall(s: &str) -> Result<OffsetDateTime, ApiError> {
    let parsed = OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339))
        .map_err(|e| malformed(format_args!("start_date_local `{s}`: {e}")))?;
    Ok(parsed.replace_offset(UtcOffset::UTC))
}

/// The start instant at the athlete's local offset there and then.
///
/// # Errors
/// Malformed when `start_date` is absent or not RFC 3339.
pub fn start_time(p: &ActivityPayload, fallback: UtcOffset) -> Result<Timestamp, ApiError> {
    let utc = parse_utc("start_date", p.start_date.as_deref().ok_or_else(|| malformed("activity: no start_date"))?)?;
    let from_local = match p.start_date_local.as_deref() {
        Some(s) => {
            let diff = (parse_wall(s)? - utc).whole_seconds();
            i32::try_from(diff).ok().and_then(|d| UtcOffset::from_whole_seconds(d).ok())
        }
        None => None,
    };
    let from_field = p
        .utc_offset
        .filter(|v| v.is_finite() && v.abs() < 86_400.0)
        // In range by the filter above.
        .and_then(|v| UtcOffset::from_whole_seconds(v.round() as i32).ok());
    let offset = from_local.or(from_field).unwrap_or(fallback);
    // `to_offset` panics when the local time leaves year ±9999; a start
    // that close to the edge is not a real activity.
    utc.checked_to_offset(offset)
        .map(Timestamp::new)
        .ok_or_else(|| malformed(format_args!("start_date {utc} is out of range")))
}

/// Seconds from the activity's start to `at` (a lap's or effort's `start_date`).
fn offset_from(start: Timestamp, what: &str, at: &str) -> Result<u32, ApiError> {
    let t = parse_utc(what, at)?;
    let secs = (t - start.get()).whole_seconds();
    u32::try_from(secs).map_err(|_| malformed(format_args!("{what} `{at}` is before the activity's start")))
}

/// A list row or the head of a detailed activity → [`ActivitySummary`].
///
/// # Errors
/// Malformed when the id, start or elapsed time is missing or unreadable.
pub fn summary(p: &ActivityPayload, fallback: UtcOffset) -> Result<ActivitySummary, ApiError> {
    let id = pick_id(p.id.as_ref(), p.id_str.as_ref()).ok_or_else(|| malformed("activity: no id"))?;
    let ctx = |field: &str| format!("activity {id}: {field}");
    let elapsed = whole(&ctx("elapsed_time"), p.elapsed_time.ok_or_else(|| malformed(ctx("no elapsed_time")))?)?;
    let moving = opt_whole(&ctx("moving_time"), p.moving_time)?.unwrap_or(elapsed);
    let sport = sport(p.sport_type.as_deref(), p.legacy_type.as_deref());
    let manual = p.manual == Some(true);
    let recorded = |v: Option<f64>| if manual { nonzero(v) } else { finite(v) };
    let has_hr = p.has_heartrate != Some(false);
    let measured_power = p.device_watts != Some(false);
    let energy = finite(p.kilojoules)
        .map(|kj| kj * 1000.0)
        .or(finite(p.calories).map(|kcal| kcal * 4184.0))
        .filter(|j| *j > 0.0)
        .map(|j| j.round());
    Ok(ActivitySummary {
        name: p.name.clone().unwrap_or_default(),
        start_time: start_time(p, fallback).map_err(|e| match e {
            ApiError::Malformed { detail, .. } => malformed(ctx(&detail)),
            other => other,
        })?,
        distance_m: recorded(p.distance),
        moving_time_s: moving,
        elapsed_time_s: elapsed,
        elevation_gain_m: recorded(p.total_elevation_gain),
        average_speed_mps: nonzero(p.average_speed),
        max_speed_mps: nonzero(p.max_speed),
        average_heartrate_bpm: nonzero(p.average_heartrate).filter(|_| has_hr),
        max_heartrate_bpm: nonzero(p.max_heartrate).filter(|_| has_hr),
        average_power_w: nonzero(p.average_watts).filter(|_| measured_power),
        max_power_w: nonzero(p.max_watts).filter(|_| measured_power),
        average_cadence_per_min: cadence(&sport, p.average_cadence),
        energy_j: energy,
        // Strava's `suffer_score` (Relative Effort) is on another scale than
        // "100 = one hour at threshold"; leave it to Pierre's own analysis.
        training_load: None,
        training_load_method: None,
        sport,
        id,
    })
}

fn lap(i: usize, l: &LapPayload, s: &ActivitySummary, previous_end: u32) -> Result<Lap, ApiError> {
    let ctx = |f: &str| format!("activity {} lap {}: {f}", s.id, i + 1);
    let elapsed = whole(&ctx("elapsed_time"), l.elapsed_time.unwrap_or(0.0))?;
    let start_offset_s = match l.start_date.as_deref() {
        Some(at) => offset_from(s.start_time, &ctx("start_date"), at)?,
        // Laps tile the activity; without a date, this one starts where the last ended.
        None => previous_end,
    };
    Ok(Lap {
        index: opt_whole(&ctx("lap_index"), l.lap_index)?.unwrap_or(u32::try_from(i + 1).unwrap_or(u32::MAX)),
        start_offset_s,
        distance_m: finite(l.distance),
        moving_time_s: opt_whole(&ctx("moving_time"), l.moving_time)?.unwrap_or(elapsed),
        elapsed_time_s: elapsed,
        average_speed_mps: nonzero(l.average_speed),
        average_heartrate_bpm: nonzero(l.average_heartrate),
        max_heartrate_bpm: nonzero(l.max_heartrate),
        average_power_w: nonzero(l.average_watts).filter(|_| s.average_power_w.is_some()),
        average_cadence_per_min: cadence(&s.sport, l.average_cadence),
        elevation_gain_m: finite(l.total_elevation_gain),
    })
}

fn split(i: usize, sp: &SplitPayload, s: &ActivitySummary) -> Result<Split, ApiError> {
    let ctx = |f: &str| format!("activity {} split {}: {f}", s.id, i + 1);
    let distance = finite(sp.distance).ok_or_else(|| malformed(ctx("no distance")))?;
    let elapsed = whole(&ctx("elapsed_time"), sp.elapsed_time.unwrap_or(0.0))?;
    let moving = opt_whole(&ctx("moving_time"), sp.moving_time)?.unwrap_or(elapsed);
    let speed = finite(sp.average_speed).unwrap_or(if moving > 0 { distance / f64::from(moving) } else { 0.0 });
    Ok(Split {
        index: opt_whole(&ctx("split"), sp.split)?.unwrap_or(u32::try_from(i + 1).unwrap_or(u32::MAX)),
        distance_m: distance,
        moving_time_s: moving,
        elapsed_time_s: elapsed,
        average_speed_mps: speed,
        elevation_change_m: finite(sp.elevation_difference),
        average_heartrate_bpm: nonzero(sp.average_heartrate),
    })
}

/// `1/2 mile` → `half_mile`, `5K` → `5k`, `Half-Marathon` → `half_marathon`.
pub fn effort_name(name: &str) -> String {
    name.trim().to_lowercase().replace("1/2", "half").replace([' ', '-'], "_")
}

/// `None` for an effort without a start or a distance: Strava always sends
/// both, and a best effort that cannot be placed is worth less than the rest
/// of the activity.
fn effort(e: &EffortPayload, s: &ActivitySummary) -> Result<Option<BestEffort>, ApiError> {
    let (Some(name), Some(distance), Some(elapsed), Some(at)) =
        (e.name.as_deref(), finite(e.distance), e.elapsed_time, e.start_date.as_deref())
    else {
        return Ok(None);
    };
    let ctx = format!("activity {} best effort {name}", s.id);
    Ok(Some(BestEffort {
        name: effort_name(name),
        distance_m: distance,
        elapsed_time_s: whole(&format!("{ctx}: elapsed_time"), elapsed)?,
        start_offset_s: offset_from(s.start_time, &format!("{ctx}: start_date"), at)?,
    }))
}

/// A detailed activity (or a summary, which then has no laps or splits)
/// plus its summarised streams → [`Activity`].
///
/// # Errors
/// Malformed as [`summary`], or for a lap, split or effort that cannot be read.
pub fn activity(p: &ActivityPayload, streams: Vec<StreamSummary>, fallback: UtcOffset) -> Result<Activity, ApiError> {
    let s = summary(p, fallback)?;
    let mut laps = Vec::new();
    let mut end = 0u32;
    for (i, l) in p.laps.iter().flatten().enumerate() {
        let lap = lap(i, l, &s, end)?;
        end = lap.start_offset_s.saturating_add(lap.elapsed_time_s);
        laps.push(lap);
    }
    let splits =
        p.splits_metric.iter().flatten().enumerate().map(|(i, sp)| split(i, sp, &s)).collect::<Result<Vec<_>, _>>()?;
    let mut best_efforts = Vec::new();
    for e in p.best_efforts.iter().flatten() {
        best_efforts.extend(effort(e, &s)?);
    }
    Ok(Activity {
        description: p.description.clone().filter(|d| !d.trim().is_empty()),
        laps,
        splits,
        best_efforts,
        streams,
        summary: s,
    })
}
