//! Arbitrary JSON, and the fixtures with fields deleted or retyped, through
//! every WHOOP entry point: any answer is fine, a panic is not.

use proptest::prelude::*;
use serde_json::{Map, Value};
use time::macros::offset;

use super::Whoop;
use super::tests::Static;
use crate::model::LocalDate;
use crate::providers::api::{ActivityQuery, Clock, ProviderApi};
use crate::providers::fixtures::testing::block_on;

fn clock() -> Clock {
    Clock { today: LocalDate::parse("2026-11-22").unwrap(), offset: offset!(+1) }
}

/// Runs every entry point on `body`; panics are the only failure.
fn exercise(body: Value) {
    let f = Static(body);
    let c = clock();
    let (from, to) = (LocalDate::parse("2026-11-10").unwrap(), c.today);
    let q = ActivityQuery { from: Some(from), to: Some(to), limit: 25, ..ActivityQuery::default() };
    let _ = block_on(Whoop::athlete(&f, &c));
    let _ = block_on(Whoop::activities(&f, &q, &c));
    let _ = block_on(Whoop::activity(&f, "ecfc6a15-4661-442f-a9a4-f160dd7afae8", &c));
    let _ = block_on(Whoop::activity(&f, "1043", &c));
    let _ = block_on(Whoop::sleep(&f, from, to, &c));
    let _ = block_on(Whoop::recovery(&f, from, to, &c));
}

/// Scalars WHOOP payloads are made of, with the awkward ones favoured.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            Just("SCORED"),
            Just("PENDING_SCORE"),
            Just("UNSCORABLE"),
            Just("2026-11-20T06:31:07.000Z"),
            Just("9999-12-31T23:59:59Z"),
            Just("+01:00"),
            Just("-25:00"),
            Just("running"),
            Just(""),
        ]
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ]
}

/// Field names WHOOP uses, so random objects hit the parsers' paths.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "records",
            "next_token",
            "id",
            "user_id",
            "start",
            "end",
            "timezone_offset",
            "sport_name",
            "sport_id",
            "score_state",
            "score",
            "nap",
            "cycle_id",
            "sleep_id",
            "stage_summary",
            "kilojoule",
            "distance_meter",
            "recovery_score",
            "strain",
            "v2_activity_id",
            "total_in_bed_time_milli",
            "sleep_efficiency_percentage",
            "max_heart_rate",
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,8}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const FIXTURES: &[&str] = &[
    include_str!("../../../../tests/fixtures/whoop/v2_activity_workout.json"),
    include_str!("../../../../tests/fixtures/whoop/v2_activity_workout@nextToken=wk-page-3.json"),
    include_str!("../../../../tests/fixtures/whoop/v2_activity_sleep.json"),
    include_str!("../../../../tests/fixtures/whoop/v2_cycle.json"),
    include_str!("../../../../tests/fixtures/whoop/v2_recovery.json"),
    include_str!("../../../../tests/fixtures/whoop/v2_user_profile_basic.json"),
    include_str!("../../../../tests/fixtures/whoop/v2_user_measurement_body.json"),
    include_str!("../../../../tests/fixtures/whoop/v2_activity_workout_ecfc6a15-4661-442f-a9a4-f160dd7afae8.json"),
];

/// Every JSON pointer below the root.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| {
            let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            out.push(p.clone());
            pointers(c, p, out);
        }),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| {
            let p = format!("{at}/{i}");
            out.push(p.clone());
            pointers(c, p, out);
        }),
        _ => {}
    }
}

/// Deletes (`None`) or replaces the value at `pointer`.
fn mutate(doc: &mut Value, pointer: &str, with: Option<Value>) {
    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let last = last.replace("~1", "/").replace("~0", "~");
    match (doc.pointer_mut(parent), with) {
        (Some(Value::Object(m)), None) => {
            m.remove(&last);
        }
        (Some(Value::Array(a)), None) => {
            if let Ok(i) = last.parse::<usize>()
                && i < a.len()
            {
                a.remove(i);
            }
        }
        (_, Some(v)) => {
            if let Some(slot) = doc.pointer_mut(pointer) {
                *slot = v;
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(body in json()) {
        exercise(body);
    }

    #[test]
    fn fixtures_with_fields_deleted_or_retyped_never_panic(
        which in 0..FIXTURES.len(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), prop::option::of(json())), 1..4),
    ) {
        let mut doc: Value = serde_json::from_str(FIXTURES[which]).unwrap();
        for (index, with) in picks {
            let mut all = Vec::new();
            pointers(&doc, String::new(), &mut all);
            if all.is_empty() {
                break;
            }
            let p = all[index.index(all.len())].clone();
            mutate(&mut doc, &p, with);
        }
        exercise(doc);
    }
}
