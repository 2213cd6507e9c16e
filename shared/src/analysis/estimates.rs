//! Thresholds estimated from the athlete's own data, for when neither the
//! person nor the provider gave one: better than a formula from age, and
//! said as an estimate with its method and how much data it rests on.
//!
//! Only max heart rate is estimated today, from activity summaries: the
//! highest activity maximum of the last [`WINDOW_DAYS`] days, with a lone
//! reading far above the rest dropped as a strap or optical spike. (An
//! estimate of threshold heart rate or pace needs the best 20–30 minute
//! effort from streams, which summaries do not carry.)

use crate::model::{ActivitySummary, LocalDate};

/// How far back activities count.
pub const WINDOW_DAYS: i64 = 90;
/// Fewer activities with heart rate than this say too little.
pub const MIN_ACTIVITIES: usize = 5;
/// A top reading this far above the next is a spike, not the athlete.
const SPIKE_BPM: f64 = 5.0;
/// Readings outside this range are sensor errors.
const PLAUSIBLE_BPM: std::ops::RangeInclusive<f64> = 120.0..=230.0;

/// An estimated threshold: its value and a sentence saying how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub method: String,
}

/// Max heart rate from the activities of the [`WINDOW_DAYS`] days up to
/// `today`; `None` with fewer than [`MIN_ACTIVITIES`] plausible readings.
pub fn max_heart_rate<'a>(
    activities: impl IntoIterator<Item = &'a ActivitySummary>,
    today: LocalDate,
) -> Option<Estimate> {
    let since = today.add_days(-WINDOW_DAYS);
    let mut readings: Vec<f64> = activities
        .into_iter()
        .filter(|a| {
            let day = a.start_time.local_date();
            day > since && day <= today
        })
        .filter_map(|a| a.max_heartrate_bpm)
        .filter(|hr| PLAUSIBLE_BPM.contains(hr))
        .collect();
    if readings.len() < MIN_ACTIVITIES {
        return None;
    }
    readings.sort_by(|a, b| b.total_cmp(a));
    let spike = readings[0] - readings[1] > SPIKE_BPM;
    let value = if spike { readings[1] } else { readings[0] }.round();
    let dropped =
        if spike { format!(", a lone {:.0} bpm reading dropped as a spike", readings[0]) } else { String::new() };
    Some(Estimate {
        value,
        method: format!(
            "estimated: the highest activity maximum of the last {WINDOW_DAYS} days, over {} activities{dropped}",
            readings.len()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SportType, Timestamp};

    fn run(day: &str, max_hr: Option<f64>) -> ActivitySummary {
        let start = Timestamp::parse(&format!("{day}T08:00:00+01:00")).unwrap();
        let mut a = ActivitySummary::minimal("a", SportType::parse("run"), start, 3600);
        a.max_heartrate_bpm = max_hr;
        a
    }

    fn today() -> LocalDate {
        LocalDate::parse("2025-11-23").unwrap()
    }

    #[test]
    fn the_highest_recent_maximum_is_the_estimate_and_says_how_much_data() {
        let runs: Vec<_> = [170.0, 176.0, 181.0, 179.0, 174.0].iter().map(|hr| run("2025-11-01", Some(*hr))).collect();
        let e = max_heart_rate(&runs, today()).unwrap();
        assert_eq!(e.value, 181.0);
        assert!(e.method.contains("over 5 activities"), "{}", e.method);
    }

    #[test]
    fn a_lone_spike_old_activities_and_implausible_readings_do_not_count() {
        let mut runs: Vec<_> =
            [170.0, 176.0, 181.0, 179.0, 174.0].iter().map(|hr| run("2025-11-01", Some(*hr))).collect();
        runs.push(run("2025-11-02", Some(199.0)));
        runs.push(run("2025-11-03", Some(250.0)));
        runs.push(run("2025-06-01", Some(195.0)));
        let e = max_heart_rate(&runs, today()).unwrap();
        assert_eq!(e.value, 181.0);
        assert!(e.method.contains("199 bpm reading dropped"), "{}", e.method);
    }

    #[test]
    fn too_few_readings_give_no_estimate() {
        let runs: Vec<_> = [170.0, 176.0, 181.0, 179.0].iter().map(|hr| run("2025-11-01", Some(*hr))).collect();
        let mut with_none = runs.clone();
        with_none.push(run("2025-11-01", None));
        assert_eq!(max_heart_rate(&with_none, today()), None);
    }
}
