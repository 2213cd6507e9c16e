//! Fitness, fatigue and form: exponentially weighted averages of daily load
//! (Banister's impulse-response model as the Performance Manager Chart uses it).
//!
//! Each day: avg += k × (load − avg), k = 1 − e^(−1/τ), with τ = 42 days for
//! fitness (CTL) and 7 days for fatigue (ATL). Form (TSB) on a day is the
//! fitness minus the fatigue at the end of the day before, so a hard session
//! shows up in the next day's form. Both start at zero on the first day of
//! the history, so values are low until about 3τ (some 4 months) in.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::load::ActivityLoad;
use crate::model::LocalDate;
use crate::model::activity::round_to;

/// Time constant of fitness (chronic training load), in days.
pub const FITNESS_DAYS: f64 = 42.0;
/// Time constant of fatigue (acute training load), in days.
pub const FATIGUE_DAYS: f64 = 7.0;

/// The daily weight of a new day's load: 1 − e^(−1/τ).
pub fn weight(tau_days: f64) -> f64 {
    1.0 - (-1.0 / tau_days).exp()
}

/// The running exponentially weighted average of `daily` loads, from zero.
pub fn ewma(daily: &[f64], tau_days: f64) -> Vec<f64> {
    let k = weight(tau_days);
    let mut avg = 0.0;
    daily
        .iter()
        .map(|load| {
            avg += k * (load - avg);
            avg
        })
        .collect()
}

/// One day of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DayForm {
    pub date: LocalDate,
    pub load: f64,
    // CTL (42-day EWMA), ATL (7-day EWMA) and TSB (yesterday's fitness −
    // fatigue); the tool's description names them, once.
    pub fitness: f64,
    pub fatigue: f64,
    pub form: f64,
}

/// Sums loads per day from `first` to `last` (inclusive).
pub fn daily_loads(loads: &[ActivityLoad], first: LocalDate, last: LocalDate) -> Vec<f64> {
    let days = first.days_until(last) + 1;
    let mut daily = vec![0.0; usize::try_from(days.max(0)).unwrap_or(0)];
    for l in loads {
        let i = first.days_until(l.date);
        if (0..days).contains(&i) {
            daily[i as usize] += l.load;
        }
    }
    daily
}

/// The model day by day from `first` (the start of the history) to `last`.
pub fn form_series(loads: &[ActivityLoad], first: LocalDate, last: LocalDate) -> Vec<DayForm> {
    let daily = daily_loads(loads, first, last);
    let fitness = ewma(&daily, FITNESS_DAYS);
    let fatigue = ewma(&daily, FATIGUE_DAYS);
    (0..daily.len())
        .map(|i| {
            let form = if i == 0 { 0.0 } else { fitness[i - 1] - fatigue[i - 1] };
            DayForm {
                date: first.add_days(i as i64),
                load: round_to(daily[i], 1),
                fitness: round_to(fitness[i], 1),
                fatigue: round_to(fatigue[i], 1),
                form: round_to(form, 1),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_load_converges_to_itself() {
        let daily = vec![80.0; 600];
        let ctl = ewma(&daily, FITNESS_DAYS);
        let atl = ewma(&daily, FATIGUE_DAYS);
        // After n days from zero: L × (1 − e^(−n/τ)).
        let after_42 = 80.0 * (1.0 - (-1.0f64).exp());
        assert!((ctl[41] - after_42).abs() < 1e-9, "{} vs {after_42}", ctl[41]);
        assert!((ctl[599] - 80.0).abs() < 0.01);
        assert!((atl[69] - 80.0).abs() < 0.01, "10τ of fatigue");
    }

    #[test]
    fn one_impulse_decays_by_e_to_the_minus_one_per_tau() {
        let mut daily = vec![0.0; 50];
        daily[0] = 100.0;
        let ctl = ewma(&daily, FITNESS_DAYS);
        let atl = ewma(&daily, FATIGUE_DAYS);
        assert!((ctl[0] - 100.0 * weight(42.0)).abs() < 1e-12);
        // k = 1 − e^(−1/42) = 0.023528; 42 days later it is e^(−1) of that.
        assert!((weight(42.0) - 0.023_528).abs() < 1e-6);
        assert!((ctl[42] / ctl[0] - (-1.0f64).exp()).abs() < 1e-12);
        assert!((atl[7] / atl[0] - (-1.0f64).exp()).abs() < 1e-12);
        assert!((weight(7.0) - 0.133_122).abs() < 1e-6);
    }

    #[test]
    fn form_is_yesterdays_fitness_minus_fatigue() {
        let first = LocalDate::parse("2025-01-01").unwrap();
        let load = |day: i64, load: f64| ActivityLoad {
            id: day.to_string(),
            date: first.add_days(day),
            sport: "run".into(),
            method: super::super::load::LoadMethod::Pace,
            intensity: None,
            load,
        };
        let s = form_series(&[load(0, 100.0), load(0, 50.0), load(2, 70.0)], first, first.add_days(3));
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].load, 150.0);
        assert_eq!(s[0].form, 0.0);
        assert!(s[1].form < 0.0, "a hard day leaves fatigue above fitness");
        assert_eq!(s[1].form, round_to(150.0 * (weight(42.0) - weight(7.0)), 1));
    }
}
