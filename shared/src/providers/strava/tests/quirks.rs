//! One test per Strava quirk, and malformed shapes → `Malformed`.

use serde_json::{Value, json};
use time::macros::offset;

use super::*;

#[test]
fn quirk_start_date_local_gives_the_local_offset() {
    // Central Park: 12:02Z, wall clock 07:02 → −05:00, agreeing with utc_offset −18000.
    let s = summary_of(row("v3_athlete_activities@page=2.json", "12812345678"));
    assert_eq!(s.start_time.to_string(), "2026-11-10T07:02:00-05:00");
    assert_eq!(s.start_time.unix(), at("2026-11-10T12:02:00Z").unix());
    // When utc_offset disagrees, the difference of the two dates wins.
    let mut v = row("v3_athlete_activities@page=2.json", "12812345678");
    v["utc_offset"] = json!(3600.0);
    assert_eq!(summary_of(v.clone()).start_time.to_string(), "2026-11-10T07:02:00-05:00");
    // Without start_date_local, utc_offset is used; without both, the clock's offset.
    v.as_object_mut().unwrap().remove("start_date_local");
    assert_eq!(summary_of(v.clone()).start_time.to_string(), "2026-11-10T13:02:00+01:00");
    v["utc_offset"] = Value::Null;
    let s = map::summary(&payload(v), offset!(+2)).unwrap();
    assert_eq!(s.start_time.to_string(), "2026-11-10T14:02:00+02:00");
}

#[test]
fn quirk_sport_type_preferred_over_type_unknown_kept() {
    let page1 = "v3_athlete_activities.json";
    // sport_type GravelRide beats type Ride.
    assert_eq!(summary_of(row(page1, "9007199254740993")).sport, SportKind::GravelRide.into());
    // Unknown to Pierre: kept verbatim.
    assert_eq!(summary_of(row(page1, "12851234567")).sport, SportType::Other("Pickleball".into()));
    // sport_type null: type Run.
    let legacy = summary_of(row("v3_athlete_activities@page=2.json", "12819000111"));
    assert_eq!(legacy.sport, SportKind::Run.into());
    assert_eq!(map::sport(None, None), SportType::Other("Unknown".into()));
    assert_eq!(map::sport(Some(""), Some("WeightTraining")), SportKind::Strength.into());
}

#[test]
fn quirk_ids_beyond_2_pow_53_stay_exact() {
    let f = FixtureFetch::new("strava");
    let p = block_on(Strava::activities(&f, &query(4), &clock())).unwrap();
    // 2^54 + 1 and 2^53 + 1: both would change through an f64.
    assert_eq!(p.activities[0].id, "18014398509481985");
    assert_eq!(p.activities[2].id, "9007199254740993");
}

#[test]
fn quirk_float_durations_are_whole_seconds() {
    // Treadmill: moving_time 2400.0, elapsed_time 2460.0.
    let s = summary_of(row("v3_athlete_activities@page=2.json", "12819000111"));
    assert_eq!((s.moving_time_s, s.elapsed_time_s), (2_400, 2_460));
    let mut v = row("v3_athlete_activities.json", "12873645092");
    assert_eq!(v["moving_time"], json!(3125.0));
    assert_eq!(summary_of(v.clone()).moving_time_s, 3_125);
    v["moving_time"] = json!(3125.4);
    assert_eq!(summary_of(v.clone()).moving_time_s, 3_125);
    v["moving_time"] = json!(-1.0);
    assert!(matches!(map::summary(&payload(v), PLUS_ONE), Err(ApiError::Malformed { .. })));
}

#[test]
fn quirk_absent_and_null_fields_mean_the_same() {
    let mut v = row("v3_athlete_activities@page=2.json", "12838765432");
    // The swim has no cadence, no HR (has_heartrate false), no energy.
    let absent = summary_of(v.clone());
    assert_eq!(absent.average_cadence_per_min, None);
    assert_eq!(absent.average_heartrate_bpm, None);
    assert_eq!(absent.energy_j, None);
    for k in ["average_cadence", "average_heartrate", "kilojoules", "calories", "average_watts"] {
        v[k] = Value::Null;
    }
    assert_eq!(summary_of(v.clone()), absent);
    // No moving_time: the elapsed time stands in; no name: empty.
    let obj = v.as_object_mut().unwrap();
    obj.remove("moving_time");
    obj.remove("name");
    let s = summary_of(v);
    assert_eq!((s.moving_time_s, s.elapsed_time_s, s.name.as_str()), (3_010, 3_010, ""));
    // Ride without a heart-rate monitor: has_heartrate false hides stray values.
    let mut ride = row("v3_athlete_activities.json", "9007199254740993");
    ride["average_heartrate"] = json!(0.0);
    assert_eq!(summary_of(ride).average_heartrate_bpm, None);
}

