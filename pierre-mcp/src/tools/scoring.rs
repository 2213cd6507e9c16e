//! What the analysis tools share: every activity of the history scored
//! for training load ([`Scored`]), form read in words, and the notes on
//! what was missing or assumed.

use pierre_shared::analysis::estimates::{self, Estimate};
use pierre_shared::analysis::fitness::{DayForm, form_series};
use pierre_shared::analysis::load::{ActivityLoad, LoadBasis, LoadMethod, activity_load};
use pierre_shared::analysis::records::{Record, RecordSource};
use pierre_shared::model::settings::{AthleteSettings, SettingField, SettingSource};
use pierre_shared::model::{Activity, Athlete, LocalDate, Thresholds, round_to};

use super::{ProviderName, ToolError};
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
    /// The thresholds the loads rest on, each with where it came from
    /// (see [`thresholds_used`]); empty until [`Scored::read`] names them.
    pub(super) thresholds: Vec<String>,
}

impl Scored {
    pub(super) fn of(athlete: &Athlete, history: &Summaries, today: LocalDate) -> Self {
        let basis = LoadBasis::from_athlete(athlete, today);
        let loads: Vec<ActivityLoad> = history.activities.iter().map(|a| activity_load(a, &basis)).collect();
        let first = loads.iter().map(|l| l.date).min().unwrap_or(today);
        Self { basis, loads, first, today, truncated: history.truncated, thresholds: Vec::new() }
    }

    /// Reads the athlete and the history from `source` and scores it.
    pub(super) async fn read(source: &Source) -> Result<(Self, Summaries), ToolError> {
        let mut athlete = source.athlete().await?;
        let history = source.history().await?;
        // Neither the person nor the provider gave a max heart rate: the
        // athlete's own activities say more than a formula from age.
        let estimate = match athlete.thresholds.max_heartrate_bpm {
            Some(_) => None,
            None => estimates::max_heart_rate(&history.activities, source.today()),
        };
        if let Some(e) = &estimate {
            athlete.thresholds.max_heartrate_bpm = Some(e.value);
        }
        let mut scored = Self::of(&athlete, &history, source.today());
        scored.thresholds =
            thresholds_used(&scored.basis, &athlete.thresholds, source.settings(), source.provider, estimate.as_ref());
        Ok((scored, history))
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

/// The thresholds `basis` holds, one phrase each with where it came from:
/// set in Pierre (the person's own setting), from the provider's profile,
/// or assumed (a default; `assumed` says which rule). `thresholds` is the
/// athlete's with the person's settings already laid over. FTP and the
/// threshold speeds appear only when known: without them the sport is
/// scored by heart rate, which `missing` says.
pub(super) fn thresholds_used(
    basis: &LoadBasis,
    thresholds: &Thresholds,
    settings: &AthleteSettings,
    provider: ProviderName,
    estimated_max_hr: Option<&Estimate>,
) -> Vec<String> {
    let origin = |field: SettingField, known: Option<f64>| -> String {
        match (settings.get(&field).map(|s| s.source), known) {
            (Some(SettingSource::User), _) => "set in Pierre".to_owned(),
            (Some(SettingSource::Estimated), _) => "estimated from data".to_owned(),
            (Some(SettingSource::Default), _) | (None, None) => "assumed".to_owned(),
            (Some(SettingSource::Provider), _) | (None, Some(_)) => format!("from {provider}"),
        }
    };
    let max_hr_origin = match estimated_max_hr {
        Some(e) => e.method.clone(),
        None => origin(SettingField::MaxHeartrateBpm, thresholds.max_heartrate_bpm),
    };
    let mut used = vec![
        format!("max heart rate {} bpm ({max_hr_origin})", basis.max_hr),
        format!(
            "resting heart rate {} bpm ({})",
            basis.rest_hr,
            origin(SettingField::RestingHeartrateBpm, thresholds.resting_heartrate_bpm)
        ),
        format!(
            "threshold heart rate {} bpm ({})",
            basis.threshold_hr,
            origin(SettingField::ThresholdHeartrateBpm, thresholds.threshold_heartrate_bpm)
        ),
    ];
    if let Some(ftp) = basis.ftp_w {
        used.push(format!("FTP {ftp} W ({})", origin(SettingField::FtpW, Some(ftp))));
    }
    if let Some(speed) = basis.run_threshold_mps {
        used.push(format!(
            "threshold pace {} /km ({})",
            pace(1000.0 / speed),
            origin(SettingField::ThresholdSpeedMps, Some(speed))
        ));
    }
    if let Some(speed) = basis.swim_threshold_mps {
        used.push(format!(
            "swim threshold pace {} /100 m ({})",
            pace(100.0 / speed),
            origin(SettingField::SwimThresholdSpeedMps, Some(speed))
        ));
    }
    used
}

/// Seconds as `m:ss`.
fn pace(secs: f64) -> String {
    let secs = secs.round() as i64;
    format!("{}:{:02}", secs / 60, secs % 60)
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
    fn each_threshold_is_named_with_where_it_came_from() {
        let provider = Thresholds {
            max_heartrate_bpm: Some(188.0),
            ftp_w: Some(250.0),
            threshold_speed_mps: Some(1000.0 / 270.0),
            ..Thresholds::default()
        };
        let mut settings = AthleteSettings::new();
        let mine = pierre_shared::model::settings::Setting {
            value: serde_json::json!(280.0),
            source: SettingSource::User,
            method: None,
            updated_at: 0,
        };
        settings.insert(SettingField::FtpW, mine);
        let mut thresholds = provider;
        pierre_shared::model::settings::apply_user_thresholds(&settings, &mut thresholds);
        let athlete = Athlete {
            id: "a".into(),
            name: "A".into(),
            sex: Some("female".into()),
            birth_year: None,
            weight_kg: None,
            height_m: None,
            location: None,
            thresholds: thresholds.clone(),
        };
        let basis = LoadBasis::from_athlete(&athlete, LocalDate::parse("2025-11-23").unwrap());
        let used = thresholds_used(&basis, &thresholds, &settings, ProviderName::Strava, None);
        assert_eq!(
            used,
            [
                "max heart rate 188 bpm (from strava)",
                "resting heart rate 60 bpm (assumed)",
                "threshold heart rate 170 bpm (assumed)",
                "FTP 280 W (set in Pierre)",
                "threshold pace 4:30 /km (from strava)",
            ]
        );
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
