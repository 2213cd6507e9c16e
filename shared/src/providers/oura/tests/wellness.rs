//! Sleep and recovery, and malformed shapes.

use serde_json::{Value, json};

use super::*;
use crate::providers::api::ProviderApi;
use crate::providers::fixtures::testing::block_on;
use crate::providers::oura::Oura;

#[test]
fn several_sleep_periods_of_several_types_in_a_day_yield_one_night() {
    let f = fixtures();
    let nights = block_on(Oura::sleep(&f, day("2026-11-16"), day("2026-11-20"), &clock())).unwrap();
    let dates: Vec<String> = nights.iter().map(|n| n.date.to_string()).collect();
    assert_eq!(dates, ["2026-11-20", "2026-11-19", "2026-11-18", "2026-11-17", "2026-11-16"]);
    let dates = [("start_date", "2026-11-15"), ("end_date", "2026-11-21")];
    assert_eq!(
        f.requests(),
        [
            req("/v2/usercollection/sleep", &dates),
            req("/v2/usercollection/sleep", &[("next_token", "sl-p2"), dates[0], dates[1]]),
            req("/v2/usercollection/daily_sleep", &dates),
        ]
    );

    // 2026-11-20 has sleep, long_sleep, deleted, rest and late_nap: the long_sleep.
    let n = &nights[0];
    assert_eq!(n.start_time, at("2026-11-20T00:10:00+01:00"));
    assert_eq!(n.end_time, at("2026-11-20T08:10:00+01:00"));
    // 5400 + 15000 + 6600 = 27000 asleep, + 1800 awake = 28800 in bed (8 h).
    assert_eq!((n.in_bed_s, n.asleep_s), (28_800, Some(27_000)));
    let stages = n.stages.as_ref().unwrap();
    assert_eq!((stages.deep_s, stages.light_s, stages.rem_s, stages.awake_s), (5400, 15_000, 6600, 1800));
    // efficiency 94 % -> 0.94.
    assert_eq!(n.efficiency, Some(0.94));
    assert_eq!(n.score, Some(72));
    assert_eq!(n.average_heartrate_bpm, Some(53.25));
    assert_eq!(n.lowest_heartrate_bpm, Some(47.0));
    assert_eq!(n.average_hrv_ms, Some(58.0));
    assert_eq!(n.respiratory_rate_per_min, Some(13.75));
    assert_eq!(n.score_status, None);

    // 2026-11-18: a night split in two long_sleep periods: the longer (21000 s vs 7200 s).
    assert_eq!(nights[2].start_time, at("2026-11-18T00:40:00+01:00"));
    assert_eq!((nights[2].in_bed_s, nights[2].lowest_heartrate_bpm), (21_000, Some(49.0)));
    // 2026-11-16: a short `sleep` (3 h in bed) beats a longer late_nap (12300 s).
    let short = &nights[4];
    assert_eq!(short.start_time, at("2026-11-16T03:40:00+01:00"));
    // 2400 + 5400 + 2400 = 10200 asleep; + 600 = 10800 in bed.
    assert_eq!((short.in_bed_s, short.asleep_s, short.score), (10_800, Some(10_200), Some(94)));
}

#[test]
fn nights_are_dated_by_the_morning_they_ended() {
    let f = fixtures();
    let nights = block_on(Oura::sleep(&f, day("2026-11-10"), day("2026-11-22"), &clock())).unwrap();
    // 13 days, one night each; 11-09 (inside the padded request) is dropped.
    assert_eq!(nights.len(), 13);
    assert_eq!(nights[0].date, day("2026-11-22"));
    assert_eq!(nights[12].date, day("2026-11-10"));
    for n in &nights {
        assert_eq!(n.end_time.local_date(), n.date, "{n:?}");
        assert!(n.start_time < n.end_time);
    }
    // 2026-11-10: bed 23:03 on the 9th; 4860 + 14520 + 6030 = 25410 asleep, + 1520 = 26930 in bed.
    let n = &nights[12];
    assert_eq!(n.start_time, at("2026-11-09T23:03:00+01:00"));
    assert_eq!((n.in_bed_s, n.asleep_s, n.score), (26_930, Some(25_410), Some(77)));
    assert_eq!(n.respiratory_rate_per_min, Some(14.125));
}

