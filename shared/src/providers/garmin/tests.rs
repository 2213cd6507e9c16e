//! Fixture tests for the athlete and activities (`tests/fixtures/garmin/`).
//!
//! Clock: today 2026-11-22 at +01:00 (Annecy in winter), the same in
//! every test. Expected values are worked out by hand from the fixtures
//! in the comments beside them.

use serde_json::json;
use time::macros::{date, offset};

use super::Garmin;
use super::activity::{activity_from, summaries_from};
use super::athlete::athlete_from;
use crate::model::{LocalDate, SportKind, SportType, Timestamp};
use crate::providers::api::{ActivityQuery, ApiError, Clock, ProviderApi, Request};
use crate::providers::fixtures::testing::{FixtureFetch, block_on};

pub(super) fn clock() -> Clock {
    Clock { today: LocalDate::new(date!(2026 - 11 - 22)), offset: offset!(+1) }
}

pub(super) fn day(s: &str) -> LocalDate {
    LocalDate::parse(s).unwrap()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn list_request(start: usize, limit: usize) -> Request {
    Request::new("/activitylist-service/activities/search/activities")
        .query("start", start)
        .query("limit", limit)
        .query("startDate", "2026-11-10")
        .query("endDate", "2026-11-22")
}

fn query(limit: usize, cursor: Option<String>) -> ActivityQuery {
    ActivityQuery { from: Some(day("2026-11-10")), to: Some(day("2026-11-22")), sport: None, limit, cursor }
}

#[test]
fn athlete_merges_profile_and_settings() {
    let f = FixtureFetch::new("garmin");
    let a = block_on(Garmin::athlete(&f, &clock())).unwrap();
    assert_eq!(a.id, "81234567");
    assert_eq!(a.name, "Pierre Dupont");
    assert_eq!(a.sex.as_deref(), Some("male"));
    assert_eq!(a.birth_year, Some(1988));
    // 71234 g / 1000 = 71.234 kg → 71.2.
    assert_eq!(a.weight_kg, Some(71.2));
    // 178 cm / 100 = 1.78 m.
    assert_eq!(a.height_m, Some(1.78));
    assert_eq!(a.location.as_deref(), Some("Annecy, France"));
    assert_eq!(a.thresholds.threshold_heartrate_bpm, Some(168.0));
    // 0.36111111 tens of m/s × 10 = 3.6111 m/s → 3.611 (4:37 /km).
    assert_eq!(a.thresholds.threshold_speed_mps, Some(3.611));
    assert_eq!(a.thresholds.ftp_w, None);
    assert_eq!(a.thresholds.max_heartrate_bpm, None);
    let paths: Vec<String> = f.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/userprofile-service/socialProfile", "/userprofile-service/userprofile/user-settings"]);
}

#[test]
fn athlete_reads_ftp_when_present_and_survives_empty_settings() {
    let profile = json!({"profileId": 5, "displayName": "x", "fullName": ""});
    let settings = json!({"userData": {"functionalThresholdPower": 265.0, "gender": "FEMALE", "weight": null}});
    let a = athlete_from(profile.clone(), settings).unwrap();
    assert_eq!(a.thresholds.ftp_w, Some(265.0));
    assert_eq!(a.sex.as_deref(), Some("female"));
    assert_eq!(a.weight_kg, None);
    // An empty full name falls back to the display name.
    assert_eq!(a.name, "x");
    let bare = athlete_from(profile, serde_json::Value::Null).unwrap();
    assert_eq!(bare.id, "5");
    assert!(matches!(athlete_from(json!({"fullName": "Nobody"}), json!({})), Err(ApiError::Malformed { .. })));
}

#[test]
fn list_pages_to_the_end_with_exact_requests() {
    let f = FixtureFetch::new("garmin");
    let first = block_on(Garmin::activities(&f, &query(4, None), &clock())).unwrap();
    let ids: Vec<&str> = first.activities.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["21987654321", "21954321987", "21943210876", "21932109876"]);
    // A full page of 4 → the next start is 0 + 4.
    assert_eq!(first.next_cursor.as_deref(), Some("g1:4"));
    let second = block_on(Garmin::activities(&f, &query(4, first.next_cursor), &clock())).unwrap();
    let ids: Vec<&str> = second.activities.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["21910987654", "21898765432", "9007199254740993"]);
    // 3 < 4: a short page is the last.
    assert_eq!(second.next_cursor, None);
    assert_eq!(f.requests(), [list_request(0, 4), list_request(4, 4)]);
}

