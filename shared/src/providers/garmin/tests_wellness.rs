//! Fixture tests for sleep and recovery (`tests/fixtures/garmin/`, one
//! file per day 2026-11-10..22; 11-15 is a day without data).

use serde_json::{Value, json};

use super::Garmin;
use super::tests::{clock, day};
use super::wellness::{recovery_from, session_from};
use crate::model::{SleepStages, Timestamp};
use crate::providers::api::{ApiError, ProviderApi, Request};
use crate::providers::fixtures::testing::{FixtureFetch, block_on};

fn sleep_request(d: &str) -> Request {
    Request::new("/wellness-service/wellness/dailySleepData/pierre-runner")
        .query("date", d)
        .query("nonSleepBufferMinutes", 60)
}

#[test]
fn sleep_maps_a_night_field_by_field() {
    let f = FixtureFetch::new("garmin");
    let nights = block_on(Garmin::sleep(&f, day("2026-11-21"), day("2026-11-21"), &clock())).unwrap();
    assert_eq!(nights.len(), 1);
    let n = &nights[0];
    // Day index i = 11 (11-21 − 11-10). Start: 11-20 23:00 + (11×7 mod 40 = 37) min
    // = 23:37 local; end: 06:30 + (11×5 mod 30 = 25) min = 06:55 local.
    assert_eq!(n.date, day("2026-11-21"));
    assert_eq!(n.start_time.to_string(), "2026-11-20T23:37:00+01:00");
    assert_eq!(n.end_time, Timestamp::parse("2026-11-21T06:55:00+01:00").unwrap());
    // 23:37 → 06:55 = 7 h 18 min = 26280 s.
    assert_eq!(n.in_bed_s, 26_280);
    // deep 4800 + 60×11 = 5460; rem 6000 + 30×11 = 6330; awake 1200 + 20×11 = 1420;
    // light = 26280 − 5460 − 6330 − 1420 = 13070.
    assert_eq!(n.stages, Some(SleepStages { deep_s: 5_460, light_s: 13_070, rem_s: 6_330, awake_s: 1_420 }));
    // sleepTimeSeconds = 5460 + 13070 + 6330 = 24860.
    assert_eq!(n.asleep_s, Some(24_860));
    // 24860 / 26280 = 0.9460 → 0.95.
    assert_eq!(n.efficiency, Some(0.95));
    // 70 + 11.
    assert_eq!(n.score, Some(81));
    // avgHeartRate 50 + 11 mod 3 = 52.
    assert_eq!(n.average_heartrate_bpm, Some(52.0));
    assert_eq!(n.lowest_heartrate_bpm, None);
    // avgOvernightHrv 60 + 11.
    assert_eq!(n.average_hrv_ms, Some(71.0));
    // 14.300000000000001 → 14.3.
    assert_eq!(n.respiratory_rate_per_min, Some(14.3));
    assert_eq!(n.score_status, None);
    assert_eq!(f.requests(), [Request::new("/userprofile-service/socialProfile"), sleep_request("2026-11-21")]);
}

#[test]
fn sleep_over_the_range_skips_the_no_data_day_newest_first() {
    let f = FixtureFetch::new("garmin");
    let nights = block_on(Garmin::sleep(&f, day("2026-11-10"), day("2026-11-22"), &clock())).unwrap();
    // 13 days minus 11-15, which has a DTO full of nulls.
    assert_eq!(nights.len(), 12);
    assert_eq!(nights[0].date, day("2026-11-22"));
    assert_eq!(nights[11].date, day("2026-11-10"));
    assert!(nights.iter().all(|n| n.date != day("2026-11-15")));
    assert!(nights.windows(2).all(|w| w[0].date > w[1].date));
    // One profile request, then one per day, oldest first in chunks of 4.
    let requests = f.requests();
    assert_eq!(requests.len(), 14);
    assert_eq!(requests[1], sleep_request("2026-11-10"));
    assert_eq!(requests[13], sleep_request("2026-11-22"));
}

