//! Whether an analysis had enough data (issue 23): one sentence the model
//! can relay, so a trend from three weeks or a fitness figure from ten days
//! of history is not given as a confident answer.
//!
//! The thresholds: fitness is a 42-day weighted average, so it means little
//! before 6 weeks of history and settles after about 3 months; a trend is
//! fitted to weekly points and needs at least 4 weeks with the sport; a
//! comparison needs activities on both sides, and swings widely below 3.

use pierre_shared::model::LocalDate;

/// Weeks of history before fitness (a 42-day average) means anything.
const LOAD_MIN_DAYS: i64 = 42;
/// Days of history after which fitness has settled.
const LOAD_SETTLED_DAYS: i64 = 90;
/// Weeks with the sport a trend needs.
const TREND_MIN_WEEKS: usize = 4;
/// Activities per side below which a comparison's percentages swing widely.
const COMPARE_MIN_ACTIVITIES: u32 = 3;

/// For fitness, fatigue and form on `day`, with history from `first`.
pub fn load(first: LocalDate, day: LocalDate) -> String {
    let days = first.days_until(day) + 1;
    let weeks = days / 7;
    if days < LOAD_MIN_DAYS {
        format!(
            "Not enough data, with {days} days of history before {day}; fitness is a 42-day average and needs at least 6 weeks, so fitness and form read low and are rough guesses."
        )
    } else if days < LOAD_SETTLED_DAYS {
        format!(
            "Enough for a rough reading, with {weeks} weeks of history before {day}; fitness settles after about 3 months."
        )
    } else {
        format!("Enough data, with {weeks} weeks of history before {day}, more than the 6 weeks fitness needs.")
    }
}

/// For a trend of `sport` over `weeks` complete weeks, `active` of which had it.
pub fn trend(sport: &str, active: usize, weeks: usize) -> String {
    if active < TREND_MIN_WEEKS {
        format!(
            "Not enough data, as only {active} of the {weeks} weeks have a {sport}; a trend needs at least {TREND_MIN_WEEKS}, so read it as no trend yet."
        )
    } else {
        format!("Enough data, as {active} of the {weeks} weeks have a {sport}.")
    }
}

/// For a comparison of `period` activities against `baseline` activities.
pub fn compare(period: u32, baseline: u32) -> String {
    if baseline == 0 {
        "Not enough data, as the baseline has no activities, so there is nothing to compare against.".to_owned()
    } else if period.min(baseline) < COMPARE_MIN_ACTIVITIES {
        format!("Thin data, {period} activities against {baseline}, and with so few the percentages swing widely.")
    } else {
        format!("Enough data, {period} activities against {baseline}.")
    }
}

/// For records found in `activities` activities from `from` to `to`.
pub fn records(activities: usize, from: LocalDate, to: LocalDate) -> String {
    if activities == 0 {
        format!("Not enough data, with no activities from {from} to {to}, so there are no records.")
    } else {
        format!("Based on {activities} activities from {from} to {to}; older efforts are not counted.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, d: u16) -> LocalDate {
        LocalDate::new(time::Date::from_ordinal_date(y, d).unwrap())
    }

    #[test]
    fn each_sentence_says_whether_the_data_suffices() {
        assert!(load(day(2026, 300), day(2026, 310)).starts_with("Not enough data, with 11 days"));
        assert!(load(day(2026, 200), day(2026, 260)).starts_with("Enough for a rough reading, with 8 weeks"));
        assert!(load(day(2025, 1), day(2026, 1)).starts_with("Enough data, with 52 weeks"));
        assert!(trend("run", 3, 12).starts_with("Not enough data, as only 3 of the 12 weeks have a run"));
        assert!(trend("ride", 9, 12).starts_with("Enough data"));
        assert!(compare(4, 0).starts_with("Not enough data"));
        assert!(compare(2, 5).starts_with("Thin data"));
        assert!(compare(6, 5).starts_with("Enough data"));
        assert!(records(0, day(2026, 1), day(2026, 9)).starts_with("Not enough data"));
        assert!(records(40, day(2026, 1), day(2026, 9)).starts_with("Based on 40 activities from 2026-01-01"));
    }
}
