//! Fitbit payloads to the shared model.
//!
//! Pure functions from JSON to model types, so that they can be tested and
//! fuzzed without a [`crate::providers::api::Fetch`]. Units: see
//! [`super::units`]. Times: activity logs carry the user's offset in
//! `startTime`; sleep logs carry local times without a zone, which are put
//! in the offset the caller passes (the [`Clock`](crate::providers::api::Clock)'s,
//! which should come from the profile's `offsetFromUTCMillis`, see
//! [`profile_offset`]).

use std::collections::BTreeMap;

use serde_json::Value;
use time::macros::format_description;
use time::{PrimitiveDateTime, UtcOffset};

use crate::model::{
    Activity, ActivitySummary, Athlete, LocalDate, Recovery, SleepSession, SleepStages, SportKind, Thresholds,
    Timestamp, round_to,
};
use crate::providers::api::{ApiError, decode};

use super::PROVIDER;
use super::payload::{
    ActivityList, ActivityLog, ActivityLogEnvelope, HeartSeries, HrvSeries, Profile, ProfileEnvelope, SleepList,
    SleepLog,
};
use super::sport::sport;
use super::units::{
    JOULES_PER_KCAL, KG_PER_POUND, METRES_PER_FOOT, METRES_PER_INCH, metres_per_distance_unit, seconds_from_minutes,
    seconds_from_ms,
};

/// The athlete from the profile, with the resting heart rate if one was read.
///
/// # Errors
/// [`ApiError::Malformed`] when the profile has no `user.encodedId`.
pub fn athlete(profile: Value, resting_heartrate_bpm: Option<f64>) -> Result<Athlete, ApiError> {
    let p = decode::<ProfileEnvelope>(PROVIDER, "profile", profile)?.user;
    let name = [&p.full_name, &p.display_name]
        .into_iter()
        .flatten()
        .map(|n| n.trim())
        .find(|n| !n.is_empty())
        .unwrap_or(&p.encoded_id)
        .to_owned();
    let sex = match p.gender.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("FEMALE") => Some("female".to_owned()),
        Some("MALE") => Some("male".to_owned()),
        _ => None,
    };
    // A hidden birthday is "" or absent: unknown, not an error.
    let birth_year = p.date_of_birth.as_deref().and_then(|d| LocalDate::parse(d).ok()).map(|d| d.get().year());
    Ok(Athlete {
        id: p.encoded_id.clone(),
        name,
        sex,
        birth_year,
        // Pounds and inches because of `Accept-Language: en_US`; to 0.1 kg and 1 cm.
        weight_kg: p.weight.filter(|w| *w > 0.0).map(|w| round_to(w * KG_PER_POUND, 1)),
        height_m: p.height.filter(|h| *h > 0.0).map(|h| round_to(h * METRES_PER_INCH, 2)),
        location: location(&p),
        thresholds: Thresholds { resting_heartrate_bpm, ..Thresholds::default() },
    })
}

/// "City, State, Country" from what the user shared; without any of them
/// the time-zone name (`Europe/Paris`), the only place hint Fitbit always has.
fn location(p: &Profile) -> Option<String> {
    let parts: Vec<&str> =
        [&p.city, &p.state, &p.country].into_iter().flatten().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    if parts.is_empty() { p.timezone.clone().filter(|z| !z.trim().is_empty()) } else { Some(parts.join(", ")) }
}

/// The user's current UTC offset from a profile answer, for building the
/// [`Clock`](crate::providers::api::Clock) Fitbit calls are made with.
/// `None` when the profile does not say or the value is out of range.
///
/// # Errors
/// [`ApiError::Malformed`] when the profile has the wrong shape.
pub fn profile_offset(profile: Value) -> Result<Option<UtcOffset>, ApiError> {
    let p = decode::<ProfileEnvelope>(PROVIDER, "profile", profile)?.user;
    Ok(p.offset_from_utc_millis
        .map(|ms| (ms / 1_000.0).round())
        .filter(|s| s.abs() <= 86_399.0)
        .and_then(|s| UtcOffset::from_whole_seconds(s as i32).ok()))
}

/// The newest resting heart rate in a heart-rate series.
///
/// # Errors
/// [`ApiError::Malformed`] for a series of the wrong shape.
pub fn latest_resting(heart: Value) -> Result<Option<f64>, ApiError> {
    Ok(resting_by_day(heart)?.into_iter().next_back().map(|(_, bpm)| bpm))
}