#[test]
fn quirk_str_id_twins_are_preferred() {
    let mut v = row("v3_athlete_activities.json", "12873645092");
    // A JavaScript-rounded number beside the exact string.
    v["id"] = json!(18014398509481984u64);
    v["id_str"] = json!("18014398509481985");
    assert_eq!(summary_of(v.clone()).id, "18014398509481985");
    v.as_object_mut().unwrap().remove("id");
    assert_eq!(summary_of(v).id, "18014398509481985");
    let a: AthletePayload = decode("strava", "t", json!({"id": 1.0, "id_str": "98765432109876543"})).unwrap();
    assert_eq!(map::athlete(a).unwrap().id, "98765432109876543");
}

#[test]
fn quirk_summary_and_detailed_representations() {
    let summary_row = row("v3_athlete_activities.json", "12873645092");
    let from_summary = map::activity(&payload(summary_row), Vec::new(), PLUS_ONE).unwrap();
    assert!(from_summary.laps.is_empty() && from_summary.splits.is_empty() && from_summary.best_efforts.is_empty());
    assert_eq!(from_summary.description, None);
    let detailed = map::activity(&payload(fixture("v3_activities_12873645092.json")), Vec::new(), PLUS_ONE).unwrap();
    assert_eq!((detailed.laps.len(), detailed.splits.len(), detailed.best_efforts.len()), (2, 11, 7));
    // The detailed form adds calories; everything else in the summary agrees.
    let mut head = detailed.summary.clone();
    head.energy_j = None;
    assert_eq!(head, from_summary.summary);
}

#[test]
fn quirk_energy_from_kilojoules_or_calories() {
    // Gravel ride: 925.9 kJ → 925 900 J (171.4 W × 5402 s ≈ 925.9 kJ).
    assert_eq!(summary_of(row("v3_athlete_activities.json", "9007199254740993")).energy_j, Some(925_900.0));
    // Detailed run: no kJ, 702 kcal × 4184 = 2 937 168 J.
    let run = map::summary(&payload(fixture("v3_activities_12873645092.json")), PLUS_ONE).unwrap();
    assert_eq!(run.energy_j, Some(2_937_168.0));
    // Both: kJ wins.
    let mut v = row("v3_athlete_activities.json", "9007199254740993");
    v["calories"] = json!(1000.0);
    assert_eq!(summary_of(v).energy_j, Some(925_900.0));
    // Summary run: neither.
    assert_eq!(summary_of(row("v3_athlete_activities.json", "12873645092")).energy_j, None);
}

#[test]
fn quirk_run_cadence_is_per_leg_and_doubled() {
    // 86.3 strides/min × 2 = 172.6 steps/min.
    assert_eq!(summary_of(row("v3_athlete_activities.json", "12873645092")).average_cadence_per_min, Some(172.6));
    // 84.5 × 2 = 169.
    assert_eq!(
        summary_of(row("v3_athlete_activities@page=2.json", "12812345678")).average_cadence_per_min,
        Some(169.0)
    );
    // A ride's 82 rpm is not doubled.
    assert_eq!(summary_of(row("v3_athlete_activities.json", "9007199254740993")).average_cadence_per_min, Some(82.0));
    assert!(map::per_leg_cadence(&SportType::Other("VirtualRun".into())));
}

#[test]
fn quirk_estimated_power_is_left_out() {
    let mut v = row("v3_athlete_activities.json", "9007199254740993");
    v["device_watts"] = json!(false);
    let s = summary_of(v);
    assert_eq!((s.average_power_w, s.max_power_w), (None, None));
    assert_eq!(s.energy_j, Some(925_900.0), "kJ is still Strava's estimate of work");
}

