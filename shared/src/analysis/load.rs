//! Training load of one activity, from power, pace or heart rate: the one
//! definition every tool uses.
//!
//! [`activity_load`] is the only place a load is computed. Each activity's
//! `training_load` (get_activities, get_activity, get_stats), the daily
//! loads of the fitness/fatigue model ([`super::fitness`]) and the totals of
//! get_weekly_summary and compare_periods are all its result, rounded once
//! to 0.1 here and only ever summed afterwards. A provider's own load figure
//! (Garmin's EPOC-based "training load") is on another scale and is not used.
//!
//! Every method is put on one scale, where one hour at threshold scores
//! 100, so loads from different sports and sensors can be added. The first
//! that applies is used:
//!
//! 1. power (rides with average power, when an FTP is known): TSS = hours ×
//!    IF² × 100, IF = average power / FTP (Coggan). Summaries carry average,
//!    not normalised, power, so a very variable ride scores somewhat low.
//! 2. pace (road runs and swims with a speed, when a threshold pace is
//!    known): rTSS = hours × IF² × 100 with IF = speed / threshold speed;
//!    swims use IF³ (sTSS). Hills are ignored, so trail runs fall through.
//! 3. heart rate (anything with an average heart rate): Banister TRIMP =
//!    minutes × HRr × a·e^(b·HRr), HRr = (HRavg − HRrest)/(HRmax − HRrest),
//!    a = 0.64, b = 1.92 for men and 0.86, 1.67 for women; scaled so that an
//!    hour at threshold heart rate is 100.
//! 4. none: no power, pace or heart rate; the activity counts as zero.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::activity::round_to;
use crate::model::{ActivitySummary, Athlete, LocalDate, SportKind};

pub use crate::model::LoadMethod;

/// The thresholds loads are computed from, and the defaults assumed.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadBasis {
    pub ftp_w: Option<f64>,
    pub run_threshold_mps: Option<f64>,
    pub swim_threshold_mps: Option<f64>,
    pub max_hr: f64,
    pub rest_hr: f64,
    pub threshold_hr: f64,
    pub female: bool,
    /// One sentence per default that stood in for a missing threshold.
    pub assumed: Vec<String>,
}

/// Resting heart rate assumed when the profile has none (a typical adult).
const DEFAULT_REST_HR: f64 = 60.0;
/// Max heart rate assumed with neither a measured value nor an age.
const DEFAULT_MAX_HR: f64 = 190.0;
/// Threshold heart rate as a fraction of heart-rate reserve when unknown.
const DEFAULT_THRESHOLD_HRR: f64 = 0.86;

impl LoadBasis {
    /// The athlete's thresholds, with a stated default for each missing one.
    pub fn from_athlete(athlete: &Athlete, today: LocalDate) -> Self {
        let t = &athlete.thresholds;
        let mut assumed = Vec::new();
        let max_hr = match (t.max_heartrate_bpm, athlete.birth_year) {
            (Some(max), _) => max,
            (None, Some(year)) => {
                let age = f64::from(today.get().year() - year);
                let max = (208.0 - 0.7 * age).round();
                assumed.push(format!("max heart rate {max} bpm (208 − 0.7 × age; not in the profile)"));
                max
            }
            (None, None) => {
                assumed.push(format!("max heart rate {DEFAULT_MAX_HR} bpm (no max heart rate or age in the profile)"));
                DEFAULT_MAX_HR
            }
        };
        let rest_hr = t.resting_heartrate_bpm.unwrap_or_else(|| {
            assumed.push(format!("resting heart rate {DEFAULT_REST_HR} bpm (not in the profile)"));
            DEFAULT_REST_HR
        });
        let threshold_hr = t.threshold_heartrate_bpm.unwrap_or_else(|| {
            let hr = (rest_hr + DEFAULT_THRESHOLD_HRR * (max_hr - rest_hr)).round();
            assumed.push(format!("threshold heart rate {hr} bpm (86% of heart-rate reserve; not in the profile)"));
            hr
        });
        let female = match athlete.sex.as_deref() {
            Some("female") => true,
            Some("male") => false,
            _ => {
                assumed.push("men's TRIMP coefficients (sex not in the profile)".to_owned());
                false
            }
        };
        Self {
            ftp_w: t.ftp_w.filter(|v| *v > 0.0),
            run_threshold_mps: t.threshold_speed_mps.filter(|v| *v > 0.0),
            swim_threshold_mps: t.swim_threshold_speed_mps.filter(|v| *v > 0.0),
            max_hr,
            rest_hr,
            threshold_hr,
            female,
            assumed,
        }
    }
}

