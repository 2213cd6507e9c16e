//! Sleep and recovery: one request per day and endpoint.
//!
//! Garmin's wellness endpoints answer one calendar day at a time, and the
//! sleep one wants the user's `displayName` in its path, so every call
//! starts with `/userprofile-service/socialProfile`. Days are fetched a few
//! at a time ([`CONCURRENCY`]): fast enough for the tools' ranges (at most
//! about three months) without tripping Garmin's rate limit. A day Garmin
//! has nothing for comes back as an empty body, a DTO of nulls, `[]` or
//! `{"hrvSummary": null}`; such days are left out, not zero-filled.

use futures::future::join_all;
use serde_json::Value;

use super::NAME;
use super::convert::{self, from_epoch_ms, opt_seconds, score, tidy};
use super::payload::{HrvResponse, Readiness, SleepDto, SleepResponse, SocialProfile};
use crate::model::{LocalDate, Recovery, SleepSession, SleepStages};
use crate::providers::api::{ApiError, Clock, Fetch, Request, decode};

/// Days fetched at once.
pub const CONCURRENCY: usize = 4;

/// The readiness entry Garmin computes when the user wakes up.
const MORNING_CONTEXT: &str = "AFTER_WAKEUP_RESET";

/// The user's `displayName`, percent-encoded for use as a path segment.
pub async fn display_name<F: Fetch>(f: &F) -> Result<String, ApiError> {
    let body = f.get(Request::new("/userprofile-service/socialProfile")).await?;
    let profile: SocialProfile = decode(NAME, "social profile", body)?;
    let name = profile
        .display_name
        .filter(|n| !n.trim().is_empty() && n != "." && n != "..")
        .ok_or_else(|| ApiError::malformed(NAME, "the social profile has no displayName"))?;
    Ok(path_segment(&name))
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so a
/// display name can never add a path segment or a query.
fn path_segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every day from `from` to `to` (not past today), oldest first.
fn days(from: LocalDate, to: LocalDate, clock: &Clock) -> Vec<LocalDate> {
    let last = to.min(clock.today);
    let count = from.days_until(last);
    (0..=count).map(|i| from.add_days(i)).collect()
}

async fn sleep_day<F: Fetch>(f: &F, name: &str, day: LocalDate) -> Result<Value, ApiError> {
    // `date` first: the fixture rule picks a file by the first query parameter.
    let request = Request::new(format!("/wellness-service/wellness/dailySleepData/{name}"))
        .query("date", day)
        .query("nonSleepBufferMinutes", 60);
    f.get(request).await
}

/// The sleep response, an empty body (HTTP 204) read as "no data".
fn sleep_response(body: Value) -> Result<SleepResponse, ApiError> {
    match body {
        Value::Null => Ok(SleepResponse::default()),
        body => decode(NAME, "daily sleep", body),
    }
}

/// Nights that ended from `from` to `to`, newest first.
pub async fn sleep<F: Fetch>(
    f: &F,
    from: LocalDate,
    to: LocalDate,
    clock: &Clock,
) -> Result<Vec<SleepSession>, ApiError> {
    let days = days(from, to, clock);
    if days.is_empty() {
        return Ok(Vec::new());
    }
    let name = display_name(f).await?;
    let mut sessions = Vec::new();
    for chunk in days.chunks(CONCURRENCY) {
        let answers = join_all(chunk.iter().map(|day| sleep_day(f, &name, *day))).await;
        for (day, answer) in chunk.iter().zip(answers) {
            if let Some(session) = session_from(answer?, *day, clock)? {
                sessions.push(session);
            }
        }
    }
    sessions.sort_by_key(|s| std::cmp::Reverse(s.date));
    Ok(sessions)
}

/// One day's sleep response as a night, or `None` on a day without one
/// (an empty body, or a DTO without id or times).
pub fn session_from(body: Value, day: LocalDate, clock: &Clock) -> Result<Option<SleepSession>, ApiError> {
    session(sleep_response(body)?, day, clock)
}

fn session(response: SleepResponse, day: LocalDate, clock: &Clock) -> Result<Option<SleepSession>, ApiError> {
    let Some(dto) = response.daily.filter(|d| d.id.is_some()) else {
        return Ok(None);
    };
    let (Some(start), Some(end)) =
        (dto.sleep_start_timestamp_gmt.and_then(from_epoch_ms), dto.sleep_end_timestamp_gmt.and_then(from_epoch_ms))
    else {
        return Ok(None);
    };
    if end < start {
        return Err(ApiError::malformed(NAME, format!("the night of {day} ends before it starts")));
    }
    // The "local" epoch is wall-clock time written as UTC: minus GMT it is the zone.
    let offset = dto
        .sleep_start_timestamp_local
        .and_then(from_epoch_ms)
        .and_then(|local| {
            let wall = time::PrimitiveDateTime::new(local.date(), local.time());
            convert::offset_between(wall, start)
        })
        .unwrap_or(clock.offset);
    let in_bed_s = convert::whole_seconds((end - start).as_seconds_f64(), "time in bed")?;
    let stages = stages(&dto)?;
    let asleep_s = match opt_seconds(dto.sleep_time_seconds, "sleepTimeSeconds")? {
        Some(asleep) => asleep,
        None => stages.as_ref().map_or(0, |s| s.deep_s.saturating_add(s.light_s).saturating_add(s.rem_s)),
    };
    let efficiency =
        (in_bed_s > 0).then(|| convert::tidy(Some(f64::from(asleep_s) / f64::from(in_bed_s)), 2)).flatten();
    let date = dto.calendar_date.as_deref().and_then(|d| LocalDate::parse(d).ok()).unwrap_or(day);
    Ok(Some(SleepSession {
        date,
        start_time: convert::at_offset(start, offset, "a sleep start")?,
        end_time: convert::at_offset(end, offset, "a sleep end")?,
        in_bed_s,
        asleep_s: Some(asleep_s),
        stages,
        efficiency: efficiency.filter(|e| *e <= 1.0),
        score: sleep_score(&dto),
        average_heartrate_bpm: tidy(dto.avg_heart_rate, 1),
        // Garmin reports the day's resting heart rate, not the night's lowest.
        lowest_heartrate_bpm: None,
        average_hrv_ms: tidy(response.avg_overnight_hrv, 1),
        respiratory_rate_per_min: tidy(dto.average_respiration_value, 1),
        score_status: None,
    }))
}

fn sleep_score(dto: &SleepDto) -> Option<u8> {
    score(dto.sleep_scores.as_ref()?.overall.as_ref()?.value)
}

fn stages(dto: &SleepDto) -> Result<Option<SleepStages>, ApiError> {
    let deep = opt_seconds(dto.deep_sleep_seconds, "deepSleepSeconds")?;
    let light = opt_seconds(dto.light_sleep_seconds, "lightSleepSeconds")?;
    let rem = opt_seconds(dto.rem_sleep_seconds, "remSleepSeconds")?;
    let awake = opt_seconds(dto.awake_sleep_seconds, "awakeSleepSeconds")?;
    if deep.is_none() && light.is_none() && rem.is_none() && awake.is_none() {
        return Ok(None);
    }
    Ok(Some(SleepStages {
        deep_s: deep.unwrap_or(0),
        light_s: light.unwrap_or(0),
        rem_s: rem.unwrap_or(0),
        awake_s: awake.unwrap_or(0),
    }))
}

/// One day's sleep, HRV and readiness bodies, fetched one after the other
/// (the concurrency is across days).
async fn recovery_day<F: Fetch>(f: &F, name: &str, day: LocalDate) -> Result<[Value; 3], ApiError> {
    let sleep = sleep_day(f, name, day).await?;
    let hrv = f.get(Request::new(format!("/hrv-service/hrv/{day}"))).await?;
    let readiness = f.get(Request::new(format!("/metrics-service/metrics/trainingreadiness/{day}"))).await?;
    Ok([sleep, hrv, readiness])
}

/// Mornings from `from` to `to`, newest first.
///
/// Sources: training readiness (`score`), last night's HRV average
/// (`hrv_ms`), and the sleep response (resting heart rate, sleep score —
/// readiness's own `sleepScore` when the night has none).
pub async fn recovery<F: Fetch>(
    f: &F,
    from: LocalDate,
    to: LocalDate,
    clock: &Clock,
) -> Result<Vec<Recovery>, ApiError> {
    let days = days(from, to, clock);
    if days.is_empty() {
        return Ok(Vec::new());
    }
    let name = display_name(f).await?;
    let mut mornings = Vec::new();
    for chunk in days.chunks(CONCURRENCY) {
        let answers = join_all(chunk.iter().map(|day| recovery_day(f, &name, *day))).await;
        for (day, answer) in chunk.iter().zip(answers) {
            let [sleep, hrv, readiness] = answer?;
            if let Some(morning) = recovery_from(sleep, hrv, readiness, *day)? {
                mornings.push(morning);
            }
        }
    }
    mornings.sort_by_key(|r| std::cmp::Reverse(r.date));
    Ok(mornings)
}

/// Merges one day's sleep, HRV and readiness bodies; `None` when Garmin
/// had none of them (empty bodies, `{"hrvSummary": null}`, `[]`).
pub fn recovery_from(sleep: Value, hrv: Value, readiness: Value, day: LocalDate) -> Result<Option<Recovery>, ApiError> {
    let sleep = sleep_response(sleep)?;
    let hrv: HrvResponse = match hrv {
        Value::Null => HrvResponse::default(),
        body => decode(NAME, "HRV", body)?,
    };
    let readiness: Vec<Readiness> = match readiness {
        Value::Null => Vec::new(),
        body => decode(NAME, "training readiness", body)?,
    };
    let ready = morning_readiness(readiness, day);
    let night = sleep.daily.filter(|d| d.id.is_some());
    let recovery = Recovery {
        date: day,
        score: ready.as_ref().and_then(|r| score(r.score)),
        hrv_ms: tidy(hrv.hrv_summary.and_then(|s| s.last_night_avg), 1),
        resting_heartrate_bpm: tidy(sleep.resting_heart_rate.filter(|v| *v > 0.0), 1),
        sleep_score: night.as_ref().and_then(sleep_score).or_else(|| ready.as_ref().and_then(|r| score(r.sleep_score))),
        // Garmin's acute/chronic loads are weighted 7- and 28-day sums,
        // not the model's daily averages over 7 and 42 days; left out
        // rather than mislabelled.
        acute_load: None,
        chronic_load: None,
        temperature_deviation_c: None,
        spo2_percent: None,
        strain: None,
        score_status: None,
    };
    let empty = recovery.score.is_none()
        && recovery.hrv_ms.is_none()
        && recovery.resting_heartrate_bpm.is_none()
        && recovery.sleep_score.is_none();
    Ok((!empty).then_some(recovery))
}

/// The day's morning readiness: the wake-up entry, else the earliest one.
fn morning_readiness(entries: Vec<Readiness>, day: LocalDate) -> Option<Readiness> {
    let day_text = day.to_string();
    let mut of_day: Vec<Readiness> =
        entries.into_iter().filter(|r| r.calendar_date.as_deref().is_none_or(|d| d == day_text)).collect();
    if let Some(i) = of_day.iter().position(|r| r.input_context.as_deref() == Some(MORNING_CONTEXT)) {
        return Some(of_day.swap_remove(i));
    }
    of_day.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    of_day.into_iter().next()
}
