//! Profile, workout listing and paging, workout detail.

use super::*;
use crate::model::{SportKind, SportType, StreamKind};
use crate::providers::api::ProviderApi;
use crate::providers::fixtures::testing::block_on;
use crate::providers::oura::Oura;

#[test]
fn athlete_comes_from_personal_info_without_the_email() {
    let f = fixtures();
    let a = block_on(Oura::athlete(&f, &clock())).unwrap();
    assert_eq!(a.id, "8f9a5221-639e-4a85-81cb-4065ef23f979");
    assert_eq!(a.name, "Oura member");
    assert_eq!(a.sex.as_deref(), Some("female"));
    // age 34 on 2026-11-22: 2026 - 34.
    assert_eq!(a.birth_year, Some(1992));
    assert_eq!(a.weight_kg, Some(58.3));
    assert_eq!(a.height_m, Some(1.68));
    assert_eq!(a.location, None);
    assert_eq!(a.thresholds, crate::model::Thresholds::default());
    assert!(!serde_json::to_string(&a).unwrap().contains("example.invalid"));
    assert_eq!(f.requests(), [req("/v2/usercollection/personal_info", &[])]);
}

#[test]
fn workouts_follow_next_token_to_the_end_and_list_newest_first() {
    let f = fixtures();
    let page = block_on(Oura::activities(&f, &query(20), &clock())).unwrap();
    // Oura's three pages hold workouts 0-2, 3-5, 6-7, oldest first;
    // workout 0 (2026-11-09) is before the range the padded request fetched.
    assert_eq!(ids(&page.activities), (1..=7).rev().map(workout_id).collect::<Vec<_>>());
    assert_eq!(page.next_cursor, None);
    let dates = [("start_date", "2026-11-09"), ("end_date", "2026-11-23")];
    let path = "/v2/usercollection/workout";
    assert_eq!(
        f.requests(),
        [
            req(path, &dates),
            req(path, &[("next_token", "wk-p2"), dates[0], dates[1]]),
            req(path, &[("next_token", "wk-p3"), dates[0], dates[1]]),
        ]
    );

    let run = &page.activities[0];
    assert_eq!(run.name, "Running");
    assert_eq!(run.sport, SportKind::Run.into());
    assert_eq!(run.start_time, at("2026-11-21T07:10:00+01:00"));
    assert_eq!(run.start_time.offset(), clock().offset);
    // 07:10:00 to 08:05:00 = 55 min = 3300 s; Oura records no pauses.
    assert_eq!((run.moving_time_s, run.elapsed_time_s), (3300, 3300));
    assert_eq!(run.distance_m, Some(10_020.0));
    // 10020 m / 3300 s = 3.03636 m/s.
    assert_eq!(run.average_speed_mps, Some(3.036));
    // 640.5 kcal * 4184 J/kcal = 2_677_760 + 2_092 = 2_679_852 J.
    assert_eq!(run.energy_j, Some(2_679_852.0));
    for absent in [
        run.elevation_gain_m,
        run.max_speed_mps,
        run.average_heartrate_bpm,
        run.max_heartrate_bpm,
        run.average_power_w,
        run.max_power_w,
        run.average_cadence_per_min,
        run.training_load,
    ] {
        assert_eq!(absent, None);
    }

    let ride = &page.activities[5];
    assert_eq!(ride.id, workout_id(2));
    assert_eq!(ride.name, "Commute home", "the user's label wins");
    assert_eq!(ride.sport, SportKind::Ride.into());
    // 17:30 to 18:50 = 4800 s; 32100 / 4800 = 6.6875 -> 6.688; 780 * 4184 = 3_263_520.
    assert_eq!(ride.elapsed_time_s, 4800);
    assert_eq!(ride.average_speed_mps, Some(6.688));
    assert_eq!(ride.energy_j, Some(3_263_520.0));

    let first = &page.activities[6];
    // 07:00:00 to 07:45:30 = 2730 s; 8450 / 2730 = 3.0952; 512.4 * 4184 = 2_143_881.6 -> 2_143_882.
    assert_eq!(first.elapsed_time_s, 2730);
    assert_eq!(first.average_speed_mps, Some(3.095));
    assert_eq!(first.energy_j, Some(2_143_882.0));

    let strength = &page.activities[2];
    assert_eq!(strength.sport, SportKind::Strength.into());
    assert_eq!(strength.name, "Strength training");
    assert_eq!((strength.distance_m, strength.average_speed_mps), (None, None));
    // 310 * 4184 = 1_297_040.
    assert_eq!(strength.energy_j, Some(1_297_040.0));
}

#[test]
fn activities_are_an_open_set_of_names() {
    let f = fixtures();
    let page = block_on(Oura::activities(&f, &query(20), &clock())).unwrap();
    let sports: Vec<&str> = page.activities.iter().map(|a| a.sport.as_str()).collect();
    assert_eq!(sports, ["run", "kitesurfing", "strength", "swim", "walk", "ride", "run"]);
    let kite = &page.activities[1];
    assert_eq!(kite.sport, SportType::Other("kitesurfing".into()));
    assert_eq!(kite.name, "Kite session");
    // 14:00 to 15:30.
    assert_eq!(kite.elapsed_time_s, 5400);
}

