//! Arbitrary JSON, and the fixtures with fields deleted or retyped,
//! through every client method: errors are fine, panics are not.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::providers::api::ProviderApi;
use crate::providers::fixtures::testing::block_on;
use crate::providers::oura::Oura;

const FILES: &[&str] = &[
    "v2_usercollection_workout.json",
    "v2_usercollection_sleep.json",
    "v2_usercollection_daily_sleep.json",
    "v2_usercollection_daily_readiness.json",
    "v2_usercollection_daily_spo2.json",
    "v2_usercollection_heartrate.json",
    "v2_usercollection_personal_info.json",
];

const PATHS: &[&str] = &[
    "/v2/usercollection/workout",
    "/v2/usercollection/sleep",
    "/v2/usercollection/daily_sleep",
    "/v2/usercollection/daily_readiness",
    "/v2/usercollection/daily_spo2",
    "/v2/usercollection/heartrate",
    "/v2/usercollection/personal_info",
];

fn fixture(name: &str) -> Value {
    let path = format!("{}/../tests/fixtures/oura/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "[a-z0-9:+.T-]{0,24}".prop_map(Value::from),
        Just(json!("2026-11-20")),
        Just(json!("2026-11-20T07:00:00+01:00")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Runs every client method against one body per path; only panics fail.
fn run_all(routes: Vec<(&'static str, Value)>) {
    let f = JsonFetch { routes };
    let c = clock();
    let (from, to) = (day("2026-11-10"), day("2026-11-22"));
    let _ = block_on(Oura::athlete(&f, &c));
    let _ = block_on(Oura::activities(&f, &query(3), &c));
    let _ = block_on(Oura::sleep(&f, from, to, &c));
    let _ = block_on(Oura::recovery(&f, from, to, &c));
    let _ = block_on(Oura::activity(&f, "w1", &c));
}

/// Deletes (`None`) or retypes `field` in every record of a page, or in
/// a single document.
fn mutate(value: &mut Value, field: &str, replacement: Option<&Value>) {
    let apply = |t: &mut Value| {
        if let Value::Object(map) = t
            && map.contains_key(field)
        {
            match replacement {
                Some(v) => map.insert(field.to_owned(), v.clone()),
                None => map.remove(field),
            };
        }
    };
    match value.get_mut("data") {
        Some(Value::Array(items)) => items.iter_mut().for_each(apply),
        _ => apply(value),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(body in json_value(), data in proptest::collection::vec(json_value(), 0..4)) {
        run_all(PATHS.iter().map(|p| (*p, body.clone())).collect());
        let page = json!({"data": data, "next_token": null});
        run_all(PATHS.iter().map(|p| (*p, page.clone())).collect());
        let mut routes: Vec<_> = PATHS.iter().map(|p| (*p, page.clone())).collect();
        routes.push(("/v2/usercollection/workout/w1", body));
        run_all(routes);
    }

    #[test]
    fn fixtures_with_fields_deleted_or_retyped_never_panic(
        file in 0..FILES.len(),
        field in prop::sample::select(vec![
            "id", "day", "type", "score", "activity", "start_datetime", "end_datetime",
            "bedtime_start", "bedtime_end", "time_in_bed", "total_sleep_duration", "efficiency",
            "distance", "calories", "bpm", "timestamp", "source", "age", "temperature_deviation",
            "spo2_percentage", "lowest_heart_rate", "average_hrv", "next_token", "data", "label",
        ]),
        replacement in proptest::option::of(json_value()),
    ) {
        let mut routes: Vec<(&'static str, Value)> =
            PATHS.iter().zip(FILES).map(|(p, f)| (*p, fixture(f))).collect();
        // One workout document for `activity`.
        routes.push(("/v2/usercollection/workout/w1", fixture("v2_usercollection_workout.json")["data"][1].clone()));
        let target = &mut routes[file].1;
        mutate(target, field, replacement.as_ref());
        if let Value::Object(top) = target
            && (field == "next_token" || field == "data")
        {
            match &replacement {
                Some(v) => top.insert(field.to_owned(), v.clone()),
                None => top.remove(field),
            };
        }
        // The first page's token would loop back on itself here; drop it.
        for (_, body) in &mut routes {
            if body.get("next_token").is_some_and(Value::is_string) {
                body["next_token"] = Value::Null;
            }
        }
        run_all(routes);
    }
}
