//! Property tests: no input, however odd, makes the client panic.
//!
//! Arbitrary JSON (objects keyed mostly by the field names Fitbit uses, so
//! the generator reaches past the first shape check), and the fixtures with
//! one field deleted or replaced by arbitrary JSON, go through every parse
//! function and every API method; only a panic fails.

use proptest::prelude::*;
use serde_json::Value;

use super::tests::{SameFetch, clock, day};
use super::{Fitbit, map, paging};
use crate::model::SportKind;
use crate::providers::api::{ActivityQuery, ProviderApi};
use crate::providers::fixtures::testing::block_on;

const LIST: &str = "/1/user/-/activities/list.json";

const FIXTURES: &[&str] = &[
    include_str!("../../../../tests/fixtures/fitbit/1_user_-_profile.json"),
    include_str!("../../../../tests/fixtures/fitbit/1_user_-_activities_list.json"),
    include_str!("../../../../tests/fixtures/fitbit/1_user_-_activities_list@offset=6.json"),
    include_str!("../../../../tests/fixtures/fitbit/1_user_-_activities_58934810233.json"),
    include_str!("../../../../tests/fixtures/fitbit/1.2_user_-_sleep_date_2026-11-10_2026-11-22.json"),
    include_str!("../../../../tests/fixtures/fitbit/1_user_-_activities_heart_date_2026-11-10_2026-11-22.json"),
    include_str!("../../../../tests/fixtures/fitbit/1_user_-_hrv_date_2026-11-10_2026-11-22.json"),
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON has no NaN", |f| f.is_finite()).prop_map(Value::from),
        "[ -~]{0,24}".prop_map(Value::String),
        prop::sample::select(vec![
            "2026-11-21T23:12:30.000",
            "2026-11-20T07:31:07.000+01:00",
            "2026-11-22",
            "Mile",
            "https://evil.example/1/user/-/activities/list.json?offset=3&beforeDate=2026-11-23",
            "-1e400",
        ])
        .prop_map(Value::from),
    ];
    let key = prop::sample::select(vec![
        "user",
        "encodedId",
        "weight",
        "height",
        "dateOfBirth",
        "offsetFromUTCMillis",
        "activities",
        "pagination",
        "next",
        "logId",
        "startTime",
        "duration",
        "activeDuration",
        "distance",
        "distanceUnit",
        "calories",
        "activityLog",
        "sleep",
        "dateOfSleep",
        "endTime",
        "levels",
        "summary",
        "deep",
        "minutes",
        "timeInBed",
        "minutesAsleep",
        "isMainSleep",
        "efficiency",
        "activities-heart",
        "dateTime",
        "value",
        "restingHeartRate",
        "hrv",
        "dailyRmssd",
        "x",
    ]);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// Every JSON pointer in `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

/// Removes or replaces the value at `pointer`.
fn mutate(v: &mut Value, pointer: &str, replacement: Option<Value>) {
    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let last = last.replace("~1", "/").replace("~0", "~");
    match (v.pointer_mut(parent), replacement) {
        (Some(Value::Object(map)), None) => {
            map.remove(&last);
        }
        (Some(Value::Array(items)), None) => {
            if let Ok(i) = last.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        (Some(_), Some(new)) => {
            if let Some(slot) = v.pointer_mut(pointer) {
                *slot = new;
            }
        }
        _ => {}
    }
}

/// Runs every parser and every API method on one body; only panics matter.
fn exercise(body: Value) {
    let c = clock();
    let (from, to) = (day("2026-11-10"), day("2026-11-22"));
    let _ = map::athlete(body.clone(), None);
    let _ = map::profile_offset(body.clone());
    let _ = map::latest_resting(body.clone());
    if let Ok(list) = map::list(body.clone()) {
        for log in &list.activities {
            let _ = map::summary(log, c.offset);
        }
        if let Some(next) = list.pagination.and_then(|p| p.next) {
            let _ = paging::next_page(&next);
        }
    }
    let _ = map::activity(body.clone(), c.offset);
    let _ = map::sleep(vec![body.clone()], from, to, c.offset);
    let _ = map::recovery(vec![body.clone()], vec![body.clone()], from, to);
    let f = SameFetch(body);
    let q = ActivityQuery { from: Some(from), sport: Some(SportKind::Run), limit: 5, ..ActivityQuery::default() };
    block_on(async {
        let _ = Fitbit::athlete(&f, &c).await;
        let _ = Fitbit::activities(&f, &q, &c).await;
        let _ = Fitbit::activity(&f, "58934810233", &c).await;
        let _ = Fitbit::sleep(&f, from, to, &c).await;
        let _ = Fitbit::recovery(&f, from, to, &c).await;
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_json_never_panics(body in arb_json()) {
        exercise(body);
    }

    #[test]
    fn fixtures_with_a_field_deleted_or_retyped_never_panic(
        which in 0..FIXTURES.len(),
        at in any::<prop::sample::Index>(),
        replacement in prop::option::of(arb_json()),
    ) {
        let mut body: Value = serde_json::from_str(FIXTURES[which]).unwrap();
        let mut all = Vec::new();
        pointers(&body, String::new(), &mut all);
        if !all.is_empty() {
            let pointer = all[at.index(all.len())].clone();
            mutate(&mut body, &pointer, replacement);
        }
        exercise(body);
    }

    #[test]
    fn arbitrary_cursors_are_refused_or_stay_on_the_list(cursor in "[ -~]{0,80}") {
        if let Ok(r) = paging::decode_cursor(&cursor) {
            prop_assert_eq!(r.path, LIST);
        }
        let hexed = format!("fb1.{}", hex::encode(&cursor));
        if let Ok(r) = paging::decode_cursor(&hexed) {
            prop_assert_eq!(r.path, LIST);
        }
    }
}