#[test]
fn sleep_never_asks_for_days_after_today() {
    let f = FixtureFetch::new("garmin");
    let nights = block_on(Garmin::sleep(&f, day("2026-11-22"), day("2026-12-31"), &clock())).unwrap();
    assert_eq!(nights.len(), 1);
    assert_eq!(f.requests().len(), 2);
    let f = FixtureFetch::new("garmin");
    let none = block_on(Garmin::sleep(&f, day("2026-11-23"), day("2026-11-30"), &clock())).unwrap();
    assert!(none.is_empty());
    assert!(f.requests().is_empty(), "no profile request for an empty range");
}

#[test]
fn no_data_sleep_shapes_are_skipped() {
    let d = day("2026-11-15");
    for body in [
        Value::Null,
        json!({}),
        json!({"dailySleepDTO": null}),
        json!({"dailySleepDTO": {"id": null, "calendarDate": "2026-11-15", "sleepTimeSeconds": null}}),
        json!({"dailySleepDTO": {"id": 1, "sleepStartTimestampGMT": null, "sleepEndTimestampGMT": null}}),
    ] {
        assert_eq!(session_from(body.clone(), d, &clock()), Ok(None), "{body}");
    }
    // Without the local epoch the user's offset is used; stages may be absent.
    let minimal = json!({"dailySleepDTO": {"id": 1, "sleepStartTimestampGMT": 1795214220000.0,
        "sleepEndTimestampGMT": 1795240500000_u64, "sleepTimeSeconds": 25000.0}});
    let n = session_from(minimal, d, &clock()).unwrap().unwrap();
    // 1795214220000 ms = 2026-11-20T22:37:00Z = 23:37 at +01:00; 26280 s later it ends.
    assert_eq!(n.start_time.to_string(), "2026-11-20T23:37:00+01:00");
    assert_eq!((n.in_bed_s, n.asleep_s, n.stages), (26_280, Some(25_000), None));
    // Falls back to the requested day without a calendarDate.
    assert_eq!(n.date, d);
    // Stages near u32::MAX add up without overflowing.
    let huge = json!({"dailySleepDTO": {"id": 1, "sleepStartTimestampGMT": 0, "sleepEndTimestampGMT": 1000,
        "deepSleepSeconds": 4e9, "lightSleepSeconds": 4e9}});
    let n = session_from(huge, d, &clock()).unwrap().unwrap();
    assert_eq!((n.asleep_s, n.efficiency), (Some(u32::MAX), None));
    let backwards = json!({"dailySleepDTO": {"id": 1, "sleepStartTimestampGMT": 2000, "sleepEndTimestampGMT": 1000}});
    assert!(matches!(session_from(backwards, d, &clock()), Err(ApiError::Malformed { .. })));
}

#[test]
fn recovery_merges_readiness_hrv_and_sleep() {
    let f = FixtureFetch::new("garmin");
    let days = block_on(Garmin::recovery(&f, day("2026-11-20"), day("2026-11-21"), &clock())).unwrap();
    assert_eq!(days.len(), 2);
    let r = &days[0];
    assert_eq!(r.date, day("2026-11-21"));
    // i = 11: readiness 60 + 2×11 = 82; lastNightAvg 58 + 11 = 69;
    // restingHeartRate 46 + 11 mod 4 = 49; sleep score 70 + 11 = 81.
    assert_eq!(r.score, Some(82));
    assert_eq!(r.hrv_ms, Some(69.0));
    assert_eq!(r.resting_heartrate_bpm, Some(49.0));
    assert_eq!(r.sleep_score, Some(81));
    assert_eq!((r.acute_load, r.chronic_load, r.strain), (None, None, None));
    assert_eq!(days[1].date, day("2026-11-20"));
    // Profile, then per day: sleep, HRV, readiness.
    let paths: Vec<String> = f.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/userprofile-service/socialProfile",
            "/wellness-service/wellness/dailySleepData/pierre-runner",
            "/hrv-service/hrv/2026-11-20",
            "/metrics-service/metrics/trainingreadiness/2026-11-20",
            "/wellness-service/wellness/dailySleepData/pierre-runner",
            "/hrv-service/hrv/2026-11-21",
            "/metrics-service/metrics/trainingreadiness/2026-11-21",
        ]
    );
}

