//! Sleep and recovery: paging to the end, naps, mornings, score states
//! and the cycle/sleep join.

use time::macros::offset;

use super::{block_on, clock, day, fetch, req, ts};
use crate::model::{ScoreStatus, SleepStages};
use crate::providers::api::{ProviderApi, Request};
use crate::providers::whoop::Whoop;

/// The sleep window: a day before 10 November to a day after 22 November.
fn sleep_requests(path: &str, tokens: &[&str]) -> Vec<Request> {
    let window = [("start", "2026-11-08T23:00:00.000Z"), ("end", "2026-11-23T23:00:00.000Z")];
    let mut out = vec![req(path, &[("limit", "25"), window[0], window[1]])];
    for t in tokens {
        out.push(req(path, &[("nextToken", t), ("limit", "25"), window[0], window[1]]));
    }
    out
}

#[test]
fn sleep_pages_to_the_end_leaves_naps_out_and_dates_by_morning() {
    let f = fetch();
    let nights = block_on(Whoop::sleep(&f, day("2026-11-10"), day("2026-11-22"), &clock())).unwrap();
    assert_eq!(f.requests(), sleep_requests("/v2/activity/sleep", &["sl-page-2", "sl-page-3"]));
    let dates: Vec<String> = nights.iter().map(|n| n.date.to_string()).collect();
    // 16 records: two naps (21st, 18th) left out, and the night that ended
    // on the 9th (fetched for the margin) is outside the range.
    let expected: Vec<String> = (10..=22).rev().map(|d| format!("2026-11-{d}")).collect();
    assert_eq!(dates, expected);

    let n = &nights[1];
    assert_eq!(n.start_time, ts("2026-11-20T22:48:30+01:00"));
    assert_eq!(n.end_time, ts("2026-11-21T06:52:10+01:00"));
    // total_in_bed_time_milli 29,020,000 → 29020 s.
    assert_eq!(n.in_bed_s, 29_020);
    // slow wave 6,103,600 → 6104; light 13,512,400 → 13512; REM 6,455,500
    // → 6456; awake 2,948,500 → 2949 (each rounded to nearest).
    assert_eq!(n.stages, Some(SleepStages { deep_s: 6104, light_s: 13_512, rem_s: 6456, awake_s: 2949 }));
    // 6104 + 13512 + 6456.
    assert_eq!(n.asleep_s, Some(26_072));
    // sleep_efficiency_percentage 89.8397... (26,071,500 / 29,020,000) → 0.898.
    assert_eq!(n.efficiency, Some(0.898));
    assert_eq!(n.score, Some(91));
    assert_eq!(n.respiratory_rate_per_min, Some(14.65), "14.6484375");
    assert_eq!((n.average_heartrate_bpm, n.lowest_heartrate_bpm, n.average_hrv_ms), (None, None, None));
    assert_eq!(n.score_status, None);

    // Ended 06:05 at -05:00 in New York: that morning there, not ours.
    let ny = &nights[5];
    assert_eq!((ny.date.to_string(), ny.end_time.offset()), ("2026-11-17".into(), offset!(-5)));
}