#[test]
fn a_limit_below_an_oura_page_keeps_an_offset_so_nothing_is_skipped_or_repeated() {
    let f = fixtures();
    let mut q = query(2);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = block_on(Oura::activities(&f, &q, &clock())).unwrap();
        assert!(page.activities.len() <= 2);
        seen.extend(ids(&page.activities));
        pages += 1;
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    // 7 workouts at 2 a page: 2 + 2 + 2 + 1.
    assert_eq!(pages, 4);
    assert_eq!(seen, (1..=7).rev().map(workout_id).collect::<Vec<_>>());
    // Each page reads Oura's three pages.
    assert_eq!(f.requests().len(), 12);
}

#[test]
fn the_sport_filter_applies_after_fetching() {
    let f = fixtures();
    let mut q = ActivityQuery { sport: Some(SportKind::Run), ..query(1) };
    let first = block_on(Oura::activities(&f, &q, &clock())).unwrap();
    assert_eq!(ids(&first.activities), [workout_id(7)]);
    q.cursor = first.next_cursor;
    let second = block_on(Oura::activities(&f, &q, &clock())).unwrap();
    assert_eq!(ids(&second.activities), [workout_id(1)]);
    assert_eq!(second.next_cursor, None);
}

#[test]
fn cursors_from_elsewhere_are_refused_before_any_request() {
    let f = fixtures();
    let cursor = block_on(Oura::activities(&f, &query(2), &clock())).unwrap().next_cursor;
    let before = f.requests().len();
    let bad = ApiError::BadCursor { provider: "oura" };
    let other_range = ActivityQuery { to: Some(day("2026-11-21")), cursor: cursor.clone(), ..query(2) };
    assert_eq!(block_on(Oura::activities(&f, &other_range, &clock())), Err(bad.clone()));
    let other_sport = ActivityQuery { sport: Some(SportKind::Ride), cursor, ..query(2) };
    assert_eq!(block_on(Oura::activities(&f, &other_sport, &clock())), Err(bad.clone()));
    let garbage = ActivityQuery { cursor: Some("wk-p2".into()), ..query(2) };
    assert_eq!(block_on(Oura::activities(&f, &garbage, &clock())), Err(bad));
    assert_eq!(f.requests().len(), before);
}

#[test]
fn without_dates_the_last_thirty_days_to_today_are_listed() {
    let f = fixtures();
    let q = ActivityQuery { limit: 50, ..ActivityQuery::default() };
    let page = block_on(Oura::activities(&f, &q, &clock())).unwrap();
    // 2026-10-24..=2026-11-22 is 30 days, padded by one on each side; workout 0 (11-09) is in it.
    assert_eq!(page.activities.len(), 8);
    assert_eq!(
        f.requests()[0],
        req("/v2/usercollection/workout", &[("start_date", "2026-10-23"), ("end_date", "2026-11-23")])
    );
}

#[test]
fn activity_detail_summarises_the_workouts_heart_rate() {
    let f = fixtures();
    let id = workout_id(7);
    let a = block_on(Oura::activity(&f, &id, &clock())).unwrap();
    assert_eq!(
        f.requests(),
        [
            req(&format!("/v2/usercollection/workout/{id}"), &[]),
            req(
                "/v2/usercollection/heartrate",
                &[("start_datetime", "2026-11-21T07:10:00+01:00"), ("end_datetime", "2026-11-21T08:05:00+01:00")]
            ),
        ]
    );
    // Samples with source `workout` from 06:10Z to 07:05Z inclusive, every 5 min:
    // 118 135 148 152 155 158 160 163 165 170 172 150 (the awake ones and
    // the workout sample at 07:20Z, after the end, are left out).
    // Sum 1846 / 12 = 153.833.
    assert_eq!(a.streams.len(), 1);
    let hr = &a.streams[0];
    assert_eq!(hr.kind, StreamKind::Heartrate);
    assert_eq!((hr.samples, hr.min, hr.mean, hr.max), (12, 118.0, 153.83, 172.0));
    assert!(hr.zones.is_empty(), "Oura knows no max HR to draw zones from");
    assert_eq!(a.summary.average_heartrate_bpm, Some(153.83));
    assert_eq!(a.summary.max_heartrate_bpm, Some(172.0));
    assert_eq!(a.summary.id, id);
    assert_eq!(a.summary.elapsed_time_s, 3300);
    assert_eq!(a.description.as_deref(), Some("Intensity hard; source confirmed."));
    assert!(a.laps.is_empty() && a.splits.is_empty() && a.best_efforts.is_empty());
}

#[test]
fn unknown_or_unsafe_workout_ids_are_not_found() {
    let f = fixtures();
    let err = block_on(Oura::activity(&f, "0000-not-there", &clock())).unwrap_err();
    assert!(matches!(err, ApiError::NotFound { provider: "oura", .. }), "{err:?}");
    assert_eq!(f.requests().len(), 1);
    for id in ["../personal_info", "a/b", "", "x?y=1"] {
        let err = block_on(Oura::activity(&f, id, &clock())).unwrap_err();
        assert!(matches!(err, ApiError::NotFound { .. }), "{err:?}");
    }
    assert_eq!(f.requests().len(), 1, "unsafe ids are never sent");
}
