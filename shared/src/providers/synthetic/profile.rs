//! The synthetic athlete: who they are, drawn once from the seed.
//!
//! One "talent" draw makes run pace, cycling power, swim speed, resting
//! heart rate and HRV agree with each other; age lowers max heart rate
//! (208 − 0.7 × age) and, past 35, thresholds; sex scales body weight and
//! thresholds. The thresholds reported are the athlete's best form; on a
//! given day [`Profile::body`] is a little slower, as the season allows.

use rand::Rng;
use time::OffsetDateTime;

use super::random::rng_for;
use super::series::Physiology;
use super::wellness::Baseline;
use crate::model::activity::round_to;
use crate::model::{Athlete, Thresholds};

pub(super) const SALT_PROFILE: u64 = 0xB1;

const NAMES: &[(&str, &str)] = &[
    ("Alex Morgan", "female"),
    ("Sam Rivera", "male"),
    ("Noor Haddad", "female"),
    ("Luca Moretti", "male"),
    ("Mia Kowalski", "female"),
    ("Jonas Lindqvist", "male"),
    ("Aiko Tanaka", "female"),
    ("Tomás Ferreira", "male"),
];
const PLACES: &[&str] = &[
    "Annecy, France",
    "Girona, Spain",
    "Innsbruck, Austria",
    "Lucerne, Switzerland",
    "Ghent, Belgium",
    "Bristol, United Kingdom",
];

/// Who the athlete is, drawn once from the seed.
#[derive(Debug, Clone)]
pub(super) struct Profile {
    pub athlete: Athlete,
    /// At the athlete's best form; a day's body is a little slower.
    pub body: Physiology,
    /// Training hours of a normal week at volume 1.0.
    pub weekly_hours: f64,
    /// Share of long runs taken on trails.
    pub trail: f64,
    pub baseline: Baseline,
}

impl Profile {
    pub fn draw(seed: u64, now: OffsetDateTime) -> Self {
        let mut rng = rng_for(seed, SALT_PROFILE, 0);
        let (name, sex) = NAMES[rng.random_range(0..NAMES.len())];
        let female = sex == "female";
        let age = rng.random_range(24..56);
        // One talent draw makes pace, power and swim speed agree.
        let talent: f64 = rng.random_range(0.0..1.0);
        let weight = round_to(if female { rng.random_range(52.0..68.0) } else { rng.random_range(62.0..82.0) }, 1);
        let max_hr = (208.0 - 0.7 * f64::from(age) + rng.random_range(-6.0..6.0)).round();
        let rest_hr = (56.0 - 12.0 * talent + rng.random_range(-3.0..3.0)).round();
        let sex_factor: f64 = if female { 0.9 } else { 1.0 };
        let age_factor = 1.0 - 0.004 * f64::from((age - 35).max(0));
        let ftp = (weight * (2.9 + 1.3 * talent) * sex_factor.powf(0.5) * age_factor).round();
        let run_speed = round_to((3.5 + 1.0 * talent) * sex_factor * age_factor, 2);
        let swim_speed = round_to(rng.random_range(0.95..1.15) + 0.25 * talent, 2);
        let thresholds = Thresholds {
            max_heartrate_bpm: Some(max_hr),
            resting_heartrate_bpm: Some(rest_hr),
            threshold_heartrate_bpm: Some((rest_hr + 0.86 * (max_hr - rest_hr)).round()),
            ftp_w: Some(ftp),
            threshold_speed_mps: Some(run_speed),
            swim_threshold_speed_mps: Some(swim_speed),
        };
        let athlete = Athlete {
            id: format!("synthetic-{seed}"),
            name: name.to_owned(),
            sex: Some(sex.to_owned()),
            birth_year: Some(now.year() - age),
            weight_kg: Some(weight),
            height_m: Some(round_to(
                if female { rng.random_range(1.58..1.76) } else { rng.random_range(1.70..1.92) },
                2,
            )),
            location: Some(PLACES[rng.random_range(0..PLACES.len())].to_owned()),
            thresholds: thresholds.clone(),
        };
        let body = Physiology {
            max_hr,
            rest_hr,
            ftp_w: ftp,
            run_speed_mps: run_speed,
            swim_speed_mps: swim_speed,
            weight_kg: weight,
            thresholds,
        };
        Self {
            athlete,
            body,
            weekly_hours: rng.random_range(5.5..7.5) + 3.0 * talent,
            trail: rng.random_range(0.05..0.4),
            baseline: Baseline {
                hrv_ms: rng.random_range(40.0..70.0) + 25.0 * talent - 0.4 * f64::from(age - 24),
                rest_hr,
                sleep_need_min: rng.random_range(410.0..470.0),
            },
        }
    }

    /// The body at `fitness` (a fraction of the athlete's best form).
    pub fn body(&self, fitness: f64) -> Physiology {
        let best = &self.body;
        Physiology {
            ftp_w: (best.ftp_w * fitness).round(),
            run_speed_mps: best.run_speed_mps * fitness,
            swim_speed_mps: best.swim_speed_mps * (0.5 + 0.5 * fitness),
            ..best.clone()
        }
    }
}