#[test]
fn recovery_omits_days_with_nothing_and_keeps_partial_days() {
    let f = FixtureFetch::new("garmin");
    let days = block_on(Garmin::recovery(&f, day("2026-11-14"), day("2026-11-17"), &clock())).unwrap();
    let dates: Vec<String> = days.iter().map(|r| r.date.to_string()).collect();
    // 11-15: null HRV body, empty readiness array, sleep DTO of nulls → left out.
    assert_eq!(dates, ["2026-11-17", "2026-11-16", "2026-11-14"]);
    // 11-17 (i = 7): hrvSummary null, but readiness 60 + 14 = 74 and RHR 46 + 3 = 49.
    assert_eq!(days[0].hrv_ms, None);
    assert_eq!(days[0].score, Some(74));
    assert_eq!(days[0].resting_heartrate_bpm, Some(49.0));
}

#[test]
fn recovery_takes_the_morning_readiness() {
    let f = FixtureFetch::new("garmin");
    let days = block_on(Garmin::recovery(&f, day("2026-11-13"), day("2026-11-13"), &clock())).unwrap();
    // 11-13 (i = 3) lists a post-exercise 41 before the wake-up 60 + 6 = 66.
    assert_eq!(days[0].score, Some(66));
    // Without a wake-up entry, the earliest of the day.
    let readiness = json!([
        {"calendarDate": "2026-11-13", "timestamp": "2026-11-13T17:05:00.0", "score": 41},
        {"calendarDate": "2026-11-13", "timestamp": "2026-11-13T05:43:00.0", "score": 66},
        {"calendarDate": "2026-11-12", "timestamp": "2026-11-12T05:00:00.0", "score": 10}
    ]);
    let r = recovery_from(Value::Null, Value::Null, readiness, day("2026-11-13")).unwrap().unwrap();
    assert_eq!(r.score, Some(66));
}

#[test]
fn recovery_no_data_shapes() {
    let d = day("2026-11-15");
    assert_eq!(recovery_from(Value::Null, Value::Null, Value::Null, d), Ok(None));
    assert_eq!(recovery_from(json!({}), json!({}), json!([]), d), Ok(None));
    assert_eq!(
        recovery_from(
            json!({"dailySleepDTO": null, "restingHeartRate": null}),
            json!({"hrvSummary": null}),
            json!([]),
            d
        ),
        Ok(None)
    );
    // Readiness's own sleep score stands in when the night has none.
    let r = recovery_from(Value::Null, Value::Null, json!([{"sleepScore": 77}]), d).unwrap().unwrap();
    assert_eq!((r.score, r.sleep_score), (None, Some(77)));
    assert!(matches!(recovery_from(Value::Null, json!([1]), Value::Null, d), Err(ApiError::Malformed { .. })));
    assert!(matches!(recovery_from(Value::Null, Value::Null, json!({"score": 5}), d), Err(ApiError::Malformed { .. })));
}

#[test]
fn display_names_are_encoded_into_one_path_segment() {
    struct Profile;
    impl crate::providers::api::Fetch for Profile {
        async fn get(&self, request: Request) -> Result<Value, ApiError> {
            if request.path.ends_with("socialProfile") {
                Ok(json!({"displayName": "a b/../c?x"}))
            } else {
                Err(ApiError::Status { provider: "garmin", status: 418, path: request.path })
            }
        }
    }
    let err = block_on(Garmin::sleep(&Profile, day("2026-11-21"), day("2026-11-21"), &clock())).unwrap_err();
    assert_eq!(
        err,
        ApiError::Status {
            provider: "garmin",
            status: 418,
            path: "/wellness-service/wellness/dailySleepData/a%20b%2F..%2Fc%3Fx".into()
        }
    );
}