#[test]
fn days_with_a_null_score_keep_everything_else() {
    let f = fixtures();
    let nights = block_on(Oura::sleep(&f, day("2026-11-13"), day("2026-11-22"), &clock())).unwrap();
    // 2026-11-22: daily_sleep has the day with score null.
    let today = &nights[0];
    assert_eq!(today.date, day("2026-11-22"));
    assert_eq!((today.score, today.score_status), (None, None));
    assert_eq!((today.in_bed_s, today.asleep_s), (29_690, Some(27_930)));
    assert_eq!(today.average_hrv_ms, Some(53.0));
    // 2026-11-13: daily_sleep has no record at all.
    assert_eq!(nights.last().unwrap().date, day("2026-11-13"));
    assert_eq!(nights.last().unwrap().score, None);

    let mornings = block_on(Oura::recovery(&f, day("2026-11-22"), day("2026-11-22"), &clock())).unwrap();
    assert_eq!(mornings.len(), 1);
    let r = &mornings[0];
    // Readiness score null; the night (lowest 49 bpm, HRV 53 ms) and the temperature stay.
    assert_eq!((r.score, r.sleep_score, r.score_status), (None, None, None));
    assert_eq!(r.hrv_ms, Some(53.0));
    assert_eq!(r.resting_heartrate_bpm, Some(49.0));
    assert_eq!(r.temperature_deviation_c, Some(0.35));
    assert_eq!(r.spo2_percent, None, "no daily_spo2 record for today yet");
}

#[test]
fn recovery_takes_hrv_and_resting_hr_from_the_night_never_from_contributors() {
    let f = fixtures();
    let mornings = block_on(Oura::recovery(&f, day("2026-11-19"), day("2026-11-20"), &clock())).unwrap();
    let dates = [("start_date", "2026-11-18"), ("end_date", "2026-11-21")];
    assert_eq!(
        f.requests(),
        [
            req("/v2/usercollection/daily_readiness", &dates),
            req("/v2/usercollection/sleep", &dates),
            req("/v2/usercollection/sleep", &[("next_token", "sl-p2"), dates[0], dates[1]]),
            req("/v2/usercollection/daily_sleep", &dates),
            req("/v2/usercollection/daily_spo2", &dates),
        ]
    );
    assert_eq!(mornings.len(), 2);
    let r = &mornings[0];
    assert_eq!(r.date, day("2026-11-20"));
    assert_eq!(r.score, Some(80));
    // The long_sleep of 11-20: average_hrv 58, lowest_heart_rate 47; the
    // readiness contributors hrv_balance 86 and resting_heart_rate 79 are scores.
    assert_eq!(r.hrv_ms, Some(58.0));
    assert_eq!(r.resting_heartrate_bpm, Some(47.0));
    assert_eq!(r.sleep_score, Some(72));
    assert_eq!(r.temperature_deviation_c, Some(0.25));
    assert_eq!(r.spo2_percent, Some(96.2));
    assert_eq!((r.acute_load, r.chronic_load, r.strain, r.score_status), (None, None, None, None));
    assert_eq!(mornings[1].date, day("2026-11-19"));
    assert_eq!((mornings[1].hrv_ms, mornings[1].resting_heartrate_bpm), (Some(50.0), Some(50.0)));

    // A readiness day without a night has no HRV even though hrv_balance is there.
    let lone = JsonFetch {
        routes: vec![
            (
                "/v2/usercollection/daily_readiness",
                json!({"data": [{"day": "2026-11-20", "score": 80, "temperature_deviation": 0.1,
                "contributors": {"hrv_balance": 86, "resting_heart_rate": 79}}], "next_token": null}),
            ),
            ("/v2/usercollection/sleep", json!({"data": [], "next_token": null})),
            ("/v2/usercollection/daily_sleep", json!({"data": [], "next_token": null})),
        ],
    };
    let r = block_on(Oura::recovery(&lone, day("2026-11-20"), day("2026-11-20"), &clock())).unwrap();
    assert_eq!((r[0].hrv_ms, r[0].resting_heartrate_bpm), (None, None));
    // daily_spo2 answered 404 (scope not granted): absent, not an error.
    assert_eq!(r[0].spo2_percent, None);
}

#[test]
fn readiness_temperature_deviation_is_degrees_from_baseline() {
    let f = fixtures();
    let mornings = block_on(Oura::recovery(&f, day("2026-11-10"), day("2026-11-22"), &clock())).unwrap();
    assert_eq!(mornings.len(), 13);
    let by_day = |d: &str| mornings.iter().find(|r| r.date == day(d)).unwrap();
    // -0.3 + 0.05 per day from 11-09.
    assert_eq!(by_day("2026-11-10").temperature_deviation_c, Some(-0.25));
    // A zero deviation is a reading, not a gap; that day's SpO2 record has a null percentage.
    assert_eq!(by_day("2026-11-15").temperature_deviation_c, Some(0.0));
    assert_eq!(by_day("2026-11-15").spo2_percent, None);
    assert_eq!(by_day("2026-11-13").sleep_score, None);
    // A body temperature where a deviation belongs is refused.
    let hot = JsonFetch {
        routes: vec![
            (
                "/v2/usercollection/daily_readiness",
                json!({"data": [{"day": "2026-11-20", "score": 80, "temperature_deviation": 36.6}]}),
            ),
            ("/v2/usercollection/sleep", json!({"data": []})),
            ("/v2/usercollection/daily_sleep", json!({"data": []})),
        ],
    };
    let detail = malformed(block_on(Oura::recovery(&hot, day("2026-11-20"), day("2026-11-20"), &clock())));
    assert!(detail.contains("temperature_deviation"), "{detail}");
}