#[test]
fn sleep_and_recovery_score_absent_in_all_three_states() {
    let f = fetch();
    let nights = block_on(Whoop::sleep(&f, day("2026-11-10"), day("2026-11-22"), &clock())).unwrap();
    let by_day = |d: &str| nights.iter().find(|n| n.date == day(d)).unwrap();
    let pending = by_day("2026-11-22");
    assert_eq!((pending.score, pending.score_status), (None, Some(ScoreStatus::Pending)));
    // No stage summary: in bed from start to end, 23:05:00 → 07:01:30 = 28590 s;
    // asleep unknown: absent, not zero.
    assert_eq!((pending.in_bed_s, pending.asleep_s, pending.stages.clone()), (28_590, None, None));
    assert_eq!((pending.efficiency, pending.respiratory_rate_per_min), (None, None));
    let unscorable = by_day("2026-11-16");
    assert_eq!((unscorable.score, unscorable.score_status), (None, Some(ScoreStatus::Unscorable)));
    // 22:30 → 06:10 at -05:00 = 7 h 40 min.
    assert_eq!(unscorable.in_bed_s, 27_600);
    assert_eq!((by_day("2026-11-21").score, by_day("2026-11-21").score_status), (Some(91), None));

    let f = fetch();
    let rec = block_on(Whoop::recovery(&f, day("2026-11-10"), day("2026-11-22"), &clock())).unwrap();
    let by_day = |d: &str| rec.iter().find(|r| r.date == day(d)).unwrap();
    for (d, status) in [("2026-11-22", ScoreStatus::Pending), ("2026-11-16", ScoreStatus::Unscorable)] {
        let r = by_day(d);
        assert_eq!((r.score, r.score_status), (None, Some(status)), "{d}");
        assert_eq!((r.hrv_ms, r.resting_heartrate_bpm, r.spo2_percent, r.sleep_score), (None, None, None, None));
    }
    assert_eq!((by_day("2026-11-21").score, by_day("2026-11-21").score_status), (Some(67), None));
}

#[test]
fn recovery_joins_cycles_and_sleeps_paging_each_to_the_end() {
    let f = fetch();
    let rec = block_on(Whoop::recovery(&f, day("2026-11-10"), day("2026-11-22"), &clock())).unwrap();
    let mut expected = sleep_requests("/v2/cycle", &["cy-page-2"]);
    expected.extend(sleep_requests("/v2/recovery", &["rc-page-2"]));
    expected.extend(sleep_requests("/v2/activity/sleep", &["sl-page-2", "sl-page-3"]));
    assert_eq!(f.requests(), expected);
    let dates: Vec<String> = rec.iter().map(|r| r.date.to_string()).collect();
    let want: Vec<String> = (10..=22).rev().map(|d| format!("2026-11-{d}")).collect();
    assert_eq!(dates, want, "one per morning, the 9th outside the range");

    let r = &rec[1];
    assert_eq!(r.date, day("2026-11-21"));
    assert_eq!(r.score, Some(67));
    assert_eq!(r.hrv_ms, Some(61.5), "hrv_rmssd_milli 61.482337 is already ms");
    assert_eq!(r.resting_heartrate_bpm, Some(52.0));
    assert_eq!(r.sleep_score, Some(91), "the linked sleep's performance");
    assert_eq!(r.spo2_percent, Some(96.4), "96.4375");
    assert_eq!(r.strain, Some(14.3), "cycle 1284561021 strain 14.3127");
    assert_eq!(r.temperature_deviation_c, None, "skin_temp_celsius 33.61 is absolute");
    assert_eq!((r.acute_load, r.chronic_load, r.score_status), (None, None, None));
}

#[test]
fn recovery_of_the_current_cycle_with_end_null_gets_its_strain_so_far() {
    let f = fetch();
    let rec = block_on(Whoop::recovery(&f, day("2026-11-22"), day("2026-11-22"), &clock())).unwrap();
    assert_eq!(rec.len(), 1);
    // Cycle 1284561022 has "end": null and strain 6.0734 so far.
    assert_eq!((rec[0].date, rec[0].strain), (day("2026-11-22"), Some(6.1)));
}

#[test]
fn recovery_whose_sleep_is_missing_is_dated_by_its_cycle() {
    let f = fetch();
    let rec = block_on(Whoop::recovery(&f, day("2026-11-12"), day("2026-11-12"), &clock())).unwrap();
    // Its sleep_id matches no sleep; cycle 1284561012 started 22:50 on the
    // 11th (+01:00), after noon, so it is the morning of the 12th.
    assert_eq!(rec.len(), 1);
    assert_eq!((rec[0].score, rec[0].sleep_score, rec[0].strain), (Some(88), None, Some(15.2)));
}
