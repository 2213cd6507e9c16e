//! WHOOP records → the shared model, one record at a time.
//!
//! WHOOP sends instants in UTC with the member's offset beside them
//! (`timezone_offset`), durations in milliseconds (`*_milli`), energy in
//! kilojoules and percentages as 0-100. The model wants the local offset on
//! each instant, whole seconds, joules and 0-1 fractions. The unit work is
//! in [`super::units`], the sports in [`super::sport`]; these functions put
//! a record together and need no fetch, so they can be tested and fuzzed alone.

use time::UtcOffset;

use super::payload;
use super::sport::{sport, title};
use super::units::{elapsed_s, instant, milli_to_s, offset, percent_score, reading, score_status, usable};
use crate::model::{ActivitySummary, LocalDate, Recovery, SleepSession, SleepStages, Timestamp, round_to};
use crate::providers::api::ApiError;

/// One workout as a training-log entry.
///
/// Moving time is the elapsed time: WHOOP records no pauses. Average speed
/// is distance over that time. `strain` and the zone durations have no
/// place in the summary (see the module docs of `whoop`).
pub fn workout(w: &payload::Workout, fallback: UtcOffset) -> Result<ActivitySummary, ApiError> {
    let what = format!("workout {}", w.id);
    let off = offset(w.timezone_offset.as_deref(), fallback, &what)?;
    let start = instant(&w.start, off, &format!("{what} start"))?;
    let end = instant(&w.end, off, &format!("{what} end"))?;
    let elapsed = elapsed_s(start, end, &what)?;
    let sport = sport(w.sport_name.as_deref(), w.sport_id);
    let score = usable(&w.score_state, w.score.as_ref());
    let get = |f: fn(&payload::WorkoutScore) -> Option<f64>, field: &str| {
        reading(score.and_then(f), &format!("{what} {field}"))
    };
    let distance_m = get(|s| s.distance_meter, "distance_meter")?;
    let kilojoule = get(|s| s.kilojoule, "kilojoule")?;
    Ok(ActivitySummary {
        id: w.id.0.clone(),
        name: title(w.sport_name.as_deref(), &sport),
        sport,
        start_time: Timestamp::new(start),
        distance_m: distance_m.map(|d| round_to(d, 1)),
        moving_time_s: elapsed,
        elapsed_time_s: elapsed,
        elevation_gain_m: get(|s| s.altitude_gain_meter, "altitude_gain_meter")?.map(|m| round_to(m, 1)),
        average_speed_mps: distance_m.filter(|d| *d > 0.0 && elapsed > 0).map(|d| round_to(d / f64::from(elapsed), 3)),
        max_speed_mps: None,
        average_heartrate_bpm: get(|s| s.average_heart_rate, "average_heart_rate")?,
        max_heartrate_bpm: get(|s| s.max_heart_rate, "max_heart_rate")?,
        average_power_w: None,
        max_power_w: None,
        average_cadence_per_min: None,
        // kJ → J.
        energy_j: kilojoule.map(|kj| round_to(kj * 1000.0, 0)),
        // WHOOP strain (0-21, logarithmic) is not "100 = one hour at threshold".
        training_load: None,
        training_load_method: None,
    })
}

