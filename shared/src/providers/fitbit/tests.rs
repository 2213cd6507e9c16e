//! The client against `tests/fixtures/fitbit/` (2026-11-10..2026-11-22,
//! `Accept-Language: en_US` units) and against hand-made answers for the
//! shapes the fixtures do not show.
//!
//! Every test runs on the same clock: today 2026-11-22, offset +01:00.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Value, json};
use time::macros::offset;

use super::*;
use crate::model::{ActivitySummary, SleepStages, SportKind, SportType, Thresholds, Timestamp};
use crate::providers::api::Request;
use crate::providers::fixtures::testing::{FixtureFetch, block_on};

pub(super) fn clock() -> Clock {
    Clock { today: day("2026-11-22"), offset: offset!(+1) }
}

pub(super) fn day(s: &str) -> LocalDate {
    LocalDate::parse(s).unwrap()
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn ids(page: &ActivityPage) -> Vec<&str> {
    page.activities.iter().map(|a| a.id.as_str()).collect()
}

/// Answers by exact path from a map, 404 otherwise, and records requests.
struct MapFetch {
    answers: HashMap<String, Value>,
    seen: Mutex<Vec<Request>>,
}

impl MapFetch {
    fn new(answers: &[(&str, Value)]) -> Self {
        Self {
            answers: answers.iter().map(|(p, v)| ((*p).to_owned(), v.clone())).collect(),
            seen: Mutex::new(Vec::new()),
        }
    }

    fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

impl Fetch for MapFetch {
    async fn get(&self, request: Request) -> Result<Value, ApiError> {
        self.seen.lock().unwrap().push(request.clone());
        self.answers.get(&request.path).cloned().ok_or(ApiError::Status {
            provider: "fitbit",
            status: 404,
            path: request.path,
        })
    }
}

/// Answers every request with the same body.
pub(super) struct SameFetch(pub(super) Value);

impl Fetch for SameFetch {
    async fn get(&self, _: Request) -> Result<Value, ApiError> {
        Ok(self.0.clone())
    }
}

const LIST: &str = "/1/user/-/activities/list.json";

/// Activity 58934810233 by hand (en_US units):
/// 6.36 mi × 1609.344 = 10 235.42784 m → 10 235.4; activeDuration
/// 3 125 000 ms → 3 125 s; duration 3 240 000 ms → 3 240 s;
/// 10 235.42784 / 3 125 = 3.27534 m/s → 3.275; 131.23 ft × 0.3048 =
/// 39.9989 m → 40.0; 712 kcal × 4 184 = 2 979 008 J; 9 480 steps /
/// (3 125 / 60 min) = 182.02 → 182.0 per min.
fn run_58934810233() -> ActivitySummary {
    ActivitySummary {
        name: "Run".into(),
        distance_m: Some(10_235.4),
        elapsed_time_s: 3_240,
        elevation_gain_m: Some(40.0),
        average_speed_mps: Some(3.275),
        average_heartrate_bpm: Some(148.0),
        average_cadence_per_min: Some(182.0),
        energy_j: Some(2_979_008.0),
        ..ActivitySummary::minimal("58934810233", SportKind::Run.into(), at("2026-11-20T07:31:07+01:00"), 3_125)
    }
}

#[test]
fn athlete_from_profile_in_us_units_with_resting_hr() {
    let f = FixtureFetch::new("fitbit");
    let a = block_on(Fitbit::athlete(&f, &clock())).unwrap();
    assert_eq!(a.id, "ABC123");
    assert_eq!(a.name, "Marianne Test");
    assert_eq!(a.sex.as_deref(), Some("female"));
    assert_eq!(a.birth_year, Some(1992));
    // 128.5 lb × 0.45359237 = 58.2866 kg → 58.3; 66.14 in × 0.0254 = 1.67996 m → 1.68.
    assert_eq!(a.weight_kg, Some(58.3));
    assert_eq!(a.height_m, Some(1.68));
    assert_eq!(a.location.as_deref(), Some("Annecy, FR"));
    // 2026-11-22 has no resting HR yet; 2026-11-21's is 52.
    assert_eq!(a.thresholds, Thresholds { resting_heartrate_bpm: Some(52.0), ..Thresholds::default() });
    let paths: Vec<String> = f.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/1/user/-/profile.json", "/1/user/-/activities/heart/date/2026-11-16/2026-11-22.json"]);
}

#[test]
fn athlete_survives_a_failing_heart_rate_call() {
    let profile: Value =
        serde_json::from_str(include_str!("../../../../tests/fixtures/fitbit/1_user_-_profile.json")).unwrap();
    let f = MapFetch::new(&[("/1/user/-/profile.json", profile)]);
    let a = block_on(Fitbit::athlete(&f, &clock())).unwrap();
    assert_eq!(a.thresholds.resting_heartrate_bpm, None);
    assert_eq!(a.weight_kg, Some(58.3));
}

#[test]
fn units_follow_the_accept_language_header_sent_on_every_request() {
    let f = FixtureFetch::new("fitbit");
    let c = clock();
    block_on(Fitbit::athlete(&f, &c)).unwrap();
    let q = ActivityQuery { limit: 3, ..ActivityQuery::default() };
    let page = block_on(Fitbit::activities(&f, &q, &c)).unwrap();
    block_on(Fitbit::activity(&f, "58934810233", &c)).unwrap();
    block_on(Fitbit::sleep(&f, day("2026-11-10"), day("2026-11-22"), &c)).unwrap();
    block_on(Fitbit::recovery(&f, day("2026-11-10"), day("2026-11-22"), &c)).unwrap();
    let requests = f.requests();
    assert_eq!(requests.len(), 8);
    for r in &requests {
        assert_eq!(r.headers, [("Accept-Language".to_owned(), "en_US".to_owned())], "{}", r.path);
    }
    // The fixture says 5.02 (Mile) because en_US was asked for: 5.02 × 1609.344 = 8078.9 m.
    assert_eq!(page.activities[0].distance_m, Some(8_078.9));
}

#[test]
fn a_kilometre_label_wins_over_the_requested_unit_system() {
    let log = |unit: Value| {
        json!({"activityLog": {"logId": 7, "activityName": "Run", "startTime": "2026-11-20T07:31:07.000+01:00",
            "duration": 600000, "distance": 2.0, "distanceUnit": unit}})
    };
    let km = map::activity(log(json!("Kilometer")), offset!(+1)).unwrap();
    assert_eq!(km.summary.distance_m, Some(2_000.0));
    let unlabelled = map::activity(log(Value::Null), offset!(+1)).unwrap();
    assert_eq!(unlabelled.summary.distance_m, Some(3_218.7)); // 2 × 1609.344 = 3218.688
    let unknown = map::activity(log(json!("Furlong")), offset!(+1)).unwrap();
    assert_eq!(unknown.summary.distance_m, None);
}

#[test]
fn milliseconds_durations_become_seconds_even_as_floats() {
    let f = FixtureFetch::new("fitbit");
    let q = ActivityQuery {
        limit: 3,
        cursor: Some(paging::encode_cursor(
            &paging::next_page(&format!("{LIST}?offset=6&limit=3&sort=desc&beforeDate=2026-11-23")).unwrap().unwrap(),
        )),
        ..ActivityQuery::default()
    };
    let page = block_on(Fitbit::activities(&f, &q, &clock())).unwrap();
    let kick = &page.activities[0];
    // "duration": 2700000.0 ms → 2 700 s; "activeDuration": 2640000 → 2 640 s.
    assert_eq!((kick.elapsed_time_s, kick.moving_time_s), (2_700, 2_640));
    assert_eq!(kick.sport, SportType::Other("Kickboxing".into()));
    assert_eq!(kick.energy_j, Some(1_903_720.0)); // 455 × 4184
    assert_eq!(kick.distance_m, None);
}

#[test]
fn first_page_maps_every_field() {
    let f = FixtureFetch::new("fitbit");
    let q = ActivityQuery { from: Some(day("2026-11-10")), limit: 3, ..ActivityQuery::default() };
    let page = block_on(Fitbit::activities(&f, &q, &clock())).unwrap();
    assert_eq!(ids(&page), ["60112233445", "60098765432", "58934810233"]);
    let run = &page.activities[0];
    // 5.02 mi → 8 078.90688 m; 2 700 000 ms → 2 700 s; 8 078.90688 / 2 700 = 2.99219 → 2.992;
    // 98.43 ft → 30.0015 m → 30.0; 520 kcal → 2 175 680 J; 7 650 steps / 45 min = 170.0.
    assert_eq!(
        run,
        &ActivitySummary {
            id: "60112233445".into(),
            name: "Run".into(),
            sport: SportKind::Run.into(),
            start_time: at("2026-11-22T09:15:02+01:00"),
            distance_m: Some(8_078.9),
            moving_time_s: 2_700,
            elapsed_time_s: 2_765,
            elevation_gain_m: Some(30.0),
            average_speed_mps: Some(2.992),
            average_heartrate_bpm: Some(151.0),
            average_cadence_per_min: Some(170.0),
            energy_j: Some(2_175_680.0),
            ..run_58934810233()
        }
    );
    let ride = &page.activities[1];
    // 24.6 mi → 39 589.8624 m; / 5 280 s = 7.49808 → 7.498; 1 049.87 ft → 320.0004 m → 320.0;
    // 980 kcal → 4 100 320 J; no cadence on a bike.
    assert_eq!(ride.name, "Outdoor Bike");
    assert_eq!(ride.sport, SportKind::Ride.into());
    assert_eq!(ride.start_time, at("2026-11-20T18:02:11+01:00"));
    assert_eq!(ride.start_time.offset(), offset!(+1));
    assert_eq!(ride.distance_m, Some(39_589.9));
    assert_eq!((ride.moving_time_s, ride.elapsed_time_s), (5_280, 5_412));
    assert_eq!(ride.average_speed_mps, Some(7.498));
    assert_eq!(ride.elevation_gain_m, Some(320.0));
    assert_eq!(ride.average_heartrate_bpm, Some(138.0));
    assert_eq!(ride.average_cadence_per_min, None);
    assert_eq!(ride.energy_j, Some(4_100_320.0));
    assert_eq!(page.activities[2], run_58934810233());
    assert!(page.next_cursor.is_some());
    let r = &f.requests()[0];
    assert_eq!(r.path, LIST);
    assert_eq!(r.query, query(&[("beforeDate", "2026-11-23"), ("sort", "desc"), ("limit", "3"), ("offset", "0")]));
}

#[test]
fn pagination_runs_to_the_end_through_next_links() {
    let f = FixtureFetch::new("fitbit");
    let c = clock();
    let mut q = ActivityQuery { limit: 3, ..ActivityQuery::default() };
    let mut all = Vec::new();
    loop {
        let page = block_on(Fitbit::activities(&f, &q, &c)).unwrap();
        all.extend(page.activities);
        match page.next_cursor {
            Some(cursor) => q.cursor = Some(cursor),
            None => break,
        }
    }
    let got: Vec<&str> = all.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        got,
        [
            "60112233445",
            "60098765432",
            "58934810233",
            "58870011223",
            "58801234567",
            "58756789012",
            "58700000001",
            "58650000009"
        ]
    );
    assert!(all.windows(2).all(|w| w[0].start_time >= w[1].start_time), "newest first");
    let requests = f.requests();
    let next =
        |offset: &str| query(&[("offset", offset), ("limit", "3"), ("sort", "desc"), ("beforeDate", "2026-11-23")]);
    let queries: Vec<Vec<(String, String)>> = requests.iter().map(|r| r.query.clone()).collect();
    assert_eq!(
        queries,
        [
            query(&[("beforeDate", "2026-11-23"), ("sort", "desc"), ("limit", "3"), ("offset", "0")]),
            next("3"),
            next("6"),
            next("9"),
        ]
    );
    assert!(requests.iter().all(|r| r.path == LIST));
    // Page two, by hand: swim 1.243 mi → 2 000.4146 m, / 2 280 s = 0.87738 → 0.877;
    // walk 2.85 mi → 4 586.6304 m, / 3 540 s = 1.29566 → 1.296, 45.93 ft → 14.0 m,
    // 6 100 steps / 59 min = 103.39 → 103.4, 260 kcal → 1 087 840 J; yoga has no distance.
    let swim = &all[3];
    assert_eq!(swim.sport, SportKind::Swim.into());
    assert_eq!((swim.distance_m, swim.average_speed_mps, swim.elevation_gain_m), (Some(2_000.4), Some(0.877), None));
    assert_eq!(swim.average_cadence_per_min, None);
    assert_eq!(swim.energy_j, Some(1_715_440.0));
    let walk = &all[4];
    assert_eq!(walk.sport, SportKind::Walk.into());
    assert_eq!((walk.distance_m, walk.average_speed_mps), (Some(4_586.6), Some(1.296)));
    assert_eq!((walk.elevation_gain_m, walk.average_cadence_per_min), (Some(14.0), Some(103.4)));
    assert_eq!(walk.energy_j, Some(1_087_840.0));
    let yoga = &all[5];
    assert_eq!(yoga.sport, SportKind::Yoga.into());
    assert_eq!((yoga.distance_m, yoga.average_speed_mps), (None, None));
    assert_eq!((yoga.moving_time_s, yoga.elapsed_time_s, yoga.energy_j), (1_800, 1_800, Some(460_240.0)));
}

#[test]
fn listing_stops_locally_at_from_and_filters_the_sport() {
    let f = FixtureFetch::new("fitbit");
    let c = clock();
    let mut q = ActivityQuery {
        from: Some(day("2026-11-10")),
        sport: Some(SportKind::Run),
        limit: 3,
        ..ActivityQuery::default()
    };
    let mut pages = Vec::new();
    loop {
        let page = block_on(Fitbit::activities(&f, &q, &c)).unwrap();
        pages.push(ids(&page).into_iter().map(str::to_owned).collect::<Vec<_>>());
        match page.next_cursor {
            Some(cursor) => q.cursor = Some(cursor),
            None => break,
        }
    }
    // Page 2 holds no run but still has a next page; page 3 reaches 2026-11-09,
    // before `from`, so the run of that day is left out and offset=9 is never asked.
    assert_eq!(pages, [vec!["60112233445".to_owned(), "58934810233".to_owned()], vec![], vec![]]);
    assert_eq!(f.requests().len(), 3);
}

#[test]
fn to_bounds_the_first_request_and_the_page() {
    let f = FixtureFetch::new("fitbit");
    let q = ActivityQuery { to: Some(day("2026-11-21")), limit: 3, ..ActivityQuery::default() };
    let page = block_on(Fitbit::activities(&f, &q, &clock())).unwrap();
    // beforeDate is exclusive: 2026-11-22; the 2026-11-22 run on the served page is dropped.
    assert_eq!(f.requests()[0].query[0], ("beforeDate".to_owned(), "2026-11-22".to_owned()));
    assert_eq!(ids(&page), ["60098765432", "58934810233"]);
}

#[test]
fn a_next_link_to_another_host_is_not_followed_off_host() {
    let first = json!({
        "activities": [{"logId": 1, "activityName": "Run", "startTime": "2026-11-21T07:00:00.000+01:00", "duration": 1000}],
        "pagination": {"next": "https://evil.example.org/1/user/-/activities/list.json?offset=1&limit=1&sort=desc&beforeDate=2026-11-23", "offset": 0}
    });
    let f = MapFetch::new(&[(LIST, first)]);
    let q = ActivityQuery { limit: 1, ..ActivityQuery::default() };
    let page = block_on(Fitbit::activities(&f, &q, &clock())).unwrap();
    let cursor = page.next_cursor.unwrap();
    assert!(!cursor.contains("evil"));
    let q = ActivityQuery { cursor: Some(cursor), ..q };
    block_on(Fitbit::activities(&f, &q, &clock())).unwrap();
    let second = &f.requests()[1];
    assert_eq!(second.path, LIST);
    assert_eq!(second.query, query(&[("offset", "1"), ("limit", "1"), ("sort", "desc"), ("beforeDate", "2026-11-23")]));
    assert!(!format!("{second:?}").contains("evil"));
}

#[test]
fn a_next_link_to_another_endpoint_is_malformed_and_a_foreign_cursor_is_refused() {
    let first = json!({
        "activities": [{"logId": 1, "startTime": "2026-11-21T07:00:00.000+01:00", "duration": 1000}],
        "pagination": {"next": "https://api.fitbit.com/1/user/-/profile.json?offset=1&beforeDate=2026-11-23"}
    });
    let f = MapFetch::new(&[(LIST, first)]);
    let q = ActivityQuery { limit: 1, ..ActivityQuery::default() };
    assert!(matches!(
        block_on(Fitbit::activities(&f, &q, &clock())),
        Err(ApiError::Malformed { provider: "fitbit", .. })
    ));
    let q = ActivityQuery { cursor: Some("page=2".into()), ..q };
    assert_eq!(block_on(Fitbit::activities(&f, &q, &clock())), Err(ApiError::BadCursor { provider: "fitbit" }));
    assert_eq!(f.requests().len(), 1, "a bad cursor makes no request");
}

#[test]
fn one_activity_matches_its_list_entry_without_laps_or_streams() {
    let f = FixtureFetch::new("fitbit");
    let a = block_on(Fitbit::activity(&f, "58934810233", &clock())).unwrap();
    assert_eq!(a.summary, run_58934810233());
    assert_eq!(a.description, None);
    assert!(a.laps.is_empty() && a.splits.is_empty() && a.best_efforts.is_empty() && a.streams.is_empty());
    assert_eq!(f.requests()[0].path, "/1/user/-/activities/58934810233.json");
}

#[test]
fn unknown_or_odd_activity_ids_are_not_found() {
    let f = FixtureFetch::new("fitbit");
    let e = block_on(Fitbit::activity(&f, "123", &clock())).unwrap_err();
    assert!(matches!(e, ApiError::NotFound { provider: "fitbit", .. }), "{e:?}");
    for id in ["../profile", "", "12a", "1/2", "123456789012345678901"] {
        let e = block_on(Fitbit::activity(&f, id, &clock())).unwrap_err();
        assert!(matches!(e, ApiError::NotFound { .. }), "{id}");
    }
    assert_eq!(f.requests().len(), 1, "only the well-formed id reached the API");
}

#[test]
fn sleep_main_nights_stages_classic_and_local_times() {
    let f = FixtureFetch::new("fitbit");
    let nights = block_on(Fitbit::sleep(&f, day("2026-11-10"), day("2026-11-22"), &clock())).unwrap();
    let paths: Vec<String> = f.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/1/user/-/profile.json", "/1.2/user/-/sleep/date/2026-11-10/2026-11-22.json"]);
    // The 2026-11-21 nap (isMainSleep false) is not a night.
    let dates: Vec<String> = nights.iter().map(|n| n.date.to_string()).collect();
    assert_eq!(dates, ["2026-11-22", "2026-11-21", "2026-11-15"]);
    // Night of 2026-11-22: "2026-11-21T23:12:30.000" has no zone → +01:00 from the profile;
    // timeInBed 466 min = 27 960 s; minutesAsleep 421 = 25 260 s; deep 82 = 4 920,
    // light 241 = 14 460, rem 98 = 5 880, wake 45 = 2 700 (82+241+98 = 421); efficiency 91 → 0.91.
    assert_eq!(
        nights[0],
        SleepSession {
            date: day("2026-11-22"),
            start_time: at("2026-11-21T23:12:30+01:00"),
            end_time: at("2026-11-22T06:58:30+01:00"),
            in_bed_s: 27_960,
            asleep_s: Some(25_260),
            stages: Some(SleepStages { deep_s: 4_920, light_s: 14_460, rem_s: 5_880, awake_s: 2_700 }),
            efficiency: Some(0.91),
            score: None,
            average_heartrate_bpm: None,
            lowest_heartrate_bpm: None,
            average_hrv_ms: None,
            respiratory_rate_per_min: None,
            score_status: None,
        }
    );
    assert_eq!(nights[0].start_time.offset(), offset!(+1));
    // 2026-11-21: 462 min in bed = 27 720 s, 415 asleep = 24 900 s; 70/250/95/47 min.
    assert_eq!((nights[1].in_bed_s, nights[1].asleep_s), (27_720, Some(24_900)));
    assert_eq!(nights[1].stages, Some(SleepStages { deep_s: 4_200, light_s: 15_000, rem_s: 5_700, awake_s: 2_820 }));
    assert_eq!(nights[1].start_time, at("2026-11-20T22:48:00+01:00"));
}

#[test]
fn classic_sleep_records_have_totals_but_no_stages() {
    let f = FixtureFetch::new("fitbit");
    let nights = block_on(Fitbit::sleep(&f, day("2026-11-10"), day("2026-11-22"), &clock())).unwrap();
    let classic = &nights[2];
    // asleep/restless/awake are not stages; 450 min in bed = 27 000 s; 410 asleep = 24 600 s.
    assert_eq!(classic.stages, None);
    assert_eq!((classic.in_bed_s, classic.asleep_s, classic.efficiency), (27_000, Some(24_600), Some(0.91)));
    assert_eq!(classic.start_time, at("2026-11-14T23:30:00+01:00"));
    assert_eq!(classic.end_time, at("2026-11-15T07:00:00+01:00"));
}

#[test]
fn sleep_times_without_zone_take_the_profile_offset_else_the_clock() {
    let answer = json!({"sleep": [{"dateOfSleep": "2026-07-01", "startTime": "2026-06-30T23:00:00.000",
        "endTime": "2026-07-01T07:00:00.000", "minutesAsleep": 450, "timeInBed": 480, "isMainSleep": true}]});
    let sleep_path = "/1.2/user/-/sleep/date/2026-07-01/2026-07-01.json";
    // This machine is at +02:00; the Fitbit user's device is in New York (-04:00 in July).
    let summer = Clock { today: day("2026-07-01"), offset: offset!(+2) };
    let profile = json!({"user": {"encodedId": "ABC123", "offsetFromUTCMillis": -14_400_000}});
    let f = MapFetch::new(&[("/1/user/-/profile.json", profile), (sleep_path, answer.clone())]);
    let nights = block_on(Fitbit::sleep(&f, day("2026-07-01"), day("2026-07-01"), &summer)).unwrap();
    assert_eq!(nights[0].start_time.to_string(), "2026-06-30T23:00:00-04:00");
    assert_eq!(nights[0].end_time.unix(), at("2026-07-01T11:00:00Z").unix());
    // No levels, no efficiency: absent, not zero.
    assert_eq!((nights[0].stages.as_ref(), nights[0].efficiency), (None, None));
    // A profile without an offset: the clock's.
    let bare = json!({"user": {"encodedId": "ABC123"}});
    let f = MapFetch::new(&[("/1/user/-/profile.json", bare), (sleep_path, answer)]);
    let nights = block_on(Fitbit::sleep(&f, day("2026-07-01"), day("2026-07-01"), &summer)).unwrap();
    assert_eq!(nights[0].start_time.to_string(), "2026-06-30T23:00:00+02:00");
}

#[test]
fn recovery_merges_resting_hr_and_hrv_and_omits_empty_days() {
    let f = FixtureFetch::new("fitbit");
    let days = block_on(Fitbit::recovery(&f, day("2026-11-10"), day("2026-11-22"), &clock())).unwrap();
    let paths: Vec<String> = f.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/1/user/-/activities/heart/date/2026-11-10/2026-11-22.json", "/1/user/-/hrv/date/2026-11-10/2026-11-22.json"]
    );
    let got: Vec<(String, Option<f64>, Option<f64>)> =
        days.iter().map(|r| (r.date.to_string(), r.hrv_ms, r.resting_heartrate_bpm)).collect();
    let want = [
        ("2026-11-22", Some(48.3), None), // no resting HR yet today
        ("2026-11-21", Some(44.7), Some(52.0)),
        ("2026-11-20", Some(46.2), Some(50.0)),
        ("2026-11-19", Some(42.9), Some(51.0)),
        ("2026-11-18", Some(40.3), Some(53.0)),
        ("2026-11-17", Some(37.6), Some(54.0)),
        ("2026-11-16", Some(39.8), Some(52.0)),
        ("2026-11-15", Some(44.0), Some(51.0)),
        ("2026-11-14", Some(45.1), Some(50.0)),
        // 2026-11-13: neither, omitted.
        ("2026-11-12", None, Some(53.0)), // no HRV that night
        ("2026-11-11", Some(43.5), Some(51.0)),
        ("2026-11-10", Some(41.2), Some(52.0)),
    ];
    let want: Vec<(String, Option<f64>, Option<f64>)> =
        want.iter().map(|(d, h, r)| ((*d).to_owned(), *h, *r)).collect();
    assert_eq!(got, want);
    for r in &days {
        assert_eq!((r.score, r.sleep_score, r.score_status), (None, None, None));
        assert_eq!((r.acute_load, r.chronic_load, r.strain), (None, None, None));
        assert_eq!((r.temperature_deviation_c, r.spo2_percent), (None, None));
    }
}

