//! Personal records: the fastest time over each standard running distance
//! and the longest activity per sport.
//!
//! Sources, best first: the provider's best efforts (the fastest stretch
//! anywhere in an activity, from its streams); whole-kilometre splits (the
//! fastest kilometre between two kilometre marks, so the true best 1 km may
//! be faster); a whole activity a little longer than the distance, timed
//! pro rata (approximate: it assumes an even pace).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::activity::round_to;
use crate::model::{Activity, LocalDate, SportKind};

/// Where a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordSource {
    BestEffort,
    Split,
    WholeActivity,
}

/// One record. Effort records carry `time_s`; `longest` records carry
/// only the distance and time of the whole activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Record {
    /// `5k`, `1k`, ... or `longest`.
    pub name: String,
    pub sport: String,
    pub distance_m: f64,
    pub time_s: u32,
    pub activity_id: String,
    pub date: LocalDate,
    pub source: RecordSource,
    pub approximate: bool,
}

/// Distances a whole activity may stand in for when no best effort has one.
const STANDARD: &[(&str, f64)] =
    &[("1k", 1000.0), ("5k", 5000.0), ("10k", 10_000.0), ("half_marathon", 21_097.5), ("marathon", 42_195.0)];

/// A whole activity counts for a distance if it is at most this much longer.
const PRO_RATA_SLACK: f64 = 1.05;

fn better(current: Option<&Record>, candidate: &Record) -> bool {
    current
        .is_none_or(|c| (candidate.approximate, candidate.time_s, &candidate.date) < (c.approximate, c.time_s, &c.date))
}

/// The records in `activities`: efforts first (shortest distance first),
/// then the longest activity of each sport.
pub fn personal_records(activities: &[Activity]) -> Vec<Record> {
    let mut efforts: BTreeMap<(String, u64), Record> = BTreeMap::new();
    let mut longest: BTreeMap<String, Record> = BTreeMap::new();
    let mut offer = |r: Record| {
        let key = (r.name.clone(), (r.distance_m * 10.0) as u64);
        if better(efforts.get(&key), &r) {
            efforts.insert(key, r);
        }
    };
    for a in activities {
        let s = &a.summary;
        let date = s.start_time.local_date();
        let sport = s.sport.to_string();
        let base = |name: &str, distance_m: f64, time_s: u32, source, approximate| Record {
            name: name.to_owned(),
            sport: sport.clone(),
            distance_m,
            time_s,
            activity_id: s.id.clone(),
            date,
            source,
            approximate,
        };
        for e in &a.best_efforts {
            offer(base(&e.name, e.distance_m, e.elapsed_time_s, RecordSource::BestEffort, false));
        }
        for split in a.splits.iter().filter(|x| x.distance_m >= 999.5) {
            // Approximate as a 1 km record: only kilometre-aligned stretches count.
            offer(base("1k", 1000.0, split.elapsed_time_s, RecordSource::Split, true));
        }
        if let Some(d) = s.distance_m.filter(|d| *d > 0.0) {
            let running = matches!(s.sport.kind(), Some(SportKind::Run | SportKind::TrailRun));
            if running && a.best_efforts.is_empty() {
                for (name, target) in STANDARD.iter().filter(|(_, t)| d >= *t && d <= t * PRO_RATA_SLACK) {
                    let time = f64::from(s.moving_time_s) * target / d;
                    offer(base(name, *target, time.round() as u32, RecordSource::WholeActivity, true));
                }
            }
            let long = base("longest", round_to(d, 1), s.moving_time_s, RecordSource::WholeActivity, false);
            if longest.get(&sport).is_none_or(|c| d > c.distance_m) {
                longest.insert(sport.clone(), long);
            }
        }
    }
    let mut out: Vec<Record> = efforts.into_values().collect();
    out.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then_with(|| a.name.cmp(&b.name)));
    // An exact best effort beats an approximate split or whole-activity
    // value of the same distance; keep one row per distance.
    out.dedup_by(|b, a| a.distance_m == b.distance_m);
    out.extend(longest.into_values());
    out
}

#[cfg(test)]
mod tests {
    use super::super::load::tests::summary;
    use super::*;
    use crate::model::{BestEffort, Split, Timestamp};

    fn run(id: &str, when: &str, km: f64, secs: u32) -> Activity {
        let mut s = summary(SportKind::Run, secs);
        s.id = id.into();
        s.start_time = Timestamp::parse(when).unwrap();
        s.distance_m = Some(km * 1000.0);
        Activity { summary: s, description: None, laps: vec![], splits: vec![], best_efforts: vec![], streams: vec![] }
    }

    #[test]
    fn best_efforts_beat_splits_and_pro_rata_estimates() {
        let mut a = run("a", "2025-10-01T08:00:00+01:00", 10.2, 3060);
        a.best_efforts =
            vec![BestEffort { name: "5k".into(), distance_m: 5000.0, elapsed_time_s: 1480, start_offset_s: 0 }];
        a.splits = vec![Split {
            index: 1,
            distance_m: 1000.0,
            moving_time_s: 290,
            elapsed_time_s: 290,
            average_speed_mps: 3.45,
            elevation_change_m: None,
            average_heartrate_bpm: None,
        }];
        // No best efforts here: 5.1 km in 1530 s stands in for 5k at 1500 s.
        let b = run("b", "2025-11-01T08:00:00+01:00", 5.1, 1530);
        let r = personal_records(&[a, b]);
        let five = r.iter().find(|x| x.name == "5k").unwrap();
        assert_eq!((five.time_s, five.source, five.approximate), (1480, RecordSource::BestEffort, false));
        let one = r.iter().find(|x| x.name == "1k").unwrap();
        assert_eq!((one.time_s, one.source, one.approximate), (290, RecordSource::Split, true));
        let longest = r.iter().find(|x| x.name == "longest").unwrap();
        assert_eq!((longest.activity_id.as_str(), longest.distance_m), ("a", 10_200.0));
        assert!(r.iter().all(|x| x.name != "10k"), "10.2 km in 51 min is no 10k best effort");
    }

    #[test]
    fn a_pro_rata_estimate_is_marked_approximate_and_runs_only() {
        let mut ride = run("r", "2025-11-02T08:00:00+01:00", 42.5, 4700);
        ride.summary.sport = SportKind::VirtualRide.into();
        let r = personal_records(&[run("b", "2025-11-01T08:00:00+01:00", 5.1, 1530), ride]);
        assert!(r.iter().all(|x| x.name != "marathon"), "a 42.5 km ride is no marathon");
        let five = r.iter().find(|x| x.name == "5k").unwrap();
        assert_eq!((five.time_s, five.source, five.approximate), (1500, RecordSource::WholeActivity, true));
    }
}
