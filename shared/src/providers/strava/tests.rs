//! Fixture-driven tests of the Strava client, one per quirk, plus paging,
//! malformed shapes and a fuzz test. Fixtures: `tests/fixtures/strava/`.
//! Clock everywhere: today 2026-11-22, offset +01:00.

use serde_json::{Value, json};
use time::UtcOffset;
use time::macros::offset;

use super::map;
use super::payload::{ActivityPayload, AthletePayload};
use super::{Strava, athlete_stats, parse_stats, streams};
use crate::model::{
    ActivitySummary, BestEffort, Lap, LocalDate, SportKind, SportType, StreamKind, StreamSummary, Thresholds,
    Timestamp, ZoneTime,
};
use crate::providers::api::{ActivityQuery, ApiError, Clock, ProviderApi, Request, decode};
use crate::providers::fixtures::testing::{FixtureFetch, block_on};

const PLUS_ONE: UtcOffset = offset!(+1);

fn clock() -> Clock {
    Clock { today: day("2026-11-22"), offset: PLUS_ONE }
}

fn day(s: &str) -> LocalDate {
    LocalDate::parse(s).unwrap()
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/../tests/fixtures/strava/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn payload(v: Value) -> ActivityPayload {
    decode("strava", "test", v).unwrap()
}

fn row(file: &str, id: &str) -> Value {
    let list = fixture(file);
    let found = list.as_array().unwrap().iter().find(|a| a["id"].as_u64() == id.parse().ok());
    found.unwrap().clone()
}

fn summary_of(v: Value) -> ActivitySummary {
    map::summary(&payload(v), PLUS_ONE).unwrap()
}

fn query(limit: usize) -> ActivityQuery {
    ActivityQuery { from: Some(day("2026-11-10")), to: Some(day("2026-11-22")), sport: None, limit, cursor: None }
}

fn list_request(page: u32, per_page: u32) -> Request {
    // before = 2026-11-23T00:00+01:00 = 2026-11-22T23:00Z = 1795388400;
    // the window's start (2026-11-10T00:00+01:00 = 1794265200) is applied
    // locally: with `after`, Strava would list oldest first.
    Request::new("/athlete/activities").query("before", 1_795_388_400).query("page", page).query("per_page", per_page)
}

fn ids(page: &crate::model::ActivityPage) -> Vec<&str> {
    page.activities.iter().map(|a| a.id.as_str()).collect()
}

#[test]
fn athlete_maps_every_field() {
    let f = FixtureFetch::new("strava");
    let a = block_on(Strava::athlete(&f, &clock())).unwrap();
    assert_eq!(a.id, "134815");
    assert_eq!(a.name, "Marianne Test");
    assert_eq!(a.sex.as_deref(), Some("female"));
    assert_eq!(a.birth_year, None);
    assert_eq!(a.weight_kg, Some(58.3));
    assert_eq!(a.height_m, None);
    assert_eq!(a.location.as_deref(), Some("Lyon, France"));
    assert_eq!(a.thresholds, Thresholds { ftp_w: Some(231.0), ..Thresholds::default() });
    assert_eq!(f.requests(), vec![Request::new("/athlete")]);
}

#[test]
fn listing_pages_to_the_end_with_exact_requests() {
    let f = FixtureFetch::new("strava");
    let mut q = query(4);
    let p1 = block_on(Strava::activities(&f, &q, &clock())).unwrap();
    assert_eq!(ids(&p1), ["18014398509481985", "12873645092", "9007199254740993", "12851234567"]);
    assert_eq!(p1.next_cursor.as_deref(), Some("strava1.p2.n4.a1794265200.b1795388400"));
    q.cursor = p1.next_cursor;
    // The cursor keeps the window and page size even if the caller's limit changes.
    q.limit = 50;
    let p2 = block_on(Strava::activities(&f, &q, &clock())).unwrap();
    // Whatever order a page comes in, it is listed newest first.
    assert_eq!(ids(&p2), ["12838765432", "12829876543", "12819000111", "12812345678"]);
    q.cursor = p2.next_cursor;
    let p3 = block_on(Strava::activities(&f, &q, &clock())).unwrap();
    assert!(p3.activities.is_empty());
    assert_eq!(p3.next_cursor, None);
    assert_eq!(f.requests(), vec![list_request(1, 4), list_request(2, 4), list_request(3, 4)]);
}

#[test]
fn the_window_start_is_applied_locally_and_ends_the_listing() {
    let f = FixtureFetch::new("strava");
    // From 2026-11-17: page 1 (full, 22nd to 16th) reaches the 16th, before the start.
    let q = ActivityQuery { from: Some(LocalDate::parse("2026-11-17").unwrap()), ..query(4) };
    let p = block_on(Strava::activities(&f, &q, &clock())).unwrap();
    assert_eq!(ids(&p), ["18014398509481985", "12873645092", "9007199254740993"]);
    for a in &p.activities {
        assert!(a.start_time.local_date() >= q.from.unwrap(), "{}", a.start_time);
    }
    assert_eq!(p.next_cursor, None, "older pages cannot be in the window");
    assert!(f.requests().iter().all(|r| r.query.iter().all(|(k, _)| k != "after")));
}

#[test]
fn a_short_page_ends_the_listing_and_limit_is_capped_at_200() {
    let f = FixtureFetch::new("strava");
    let p = block_on(Strava::activities(&f, &query(500), &clock())).unwrap();
    assert_eq!(p.activities.len(), 4);
    assert_eq!(p.next_cursor, None);
    let open = ActivityQuery { limit: 0, ..ActivityQuery::default() };
    block_on(Strava::activities(&f, &open, &clock())).unwrap();
    assert_eq!(
        f.requests(),
        vec![list_request(1, 200), Request::new("/athlete/activities").query("page", 1).query("per_page", 1),]
    );
}

#[test]
fn sport_filter_applies_after_fetching_and_keeps_the_cursor() {
    let f = FixtureFetch::new("strava");
    let mut q = ActivityQuery { sport: Some(SportKind::Run), ..query(4) };
    let p1 = block_on(Strava::activities(&f, &q, &clock())).unwrap();
    assert_eq!(ids(&p1), ["12873645092"]);
    assert!(p1.next_cursor.is_some(), "a filtered page may be short and still go on");
    q.cursor = p1.next_cursor;
    let p2 = block_on(Strava::activities(&f, &q, &clock())).unwrap();
    // The treadmill run has only the legacy `type: Run`.
    assert_eq!(ids(&p2), ["12819000111", "12812345678"]);
}

#[test]
fn a_foreign_cursor_is_refused_without_a_request() {
    let f = FixtureFetch::new("strava");
    let q = ActivityQuery { cursor: Some("eyJwYWdlIjoyfQ".into()), ..query(4) };
    let err = block_on(Strava::activities(&f, &q, &clock())).unwrap_err();
    assert_eq!(err, ApiError::BadCursor { provider: "strava" });
    assert!(f.requests().is_empty());
}

#[test]
fn virtual_ride_summary_every_field() {
    let f = FixtureFetch::new("strava");
    let p = block_on(Strava::activities(&f, &query(4), &clock())).unwrap();
    let expected = ActivitySummary {
        id: "18014398509481985".into(),
        name: "Zwift - Watopia Flat".into(),
        sport: SportKind::VirtualRide.into(),
        // 17:30:12Z at +01:00 (18:30:12 local − 17:30:12 UTC).
        start_time: at("2026-11-22T18:30:12+01:00"),
        distance_m: Some(30_012.5),
        moving_time_s: 3_600,
        elapsed_time_s: 3_614,
        elevation_gain_m: Some(312.0),
        average_speed_mps: Some(8.337),
        max_speed_mps: Some(14.2),
        average_heartrate_bpm: Some(146.9),
        max_heartrate_bpm: Some(171.0),
        average_power_w: Some(201.3),
        max_power_w: Some(498.0),
        // A ride's cadence is already rpm.
        average_cadence_per_min: Some(88.4),
        // 724.7 kJ × 1000.
        energy_j: Some(724_700.0),
        training_load: None,
        training_load_method: None,
    };
    assert_eq!(p.activities[0], expected);
    assert_eq!(p.activities[0].start_time.offset(), PLUS_ONE);
}

#[test]
fn detailed_activity_every_field() {
    let f = FixtureFetch::new("strava");
    let a = block_on(Strava::activity(&f, "12873645092", &clock())).unwrap();
    let s = &a.summary;
    assert_eq!(s.id, "12873645092");
    assert_eq!(s.name, "Morning Run");
    assert_eq!(s.sport, SportKind::Run.into());
    assert_eq!(s.start_time.to_string(), "2026-11-20T07:31:07+01:00");
    assert_eq!((s.distance_m, s.moving_time_s, s.elapsed_time_s), (Some(10_234.7), 3_125, 3_240));
    assert_eq!((s.elevation_gain_m, s.average_speed_mps, s.max_speed_mps), (Some(87.4), Some(3.275), Some(4.6)));
    assert_eq!((s.average_heartrate_bpm, s.max_heartrate_bpm), (Some(148.2), Some(171.0)));
    assert_eq!((s.average_power_w, s.max_power_w, s.training_load), (None, None, None));
    assert_eq!(s.average_cadence_per_min, Some(172.6));
    assert_eq!(s.energy_j, Some(2_937_168.0));
    assert_eq!(a.description.as_deref(), Some("Easy 10k along the Saône, legs felt good."));
    assert_eq!(
        a.laps,
        vec![
            Lap {
                index: 1,
                start_offset_s: 0,
                distance_m: Some(5_000.0),
                moving_time_s: 1_580,
                elapsed_time_s: 1_640,
                average_speed_mps: Some(3.165),
                average_heartrate_bpm: Some(144.1),
                max_heartrate_bpm: Some(162.0),
                average_power_w: None,
                // 85.9 × 2
                average_cadence_per_min: Some(171.8),
                elevation_gain_m: Some(40.1),
            },
            Lap {
                index: 2,
                // 06:58:27 − 06:31:07 = 27 min 20 s = 1640 s (lap 1's elapsed time).
                start_offset_s: 1_640,
                distance_m: Some(5_234.7),
                moving_time_s: 1_545,
                elapsed_time_s: 1_600,
                average_speed_mps: Some(3.388),
                average_heartrate_bpm: Some(152.3),
                max_heartrate_bpm: Some(171.0),
                average_power_w: None,
                // 86.7 × 2
                average_cadence_per_min: Some(173.4),
                elevation_gain_m: Some(47.3),
            },
        ]
    );
    assert_eq!(a.splits.len(), 11);
    let (k1, k5, k11) = (&a.splits[0], &a.splits[4], &a.splits[10]);
    // 1000 m in 314 s = 3.185 m/s; km 5 had a 115 s stop (412 elapsed).
    assert_eq!((k1.index, k1.distance_m, k1.moving_time_s, k1.elapsed_time_s), (1, 1_000.0, 314, 314));
    assert_eq!(
        (k1.average_speed_mps, k1.elevation_change_m, k1.average_heartrate_bpm),
        (3.185, Some(4.8), Some(128.4))
    );
    assert_eq!((k5.moving_time_s, k5.elapsed_time_s, k5.average_speed_mps), (297, 412, 3.367));
    // Last, short: 234.7 m in 72 s = 3.26 m/s.
    assert_eq!((k11.index, k11.distance_m, k11.moving_time_s, k11.average_speed_mps), (11, 234.7, 72, 3.26));
    let moving: u32 = a.splits.iter().map(|x| x.moving_time_s).sum();
    assert_eq!(moving, s.moving_time_s);
    let effort = |name: &str, distance_m: f64, elapsed_time_s: u32, start_offset_s: u32| BestEffort {
        name: name.into(),
        distance_m,
        elapsed_time_s,
        start_offset_s,
    };
    assert_eq!(
        a.best_efforts,
        vec![
            // 06:58:40 − 06:31:07 = 1653 s.
            effort("400m", 400.0, 112, 1_653),
            effort("half_mile", 805.0, 231, 1_643),
            effort("1k", 1_000.0, 289, 1_643),
            effort("1_mile", 1_609.0, 472, 1_640),
            effort("2_mile", 3_219.0, 968, 1_640),
            effort("5k", 5_000.0, 1_530, 1_640),
            effort("10k", 10_000.0, 3_160, 0),
        ]
    );
    // Streams: 11 samples, time 0..3240 every 324 s.
    let hr = StreamSummary {
        kind: StreamKind::Heartrate,
        samples: 11,
        min: 98.0,
        // 1617 / 11 = 147
        mean: 147.0,
        max: 171.0,
        // Zones from /athlete/zones edges 123, 153, 169, 184: 1, 5, 4, 1, 0 samples × 324 s.
        zones: vec![
            ZoneTime { min: 98.0, max: Some(123.0), time_s: 324 },
            ZoneTime { min: 123.0, max: Some(153.0), time_s: 1_620 },
            ZoneTime { min: 153.0, max: Some(169.0), time_s: 1_296 },
            ZoneTime { min: 169.0, max: Some(184.0), time_s: 324 },
            ZoneTime { min: 184.0, max: None, time_s: 0 },
        ],
    };
    let plain = |kind, min, mean, max| StreamSummary { kind, samples: 11, min, mean, max, zones: Vec::new() };
    assert_eq!(
        a.streams,
        vec![
            hr,
            // 33.25 / 11 = 3.0227
            plain(StreamKind::Speed, 0.0, 3.02, 3.6),
            // ×2 per leg: 1732 / 11 = 157.4545
            plain(StreamKind::Cadence, 0.0, 157.45, 178.0),
            // 2120.7 / 11 = 192.7909
            plain(StreamKind::Altitude, 162.8, 192.79, 243.1),
        ]
    );
    assert_eq!(
        f.requests(),
        vec![
            Request::new("/activities/12873645092"),
            Request::new("/activities/12873645092/streams")
                .query("keys", "time,heartrate,velocity_smooth,watts,cadence,altitude")
                .query("key_by_type", "true"),
            Request::new("/athlete/zones"),
        ]
    );
}

#[test]
fn unknown_or_invalid_ids_are_not_found() {
    let f = FixtureFetch::new("strava");
    for bad in ["", "12a", "../athlete", "1.5", "-3", "123456789012345678901"] {
        let err = block_on(Strava::activity(&f, bad, &clock())).unwrap_err();
        assert!(matches!(err, ApiError::NotFound { provider: "strava", .. }), "{bad}: {err:?}");
    }
    assert!(f.requests().is_empty(), "no request for an id that cannot be one");
    // A well-formed id with no fixture: the fetch's 404 becomes NotFound.
    let err = block_on(Strava::activity(&f, "999", &clock())).unwrap_err();
    assert_eq!(err, ApiError::NotFound { provider: "strava", what: "activity 999".into() });
    assert_eq!(f.requests().len(), 1);
}

#[test]
fn sleep_and_recovery_are_unsupported() {
    let f = FixtureFetch::new("strava");
    let (from, to) = (day("2026-11-15"), day("2026-11-22"));
    let sleep = block_on(Strava::sleep(&f, from, to, &clock())).unwrap_err();
    assert_eq!(sleep, ApiError::Unsupported { provider: "strava", what: "sleep data" });
    let rec = block_on(Strava::recovery(&f, from, to, &clock())).unwrap_err();
    assert_eq!(rec, ApiError::Unsupported { provider: "strava", what: "recovery data" });
    assert!(f.requests().is_empty());
}

#[test]
fn athlete_stats_in_si_units() {
    let f = FixtureFetch::new("strava");
    let s = block_on(athlete_stats(&f, "134815")).unwrap();
    assert_eq!(
        (s.recent.run.count, s.recent.run.distance_m, s.recent.run.moving_time_s, s.recent.run.elapsed_time_s),
        (9, 78_412.3, 25_120, 26_050)
    );
    assert_eq!(s.recent.run.elevation_gain_m, 612.0);
    assert_eq!((s.recent.swim.count, s.recent.swim.distance_m), (3, 6_000.0));
    // 389120.0 arrives as a float.
    assert_eq!(s.year_to_date.run.moving_time_s, 389_120);
    assert_eq!((s.all_time.ride.count, s.all_time.ride.distance_m), (655, 20_123_456.7));
    assert_eq!(s.all_time.ride.elevation_gain_m, 198_765.0);
    assert_eq!(s.biggest_ride_distance_m, Some(162_345.2));
    assert_eq!(s.biggest_climb_elevation_gain_m, Some(1_432.6));
    assert_eq!(f.requests(), vec![Request::new("/athletes/134815/stats")]);
    let err = block_on(athlete_stats(&f, "me")).unwrap_err();
    assert!(matches!(err, ApiError::NotFound { .. }));
    let err = block_on(athlete_stats(&f, "42")).unwrap_err();
    assert!(matches!(err, ApiError::NotFound { .. }), "404 → NotFound");
    // Missing periods are zero totals, not errors.
    let empty = parse_stats(json!({})).unwrap();
    assert_eq!(empty.recent.ride.count, 0);
    let schema = serde_json::to_value(schemars::schema_for!(super::StravaAthleteStats)).unwrap();
    assert!(schema["properties"]["year_to_date"].is_object());
}

mod quirks;
