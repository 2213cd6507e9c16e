//! The synthetic provider: realistic, deterministic demo data that needs no
//! account, generated in-process.
//!
//! [`Synthetic`] holds one generated [`History`] and answers the queries the
//! tools ask (a page of activities, one activity, period totals, nights,
//! mornings). It does not care which [`Generator`] produced the history.
//!
//! Layout:
//! - [`PeriodisedGenerator`] (`periodised.rs`), the default: an athlete
//!   (`profile.rs`), a season of phases, races, illness and travel
//!   (`season.rs`), a weekly schedule (`schedule.rs`) of purposeful
//!   sessions (`sessions.rs`), and sleep and recovery that answer to load
//!   (`wellness.rs`).
//! - `labels.rs` names things (history length, "Morning Run").
//! - `series.rs` simulates one session into samples and reduces them to
//!   the summary, laps, splits, best efforts and stream summaries.
//! - `random.rs` names the seeded random streams.

mod labels;
mod periodised;
mod profile;
mod random;
mod schedule;
mod season;
mod series;
mod sessions;
mod wellness;

use std::collections::HashMap;

pub use labels::HISTORY_DAYS;
pub use periodised::PeriodisedGenerator;

use crate::model::{
    Activity, ActivityPage, ActivitySummary, Athlete, LocalDate, Period, PeriodTotals, Recovery, SleepSession,
    SportKind, Timestamp,
};
use crate::providers::{Generator, History};

/// The seed used when none is configured, so the README's output is reproducible.
pub const DEFAULT_SEED: u64 = 42;

/// Why a query could not be answered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The cursor is not one [`Synthetic::activities`] handed out.
    #[error("the cursor is not one this provider issued")]
    BadCursor,
    /// No listed activity has this id.
    #[error("no activity has id {id}")]
    UnknownActivity { id: String },
}

pub use crate::providers::api::ActivityQuery;

/// A generated history and the queries over it.
pub struct Synthetic {
    generator: Box<dyn Generator>,
    history: History,
    by_id: HashMap<String, usize>,
}

impl std::fmt::Debug for Synthetic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synthetic")
            .field("now", &self.history.now)
            .field("activities", &self.history.activities.len())
            .finish_non_exhaustive()
    }
}

/// Position of an activity in newest-first order: later start first, then
/// larger id, so the order is total and a cursor names one exact place.
fn order_key(a: &ActivitySummary) -> (i64, &str) {
    (a.start_time.unix(), a.id.as_str())
}

fn encode_cursor(a: &ActivitySummary) -> String {
    format!("c{}", hex::encode(format!("{}:{}", a.start_time.unix(), a.id)))
}

fn decode_cursor(cursor: &str) -> Result<(i64, String), QueryError> {
    let bytes = cursor.strip_prefix('c').and_then(|h| hex::decode(h).ok()).ok_or(QueryError::BadCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| QueryError::BadCursor)?;
    let (unix, id) = text.split_once(':').ok_or(QueryError::BadCursor)?;
    let unix = unix.parse().map_err(|_| QueryError::BadCursor)?;
    Ok((unix, id.to_owned()))
}

impl Synthetic {
    /// Generates the history now (a year takes milliseconds in release builds).
    pub fn new(generator: Box<dyn Generator>) -> Self {
        let mut history = generator.history();
        history.activities.sort_by(|a, b| order_key(b).cmp(&order_key(a)));
        let by_id = history.activities.iter().enumerate().map(|(i, a)| (a.id.clone(), i)).collect();
        Self { generator, history, by_id }
    }

    /// The default generator ([`PeriodisedGenerator`]) for `seed`, with its
    /// history ending at `now`. This is what pierre-mcp serves.
    pub fn generate(seed: u64, now: time::OffsetDateTime) -> Self {
        Self::periodised(seed, now)
    }