#[test]
fn list_maps_every_field_of_a_run() {
    let f = FixtureFetch::new("garmin");
    let page = block_on(Garmin::activities(&f, &query(4, None), &clock())).unwrap();
    let long = &page.activities[0];
    assert_eq!(long.name, "Sunday Long Run");
    assert_eq!(long.sport, SportKind::Run.into());
    assert_eq!(long.start_time, ts("2026-11-22T09:05:12+01:00"));
    assert_eq!(long.start_time.to_string(), "2026-11-22T09:05:12+01:00");
    // 18234.56 m to 0.1 m.
    assert_eq!(long.distance_m, Some(18_234.6));
    // movingDuration 5950.2 → 5950; elapsedDuration 6120.0.
    assert_eq!((long.moving_time_s, long.elapsed_time_s), (5_950, 6_120));
    assert_eq!(long.elevation_gain_m, Some(121.4));
    assert_eq!(long.average_speed_mps, Some(3.065));
    assert_eq!(long.max_speed_mps, Some(4.012));
    assert_eq!(long.average_heartrate_bpm, Some(146.0));
    assert_eq!(long.max_heartrate_bpm, Some(168.0));
    assert_eq!(long.average_power_w, None);
    assert_eq!(long.max_power_w, None);
    assert_eq!(long.average_cadence_per_min, Some(170.8));
    // 1187 kcal × 4184 = 4 966 408 J.
    assert_eq!(long.energy_j, Some(4_966_408.0));
    // activityTrainingLoad (132.6) is Garmin's EPOC-based figure, not Pierre's load.
    assert_eq!((long.training_load, long.training_load_method), (None, None));

    let ride = &page.activities[3];
    assert_eq!(ride.sport, SportKind::VirtualRide.into());
    assert_eq!(ride.start_time, ts("2026-11-18T18:45:30+01:00"));
    assert_eq!((ride.moving_time_s, ride.elapsed_time_s), (3_590, 3_605));
    assert_eq!(ride.average_power_w, Some(212.0));
    assert_eq!(ride.max_power_w, Some(640.0));
    // averageBikingCadenceInRevPerMinute.
    assert_eq!(ride.average_cadence_per_min, Some(88.0));
    // 760 × 4184 = 3 179 840 J.
    assert_eq!(ride.energy_j, Some(3_179_840.0));
}

#[test]
fn binary_float_tails_are_rounded_away() {
    let f = FixtureFetch::new("garmin");
    let page = block_on(Garmin::activities(&f, &query(4, None), &clock())).unwrap();
    let run = &page.activities[1];
    assert_eq!(run.elevation_gain_m, Some(42.3)); // 42.300000000000004
    assert_eq!(run.average_cadence_per_min, Some(172.4)); // 172.40000000000001
    // elapsedDuration 3140.9 → 3141; movingDuration 3098.0.
    assert_eq!((run.moving_time_s, run.elapsed_time_s), (3_098, 3_141));
    // 701 × 4184 = 2 932 984 J.
    assert_eq!(run.energy_j, Some(2_932_984.0));
    let tail = json!([{"activityId": 1, "startTimeGMT": "2026-11-20 06:00:00",
        "duration": 3125.482000000001, "elevationGain": 0.30000000000000004}]);
    let s = &summaries_from(tail, &clock()).unwrap()[0];
    // Only `duration` given: it stands in for moving and elapsed, 3125.48 → 3125.
    assert_eq!((s.moving_time_s, s.elapsed_time_s), (3_125, 3_125));
    assert_eq!(s.elevation_gain_m, Some(0.3));
}