/// The load of one activity and how it was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ActivityLoad {
    pub id: String,
    pub date: LocalDate,
    // The activity's sport name (a plain string keeps the schema short).
    pub sport: String,
    pub method: LoadMethod,
    /// IF (power, pace) or HRr (heart rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intensity: Option<f64>,
    /// The activity's training_load: 100 = 1 h at threshold.
    pub load: f64,
}

/// Coggan's TSS (also rTSS): hours × IF² × 100; zero for nonsense inputs.
pub fn tss(duration_s: f64, intensity: f64) -> f64 {
    nonneg(duration_s / 3600.0 * intensity * intensity * 100.0)
}

/// Swim TSS: hours × IF³ × 100 (water resistance grows with the cube of speed).
pub fn swim_tss(duration_s: f64, intensity: f64) -> f64 {
    nonneg(duration_s / 3600.0 * intensity.powi(3) * 100.0)
}

/// Heart-rate reserve fraction, clamped to 0..=1.
pub fn hr_reserve(avg_hr: f64, rest_hr: f64, max_hr: f64) -> f64 {
    let range = max_hr - rest_hr;
    if range <= 0.0 || !avg_hr.is_finite() {
        return 0.0;
    }
    ((avg_hr - rest_hr) / range).clamp(0.0, 1.0)
}

/// Banister's TRIMP: minutes × HRr × a·e^(b·HRr).
pub fn trimp(duration_s: f64, hrr: f64, female: bool) -> f64 {
    let (a, b) = if female { (0.86, 1.67) } else { (0.64, 1.92) };
    nonneg(duration_s / 60.0 * hrr * a * (b * hrr).exp())
}

fn nonneg(x: f64) -> f64 {
    if x.is_finite() { x.max(0.0) } else { 0.0 }
}

fn is_ride(kind: Option<SportKind>) -> bool {
    matches!(kind, Some(SportKind::Ride | SportKind::VirtualRide | SportKind::MountainBikeRide | SportKind::GravelRide))
}

/// Sets `a.training_load` and `a.training_load_method` from
/// [`activity_load`], replacing whatever the provider put there: every tool
/// that shows an activity calls this, so an activity's load is always its
/// contribution to the day's load in get_training_load.
pub fn score(a: &mut ActivitySummary, basis: &LoadBasis) {
    let load = activity_load(a, basis);
    a.training_load = Some(load.load);
    a.training_load_method = Some(load.method);
}

