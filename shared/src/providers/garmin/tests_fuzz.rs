//! Property tests: no JSON, however odd, makes a parser panic.
//!
//! Two sources: arbitrary JSON built from Garmin's own field names (so the
//! generator reaches nested shapes), and the real fixtures with one field
//! deleted or replaced by arbitrary JSON.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::activity::{activity_from, summaries_from};
use super::athlete::athlete_from;
use super::tests::{clock, day};
use super::wellness::{recovery_from, session_from};

const KEYS: &[&str] = &[
    "activityId",
    "activityName",
    "activityType",
    "activityTypeDTO",
    "typeKey",
    "startTimeLocal",
    "startTimeGMT",
    "beginTimestamp",
    "distance",
    "duration",
    "movingDuration",
    "elapsedDuration",
    "averageHR",
    "maxHR",
    "calories",
    "summaryDTO",
    "lapDTOs",
    "lapIndex",
    "dailySleepDTO",
    "id",
    "sleepStartTimestampGMT",
    "sleepEndTimestampGMT",
    "sleepStartTimestampLocal",
    "sleepTimeSeconds",
    "deepSleepSeconds",
    "sleepScores",
    "overall",
    "value",
    "calendarDate",
    "hrvSummary",
    "lastNightAvg",
    "score",
    "timestamp",
    "inputContext",
    "userData",
    "weight",
    "birthDate",
    "profileId",
    "displayName",
    "lactateThresholdSpeed",
    "x",
];

const STRINGS: &[&str] = &[
    "2026-11-20 07:31:07",
    "2026-11-20T06:31:07.0",
    "2026-11-20",
    "9999-12-31 23:59:59",
    "0000-01-01T00:00:00",
    "running",
    "AFTER_WAKEUP_RESET",
    "",
    "é",
    "12345678901234567890",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![Just(1.795156267e12), Just(3125.482000000001), Just(-0.5), Just(1e300)].prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())
            }),
        ]
    })
}

/// Runs every parser on the values; they may fail, never panic.
fn parse_all(a: &Value, b: &Value, c: &Value) {
    let clock = clock();
    let d = day("2026-11-20");
    let _ = summaries_from(a.clone(), &clock);
    let _ = summaries_from(Value::Array(vec![a.clone()]), &clock);
    let _ = activity_from(a.clone(), b.clone(), "1", &clock);
    let _ = session_from(a.clone(), d, &clock);
    let _ = recovery_from(a.clone(), b.clone(), c.clone(), d);
    let _ = athlete_from(a.clone(), b.clone());
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/../tests/fixtures/garmin/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

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

/// The fixture with the field at (index mod count) deleted (`None`) or replaced.
fn mutate(mut v: Value, index: usize, with: Option<Value>) -> Value {
    let mut all = Vec::new();
    pointers(&v, String::new(), &mut all);
    let Some(target) = all.get(index % all.len().max(1)).cloned() else {
        return v;
    };
    match with {
        Some(new) => {
            if let Some(slot) = v.pointer_mut(&target) {
                *slot = new;
            }
        }
        None => {
            let (parent, last) = target.rsplit_once('/').unwrap_or(("", ""));
            match v.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < items.len()
                    {
                        items.remove(i);
                    }
                }
                _ => {}
            }
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(a in json_value(), b in json_value(), c in json_value()) {
        parse_all(&a, &b, &c);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..6,
        index in any::<usize>(),
        with in prop::option::of(json_value()),
    ) {
        let clock = clock();
        let d = day("2026-11-21");
        match which {
            0 => {
                let list = mutate(fixture("activitylist-service_activities_search_activities.json"), index, with);
                let _ = summaries_from(list, &clock);
            }
            1 => {
                let detail = mutate(fixture("activity-service_activity_21954321987.json"), index, with);
                let _ = activity_from(detail, fixture("activity-service_activity_21954321987_splits.json"), "1", &clock);
            }
            2 => {
                let splits = mutate(fixture("activity-service_activity_21954321987_splits.json"), index, with);
                let _ = activity_from(fixture("activity-service_activity_21954321987.json"), splits, "1", &clock);
            }
            3 => {
                let sleep = mutate(fixture("wellness-service_wellness_dailySleepData_pierre-runner@date=2026-11-21.json"), index, with);
                let _ = session_from(sleep.clone(), d, &clock);
                let _ = recovery_from(sleep, Value::Null, Value::Null, d);
            }
            4 => {
                let hrv = mutate(fixture("hrv-service_hrv_2026-11-21.json"), index, with.clone());
                let ready = mutate(fixture("metrics-service_metrics_trainingreadiness_2026-11-13.json"), index, with);
                let _ = recovery_from(Value::Null, hrv, ready, d);
            }
            _ => {
                let settings = mutate(fixture("userprofile-service_userprofile_user-settings.json"), index, with);
                let _ = athlete_from(fixture("userprofile-service_socialProfile.json"), settings);
            }
        }
    }
}

#[test]
fn the_mutator_deletes_and_replaces() {
    let v = json!({"a": {"b": [1, 2]}});
    // Pointers in order: /a, /a/b, /a/b/0, /a/b/1.
    assert_eq!(mutate(v.clone(), 2, None), json!({"a": {"b": [2]}}));
    assert_eq!(mutate(v.clone(), 1, Some(json!("x"))), json!({"a": {"b": "x"}}));
    assert_eq!(mutate(v, 0, None), json!({}));
}