#[test]
fn local_time_without_zone_gives_the_offset() {
    let f = FixtureFetch::new("garmin");
    f.requests();
    let q = query(4, Some("g1:4".into()));
    let page = block_on(Garmin::activities(&f, &q, &clock())).unwrap();
    let kite = &page.activities[1];
    // Local 08:00:05, GMT 13:00:05: recorded at −05:00 (New York), not the user's +01:00.
    assert_eq!(kite.start_time.to_string(), "2026-11-14T08:00:05-05:00");
    assert_eq!(kite.start_time.unix(), 1_794_661_205);
    assert_eq!(kite.start_time.local_date(), day("2026-11-14"));
    // Without startTimeLocal the user's own offset stands in.
    let no_local = json!([{"activityId": 2, "startTimeGMT": "2026-11-20 06:31:07", "duration": 60}]);
    let s = &summaries_from(no_local, &clock()).unwrap()[0];
    assert_eq!(s.start_time.to_string(), "2026-11-20T07:31:07+01:00");
    // A local time 20 h from GMT is not a time zone.
    let absurd = json!([{"activityId": 3, "startTimeLocal": "2026-11-21 02:31:07",
        "startTimeGMT": "2026-11-20 06:31:07", "duration": 60}]);
    assert!(matches!(summaries_from(absurd, &clock()), Err(ApiError::Malformed { .. })));
    // 23:59:59 local vs 23:52:00 GMT rounds to +00:15, which would shift
    // the instant past year 9999: an error, not a panic.
    let edge = json!([{"activityId": 4, "startTimeLocal": "9999-12-31 23:59:59",
        "startTimeGMT": "9999-12-31 23:52:00", "duration": 60}]);
    assert!(matches!(summaries_from(edge, &clock()), Err(ApiError::Malformed { .. })));
}

#[test]
fn epoch_milliseconds_cross_check_the_gmt_text() {
    // 1795156267000 ms = 2026-11-20T06:31:07Z. The GMT text below is an
    // hour off (it is really local time), so the epoch value wins.
    let wrong_gmt = json!([{"activityId": 1, "startTimeLocal": "2026-11-20 07:31:07",
        "startTimeGMT": "2026-11-20 07:31:07", "beginTimestamp": 1795156267000_u64, "duration": 60}]);
    let s = &summaries_from(wrong_gmt, &clock()).unwrap()[0];
    assert_eq!(s.start_time.to_string(), "2026-11-20T07:31:07+01:00");
    // No GMT text at all: the epoch value alone.
    let only_epoch = json!([{"activityId": 1, "startTimeLocal": "2026-11-20 07:31:07",
        "beginTimestamp": 1795156267000.0, "duration": 60}]);
    let s = &summaries_from(only_epoch, &clock()).unwrap()[0];
    assert_eq!(s.start_time, ts("2026-11-20T07:31:07+01:00"));
    let none = json!([{"activityId": 1, "startTimeLocal": "2026-11-20 07:31:07", "duration": 60}]);
    assert!(matches!(summaries_from(none, &clock()), Err(ApiError::Malformed { .. })));
}

#[test]
fn type_keys_are_an_open_set_and_unknown_ones_kept() {
    let f = FixtureFetch::new("garmin");
    let page = block_on(Garmin::activities(&f, &query(4, Some("g1:4".into())), &clock())).unwrap();
    let sports: Vec<SportType> = page.activities.iter().map(|a| a.sport.clone()).collect();
    assert_eq!(sports, [SportKind::Swim.into(), SportType::Other("kiteboarding".into()), SportKind::TrailRun.into()]);
    let untyped = json!([{"activityId": 1, "startTimeGMT": "2026-11-20 06:00:00", "duration": 1,
        "activityType": null}]);
    assert_eq!(summaries_from(untyped, &clock()).unwrap()[0].sport, SportType::Other("uncategorized".into()));
}