fn resting_by_day(heart: Value) -> Result<BTreeMap<LocalDate, f64>, ApiError> {
    let series = decode::<HeartSeries>(PROVIDER, "heart-rate series", heart)?;
    let mut days = BTreeMap::new();
    for day in series.days {
        let date = date(&day.date_time, "heart-rate day")?;
        if let Some(bpm) = day.value.and_then(|v| v.resting_heart_rate).filter(|b| *b > 0.0) {
            days.insert(date, bpm);
        }
    }
    Ok(days)
}

/// One list page as Fitbit sent it.
///
/// # Errors
/// [`ApiError::Malformed`] for a page of the wrong shape.
pub fn list(page: Value) -> Result<ActivityList, ApiError> {
    decode(PROVIDER, "activity list", page)
}

/// One log as a summary. `offset` is only used when `startTime` has no
/// offset of its own (it normally has).
///
/// # Errors
/// [`ApiError::Malformed`] when the start time or the duration is unusable.
pub fn summary(log: &ActivityLog, offset: UtcOffset) -> Result<ActivitySummary, ApiError> {
    let start_time = local_time(&log.start_time, offset)
        .ok_or_else(|| ApiError::malformed(PROVIDER, format!("activity {} has no usable startTime", log.log_id)))?;
    let elapsed_time_s = log
        .duration
        .and_then(seconds_from_ms)
        .ok_or_else(|| ApiError::malformed(PROVIDER, format!("activity {} has no usable duration", log.log_id)))?;
    // Manual logs have no separate moving time.
    let moving_time_s = log.active_duration.and_then(seconds_from_ms).unwrap_or(elapsed_time_s);
    let sport = sport(log.activity_name.as_deref(), log.activity_type_id);
    let distance = log
        .distance
        .filter(|d| *d > 0.0)
        .zip(metres_per_distance_unit(log.distance_unit.as_deref()))
        .map(|(d, factor)| d * factor);
    let average_speed_mps = distance.filter(|_| moving_time_s > 0).map(|d| round_to(d / f64::from(moving_time_s), 3));
    // Steps over moving minutes is the mean cadence, for foot sports only
    // (a wrist counts arm swings on a bike too).
    let on_foot =
        matches!(sport.kind(), Some(SportKind::Run | SportKind::TrailRun | SportKind::Walk | SportKind::Hike));
    let average_cadence_per_min = log
        .steps
        .filter(|s| on_foot && *s > 0.0 && moving_time_s > 0)
        .map(|s| round_to(s / (f64::from(moving_time_s) / 60.0), 1));
    Ok(ActivitySummary {
        id: log.log_id.clone(),
        name: log.activity_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| sport.to_string()),
        sport,
        start_time,
        distance_m: distance.map(|d| round_to(d, 1)),
        moving_time_s,
        elapsed_time_s,
        // Feet because of `Accept-Language: en_US`.
        elevation_gain_m: log.elevation_gain.filter(|e| *e >= 0.0).map(|e| round_to(e * METRES_PER_FOOT, 1)),
        average_speed_mps,
        max_speed_mps: None,
        average_heartrate_bpm: log.average_heart_rate.filter(|h| *h > 0.0),
        max_heartrate_bpm: None,
        average_power_w: None,
        max_power_w: None,
        average_cadence_per_min,
        energy_j: log.calories.filter(|c| *c >= 0.0).map(|c| round_to(c * JOULES_PER_KCAL, 0)),
        training_load: None,
        training_load_method: None,
    })
}

/// The single-log answer as an activity. Fitbit's JSON has no laps,
/// splits, best efforts or streams (those live in the TCX and the intraday
/// heart-rate series, which Pierre does not read), so those stay empty.
/// The log's `heartRateZones` give minutes per zone but no minimum,
/// maximum or sample count, so they cannot honestly make a
/// [`crate::model::StreamSummary`] and are left out.
///
/// # Errors
/// [`ApiError::Malformed`] for an answer of the wrong shape.
pub fn activity(answer: Value, offset: UtcOffset) -> Result<Activity, ApiError> {
    let log = decode::<ActivityLogEnvelope>(PROVIDER, "activity log", answer)?.activity_log;
    Ok(Activity {
        summary: summary(&log, offset)?,
        description: None,
        laps: Vec::new(),
        splits: Vec::new(),
        best_efforts: Vec::new(),
        streams: Vec::new(),
    })
}