#[test]
fn long_ranges_are_cut_to_fitbit_limits() {
    let f = MapFetch::new(&[]);
    // 45 days: one heart call (≤ 365), two HRV calls (≤ 30), one sleep call (≤ 100).
    let e = block_on(Fitbit::recovery(&f, day("2026-10-09"), day("2026-11-22"), &clock()));
    assert!(matches!(e, Err(ApiError::Status { status: 404, .. })));
    let f = MapFetch::new(&[
        ("/1/user/-/activities/heart/date/2026-10-09/2026-11-22.json", json!({"activities-heart": []})),
        (
            "/1/user/-/hrv/date/2026-10-24/2026-11-22.json",
            json!({"hrv": [{"dateTime": "2026-11-01", "value": {"dailyRmssd": 40}}]}),
        ),
        (
            "/1/user/-/hrv/date/2026-10-09/2026-10-23.json",
            json!({"hrv": [{"dateTime": "2026-10-10", "value": {"dailyRmssd": 38}}]}),
        ),
    ]);
    let days = block_on(Fitbit::recovery(&f, day("2026-10-09"), day("2026-11-22"), &clock())).unwrap();
    assert_eq!(days.iter().map(|d| d.date.to_string()).collect::<Vec<_>>(), ["2026-11-01", "2026-10-10"]);
    assert_eq!(f.requests().len(), 3);
    assert_eq!(windows(day("2026-11-22"), day("2026-11-21"), 30), []);
    assert_eq!(windows(day("2026-01-01"), day("2026-12-31"), 100).len(), 4);
}

#[test]
fn malformed_answers_become_malformed_errors() {
    let c = clock();
    let bad = SameFetch(json!({"activities": "none", "sleep": 3, "hrv": {}, "activities-heart": null, "user": []}));
    let q = ActivityQuery { limit: 3, ..ActivityQuery::default() };
    let is_malformed = |e: ApiError| matches!(e, ApiError::Malformed { provider: "fitbit", .. });
    assert!(is_malformed(block_on(Fitbit::activities(&bad, &q, &c)).unwrap_err()));
    assert!(is_malformed(block_on(Fitbit::activity(&bad, "1", &c)).unwrap_err()));
    assert!(is_malformed(block_on(Fitbit::athlete(&bad, &c)).unwrap_err()));
    assert!(is_malformed(block_on(Fitbit::sleep(&bad, day("2026-11-10"), day("2026-11-22"), &c)).unwrap_err()));
    assert!(is_malformed(block_on(Fitbit::recovery(&bad, day("2026-11-10"), day("2026-11-22"), &c)).unwrap_err()));
}