#[test]
fn ids_are_exact_strings() {
    let f = FixtureFetch::new("garmin");
    let page = block_on(Garmin::activities(&f, &query(4, Some("g1:4".into())), &clock())).unwrap();
    // 2^53 + 1: a float would print 9007199254740992.
    assert_eq!(page.activities[2].id, "9007199254740993");
    let body = json!([
        {"activityId": 2.1954321987e10, "startTimeGMT": "2026-11-20 06:00:00", "duration": 1},
        {"activityId": "21954321987", "startTimeGMT": "2026-11-20 06:00:00", "duration": 1}
    ]);
    let ids: Vec<String> = summaries_from(body, &clock()).unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["21954321987", "21954321987"]);
    let inexact = json!([{"activityId": 1e20, "startTimeGMT": "2026-11-20 06:00:00", "duration": 1}]);
    assert!(matches!(summaries_from(inexact, &clock()), Err(ApiError::Malformed { .. })));
}

#[test]
fn missing_heart_rate_and_distance_stay_absent() {
    let f = FixtureFetch::new("garmin");
    let page = block_on(Garmin::activities(&f, &query(4, None), &clock())).unwrap();
    let strength = &page.activities[2];
    assert_eq!(strength.sport, SportKind::Strength.into());
    assert_eq!(strength.distance_m, None);
    assert_eq!(strength.average_heartrate_bpm, None);
    assert_eq!(strength.max_heartrate_bpm, None);
    assert_eq!(strength.average_speed_mps, None);
    // movingDuration null: the 2700 s timer time stands in.
    assert_eq!((strength.moving_time_s, strength.elapsed_time_s), (2_700, 2_700));
    // 250 × 4184 = 1 046 000 J.
    assert_eq!(strength.energy_j, Some(1_046_000.0));
}

#[test]
fn sport_filter_applies_after_fetching_and_keeps_paging() {
    let f = FixtureFetch::new("garmin");
    let q = ActivityQuery { sport: Some(SportKind::Run), ..query(4, None) };
    let page = block_on(Garmin::activities(&f, &q, &clock())).unwrap();
    let ids: Vec<&str> = page.activities.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["21987654321", "21954321987"]);
    assert_eq!(page.next_cursor.as_deref(), Some("g1:4"));
}

#[test]
fn foreign_cursors_are_refused_before_any_request() {
    let f = FixtureFetch::new("garmin");
    for bad in ["", "4", "g1:", "g1:0", "g1:-4", "g1:4x", "g1:99999999999", "g2:4"] {
        let r = block_on(Garmin::activities(&f, &query(4, Some(bad.into())), &clock()));
        assert_eq!(r, Err(ApiError::BadCursor { provider: "garmin" }), "{bad:?}");
    }
    assert!(f.requests().is_empty());
}

#[test]
fn detail_maps_summary_dto_and_laps() {
    let f = FixtureFetch::new("garmin");
    let a = block_on(Garmin::activity(&f, "21954321987", &clock())).unwrap();
    // The detail's nested summaryDTO tells the same story as the list entry.
    let listed = block_on(Garmin::activities(&f, &query(4, None), &clock())).unwrap();
    assert_eq!(a.summary, listed.activities[1]);
    assert_eq!(a.description.as_deref(), Some("Easy 10k along the lake"));
    assert_eq!(a.laps.len(), 3);
    let lap2 = &a.laps[1];
    assert_eq!(lap2.index, 2);
    // 06:51:59.3 − 06:31:07 = 20 min 52 s = 1252 s.
    assert_eq!(lap2.start_offset_s, 1_252);
    assert_eq!(lap2.distance_m, Some(4_000.0));
    // movingDuration 1233.0; elapsedDuration 1240.2 → 1240.
    assert_eq!((lap2.moving_time_s, lap2.elapsed_time_s), (1_233, 1_240));
    assert_eq!(lap2.average_speed_mps, Some(3.226));
    assert_eq!(lap2.average_heartrate_bpm, Some(153.0));
    assert_eq!(lap2.max_heartrate_bpm, Some(166.0));
    assert_eq!(lap2.average_power_w, None);
    assert_eq!(lap2.average_cadence_per_min, Some(173.2));
    assert_eq!(lap2.elevation_gain_m, Some(14.0));
    let lap3 = &a.laps[2];
    // 07:12:39.5 − 06:31:07 = 41 min 32 s = 2492 s.
    assert_eq!(lap3.start_offset_s, 2_492);
    assert_eq!(lap3.average_speed_mps, Some(3.179)); // 3.1792000000000002
    assert_eq!(lap3.elevation_gain_m, Some(13.3)); // 13.300000000000004
    // The laps add up to the activity: 4000 + 4000 + 2012.4 m; 1252 + 1240 + 648 s.
    let distance: f64 = a.laps.iter().filter_map(|l| l.distance_m).sum();
    assert!((distance - 10_012.4).abs() < 1e-9);
    assert_eq!(a.laps.iter().map(|l| l.elapsed_time_s).sum::<u32>(), 3_140);
    assert!(a.splits.is_empty() && a.best_efforts.is_empty() && a.streams.is_empty());
    let paths: Vec<String> = f.requests().into_iter().take(2).map(|r| r.path).collect();
    assert_eq!(paths, ["/activity-service/activity/21954321987", "/activity-service/activity/21954321987/splits"]);
}