/// Main sleeps that ended from `from` to `to`, newest first.
///
/// A night is the main sleep only: naps (`isMainSleep: false`) are not
/// nights and are left out, so a nap never replaces or inflates one. A
/// record without the flag counts as main. `classic` records (no stage
/// data) keep their totals with `stages: None`.
///
/// # Errors
/// [`ApiError::Malformed`] for a list of the wrong shape or an unusable time.
pub fn sleep(
    answers: Vec<Value>,
    from: LocalDate,
    to: LocalDate,
    offset: UtcOffset,
) -> Result<Vec<SleepSession>, ApiError> {
    let mut nights = Vec::new();
    for answer in answers {
        for log in decode::<SleepList>(PROVIDER, "sleep list", answer)?.sleep {
            if log.is_main_sleep == Some(false) {
                continue;
            }
            let night = night(&log, offset)?;
            if night.date >= from && night.date <= to {
                nights.push(night);
            }
        }
    }
    nights.sort_by_key(|n| std::cmp::Reverse(n.end_time));
    Ok(nights)
}

fn night(log: &SleepLog, offset: UtcOffset) -> Result<SleepSession, ApiError> {
    let bad =
        |what: &str| ApiError::malformed(PROVIDER, format!("sleep of {} has no usable {what}", log.date_of_sleep));
    let date = date(&log.date_of_sleep, "dateOfSleep")?;
    let start_time = local_time(&log.start_time, offset).ok_or_else(|| bad("startTime"))?;
    let end_time = local_time(&log.end_time, offset).ok_or_else(|| bad("endTime"))?;
    let in_bed_s = log
        .time_in_bed
        .and_then(seconds_from_minutes)
        .or_else(|| log.duration.and_then(seconds_from_ms))
        .ok_or_else(|| bad("timeInBed"))?;
    let asleep_s = log.minutes_asleep.and_then(seconds_from_minutes).ok_or_else(|| bad("minutesAsleep"))?;
    let stages = log.levels.as_ref().and_then(|l| l.summary.as_ref()).and_then(|s| {
        let minutes = |level: &Option<super::payload::Level>| level.as_ref()?.minutes.and_then(seconds_from_minutes);
        Some(SleepStages {
            deep_s: minutes(&s.deep)?,
            light_s: minutes(&s.light)?,
            rem_s: minutes(&s.rem)?,
            awake_s: minutes(&s.wake)?,
        })
    });
    Ok(SleepSession {
        date,
        start_time,
        end_time,
        in_bed_s,
        asleep_s: Some(asleep_s),
        stages,
        efficiency: log.efficiency.filter(|e| (0.0..=100.0).contains(e)).map(|e| round_to(e / 100.0, 2)),
        score: None,
        average_heartrate_bpm: None,
        lowest_heartrate_bpm: None,
        average_hrv_ms: None,
        respiratory_rate_per_min: None,
        score_status: None,
    })
}

/// Resting heart rate and HRV merged by day, `from` to `to`, newest
/// first; days with neither are left out. Fitbit has no recovery score.
///
/// # Errors
/// [`ApiError::Malformed`] for a series of the wrong shape.
pub fn recovery(heart: Vec<Value>, hrv: Vec<Value>, from: LocalDate, to: LocalDate) -> Result<Vec<Recovery>, ApiError> {
    let mut days: BTreeMap<LocalDate, (Option<f64>, Option<f64>)> = BTreeMap::new();
    for answer in heart {
        for (day, bpm) in resting_by_day(answer)? {
            days.entry(day).or_default().0 = Some(bpm);
        }
    }
    for answer in hrv {
        for day in decode::<HrvSeries>(PROVIDER, "HRV series", answer)?.hrv {
            let date = date(&day.date_time, "HRV day")?;
            if let Some(ms) = day.value.and_then(|v| v.daily_rmssd).filter(|ms| *ms > 0.0) {
                days.entry(date).or_default().1 = Some(round_to(ms, 1));
            }
        }
    }
    Ok(days
        .into_iter()
        .rev()
        .filter(|(day, _)| *day >= from && *day <= to)
        .map(|(date, (resting, hrv))| Recovery {
            date,
            score: None,
            hrv_ms: hrv,
            resting_heartrate_bpm: resting,
            sleep_score: None,
            acute_load: None,
            chronic_load: None,
            temperature_deviation_c: None,
            spo2_percent: None,
            strain: None,
            score_status: None,
        })
        .collect())
}