#[test]
fn quirk_manual_activity_without_streams() {
    let f = FixtureFetch::new("strava");
    let a = block_on(Strava::activity(&f, "12829876543", &clock())).unwrap();
    assert_eq!(a.summary.sport, SportKind::Strength.into());
    assert_eq!(a.summary.start_time.to_string(), "2026-11-12T18:30:00+01:00");
    // Manual zeros are "not recorded".
    assert_eq!((a.summary.distance_m, a.summary.elevation_gain_m), (None, None));
    assert_eq!((a.summary.average_speed_mps, a.summary.max_speed_mps), (None, None));
    assert_eq!((a.summary.moving_time_s, a.summary.elapsed_time_s), (2_700, 2_700));
    // 310 kcal × 4184 = 1 297 040 J.
    assert_eq!(a.summary.energy_j, Some(1_297_040.0));
    assert_eq!(a.description.as_deref(), Some("Squats, deadlifts, lunges."));
    assert!(a.streams.is_empty() && a.laps.is_empty() && a.splits.is_empty());
    // The streams 404 is tolerated; no zones request without HR or power.
    let r = f.requests();
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].path, "/activities/12829876543/streams");
}

fn is_malformed<T: std::fmt::Debug>(r: Result<T, ApiError>) -> bool {
    match r {
        Err(ApiError::Malformed { provider, detail }) => provider == "strava" && !detail.is_empty(),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn bad_shapes_are_malformed_not_panics() {
    let summary = |v: Value| decode::<ActivityPayload>("strava", "a", v).and_then(|p| map::summary(&p, PLUS_ONE));
    let good = row("v3_athlete_activities.json", "12873645092");
    let with = |k: &str, val: Value| {
        let mut v = good.clone();
        v[k] = val;
        v
    };
    let without = |k: &str| {
        let mut v = good.clone();
        v.as_object_mut().unwrap().remove(k);
        v
    };
    assert!(is_malformed(summary(without("id"))));
    assert!(is_malformed(summary(without("start_date"))));
    assert!(is_malformed(summary(without("elapsed_time"))));
    assert!(is_malformed(summary(with("start_date", json!("yesterday")))));
    assert!(is_malformed(summary(with("start_date_local", json!("07:31")))));
    assert!(is_malformed(summary(with("distance", json!("10 km")))));
    assert!(is_malformed(summary(with("id", json!(1.5)))));
    assert!(is_malformed(summary(with("elapsed_time", json!(1e12)))));
    assert!(is_malformed(summary(json!([1, 2]))));
    let mut edge = with("start_date", json!("9999-12-31T23:00:00Z"));
    edge["start_date_local"] = Value::Null;
    edge["utc_offset"] = json!(7200.0);
    assert!(is_malformed(summary(edge)), "local time past year 9999");
    let detailed =
        |v: Value| decode::<ActivityPayload>("strava", "a", v).and_then(|p| map::activity(&p, Vec::new(), PLUS_ONE));
    let mut d = fixture("v3_activities_12873645092.json");
    d["laps"] = json!({"lap": 1});
    assert!(is_malformed(detailed(d.clone())));
    d["laps"] = json!([{"start_date": "2026-11-20T05:00:00Z", "elapsed_time": 10}]);
    assert!(is_malformed(detailed(d.clone())), "a lap before the start");
    d["laps"] = json!([]);
    d["splits_metric"] = json!([{"split": 1}]);
    assert!(is_malformed(detailed(d)), "a split without distance");
    let athlete = |v: Value| decode::<AthletePayload>("strava", "a", v).and_then(map::athlete);
    assert!(is_malformed(athlete(json!({"firstname": "No Id"}))));
    assert!(is_malformed(athlete(json!("134815"))));
    assert!(is_malformed(streams::zone_bounds(json!([]))));
    assert!(is_malformed(parse_stats(json!({"recent_run_totals": {"count": -2}}))));
    assert!(is_malformed(parse_stats(json!({"recent_run_totals": []}))));
    // Through the client: a list that is not a list.
    struct Body(Value);
    impl crate::providers::api::Fetch for Body {
        async fn get(&self, _: Request) -> Result<Value, ApiError> {
            Ok(self.0.clone())
        }
    }
    assert!(is_malformed(block_on(Strava::activities(&Body(json!({"activities": []})), &query(4), &clock()))));
    assert!(is_malformed(block_on(Strava::activity(&Body(json!([])), "1", &clock()))));
}