#[test]
fn detail_with_a_sparse_summary_and_no_laps() {
    let f = FixtureFetch::new("garmin");
    let a = block_on(Garmin::activity(&f, "21943210876", &clock())).unwrap();
    assert_eq!(a.summary.sport, SportKind::Strength.into());
    assert_eq!(a.summary.start_time, ts("2026-11-19T18:10:00+01:00"));
    assert_eq!(a.summary.distance_m, None);
    assert_eq!(a.summary.average_heartrate_bpm, None);
    assert_eq!((a.summary.moving_time_s, a.summary.elapsed_time_s), (2_700, 2_700));
    assert_eq!(a.description, None);
    assert!(a.laps.is_empty());
    // No summaryDTO at all: nothing to date the activity by.
    let bare = json!({"activityId": 7, "activityName": "x", "summaryDTO": null});
    assert!(matches!(activity_from(bare, serde_json::Value::Null, "7", &clock()), Err(ApiError::Malformed { .. })));
    // Laps without start times are placed after one another.
    let detail = json!({"activityId": 7, "summaryDTO": {"startTimeGMT": "2026-11-20T06:00:00.0", "duration": 600.0}});
    let splits = json!({"lapDTOs": [{"duration": 300.4}, {"duration": 299.6, "lapIndex": 2.0}]});
    let a = activity_from(detail, splits, "7", &clock()).unwrap();
    assert_eq!(a.laps.iter().map(|l| (l.index, l.start_offset_s)).collect::<Vec<_>>(), [(1, 0), (2, 300)]);
}

#[test]
fn unknown_activities_are_not_found() {
    let f = FixtureFetch::new("garmin");
    let r = block_on(Garmin::activity(&f, "12345", &clock()));
    assert!(matches!(r, Err(ApiError::NotFound { provider: "garmin", .. })), "{r:?}");
    assert_eq!(f.requests().len(), 1);
    for bad in ["", "../socialProfile", "12a", "1/2"] {
        let r = block_on(Garmin::activity(&f, bad, &clock()));
        assert!(matches!(r, Err(ApiError::NotFound { .. })), "{bad:?}");
    }
    assert_eq!(f.requests().len(), 1, "an id that cannot be Garmin's is never requested");
}

#[test]
fn malformed_lists_are_errors_not_panics() {
    for body in [
        json!({"activities": []}),
        json!([{"activityId": null, "duration": 1}]),
        json!([{"activityId": 1, "startTimeGMT": "2026-11-20 06:00:00", "duration": -5}]),
        json!([{"activityId": 1, "startTimeGMT": "2026-11-20 06:00:00"}]),
        json!([{"activityId": 1, "startTimeGMT": "2026-11-20 06:00:00", "duration": "long"}]),
        json!(["x"]),
    ] {
        match summaries_from(body.clone(), &clock()) {
            Err(ApiError::Malformed { provider, detail }) => {
                assert_eq!(provider, "garmin");
                assert!(!detail.is_empty());
            }
            other => panic!("{body}: {other:?}"),
        }
    }
    assert_eq!(summaries_from(serde_json::Value::Null, &clock()), Ok(Vec::new()));
}
