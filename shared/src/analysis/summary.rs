//! Totals over a date range with the computed training load, overall and
//! per sport: what get_weekly_summary and compare_periods report.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::activity::round_to;
use crate::model::{ActivitySummary, LocalDate, SportType};

/// Totals for one sport.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SportLine {
    pub sport: String,
    pub activities: u32,
    pub distance_m: f64,
    pub moving_time_s: u64,
    pub load: f64,
}

/// Totals from `from` to `to` (inclusive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RangeSummary {
    pub from: LocalDate,
    pub to: LocalDate,
    pub activities: u32,
    pub distance_m: f64,
    pub moving_time_s: u64,
    pub elevation_gain_m: f64,
    pub load: f64,
    // Most moving time first.
    pub by_sport: Vec<SportLine>,
}

/// Sums the activities (with their loads) that started from `from` to `to`.
pub fn summarise<'a>(
    items: impl IntoIterator<Item = (&'a ActivitySummary, f64)>,
    from: LocalDate,
    to: LocalDate,
) -> RangeSummary {
    let mut out = RangeSummary {
        from,
        to,
        activities: 0,
        distance_m: 0.0,
        moving_time_s: 0,
        elevation_gain_m: 0.0,
        load: 0.0,
        by_sport: Vec::new(),
    };
    let mut sports: BTreeMap<SportType, SportLine> = BTreeMap::new();
    for (a, load) in items {
        let day = a.start_time.local_date();
        if day < from || day > to {
            continue;
        }
        let distance = a.distance_m.unwrap_or(0.0);
        out.activities += 1;
        out.distance_m += distance;
        out.moving_time_s += u64::from(a.moving_time_s);
        out.elevation_gain_m += a.elevation_gain_m.unwrap_or(0.0);
        out.load += load;
        let line = sports.entry(a.sport.clone()).or_default();
        line.activities += 1;
        line.distance_m += distance;
        line.moving_time_s += u64::from(a.moving_time_s);
        line.load += load;
    }
    out.distance_m = round_to(out.distance_m, 1);
    out.elevation_gain_m = round_to(out.elevation_gain_m, 1);
    out.load = round_to(out.load, 1);
    out.by_sport = sports
        .into_iter()
        .map(|(sport, mut line)| {
            line.sport = sport.to_string();
            line.distance_m = round_to(line.distance_m, 1);
            line.load = round_to(line.load, 1);
            line
        })
        .collect();
    out.by_sport.sort_by(|a, b| b.moving_time_s.cmp(&a.moving_time_s).then_with(|| a.sport.cmp(&b.sport)));
    out
}
