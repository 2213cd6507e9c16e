//! What the analysis tools share: every activity of the history scored
//! for training load ([`Scored`]), form read in words, and the notes on
//! what was missing or assumed.

use pierre_shared::analysis::fitness::{DayForm, form_series};
use pierre_shared::analysis::load::{ActivityLoad, LoadBasis, LoadMethod, activity_load};
use pierre_shared::analysis::records::{Record, RecordSource};
use pierre_shared::model::{Activity, Athlete, LocalDate, round_to};

use super::ToolError;
use crate::sources::{Source, Summaries};

/// Days fitness needs from the start of the history to settle (3τ).
const WARM_UP_DAYS: i64 = 126;

/// What the records leave out or only approximate.
pub(super) fn records_missing(records: &[Record], activities: &[Activity]) -> Vec<String> {
    let mut notes = Vec::new();
    let has = |s: RecordSource, approx: bool| records.iter().any(|r| r.source == s && r.approximate == approx);
    if has(RecordSource::Split, true) {
        notes.push(
            "1k from kilometre splits is approximate, as only stretches between kilometre marks count.".to_owned(),
        );
    }
    if has(RecordSource::WholeActivity, true) {
        notes
            .push("Records from a whole activity are approximate, timed pro rata as if the pace were even.".to_owned());
    }
    let ridden = activities.iter().any(|a| a.summary.average_power_w.is_some());
    if ridden {
        notes.push(
            "Power records (best 5 or 20 min) need raw power streams, which Pierre does not read yet.".to_owned(),
        );
    }
    if activities.is_empty() {
        notes.push("No activities in this range.".to_owned());
    }
    notes
}

/// Every activity's load, in the provider's order (newest first), the basis
/// they were computed on, and notes on what was missing.
pub(super) struct Scored {
    pub(super) basis: LoadBasis,
    pub(super) loads: Vec<ActivityLoad>,
    /// The first day of the provider's history.
    pub(super) first: LocalDate,
    pub(super) today: LocalDate,
    /// The provider had more history than one call reads.
    pub(super) truncated: bool,
}

impl Scored {
    pub(super) fn of(athlete: &Athlete, history: &Summaries, today: LocalDate) -> Self {
        let basis = LoadBasis::from_athlete(athlete, today);
        let loads: Vec<ActivityLoad> = history.activities.iter().map(|a| activity_load(a, &basis)).collect();
        let first = loads.iter().map(|l| l.date).min().unwrap_or(today);
        Self { basis, loads, first, today, truncated: history.truncated }
    }

    /// Reads the athlete and the history from `source` and scores it.
    pub(super) async fn read(source: &Source) -> Result<(Self, Summaries), ToolError> {
        let athlete = source.athlete().await?;
        let history = source.history().await?;
        Ok((Self::of(&athlete, &history, source.today()), history))
    }

    /// The model from the start of the history to `to`.
    pub(super) fn form(&self, to: LocalDate) -> Vec<DayForm> {
        form_series(&self.loads, self.first.min(to), to)
    }

    /// What is missing for loads from `from` to `to`.
    pub(super) fn missing(&self, from: LocalDate, to: LocalDate, fitness: bool) -> Vec<String> {
        let in_range: Vec<&ActivityLoad> = self.loads.iter().filter(|l| l.date >= from && l.date <= to).collect();
        let mut notes = Vec::new();
        if self.truncated {
            notes.push(format!(
                "Only the newest activities since {} were read (a page limit), so older days may be missing.",
                self.first
            ));
        }
        let unscored = in_range.iter().filter(|l| l.method == LoadMethod::None).count();
        if unscored > 0 {
            notes.push(format!("{unscored} activities had no power, pace or heart rate and count as zero load."));
        }
        if self.basis.ftp_w.is_none() {
            notes.push("No FTP in the profile, so rides are scored by heart rate.".to_owned());
        } else if in_range.iter().any(|l| l.method == LoadMethod::Power) {
            notes.push(
                "Rides use average power (summaries have no normalised power), so variable rides read a little low."
                    .to_owned(),
            );
        }
        if self.basis.run_threshold_mps.is_none() {
            notes.push("No threshold pace in the profile, so runs are scored by heart rate.".to_owned());
        }
        if to > self.today {
            notes.push(format!("Days after today ({}) have no activities yet.", self.today));
        }
        let settled = self.first.add_days(WARM_UP_DAYS);
        if fitness && from < settled {
            notes.push(format!(
                "The history starts {}, so fitness reads low until about {settled} (3 × 42 days).",
                self.first
            ));
        }
        notes
    }
}

/// Form in words, after the Performance Manager's usual bands.
pub(super) fn form_reading(day: &DayForm, ramp: f64) -> String {
    let state = match day.form {
        f if f < -30.0 => "fatigue far above fitness, a high risk of overreaching; rest soon",
        f if f < -10.0 => "fatigue above fitness, a productive training load",
        f if f <= 5.0 => "fatigue close to fitness, neutral",
        f if f <= 25.0 => "fresh, good for a race or a hard test",
        _ => "very fresh, fitness is being lost",
    };
    let ramp_note = if ramp > 8.0 { "; fitness rose fast this week (over 8)" } else { "" };
    format!(
        "Form {:+.0} (fitness {:.0}, fatigue {:.0}) means {state}{ramp_note}.",
        // Rounded first, so a form of -0.3 reads "+0", never "-0".
        round_to(day.form, 0),
        day.fitness,
        day.fatigue
    )
}

pub(super) fn week_ramp(series: &[DayForm], i: usize) -> f64 {
    let before = i.checked_sub(7).map_or(0.0, |j| series[j].fitness);
    round_to(series[i].fitness - before, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(form: f64) -> DayForm {
        DayForm { date: LocalDate::parse("2025-11-23").unwrap(), load: 0.0, fitness: 50.0, fatigue: 50.0 - form, form }
    }

    #[test]
    fn form_is_read_in_the_usual_bands() {
        assert!(form_reading(&day(-35.0), 0.0).contains("high risk of overreaching"));
        assert!(form_reading(&day(-20.0), 0.0).contains("productive"));
        assert!(form_reading(&day(0.0), 0.0).contains("neutral"));
        assert!(form_reading(&day(10.0), 9.0).contains("fresh, good for a race"));
        assert!(form_reading(&day(10.0), 9.0).contains("rose fast"));
        assert!(form_reading(&day(30.0), 0.0).contains("being lost"));
        // Never a negative zero.
        assert!(form_reading(&day(-0.3), 0.0).starts_with("Form +0 "));
        // The JSON text block stays compact: no ": " inside a sentence.
        assert!(!form_reading(&day(-20.0), 0.0).contains(": "));
    }
}