    /// The periodised generator for `seed`, with its history ending at `now`.
    pub fn periodised(seed: u64, now: time::OffsetDateTime) -> Self {
        Self::new(Box::new(PeriodisedGenerator::new(seed, now)))
    }

    pub fn athlete(&self) -> &Athlete {
        &self.history.athlete
    }

    /// The generator's clock.
    pub fn now(&self) -> Timestamp {
        self.history.now
    }

    /// Today in the athlete's calendar.
    pub fn today(&self) -> LocalDate {
        self.history.now.local_date()
    }

    /// Every activity, newest first.
    pub fn all_activities(&self) -> &[ActivitySummary] {
        &self.history.activities
    }

    /// One page of the activities matching `query`, newest first.
    ///
    /// # Errors
    /// [`QueryError::BadCursor`] for a cursor this type did not produce.
    pub fn activities(&self, query: &ActivityQuery) -> Result<ActivityPage, QueryError> {
        let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
        let mut matching = self.history.activities.iter().filter(|a| {
            let day = a.start_time.local_date();
            query.from.is_none_or(|from| day >= from)
                && query.to.is_none_or(|to| day <= to)
                && query.sport.is_none_or(|s| a.sport.kind() == Some(s))
                && after.as_ref().is_none_or(|(unix, id)| order_key(a) < (*unix, id.as_str()))
        });
        let activities: Vec<ActivitySummary> = matching.by_ref().take(query.limit.max(1)).cloned().collect();
        let next_cursor = match (matching.next(), activities.last()) {
            (Some(_), Some(last)) => Some(encode_cursor(last)),
            _ => None,
        };
        Ok(ActivityPage { activities, next_cursor })
    }

    /// Everything about one listed activity.
    ///
    /// # Errors
    /// [`QueryError::UnknownActivity`] when no listed activity has this id.
    pub fn activity(&self, id: &str) -> Result<Activity, QueryError> {
        let unknown = || QueryError::UnknownActivity { id: id.to_owned() };
        let summary = self.by_id.get(id).map(|i| &self.history.activities[*i]).ok_or_else(unknown)?;
        self.generator.detail(summary).ok_or_else(unknown)
    }

    /// Totals for the `count` most recent periods up to today, oldest first.
    pub fn stats(&self, period: Period, count: u32, sport: Option<SportKind>) -> Vec<PeriodTotals> {
        PeriodTotals::for_periods(&period.recent(self.today(), count), &self.history.activities, sport)
    }

    /// Nights that ended on a day from `from` to `to` (inclusive), newest first.
    pub fn sleep(&self, from: LocalDate, to: LocalDate) -> Vec<SleepSession> {
        self.history.sleep.iter().filter(|s| s.date >= from && s.date <= to).cloned().collect()
    }

