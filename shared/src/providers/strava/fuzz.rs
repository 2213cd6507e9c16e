//! Fuzzing the Strava parsers: arbitrary JSON, and the fixtures with
//! members deleted or retyped, must give a value or an error, never a panic.

use proptest::prelude::*;
use serde_json::Value;
use time::UtcOffset;
use time::macros::offset;

use super::map;
use super::payload::{ActivityPayload, AthletePayload};
use super::{parse_stats, streams};
use crate::model::SportKind;
use crate::providers::api::decode;

const PLUS_ONE: UtcOffset = offset!(+1);

fn fixture(name: &str) -> Value {
    let path = format!("{}/../tests/fixtures/strava/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every parse path the client has, on one JSON value; results are ignored.
fn parse_everything(v: &Value) {
    if let Ok(p) = decode::<ActivityPayload>("strava", "f", v.clone()) {
        let _ = map::summary(&p, PLUS_ONE);
        let _ = map::activity(&p, Vec::new(), PLUS_ONE);
    }
    if let Ok(rows) = decode::<Vec<ActivityPayload>>("strava", "f", v.clone()) {
        for p in &rows {
            let _ = map::summary(p, PLUS_ONE);
        }
    }
    if let Ok(p) = decode::<AthletePayload>("strava", "f", v.clone()) {
        let _ = map::athlete(p);
    }
    if let Ok(raw) = streams::parse(v.clone()) {
        let z = streams::ZoneBounds { heartrate: vec![120.0, 150.0], power: vec![150.0] };
        let _ = streams::summarise(&raw, &SportKind::Run.into(), &z);
    }
    let _ = streams::zone_bounds(v.clone());
    let _ = parse_stats(v.clone());
}

const KEYS: &[&str] = &[
    "id",
    "id_str",
    "name",
    "type",
    "sport_type",
    "start_date",
    "start_date_local",
    "utc_offset",
    "distance",
    "moving_time",
    "elapsed_time",
    "average_cadence",
    "kilojoules",
    "calories",
    "manual",
    "laps",
    "splits_metric",
    "best_efforts",
    "lap_index",
    "split",
    "data",
    "heartrate",
    "time",
    "watts",
    "cadence",
    "zones",
    "min",
    "max",
    "heart_rate",
    "recent_run_totals",
    "count",
    "ftp",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop::sample::select(vec![
            "2026-11-20T06:31:07Z",
            "2026-11-20T07:31:07",
            "",
            "x",
            "Run",
            "1/2 mile",
            "9999-12-31T23:00:00Z",
            "-9999-01-01T00:00:00Z"
        ])
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8)
                .prop_map(|kv| { Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()) }),
        ]
    })
}

/// JSON pointers to every member and element of `v`.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{here}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{here}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

/// Deletes (when `replacement` is None) or retypes the member at `at`.
fn mutate(mut v: Value, at: &str, replacement: Option<Value>) -> Value {
    let (parent, last) = at.rsplit_once('/').unwrap_or(("", at));
    let last = last.replace("~1", "/").replace("~0", "~");
    if let Some(p) = v.pointer_mut(parent) {
        match (p, replacement) {
            (Value::Object(m), None) => {
                m.remove(&last);
            }
            (Value::Object(m), Some(r)) => {
                m.insert(last, r);
            }
            (Value::Array(a), r) => {
                if let Ok(i) = last.parse::<usize>()
                    && i < a.len()
                {
                    match r {
                        Some(r) => a[i] = r,
                        None => {
                            a.remove(i);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    v
}

const FILES: &[&str] = &[
    "v3_athlete.json",
    "v3_athlete_activities.json",
    "v3_athlete_activities@page=2.json",
    "v3_activities_12873645092.json",
    "v3_activities_12829876543.json",
    "v3_activities_12873645092_streams.json",
    "v3_athlete_zones.json",
    "v3_athletes_134815_stats.json",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        parse_everything(&v);
    }

    #[test]
    fn fixtures_with_a_member_deleted_or_retyped_never_panic(
        file in prop::sample::select(FILES),
        picks in prop::collection::vec((any::<prop::sample::Index>(), prop::option::of(leaf())), 1..4),
    ) {
        let mut v = fixture(file);
        for (index, replacement) in picks {
            let mut all = Vec::new();
            pointers(&v, String::new(), &mut all);
            if all.is_empty() {
                break;
            }
            let at = all[index.index(all.len())].clone();
            v = mutate(v, &at, replacement);
        }
        parse_everything(&v);
    }
}
