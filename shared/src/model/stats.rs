//! Totals over calendar periods, computed from activities.
//!
//! Stats are always derived from the same activity summaries the activity
//! list shows, so "stats = sum of activities" holds by construction rather
//! than by a provider's separate (and often differently rounded) totals.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::activity::{ActivitySummary, SportKind, SportType, round_to};
use super::time::LocalDate;

/// A calendar period in the athlete's time zone. Weeks run Monday to Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Week,
    Month,
    Year,
}

impl Period {
    /// First and last day of the period that contains `day`.
    pub fn bounds(self, day: LocalDate) -> (LocalDate, LocalDate) {
        let d = day.get();
        let start = match self {
            Period::Week => day.add_days(-i64::from(d.weekday().number_days_from_monday())),
            Period::Month => day.add_days(1 - i64::from(d.day())),
            Period::Year => day.add_days(1 - i64::from(d.ordinal())),
        };
        let next_start = match self {
            Period::Week => start.add_days(7),
            Period::Month => start.add_days(i64::from(d.month().length(d.year()))),
            Period::Year => start.add_days(i64::from(time::util::days_in_year(d.year()))),
        };
        (start, next_start.add_days(-1))
    }

    /// The `count` most recent periods up to the one containing `today`,
    /// oldest first, as (first day, last day) pairs.
    pub fn recent(self, today: LocalDate, count: u32) -> Vec<(LocalDate, LocalDate)> {
        let mut periods = Vec::new();
        let mut day = today;
        for _ in 0..count {
            let (start, end) = self.bounds(day);
            periods.push((start, end));
            day = start.add_days(-1);
        }
        periods.reverse();
        periods
    }
}

/// Sums over a set of activities.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Totals {
    pub activities: u32,
    pub distance_m: f64,
    pub moving_time_s: u64,
    pub elapsed_time_s: u64,
    pub elevation_gain_m: f64,
    pub energy_j: f64,
    pub training_load: f64,
}

impl Totals {
    /// Adds one activity (absent values count as zero).
    pub fn add(&mut self, a: &ActivitySummary) {
        self.activities += 1;
        self.distance_m += a.distance_m.unwrap_or(0.0);
        self.moving_time_s += u64::from(a.moving_time_s);
        self.elapsed_time_s += u64::from(a.elapsed_time_s);
        self.elevation_gain_m += a.elevation_gain_m.unwrap_or(0.0);
        self.energy_j += a.energy_j.unwrap_or(0.0);
        self.training_load += a.training_load.unwrap_or(0.0);
    }

    /// The same totals without floating-point summation noise.
    fn rounded(mut self) -> Self {
        self.distance_m = round_to(self.distance_m, 1);
        self.elevation_gain_m = round_to(self.elevation_gain_m, 1);
        self.energy_j = round_to(self.energy_j, 0);
        self.training_load = round_to(self.training_load, 1);
        self
    }
}

/// Totals for one sport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SportTotals {
    pub sport: SportType,
    #[serde(flatten)]
    pub totals: Totals,
}

/// Totals for one period, overall and per sport (largest moving time first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PeriodTotals {
    pub start: LocalDate,
    /// Last day of the period, inclusive (may be in the future for the current period).
    pub end: LocalDate,
    pub totals: Totals,
    pub by_sport: Vec<SportTotals>,
}

impl PeriodTotals {
    /// Totals for each of `periods` (as [`Period::recent`] gives them) of
    /// the activities of `sport` (every sport when `None`).
    pub fn for_periods(
        periods: &[(LocalDate, LocalDate)],
        activities: &[ActivitySummary],
        sport: Option<SportKind>,
    ) -> Vec<PeriodTotals> {
        let chosen: Vec<&ActivitySummary> =
            activities.iter().filter(|a| sport.is_none_or(|s| a.sport.kind() == Some(s))).collect();
        periods.iter().map(|&(start, end)| PeriodTotals::collect(start, end, chosen.iter().copied())).collect()
    }

    /// Totals of the activities that started on a day from `start` to `end`
    /// (inclusive), by the activity's own local date.
    pub fn collect<'a>(
        start: LocalDate,
        end: LocalDate,
        activities: impl IntoIterator<Item = &'a ActivitySummary>,
    ) -> Self {
        let mut totals = Totals::default();
        let mut by_sport: BTreeMap<SportType, Totals> = BTreeMap::new();
        for a in activities {
            let day = a.start_time.local_date();
            if day < start || day > end {
                continue;
            }
            totals.add(a);
            by_sport.entry(a.sport.clone()).or_default().add(a);
        }
        let mut by_sport: Vec<SportTotals> =
            by_sport.into_iter().map(|(sport, totals)| SportTotals { sport, totals: totals.rounded() }).collect();
        by_sport.sort_by_key(|s| std::cmp::Reverse(s.totals.moving_time_s));
        PeriodTotals { start, end, totals: totals.rounded(), by_sport }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::activity::SportKind;
    use crate::model::time::Timestamp;

    fn day(s: &str) -> LocalDate {
        LocalDate::parse(s).unwrap()
    }

    #[test]
    fn period_bounds_follow_the_calendar() {
        // 2025-11-23 is a Sunday.
        assert_eq!(Period::Week.bounds(day("2025-11-23")), (day("2025-11-17"), day("2025-11-23")));
        assert_eq!(Period::Week.bounds(day("2025-11-24")), (day("2025-11-24"), day("2025-11-30")));
        assert_eq!(Period::Month.bounds(day("2024-02-10")), (day("2024-02-01"), day("2024-02-29")));
        assert_eq!(Period::Year.bounds(day("2024-07-01")), (day("2024-01-01"), day("2024-12-31")));
        let recent = Period::Month.recent(day("2025-01-15"), 3);
        assert_eq!(recent.first().unwrap().0, day("2024-11-01"));
        assert_eq!(recent.last().unwrap(), &(day("2025-01-01"), day("2025-01-31")));
    }

    #[test]
    fn totals_sum_activities_in_range_by_sport() {
        let mk = |when: &str, sport: SportKind, km: f64, secs: u32| ActivitySummary {
            name: "x".into(),
            distance_m: Some(km * 1000.0),
            elapsed_time_s: secs + 10,
            training_load: Some(10.0),
            ..ActivitySummary::minimal(when, sport.into(), Timestamp::parse(when).unwrap(), secs)
        };
        let list = [
            mk("2025-11-17T07:00:00+01:00", SportKind::Run, 10.0, 3000),
            mk("2025-11-18T07:00:00+01:00", SportKind::Ride, 40.0, 5000),
            mk("2025-11-23T23:30:00+01:00", SportKind::Run, 5.0, 1500),
            mk("2025-11-24T00:30:00+01:00", SportKind::Run, 5.0, 1500),
        ];
        let t = PeriodTotals::collect(day("2025-11-17"), day("2025-11-23"), &list);
        assert_eq!(t.totals.activities, 3);
        assert_eq!(t.totals.distance_m, 55_000.0);
        assert_eq!(t.totals.elapsed_time_s, 9_530);
        assert_eq!(t.by_sport[0].sport, SportKind::Ride.into());
        assert_eq!(t.by_sport[1].totals.activities, 2);
    }
}
