//! Workouts: listing, paging, the cursor, the detail and the quirks of each field.

use time::macros::offset;

use super::{END, START, Static, block_on, clock, fetch, range_query, req, ts};
use crate::model::{ActivitySummary, SportKind, SportType};
use crate::providers::api::{ActivityQuery, ApiError, ProviderApi};
use crate::providers::whoop::Whoop;
use crate::providers::whoop::paging::{Window, encode_cursor};

/// The run of 2026-11-20 (the first fixture record WHOOP documented).
fn the_run() -> ActivitySummary {
    ActivitySummary {
        id: "ecfc6a15-4661-442f-a9a4-f160dd7afae8".into(),
        name: "Running".into(),
        sport: SportType::Known(SportKind::Run),
        // 06:31:07Z at the record's +01:00.
        start_time: ts("2026-11-20T07:31:07+01:00"),
        distance_m: Some(10_234.7),
        // 07:25:07 − 06:31:07 = 54 min = 3240 s; no pauses known.
        moving_time_s: 3240,
        elapsed_time_s: 3240,
        elevation_gain_m: Some(48.2),
        // 10234.7 m / 3240 s = 3.15886 → 3.159.
        average_speed_mps: Some(3.159),
        max_speed_mps: None,
        average_heartrate_bpm: Some(148.0),
        max_heartrate_bpm: Some(171.0),
        average_power_w: None,
        max_power_w: None,
        average_cadence_per_min: None,
        // 2979.1 kJ × 1000.
        energy_j: Some(2_979_100.0),
        training_load: None,
        training_load_method: None,
    }
}

#[test]
fn first_page_of_workouts_maps_every_field() {
    let f = fetch();
    let page = block_on(Whoop::activities(&f, &range_query(), &clock())).unwrap();
    let ids: Vec<&str> = page.activities.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "3f1d9a2e-7c4b-4e8a-9b61-2d5e8f0a1c37",
            "a8c2e4f6-1b3d-4a5c-8e7f-9d0b2c4e6a81",
            "ecfc6a15-4661-442f-a9a4-f160dd7afae8",
            "5b7e9c1d-3f2a-4d6b-a8e0-1c3e5f7a9b24"
        ]
    );
    assert_eq!(page.activities[2], the_run());
    let swim = &page.activities[3];
    assert_eq!(swim.sport, SportType::Known(SportKind::Swim));
    // 18:15:20 − 17:30:00 = 45 min 20 s = 2720 s; 2000 m / 2720 s = 0.73529 → 0.735.
    assert_eq!((swim.elapsed_time_s, swim.average_speed_mps), (2720, Some(0.735)));
    assert_eq!((swim.elevation_gain_m, swim.energy_j), (Some(0.0), Some(1_650_000.0)));
    assert!(page.next_cursor.is_some());
    assert_eq!(f.requests(), [req("/v2/activity/workout", &[("limit", "25"), START, END])]);
}

#[test]
fn limit_is_clamped_to_25() {
    let f = fetch();
    block_on(Whoop::activities(&f, &ActivityQuery { limit: 1000, ..ActivityQuery::default() }, &clock())).unwrap();
    block_on(Whoop::activities(&f, &ActivityQuery { limit: 10, ..ActivityQuery::default() }, &clock())).unwrap();
    let limits: Vec<String> = f.requests().iter().map(|r| r.query[0].1.clone()).collect();
    assert_eq!(limits, ["25", "10"], "no window asked, so limit is the only parameter");
    assert_eq!(f.requests()[0].query.len(), 1);
}

#[test]
fn next_token_paging_to_the_end() {
    let f = fetch();
    let mut query = range_query();
    let mut all = Vec::new();
    loop {
        let page = block_on(Whoop::activities(&f, &query, &clock())).unwrap();
        all.extend(page.activities);
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        f.requests(),
        [
            req("/v2/activity/workout", &[("limit", "25"), START, END]),
            req("/v2/activity/workout", &[("nextToken", "wk-page-2"), ("limit", "25"), START, END]),
            req("/v2/activity/workout", &[("nextToken", "wk-page-3"), ("limit", "25"), START, END]),
        ]
    );
    // 4 + 2 + 2: the walk of 22:30Z on 9 November overlaps the window (it
    // ends 23:20Z, after its 23:00Z start), so WHOOP sends it, but it
    // started before 10 November at +01:00 and is left out.
    let days: Vec<String> = all.iter().map(|a| a.start_time.local_date().to_string()).collect();
    assert_eq!(
        days,
        [
            "2026-11-22",
            "2026-11-21",
            "2026-11-20",
            "2026-11-18",
            "2026-11-16",
            "2026-11-14",
            "2026-11-12",
            "2026-11-10"
        ]
    );
    assert!(all.windows(2).all(|w| w[0].start_time >= w[1].start_time), "newest first");
}

