//! The WHOOP client against `tests/fixtures/whoop/` (a member in Europe,
//! +01:00, with a trip to New York, -05:00, on 15-17 November 2026).
//! Expected values are worked out by hand from the fixture files.

mod activities;
mod wellness;

use time::macros::offset;

use super::Whoop;
use crate::model::{LocalDate, Timestamp};
use crate::providers::api::{ActivityQuery, ApiError, Clock, Fetch, ProviderApi, Request};
use crate::providers::fixtures::testing::{FixtureFetch, block_on};

fn day(s: &str) -> LocalDate {
    LocalDate::parse(s).unwrap()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn clock() -> Clock {
    Clock { today: day("2026-11-22"), offset: offset!(+1) }
}

fn fetch() -> FixtureFetch {
    FixtureFetch::new("whoop")
}

fn req(path: &str, query: &[(&str, &str)]) -> Request {
    let mut r = Request::new(path);
    for (n, v) in query {
        r = r.query(n, *v);
    }
    r
}

fn range_query() -> ActivityQuery {
    ActivityQuery { from: Some(day("2026-11-10")), to: Some(day("2026-11-22")), limit: 100, ..ActivityQuery::default() }
}

/// Midnight 2026-11-10 at +01:00 to midnight after 2026-11-22, in UTC.
const START: (&str, &str) = ("start", "2026-11-09T23:00:00.000Z");
const END: (&str, &str) = ("end", "2026-11-22T23:00:00.000Z");

/// Answers every request with the same body.
pub(super) struct Static(pub(super) serde_json::Value);

impl Fetch for Static {
    async fn get(&self, _: Request) -> Result<serde_json::Value, ApiError> {
        Ok(self.0.clone())
    }
}

fn malformed<T: std::fmt::Debug>(r: Result<T, ApiError>) -> String {
    match r {
        Err(ApiError::Malformed { provider: "whoop", detail }) => detail,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn athlete_joins_profile_and_body_measurements() {
    let f = fetch();
    let a = block_on(Whoop::athlete(&f, &clock())).unwrap();
    assert_eq!(a.id, "10129");
    assert_eq!(a.name, "Marianne Test");
    assert_eq!((a.weight_kg, a.height_m), (Some(61.2349), Some(1.6764)));
    assert_eq!(a.thresholds.max_heartrate_bpm, Some(189.0));
    assert_eq!((a.sex, a.birth_year, a.location), (None, None, None));
    assert_eq!(f.requests(), [req("/v2/user/profile/basic", &[]), req("/v2/user/measurement/body", &[])]);
}

#[test]
fn bad_shapes_are_malformed_not_panics() {
    use serde_json::json;
    let c = clock();
    let list = |v| block_on(Whoop::activities(&Static(v), &range_query(), &c));
    malformed(list(json!({"records": {"id": 1}})));
    malformed(list(json!([])));
    malformed(list(json!({"records": [], "next_token": 5})));
    let w = |extra: serde_json::Value| {
        let mut rec = json!({"id": "a1", "start": "2026-11-20T06:31:07Z", "end": "2026-11-20T07:25:07Z",
            "timezone_offset": "+01:00", "score_state": "SCORED"});
        rec.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"records": [rec]})
    };
    assert!(list(w(json!({}))).is_ok(), "the base record is fine");
    let d = malformed(list(w(json!({"start": "yesterday"}))));
    assert!(d.contains("workout a1 start"), "{d}");
    malformed(list(w(json!({"end": "2026-11-20T06:00:00Z"}))));
    malformed(list(w(json!({"timezone_offset": "CET"}))));
    malformed(list(w(json!({"score": {"kilojoule": "lots"}}))));
    malformed(list(w(json!({"score": {"distance_meter": -5.0}}))));
    malformed(list(w(json!({"id": 1.5}))));
    malformed(list(w(json!({"score_state": null}))));
    let sleep = |v| block_on(Whoop::sleep(&Static(v), day("2026-11-20"), day("2026-11-21"), &c));
    let night = json!({"id": "s1", "start": "2026-11-20T21:48:30Z", "end": "2026-11-21T05:52:10Z",
        "score_state": "SCORED", "score": {"sleep_performance_percentage": 150}});
    malformed(sleep(json!({"records": [night]})));
    malformed(block_on(Whoop::athlete(&Static(json!({"user_id": true})), &c)));
    malformed(block_on(Whoop::activity(&Static(json!("x")), "ecfc6a15", &c)));
}

#[test]
fn a_next_token_that_never_changes_is_malformed_not_a_loop() {
    use serde_json::json;
    let looping = Static(json!({"records": [], "next_token": "again"}));
    let d = malformed(block_on(Whoop::sleep(&looping, day("2026-11-20"), day("2026-11-21"), &clock())));
    assert!(d.contains("repeats"), "{d}");
}