/// One night, or `None` for a nap (naps are not nights; the model has one
/// session per night).
///
/// Unscored nights (pending or unscorable) keep their times, with in-bed
/// time from start to end, `asleep_s` absent (unknown, not zero) and
/// `score_status` saying why.
pub fn sleep(s: &payload::Sleep, fallback: UtcOffset) -> Result<Option<SleepSession>, ApiError> {
    if s.nap {
        return Ok(None);
    }
    let what = format!("sleep {}", s.id);
    let off = offset(s.timezone_offset.as_deref(), fallback, &what)?;
    let start = instant(&s.start, off, &format!("{what} start"))?;
    let end = instant(&s.end, off, &format!("{what} end"))?;
    let elapsed = elapsed_s(start, end, &what)?;
    let score = usable(&s.score_state, s.score.as_ref());
    let stages = match score.and_then(|sc| sc.stage_summary.as_ref()) {
        Some(st) => {
            let ms = |v: Option<f64>, field: &str| v.map_or(Ok(0), |v| milli_to_s(v, &format!("{what} {field}")));
            let stages = SleepStages {
                deep_s: ms(st.total_slow_wave_sleep_time_milli, "total_slow_wave_sleep_time_milli")?,
                light_s: ms(st.total_light_sleep_time_milli, "total_light_sleep_time_milli")?,
                rem_s: ms(st.total_rem_sleep_time_milli, "total_rem_sleep_time_milli")?,
                awake_s: ms(st.total_awake_time_milli, "total_awake_time_milli")?,
            };
            let in_bed = match st.total_in_bed_time_milli {
                Some(v) => milli_to_s(v, &format!("{what} total_in_bed_time_milli"))?,
                None => elapsed,
            };
            Some((stages, in_bed))
        }
        None => None,
    };
    // 0-100 → 0-1, checked as a percentage first.
    let efficiency = score
        .and_then(|sc| sc.sleep_efficiency_percentage)
        .map(|p| percent_score(p, &format!("{what} sleep_efficiency_percentage")).map(|_| round_to(p / 100.0, 3)))
        .transpose()?;
    let sleep_score = score
        .and_then(|sc| sc.sleep_performance_percentage)
        .map(|p| percent_score(p, &format!("{what} sleep_performance_percentage")))
        .transpose()?;
    let asleep = stages.as_ref().map(|(st, _)| st.deep_s.saturating_add(st.light_s).saturating_add(st.rem_s));
    Ok(Some(SleepSession {
        date: LocalDate::new(end.date()),
        start_time: Timestamp::new(start),
        end_time: Timestamp::new(end),
        in_bed_s: stages.as_ref().map_or(elapsed, |(_, b)| *b),
        asleep_s: asleep,
        stages: stages.map(|(st, _)| st),
        efficiency,
        score: sleep_score,
        average_heartrate_bpm: None,
        lowest_heartrate_bpm: None,
        average_hrv_ms: None,
        respiratory_rate_per_min: reading(
            score.and_then(|sc| sc.respiratory_rate),
            &format!("{what} respiratory_rate"),
        )?
        .map(|r| round_to(r, 2)),
        score_status: if score.is_none() { score_status(&s.score_state) } else { None },
    }))
}

/// The morning a cycle belongs to: cycles start at sleep onset, so one
/// that starts in the evening (at or after local noon) belongs to the next
/// day, one that starts after midnight to its own day.
pub fn cycle_morning(c: &payload::Cycle, fallback: UtcOffset) -> Result<LocalDate, ApiError> {
    let what = format!("cycle {}", c.id);
    let off = offset(c.timezone_offset.as_deref(), fallback, &what)?;
    let start = instant(&c.start, off, &format!("{what} start"))?;
    // An end, when there is one, must still be an instant after the start.
    if let Some(end) = &c.end {
        let end = instant(end, off, &format!("{what} end"))?;
        elapsed_s(start, end, &what)?;
    }
    Ok(LocalDate::new(start.date()).add_days(i64::from(start.hour() >= 12)))
}