#[test]
fn workout_start_is_shown_at_the_workouts_own_offset() {
    let f = fetch();
    let mut q = range_query();
    q.cursor = Some(encode_cursor("wk-page-2", &Window::days(q.from, q.to, offset!(+1))));
    let page = block_on(Whoop::activities(&f, &q, &clock())).unwrap();
    let ny = &page.activities[0];
    // 12:10Z in New York (-05:00) is 07:10 local.
    assert_eq!(ny.start_time.to_string(), "2026-11-16T07:10:00-05:00");
    assert_eq!(ny.start_time.offset(), offset!(-5));
    // 13:02:30 − 12:10:00 = 52 min 30 s = 3150 s; 9001.2 m / 3150 s = 2.85752 → 2.858.
    assert_eq!((ny.elapsed_time_s, ny.moving_time_s, ny.average_speed_mps), (3150, 3150, Some(2.858)));
    assert_eq!(ny.energy_j, Some(2_650_200.0), "2650.2 kJ");
}

#[test]
fn kilojoules_become_joules() {
    let f = fetch();
    let page = block_on(Whoop::activities(&f, &range_query(), &clock())).unwrap();
    let energy: Vec<Option<f64>> = page.activities.iter().map(|a| a.energy_j).collect();
    // Pending: none; 1430.5 kJ; 2979.1 kJ; 1650.0 kJ.
    assert_eq!(energy, [None, Some(1_430_500.0), Some(2_979_100.0), Some(1_650_000.0)]);
}

#[test]
fn distance_meter_is_metres_and_absent_stays_absent() {
    let f = fetch();
    let page = block_on(Whoop::activities(&f, &range_query(), &clock())).unwrap();
    let d: Vec<Option<f64>> = page.activities.iter().map(|a| a.distance_m).collect();
    assert_eq!(d, [None, None, Some(10_234.7), Some(2000.0)]);
    // No distance, no speed (functional fitness).
    assert_eq!(page.activities[1].average_speed_mps, None);
}

#[test]
fn workout_score_absent_when_pending_or_unscorable() {
    let f = fetch();
    let page = block_on(Whoop::activities(&f, &range_query(), &clock())).unwrap();
    let pending = &page.activities[0];
    assert_eq!(pending.sport, SportType::Known(SportKind::Ride));
    assert_eq!(pending.start_time, ts("2026-11-22T10:02:11+01:00"));
    // 10:34:41 − 09:02:11 = 1 h 32 min 30 s = 5550 s: times are known even unscored.
    assert_eq!(pending.elapsed_time_s, 5550);
    let none = (None, None, None, None, None, None);
    let scored = |a: &ActivitySummary| {
        (
            a.distance_m,
            a.average_heartrate_bpm,
            a.max_heartrate_bpm,
            a.energy_j,
            a.elevation_gain_m,
            a.average_speed_mps,
        )
    };
    assert_eq!(scored(pending), none);
    let mut q = range_query();
    q.cursor = Some(encode_cursor("wk-page-2", &Window::days(q.from, q.to, offset!(+1))));
    let page2 = block_on(Whoop::activities(&f, &q, &clock())).unwrap();
    let yoga = &page2.activities[1];
    assert_eq!((yoga.sport.kind(), yoga.elapsed_time_s), (Some(SportKind::Yoga), 2700));
    assert_eq!(scored(yoga), none, "UNSCORABLE");
    // SCORED, with a max heart rate sent as 162.0.
    assert_eq!(page.activities[1].max_heartrate_bpm, Some(162.0));
}

#[test]
fn sport_names_and_ids_are_an_open_set() {
    let f = fetch();
    let mut q = range_query();
    q.cursor = Some(encode_cursor("wk-page-3", &Window::days(q.from, q.to, offset!(+1))));
    let page3 = block_on(Whoop::activities(&f, &q, &clock())).unwrap();
    // No sport_name and sport_id 123, which Pierre does not know: kept.
    assert_eq!(page3.activities[0].sport, SportType::Other("whoop_sport_123".into()));
    assert_eq!(page3.activities[0].name, "WHOOP sport 123");
    assert_eq!(page3.activities[1].sport, SportType::Known(SportKind::Ride));
    let page1 = block_on(Whoop::activities(&f, &range_query(), &clock())).unwrap();
    assert_eq!(page1.activities[1].sport, SportType::Other("functional fitness".into()));
    assert_eq!(page1.activities[1].name, "Functional fitness");
}