/// The load of one activity by the first method of the module's list that
/// applies, rounded to 0.1 (the only rounding a load gets).
pub fn activity_load(a: &ActivitySummary, basis: &LoadBasis) -> ActivityLoad {
    let secs = f64::from(a.moving_time_s);
    let kind = a.sport.kind();
    let positive = |v: Option<f64>| v.filter(|x| x.is_finite() && *x > 0.0);
    let (method, intensity, load) =
        if let (true, Some(p), Some(ftp)) = (is_ride(kind), positive(a.average_power_w), basis.ftp_w) {
            let i = p / ftp;
            (LoadMethod::Power, Some(i), tss(secs, i))
        } else if let (Some(SportKind::Run), Some(v), Some(thr)) =
            (kind, positive(a.average_speed_mps), basis.run_threshold_mps)
        {
            let i = v / thr;
            (LoadMethod::Pace, Some(i), tss(secs, i))
        } else if let (Some(SportKind::Swim), Some(v), Some(thr)) =
            (kind, positive(a.average_speed_mps), basis.swim_threshold_mps)
        {
            let i = v / thr;
            (LoadMethod::Pace, Some(i), swim_tss(secs, i))
        } else if let Some(hr) = positive(a.average_heartrate_bpm) {
            let hrr = hr_reserve(hr, basis.rest_hr, basis.max_hr);
            let at_threshold = trimp(3600.0, hr_reserve(basis.threshold_hr, basis.rest_hr, basis.max_hr), basis.female);
            let load = if at_threshold > 0.0 { trimp(secs, hrr, basis.female) / at_threshold * 100.0 } else { 0.0 };
            (LoadMethod::HeartRate, Some(hrr), nonneg(load))
        } else {
            (LoadMethod::None, None, 0.0)
        };
    ActivityLoad {
        id: a.id.clone(),
        date: a.start_time.local_date(),
        sport: a.sport.to_string(),
        method,
        intensity: intensity.map(|i| round_to(i, 3)),
        load: round_to(load, 1),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Thresholds, Timestamp};
    use proptest::prelude::*;

    pub(crate) fn summary(sport: SportKind, secs: u32) -> ActivitySummary {
        ActivitySummary {
            name: "x".into(),
            ..ActivitySummary::minimal("1", sport.into(), Timestamp::parse("2025-11-20T07:00:00+01:00").unwrap(), secs)
        }
    }

    pub(crate) fn basis() -> LoadBasis {
        LoadBasis {
            ftp_w: Some(250.0),
            run_threshold_mps: Some(4.0),
            swim_threshold_mps: Some(1.2),
            max_hr: 190.0,
            rest_hr: 50.0,
            threshold_hr: 170.0,
            female: false,
            assumed: vec![],
        }
    }

    #[test]
    fn an_hour_at_ftp_is_100_tss() {
        let mut ride = summary(SportKind::Ride, 3600);
        ride.average_power_w = Some(250.0);
        let l = activity_load(&ride, &basis());
        assert_eq!((l.method, l.load, l.intensity), (LoadMethod::Power, 100.0, Some(1.0)));
        // Half an hour at IF 0.8: 0.5 × 0.64 × 100 = 32.
        assert!((tss(1800.0, 0.8) - 32.0).abs() < 1e-9);
        // Swim: an hour at IF 0.9 scores 0.9³ × 100 = 72.9.
        assert!((swim_tss(3600.0, 0.9) - 72.9).abs() < 1e-9);
    }

    #[test]
    fn banister_trimp_worked_example() {
        // 30 min at 150 bpm, rest 50, max 190: HRr = 100/140 = 0.714286.
        // Men: 30 × 0.714286 × 0.64 × e^(1.92 × 0.714286) = 30 × 0.714286 × 0.64 × 3.94098 = 54.05.
        let hrr = hr_reserve(150.0, 50.0, 190.0);
        assert!((hrr - 0.714_286).abs() < 1e-6);
        assert!((trimp(1800.0, hrr, false) - 54.05).abs() < 0.01, "{}", trimp(1800.0, hrr, false));
        // Women: 30 × 0.714286 × 0.86 × e^(1.67 × 0.714286) = 30 × 0.714286 × 0.86 × 3.29647 = 60.75.
        assert!((trimp(1800.0, hrr, true) - 60.75).abs() < 0.01, "{}", trimp(1800.0, hrr, true));
    }

    #[test]
    fn heart_rate_load_is_100_for_an_hour_at_threshold_heart_rate() {
        let mut walk = summary(SportKind::Hike, 3600);
        walk.average_heartrate_bpm = Some(170.0);
        let l = activity_load(&walk, &basis());
        assert_eq!((l.method, l.load), (LoadMethod::HeartRate, 100.0));
        let bare = activity_load(&summary(SportKind::Yoga, 3600), &basis());
        assert_eq!((bare.method, bare.load), (LoadMethod::None, 0.0));
    }

    #[test]
    fn missing_thresholds_are_assumed_and_said() {
        let athlete = Athlete {
            id: "1".into(),
            name: "x".into(),
            sex: None,
            birth_year: Some(1985),
            weight_kg: None,
            height_m: None,
            location: None,
            thresholds: Thresholds::default(),
        };
        let b = LoadBasis::from_athlete(&athlete, LocalDate::parse("2025-11-23").unwrap());
        assert_eq!(b.max_hr, 180.0, "208 − 0.7 × 40");
        assert_eq!(b.rest_hr, 60.0);
        assert_eq!(b.assumed.len(), 4, "{:?}", b.assumed);
        assert!(b.ftp_w.is_none());
    }

    #[test]
    fn score_replaces_a_providers_figure_with_pierres_load_and_method() {
        let mut ride = summary(SportKind::Ride, 3600);
        ride.average_power_w = Some(250.0);
        // Garmin's EPOC-based figure on another scale.
        ride.training_load = Some(132.6);
        score(&mut ride, &basis());
        assert_eq!((ride.training_load, ride.training_load_method), (Some(100.0), Some(LoadMethod::Power)));
    }

    /// The issue: one long ride showed 159.5 in get_activities and 102.5 in
    /// get_training_load. Every synthetic activity's `training_load` must be
    /// exactly what it adds to its day in the fitness/fatigue series.
    #[test]
    fn an_activitys_training_load_is_what_it_adds_to_its_day() {
        use crate::analysis::fitness::form_series;
        use crate::providers::synthetic::{DEFAULT_SEED, Synthetic};
        use std::collections::BTreeMap;

        let s = Synthetic::generate(DEFAULT_SEED, time::macros::datetime!(2025-11-23 18:00 +01:00));
        let basis = LoadBasis::from_athlete(s.athlete(), s.today());
        let activities = s.all_activities();
        let loads: Vec<ActivityLoad> = activities.iter().map(|a| activity_load(a, &basis)).collect();
        let first = loads.iter().map(|l| l.date).min().unwrap();
        let days = form_series(&loads, first, s.today());
        let mut own: BTreeMap<LocalDate, Vec<&ActivitySummary>> = BTreeMap::new();
        for a in activities {
            own.entry(a.start_time.local_date()).or_default().push(a);
        }
        let mut alone = 0;
        for day in &days {
            let on_day = own.get(&day.date).map_or(&[][..], Vec::as_slice);
            let sum: f64 = on_day.iter().map(|a| a.training_load.expect("every activity is scored")).sum();
            assert_eq!(round_to(sum, 1), day.load, "{}", day.date);
            if let [a] = on_day {
                alone += 1;
                assert_eq!(a.training_load, Some(day.load), "{} {}", a.id, a.sport);
            }
        }
        assert!(alone > 50, "{alone} days with one activity");
        for a in activities.iter().step_by(25) {
            let l = activity_load(a, &basis);
            assert_eq!((a.training_load, a.training_load_method), (Some(l.load), Some(l.method)));
            let detail = s.activity(&a.id).unwrap();
            assert_eq!(detail.summary.training_load, a.training_load, "{}", a.id);
        }
    }

    fn any_summary() -> impl Strategy<Value = (ActivitySummary, u32)> {
        (
            0usize..SportKind::ALL.len(),
            0u32..30_000,
            1u32..20_000,
            proptest::option::of(-100.0f64..600.0),
            proptest::option::of(-1.0f64..8.0),
            proptest::option::of(-10.0f64..230.0),
        )
            .prop_map(|(sport, secs, extra, power, speed, hr)| {
                let mut a = summary(SportKind::ALL[sport], secs);
                a.average_power_w = power;
                a.average_speed_mps = speed;
                a.average_heartrate_bpm = hr;
                (a, extra)
            })
    }

    proptest! {
        #[test]
        fn load_is_never_negative_and_longer_never_scores_lower((a, extra) in any_summary(), female in any::<bool>()) {
            let b = LoadBasis { female, ..basis() };
            let short = activity_load(&a, &b);
            prop_assert!(short.load >= 0.0 && short.load.is_finite());
            let mut longer = a.clone();
            longer.moving_time_s += extra;
            let long = activity_load(&longer, &b);
            prop_assert_eq!(long.method, short.method);
            prop_assert!(long.load >= short.load, "{} < {}", long.load, short.load);
        }
    }
}