/// One morning's recovery. `night` is the linked sleep (for its morning and
/// its score), `cycle` the linked cycle (for the day strain, and the date
/// when the sleep is unknown); `None` when neither can date it.
///
/// `skin_temp_celsius` is absolute, and the model wants a deviation from
/// the athlete's baseline, which WHOOP does not send: left out.
pub fn recovery(
    r: &payload::Recovery,
    night: Option<&SleepSession>,
    cycle: Option<&payload::Cycle>,
    fallback: UtcOffset,
) -> Result<Option<Recovery>, ApiError> {
    let what = format!("recovery of cycle {}", r.cycle_id);
    let date = match (night, cycle) {
        (Some(n), _) => n.date,
        (None, Some(c)) => cycle_morning(c, fallback)?,
        (None, None) => return Ok(None),
    };
    let score = usable(&r.score_state, r.score.as_ref());
    let strain = cycle.and_then(|c| usable(&c.score_state, c.score.as_ref())).and_then(|s| s.strain);
    Ok(Some(Recovery {
        date,
        score: score
            .and_then(|s| s.recovery_score)
            .map(|v| percent_score(v, &format!("{what} recovery_score")))
            .transpose()?,
        hrv_ms: reading(score.and_then(|s| s.hrv_rmssd_milli), &format!("{what} hrv_rmssd_milli"))?
            .map(|v| round_to(v, 1)),
        resting_heartrate_bpm: reading(
            score.and_then(|s| s.resting_heart_rate),
            &format!("{what} resting_heart_rate"),
        )?,
        sleep_score: night.and_then(|n| n.score),
        acute_load: None,
        chronic_load: None,
        temperature_deviation_c: None,
        spo2_percent: reading(score.and_then(|s| s.spo2_percentage), &format!("{what} spo2_percentage"))?
            .map(|v| round_to(v, 1)),
        strain: reading(strain, &format!("{what} cycle strain"))?.map(|v| round_to(v, 1)),
        score_status: if score.is_none() { score_status(&r.score_state) } else { None },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ScoreStatus;
    use serde_json::json;
    use time::macros::offset;

    const PLUS_ONE: UtcOffset = offset!(+1);

    fn is_malformed<T: std::fmt::Debug>(r: Result<T, ApiError>) -> bool {
        matches!(r, Err(ApiError::Malformed { provider: "whoop", .. }))
    }

    fn cycle(v: serde_json::Value) -> payload::Cycle {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_current_cycle_has_no_end_and_still_dates_its_morning() {
        // Started 23:05 on the 21st (+01:00): at or after noon → the 22nd.
        let c = cycle(json!({"id": 1284561022, "start": "2026-11-21T22:05:00.000Z", "end": null,
            "timezone_offset": "+01:00", "score_state": "SCORED", "score": {"strain": 6.0734}}));
        assert_eq!(cycle_morning(&c, PLUS_ONE).unwrap().to_string(), "2026-11-22");
        // Started 01:30 on the 18th (+01:00): before noon → its own day.
        let c = cycle(json!({"id": 1, "start": "2026-11-18T00:30:00.000Z", "end": "2026-11-18T23:00:00Z",
            "timezone_offset": "+01:00", "score_state": "SCORED"}));
        assert_eq!(cycle_morning(&c, PLUS_ONE).unwrap().to_string(), "2026-11-18");
        let c = cycle(json!({"id": 2, "start": "2026-11-18T00:30:00.000Z", "end": "2026-11-17T00:00:00Z",
            "score_state": "SCORED"}));
        assert!(is_malformed(cycle_morning(&c, PLUS_ONE)), "an end before the start");
    }

    #[test]
    fn recovery_without_a_sleep_is_dated_by_its_cycle_and_without_either_is_dropped() {
        let r: payload::Recovery = serde_json::from_value(json!({"cycle_id": 1284561022,
            "sleep_id": "x", "score_state": "PENDING_SCORE"}))
        .unwrap();
        let c = cycle(json!({"id": 1284561022, "start": "2026-11-21T22:05:00.000Z", "end": null,
            "timezone_offset": "+01:00", "score_state": "SCORED", "score": {"strain": 6.0734}}));
        let rec = recovery(&r, None, Some(&c), PLUS_ONE).unwrap().unwrap();
        assert_eq!(rec.date.to_string(), "2026-11-22");
        // 6.0734 → 6.1: the day strain so far of the cycle still running.
        assert_eq!((rec.score, rec.strain, rec.score_status), (None, Some(6.1), Some(ScoreStatus::Pending)));
        assert!(recovery(&r, None, None, PLUS_ONE).unwrap().is_none());
    }

    #[test]
    fn a_score_sent_with_a_pending_state_is_not_used() {
        let s: payload::Sleep = serde_json::from_value(json!({"id": "a", "start": "2026-11-21T22:05:00Z",
            "end": "2026-11-22T06:01:30Z", "score_state": "PENDING_SCORE",
            "score": {"sleep_performance_percentage": 50}}))
        .unwrap();
        let n = sleep(&s, PLUS_ONE).unwrap().unwrap();
        assert_eq!((n.score, n.score_status), (None, Some(ScoreStatus::Pending)));
        // An unknown state with a score: the score is used, no status invented.
        let s: payload::Sleep = serde_json::from_value(json!({"id": "a", "start": "2026-11-21T22:05:00Z",
            "end": "2026-11-22T06:01:30Z", "score_state": "RESCORED",
            "score": {"sleep_performance_percentage": 50}}))
        .unwrap();
        let n = sleep(&s, PLUS_ONE).unwrap().unwrap();
        assert_eq!((n.score, n.score_status), (Some(50), None));
    }
}