fn date(text: &str, what: &str) -> Result<LocalDate, ApiError> {
    LocalDate::parse(text).map_err(|_| ApiError::malformed(PROVIDER, format!("{what} `{text}` is not a date")))
}

/// An RFC 3339 time as given, or a local time without a zone
/// (`2026-11-21T23:12:30.000`) put in `offset`.
pub fn local_time(text: &str, offset: UtcOffset) -> Option<Timestamp> {
    if let Ok(t) = Timestamp::parse(text) {
        return Some(t);
    }
    let with_fraction = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
    let whole = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text, with_fraction)
        .or_else(|_| PrimitiveDateTime::parse(text, whole))
        .ok()
        .map(|t| Timestamp::new(t.assume_offset(offset)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::offset;

    #[test]
    fn local_times_without_a_zone_take_the_offset_given() {
        let t = local_time("2026-11-21T23:12:30.000", offset!(+1)).unwrap();
        assert_eq!(t.to_string(), "2026-11-21T23:12:30+01:00");
        assert_eq!(t.unix(), Timestamp::parse("2026-11-21T22:12:30Z").unwrap().unix());
        // A time with its own offset keeps it.
        let t = local_time("2026-11-20T07:31:07.000-08:00", offset!(+1)).unwrap();
        assert_eq!(t.offset(), offset!(-8));
        assert_eq!(local_time("2026-11-21T23:12", offset!(+1)), None);
    }

    #[test]
    fn profile_offset_comes_from_offset_from_utc_millis() {
        let p = |ms: Value| json!({"user": {"encodedId": "X", "offsetFromUTCMillis": ms}});
        assert_eq!(profile_offset(p(json!(3_600_000))).unwrap(), Some(offset!(+1)));
        assert_eq!(profile_offset(p(json!(-34_200_000.0))).unwrap(), Some(offset!(-9:30)));
        assert_eq!(profile_offset(p(json!(1e15))).unwrap(), None);
        assert!(profile_offset(json!({"user": 3})).is_err());
    }

    #[test]
    fn a_hidden_birthday_and_unknown_gender_are_absent() {
        let a = athlete(json!({"user": {"encodedId": 12, "dateOfBirth": "", "gender": "NA", "fullName": " "}}), None)
            .unwrap();
        assert_eq!((a.id.as_str(), a.name.as_str()), ("12", "12"));
        assert_eq!((a.birth_year, a.sex, a.location), (None, None, None));
    }

    #[test]
    fn wrong_shapes_are_malformed_and_name_fitbit() {
        let offset = offset!(+1);
        let cases: Vec<Result<(), ApiError>> = vec![
            athlete(json!({"user": {}}), None).map(|_| ()),
            athlete(json!([]), None).map(|_| ()),
            list(json!({"activities": {}})).map(|_| ()),
            activity(json!({"activityLog": {"logId": 1, "startTime": "yesterday", "duration": 1}}), offset).map(|_| ()),
            activity(json!({"activityLog": {"logId": 1, "startTime": "2026-11-20T07:31:07.000+01:00"}}), offset)
                .map(|_| ()),
            activity(
                json!({"activityLog": {"logId": 1, "startTime": "2026-11-20T07:31:07.000+01:00", "duration": -5}}),
                offset,
            )
            .map(|_| ()),
            sleep(
                vec![json!({"sleep": [{"dateOfSleep": "2026-11-22", "startTime": "x", "endTime": "y"}]})],
                LocalDate::parse("2026-11-01").unwrap(),
                LocalDate::parse("2026-11-30").unwrap(),
                offset,
            )
            .map(|_| ()),
            recovery(
                vec![json!({"activities-heart": [{"dateTime": "22/11/2026"}]})],
                vec![],
                LocalDate::parse("2026-11-01").unwrap(),
                LocalDate::parse("2026-11-30").unwrap(),
            )
            .map(|_| ()),
            recovery(
                vec![],
                vec![json!({"hrv": [{"dateTime": "2026-11-22", "value": {"dailyRmssd": "high"}}]})],
                LocalDate::parse("2026-11-01").unwrap(),
                LocalDate::parse("2026-11-30").unwrap(),
            )
            .map(|_| ()),
        ];
        for (i, case) in cases.into_iter().enumerate() {
            match case {
                Err(ApiError::Malformed { provider: "fitbit", .. }) => {}
                other => panic!("case {i}: {other:?}"),
            }
        }
    }
}
