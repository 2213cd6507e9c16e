//! Two date ranges side by side: the change in volume, time and load,
//! overall and per sport, as differences and percentages.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::summary::{RangeSummary, SportLine};
use crate::model::activity::round_to;

/// `period` minus `baseline`; percentages are relative to the baseline and
/// absent when the baseline is zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Change {
    /// `all`, or a sport.
    pub sport: String,
    pub activities: i64,
    pub distance_m: f64,
    pub moving_time_s: i64,
    pub load: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_pct: Option<f64>,
}

fn pct(new: f64, old: f64) -> Option<f64> {
    (old != 0.0).then(|| round_to((new - old) / old * 100.0, 1))
}

fn change(sport: &str, new: &SportLine, old: &SportLine) -> Change {
    Change {
        sport: sport.to_owned(),
        activities: i64::from(new.activities) - i64::from(old.activities),
        distance_m: round_to(new.distance_m - old.distance_m, 1),
        moving_time_s: new.moving_time_s as i64 - old.moving_time_s as i64,
        load: round_to(new.load - old.load, 1),
        distance_pct: pct(new.distance_m, old.distance_m),
        time_pct: pct(new.moving_time_s as f64, old.moving_time_s as f64),
        load_pct: pct(new.load, old.load),
    }
}

/// The overall change first (`sport: "all"`), then every sport seen in
/// either range, in the period's order, then the baseline's.
pub fn compare(period: &RangeSummary, baseline: &RangeSummary) -> Vec<Change> {
    let total = |r: &RangeSummary| SportLine {
        sport: "all".into(),
        activities: r.activities,
        distance_m: r.distance_m,
        moving_time_s: r.moving_time_s,
        load: r.load,
    };
    let mut out = vec![change("all", &total(period), &total(baseline))];
    let mut sports: Vec<&str> = period.by_sport.iter().map(|s| s.sport.as_str()).collect();
    for s in &baseline.by_sport {
        if !sports.contains(&s.sport.as_str()) {
            sports.push(&s.sport);
        }
    }
    let find =
        |r: &RangeSummary, sport: &str| r.by_sport.iter().find(|s| s.sport == sport).cloned().unwrap_or_default();
    for sport in sports {
        out.push(change(sport, &find(period, sport), &find(baseline, sport)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::load::tests::summary;
    use super::super::summary::summarise;
    use super::*;
    use crate::model::{LocalDate, SportKind, Timestamp};
    use proptest::prelude::*;

    fn day(s: &str) -> LocalDate {
        LocalDate::parse(s).unwrap()
    }

    #[test]
    fn a_month_against_the_one_before() {
        let mk = |when: &str, sport, km: f64, secs| {
            let mut a = summary(sport, secs);
            a.start_time = Timestamp::parse(when).unwrap();
            a.distance_m = Some(km * 1000.0);
            a
        };
        let acts = [
            (mk("2025-10-05T08:00:00+01:00", SportKind::Run, 10.0, 3000), 50.0),
            (mk("2025-11-05T08:00:00+01:00", SportKind::Run, 12.0, 3600), 60.0),
            (mk("2025-11-06T08:00:00+01:00", SportKind::Ride, 40.0, 5400), 80.0),
        ];
        let items = || acts.iter().map(|(a, l)| (a, *l));
        let nov = summarise(items(), day("2025-11-01"), day("2025-11-30"));
        let oct = summarise(items(), day("2025-10-01"), day("2025-10-31"));
        let c = compare(&nov, &oct);
        assert_eq!(c[0].sport, "all");
        assert_eq!((c[0].activities, c[0].distance_m, c[0].moving_time_s), (1, 42_000.0, 6000));
        assert_eq!((c[0].distance_pct, c[0].time_pct, c[0].load_pct), (Some(420.0), Some(200.0), Some(180.0)));
        let ride = c.iter().find(|x| x.sport == "ride").unwrap();
        assert_eq!(ride.distance_pct, None, "no baseline to compare with");
        let run = c.iter().find(|x| x.sport == "run").unwrap();
        assert_eq!(run.distance_pct, Some(20.0));
    }

    proptest! {
        #[test]
        fn a_period_compared_with_itself_shows_no_change(
            rows in proptest::collection::vec((0usize..SportKind::ALL.len(), 0u32..20_000, 0.0f64..50_000.0, 0.0f64..300.0, 0i64..60), 0..40)
        ) {
            let first = day("2025-01-01");
            let acts: Vec<_> = rows.iter().map(|(s, secs, dist, load, d)| {
                let mut a = summary(SportKind::ALL[*s], *secs);
                a.distance_m = Some(*dist);
                a.start_time = Timestamp::new(first.add_days(*d).start_in(time::UtcOffset::UTC));
                (a, *load)
            }).collect();
            let r = summarise(acts.iter().map(|(a, l)| (a, *l)), first, first.add_days(59));
            for c in compare(&r, &r) {
                prop_assert_eq!((c.activities, c.distance_m, c.moving_time_s, c.load), (0, 0.0, 0, 0.0));
                for p in [c.distance_pct, c.time_pct, c.load_pct].into_iter().flatten() {
                    prop_assert_eq!(p, 0.0);
                }
            }
        }
    }
}