#[test]
fn malformed_shapes_are_errors_not_panics() {
    let c = clock();
    let (from, to) = (day("2026-11-20"), day("2026-11-20"));
    let one = |path: &'static str, body: Value| JsonFetch { routes: vec![(path, body)] };
    let workouts = |body: Value| one("/v2/usercollection/workout", body);
    let list = |f: &JsonFetch| block_on(Oura::activities(f, &query(5), &c));
    malformed(list(&workouts(json!({"data": {"id": "x"}}))));
    malformed(list(&workouts(json!([1, 2]))));
    let backwards = json!({"data": [{"id": "w", "activity": "running",
        "start_datetime": "2026-11-20T08:00:00+01:00", "end_datetime": "2026-11-20T07:00:00+01:00"}]});
    assert!(malformed(list(&workouts(backwards))).contains("before it starts"));
    let bad_time = json!({"data": [{"id": "w", "activity": "running",
        "start_datetime": "yesterday", "end_datetime": "2026-11-20T07:00:00+01:00"}]});
    malformed(list(&workouts(bad_time)));
    let looping = json!({"data": [], "next_token": "again"});
    assert!(malformed(list(&workouts(looping))).contains("repeats"));

    let info = one("/v2/usercollection/personal_info", json!({"age": 34}));
    malformed(block_on(Oura::athlete(&info, &c)));
    let info = one("/v2/usercollection/personal_info", json!({"id": "x", "age": -4}));
    malformed(block_on(Oura::athlete(&info, &c)));

    let sleep = |period: Value| JsonFetch {
        routes: vec![
            ("/v2/usercollection/sleep", json!({"data": [period]})),
            ("/v2/usercollection/daily_sleep", json!({"data": []})),
        ],
    };
    let base = json!({"day": "2026-11-20", "type": "long_sleep",
        "bedtime_start": "2026-11-20T00:10:00+01:00", "bedtime_end": "2026-11-20T08:10:00+01:00"});
    let with = |field: &str, value: Value| {
        let mut p = base.clone();
        p[field] = value;
        p
    };
    assert!(block_on(Oura::sleep(&sleep(base.clone()), from, to, &c)).is_ok());
    malformed(block_on(Oura::sleep(&sleep(with("efficiency", json!(140))), from, to, &c)));
    malformed(block_on(Oura::sleep(&sleep(with("time_in_bed", json!(-5))), from, to, &c)));
    malformed(block_on(Oura::sleep(&sleep(with("day", json!("20.11.2026"))), from, to, &c)));
    malformed(block_on(Oura::sleep(&sleep(with("lowest_heart_rate", json!("low"))), from, to, &c)));
    let scores = JsonFetch {
        routes: vec![
            ("/v2/usercollection/sleep", json!({"data": []})),
            ("/v2/usercollection/daily_sleep", json!({"data": [{"day": "2026-11-20", "score": 250}]})),
        ],
    };
    malformed(block_on(Oura::sleep(&scores, from, to, &c)));
}

#[test]
fn sleep_without_totals_falls_back_to_stages_then_bed_time() {
    let f = JsonFetch {
        routes: vec![
            (
                "/v2/usercollection/sleep",
                json!({"data": [
                    {"day": "2026-11-20", "type": "long_sleep", "total_sleep_duration": null,
                     "bedtime_start": "2026-11-20T00:00:00", "bedtime_end": "2026-11-20T08:00:00",
                     "deep_sleep_duration": 3600.0, "light_sleep_duration": 14400, "rem_sleep_duration": 5400,
                     "awake_time": null},
                    {"day": "2026-11-19", "type": "long_sleep",
                     "bedtime_start": "2026-11-19T00:00:00+01:00", "bedtime_end": "2026-11-19T07:00:00+01:00",
                     "awake_time": 1200}
                ]}),
            ),
            ("/v2/usercollection/daily_sleep", json!({"data": []})),
        ],
    };
    let nights = block_on(Oura::sleep(&f, day("2026-11-19"), day("2026-11-20"), &clock())).unwrap();
    // 3600 + 14400 + 5400 = 23400; times without an offset take the user's (+01:00).
    assert_eq!(nights[0].asleep_s, Some(23_400));
    assert_eq!(nights[0].in_bed_s, 28_800);
    assert_eq!(nights[0].start_time.to_string(), "2026-11-20T00:00:00+01:00");
    assert_eq!(nights[0].stages.as_ref().unwrap().awake_s, 0);
    // No stages: 7 h in bed (25200 s) - 1200 s awake = 24000.
    assert_eq!((nights[1].in_bed_s, nights[1].asleep_s, nights[1].stages.clone()), (25_200, Some(24_000), None));
    assert_eq!(nights[1].efficiency, None);
}