    /// Mornings from `from` to `to` (inclusive), newest first.
    pub fn recovery(&self, from: LocalDate, to: LocalDate) -> Vec<Recovery> {
        self.history.recovery.iter().filter(|r| r.date >= from && r.date <= to).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn synthetic() -> Synthetic {
        Synthetic::generate(DEFAULT_SEED, datetime!(2025-11-23 21:00 +01:00))
    }

    #[test]
    fn same_seed_and_clock_give_the_same_history() {
        let a = synthetic();
        let b = synthetic();
        assert_eq!(a.history, b.history);
        let other = Synthetic::generate(7, datetime!(2025-11-23 21:00 +01:00));
        assert_ne!(a.history.activities, other.history.activities);
    }

    #[test]
    fn a_year_looks_like_a_multisport_year() {
        let s = synthetic();
        let n = s.all_activities().len();
        assert!((180..=340).contains(&n), "{n} activities");
        for kind in [SportKind::Run, SportKind::Ride, SportKind::Swim, SportKind::Strength] {
            assert!(s.all_activities().iter().any(|a| a.sport.kind() == Some(kind)), "no {kind}");
        }
        let ids: std::collections::HashSet<_> = s.all_activities().iter().map(|a| &a.id).collect();
        assert_eq!(ids.len(), n, "ids are unique");
        assert_eq!(s.history.sleep.len() as i64, HISTORY_DAYS);
        let oldest = s.all_activities().last().unwrap().start_time.local_date();
        assert!(oldest.days_until(s.today()) < HISTORY_DAYS);
    }

    #[test]
    fn pages_walk_the_whole_list_without_gaps_or_repeats() {
        let s = synthetic();
        let query = ActivityQuery { sport: Some(SportKind::Run), limit: 7, ..ActivityQuery::default() };
        let mut seen = Vec::new();
        let mut page = s.activities(&query).unwrap();
        loop {
            assert!(page.activities.len() <= 7);
            seen.extend(page.activities.iter().map(|a| a.id.clone()));
            let Some(cursor) = page.next_cursor.clone() else {
                break;
            };
            page = s.activities(&ActivityQuery { cursor: Some(cursor), ..query.clone() }).unwrap();
        }
        let all: Vec<_> = s
            .all_activities()
            .iter()
            .filter(|a| a.sport.kind() == Some(SportKind::Run))
            .map(|a| a.id.clone())
            .collect();
        assert_eq!(seen, all);
        let bad = s.activities(&ActivityQuery { cursor: Some("nope".into()), ..query });
        assert!(matches!(bad, Err(QueryError::BadCursor)));
    }

    #[test]
    fn detail_agrees_with_the_listed_summary() {
        let s = synthetic();
        for summary in s.all_activities().iter().take(25) {
            let detail = s.activity(&summary.id).unwrap();
            assert_eq!(&detail.summary, summary);
            let lap_time: u32 = detail.laps.iter().map(|l| l.elapsed_time_s).sum();
            assert_eq!(lap_time, summary.elapsed_time_s, "laps cover the activity");
            if let Some(distance) = summary.distance_m {
                let lap_distance: f64 = detail.laps.iter().filter_map(|l| l.distance_m).sum();
                assert!((lap_distance - distance).abs() < 1.0, "{lap_distance} vs {distance}");
            }
            if summary.sport.kind() == Some(SportKind::Run) {
                let split_distance: f64 = detail.splits.iter().map(|s| s.distance_m).sum();
                assert!((split_distance - summary.distance_m.unwrap()).abs() < 12.0);
                assert!(!detail.best_efforts.is_empty());
            }
            assert!(detail.streams.iter().all(|st| st.samples > 0));
        }
        assert!(matches!(s.activity("0"), Err(QueryError::UnknownActivity { .. })));
    }

    #[test]
    fn stats_are_the_sum_of_the_activities() {
        let s = synthetic();
        let weeks = s.stats(Period::Week, 8, None);
        assert_eq!(weeks.len(), 8);
        for week in &weeks {
            let page = s
                .activities(&ActivityQuery {
                    from: Some(week.start),
                    to: Some(week.end),
                    limit: 1000,
                    ..Default::default()
                })
                .unwrap();
            let distance: f64 = page.activities.iter().filter_map(|a| a.distance_m).sum();
            let moving: u64 = page.activities.iter().map(|a| u64::from(a.moving_time_s)).sum();
            assert_eq!(week.totals.activities as usize, page.activities.len());
            assert!((week.totals.distance_m - distance).abs() < 0.1);
            assert_eq!(week.totals.moving_time_s, moving);
        }
    }

    /// Generation cost is measured by `scripts/bench.sh` (first-call row),
    /// not asserted here: a timed test fails on a busy machine, not on slow code.
    #[test]
    fn a_year_is_generated() {
        let s = synthetic();
        assert!(!s.all_activities().is_empty());
    }

    #[test]
    fn the_default_year_is_periodised_and_full() {
        let s = Synthetic::generate(DEFAULT_SEED, datetime!(2026-11-23 12:00 UTC));
        assert!(s.all_activities().len() > 200);
    }
}