#[test]
fn sport_filter_thins_the_page_and_keeps_the_cursor() {
    let f = fetch();
    let q = ActivityQuery { sport: Some(SportKind::Run), ..range_query() };
    let page = block_on(Whoop::activities(&f, &q, &clock())).unwrap();
    assert_eq!(page.activities, [the_run()]);
    assert!(page.next_cursor.is_some());
}

#[test]
fn v2_uuid_is_the_id_and_a_v1_id_still_finds_the_workout() {
    let f = fetch();
    let by_uuid = block_on(Whoop::activity(&f, "ecfc6a15-4661-442f-a9a4-f160dd7afae8", &clock())).unwrap();
    // The record also carries "v1_id": 1043; the UUID is what we hand out.
    assert_eq!(by_uuid.summary, the_run());
    assert!(by_uuid.laps.is_empty() && by_uuid.splits.is_empty() && by_uuid.best_efforts.is_empty());
    assert!(by_uuid.streams.is_empty(), "zone times without samples make no honest stream");
    assert_eq!(by_uuid.description, None);
    let by_v1 = block_on(Whoop::activity(&f, "1043", &clock())).unwrap();
    assert_eq!(by_v1, by_uuid);
    let path = "/v2/activity/workout/ecfc6a15-4661-442f-a9a4-f160dd7afae8";
    assert_eq!(f.requests(), [req(path, &[]), req("/v1/activity-mapping/1043", &[]), req(path, &[])]);
}

#[test]
fn unknown_or_unsafe_ids_are_not_found() {
    let f = fetch();
    let e = block_on(Whoop::activity(&f, "00000000-0000-0000-0000-000000000000", &clock())).unwrap_err();
    assert!(matches!(e, ApiError::NotFound { provider: "whoop", .. }), "{e:?}");
    let e = block_on(Whoop::activity(&f, "777", &clock())).unwrap_err();
    assert!(matches!(e, ApiError::NotFound { .. }), "v1 id without a mapping: {e:?}");
    for id in ["../user/profile/basic", "", "a/b", "ecfc6a15?x=1"] {
        let before = f.requests().len();
        let e = block_on(Whoop::activity(&f, id, &clock())).unwrap_err();
        assert!(matches!(e, ApiError::NotFound { .. }), "{id}: {e:?}");
        assert_eq!(f.requests().len(), before, "{id} must not become a request");
    }
}

#[test]
fn a_cursor_we_did_not_issue_is_refused_before_any_request() {
    let f = fetch();
    for cursor in ["wk-page-2", "whoop1_00", ""] {
        let q = ActivityQuery { cursor: Some(cursor.into()), ..range_query() };
        let e = block_on(Whoop::activities(&f, &q, &clock())).unwrap_err();
        assert_eq!(e, ApiError::BadCursor { provider: "whoop" });
    }
    assert!(f.requests().is_empty());
}

#[test]
fn integer_ids_of_v1_shaped_records_are_rendered_exactly() {
    // A record whose `id` is an integer past 2^53 (2^53 + 1): an f64 would
    // make it ...992. v2 sends UUIDs, but nothing may be lost if it does not.
    let body = serde_json::json!({"records": [{"id": 9_007_199_254_740_993_u64, "v1_id": 1043,
        "start": "2026-11-20T06:31:07.000Z", "end": "2026-11-20T07:25:07.000Z",
        "timezone_offset": "+01:00", "sport_name": "running", "score_state": "PENDING_SCORE"}],
        "next_token": null});
    let page = block_on(Whoop::activities(&Static(body), &range_query(), &clock())).unwrap();
    assert_eq!(page.activities[0].id, "9007199254740993");
    assert_eq!(page.next_cursor, None);
}

#[test]
fn the_fake_providers_tags_are_ignored_and_names_show_through() {
    // The fake adds `pierre_test_account` to every record and, in isolation
    // tests, appends ` [<account>]` to `sport_name`.
    let text = include_str!("../../../../../tests/fixtures/whoop/v2_activity_workout.json");
    let mut body: serde_json::Value = serde_json::from_str(text).unwrap();
    body["pierre_test_account"] = "alice".into();
    for r in body["records"].as_array_mut().unwrap() {
        r["pierre_test_account"] = "alice".into();
        if let Some(serde_json::Value::String(n)) = r.get_mut("sport_name") {
            n.push_str(" [alice]");
        }
    }
    let page = block_on(Whoop::activities(&Static(body), &range_query(), &clock())).unwrap();
    assert_eq!(page.activities[2].name, "Running [alice]");
    assert_eq!(page.activities[2].sport, SportType::Other("running [alice]".into()));
    assert_eq!(page.activities[2].energy_j, Some(2_979_100.0));
}
