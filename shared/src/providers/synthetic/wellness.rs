//! Nights and mornings that answer to training.
//!
//! [`Wellness`] walks the history one day at a time and carries the state a
//! body carries: training load averaged over 7 days (acute) and 42 days
//! (chronic), and a slow random drift in HRV so consecutive mornings look
//! related. Each night it turns yesterday's load, the acute-to-chronic
//! balance, illness and travel into sleep stages, efficiency and a score,
//! and each morning into HRV, resting heart rate and a recovery score.
//!
//! The directions are the ones sports science agrees on; the sizes are
//! plausible, not fitted: acute load above chronic lowers HRV and raises
//! resting heart rate; a hard day deepens the next night's sleep; rest
//! weeks let both recover; illness drops everything and raises the
//! breathing rate; travel shortens and fragments sleep.

use rand::Rng;
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset, Weekday};

use super::random::rng_for;
use super::season::Gap;
use super::series::gauss;
use crate::model::activity::round_to;
use crate::model::{LocalDate, Recovery, SleepSession, SleepStages, Timestamp};

const SALT_NIGHT: u64 = 0x5D;

/// The parts of the athlete's physiology sleep and recovery depend on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Baseline {
    pub hrv_ms: f64,
    pub rest_hr: f64,
    /// Minutes of sleep the athlete gets on a normal work night.
    pub sleep_need_min: f64,
}

/// What happened before a night.
#[derive(Debug, Clone, Copy)]
pub(super) struct Day {
    pub date: Date,
    /// Training load of the day before `date`.
    pub load_yesterday: f64,
    pub gap: Option<Gap>,
    /// First activity of `date`, to wake up in time for it.
    pub first_start: Option<OffsetDateTime>,
}

/// The running state of the athlete's body.
#[derive(Debug, Clone)]
pub(super) struct Wellness {
    seed: u64,
    offset: UtcOffset,
    base: Baseline,
    pub acute: f64,
    pub chronic: f64,
    /// Slow HRV drift, as a fraction of the baseline.
    drift: f64,
    /// Consecutive days of illness so far.
    ill_days: u32,
}

impl Wellness {
    pub fn new(seed: u64, offset: UtcOffset, base: Baseline, start_load: f64) -> Self {
        Self { seed, offset, base, acute: start_load, chronic: start_load, drift: 0.0, ill_days: 0 }
    }

    /// Adds a day's training load to the averages.
    pub fn absorb(&mut self, load: f64) {
        self.acute += (load - self.acute) / 7.0;
        self.chronic += (load - self.chronic) / 42.0;
    }

    fn at(&self, date: Date, minutes: i64) -> OffsetDateTime {
        date.with_time(Time::MIDNIGHT).assume_offset(self.offset) + Duration::minutes(minutes)
    }

    /// The night ending on `day.date` and that morning's reading.
    pub fn night(&mut self, day: &Day) -> (SleepSession, Recovery) {
        let date = day.date;
        let mut rng = rng_for(self.seed, SALT_NIGHT, i64::from(date.to_julian_day()));
        let ill = day.gap == Some(Gap::Illness);
        let away = day.gap == Some(Gap::Travel);
        self.ill_days = if ill { self.ill_days + 1 } else { 0 };
        // Illness hits hardest on its second and third day.
        let sick = if ill { [0.6, 1.0, 1.0, 0.8, 0.6, 0.45, 0.3][(self.ill_days as usize - 1).min(6)] } else { 0.0 };
        // Positive when the last week was harder than the athlete is used to.
        let strain = (self.acute - self.chronic).clamp(-25.0, 60.0);
        let load = day.load_yesterday;

        let eve = date.previous_day().unwrap_or(date);
        let late = matches!(eve.weekday(), Weekday::Friday | Weekday::Saturday);
        let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        // Tired athletes go to bed earlier; travellers and weekends later.
        let bed_min =
            rng.random_range(1335..1415) + if late { 35 } else { 0 } + if away { rng.random_range(-30..75) } else { 0 }
                - if load > 150.0 { 20 } else { 0 }
                - if ill { 45 } else { 0 };
        let bed = self.at(eve, i64::from(bed_min));
        let need = self.base.sleep_need_min
            + if weekend { rng.random_range(25.0..70.0) } else { 0.0 }
            + 0.1 * load.min(250.0)
            + 60.0 * sick
            + 8.0 * gauss(&mut rng);
        let mut wake = bed + Duration::minutes((need / 0.9) as i64);
        // Work days have an alarm; weekends, sick days and trips do not.
        if !weekend && !ill && !away {
            wake = wake.min(self.at(date, rng.random_range(385..430)));
        }
        if let Some(start) = day.first_start {
            wake = wake.min(start - Duration::minutes(rng.random_range(35..60)));
        }
        let in_bed = (wake - bed).whole_seconds().clamp(4 * 3600, 11 * 3600) as f64;

        let awake_frac =
            (rng.random_range(0.04..0.08) + 0.0008 * strain.max(0.0) + 0.16 * sick + if away { 0.05 } else { 0.0 })
                .min(0.3);
        let deep_frac =
            (0.14 + 0.00035 * load.min(250.0) - 0.06 * sick + rng.random_range(-0.02..0.025)).clamp(0.06, 0.25);
        let rem_frac = (rng.random_range(0.18..0.24) - 0.06 * sick).max(0.1);
        let stages = SleepStages {
            deep_s: (in_bed * deep_frac) as u32,
            rem_s: (in_bed * rem_frac) as u32,
            awake_s: (in_bed * awake_frac) as u32,
            light_s: (in_bed * (1.0 - deep_frac - rem_frac - awake_frac)) as u32,
        };
        let asleep = stages.deep_s + stages.light_s + stages.rem_s;
        let efficiency = f64::from(asleep) / in_bed;
        let restorative = f64::from(stages.deep_s + stages.rem_s) / f64::from(asleep.max(1));
        // Duration against need, efficiency, deep + REM share, and a regular
        // bedtime, weighted roughly as consumer wearables weigh them.
        let need_h = self.base.sleep_need_min / 60.0 + 0.25;
        let asleep_h = f64::from(asleep) / 3600.0;
        let score = 45.0 * ((asleep_h - 5.0) / (need_h - 5.0)).clamp(0.0, 1.0)
            + 25.0 * ((efficiency - 0.75) / 0.2).clamp(0.0, 1.0)
            + 20.0 * ((restorative - 0.25) / 0.2).clamp(0.0, 1.0)
            + if bed_min < 1410 { 10.0 } else { 5.0 };
        let score = score.clamp(15.0, 99.0).round() as u8;

        self.drift = 0.7 * self.drift + 0.03 * gauss(&mut rng);
        let hrv = self.base.hrv_ms
            * (1.0 + self.drift)
            * (1.0 - 0.0006 * load.min(300.0))
            * (1.0 - 0.005 * strain)
            * (1.0 - 0.35 * sick)
            * (if away { 0.93 } else { 1.0 })
            * (1.0 + 0.05 * gauss(&mut rng));
        let hrv = round_to(hrv.max(12.0), 1);
        let rest_hr = (self.base.rest_hr
            + 0.12 * strain.max(-10.0)
            + 0.012 * load.min(300.0)
            + 8.0 * sick
            + if away { 2.0 } else { 0.0 }
            + 1.3 * gauss(&mut rng))
        .round()
        .max(self.base.rest_hr - 5.0);
        let breathing = rng.random_range(13.2..15.8) + 2.5 * sick;
        let sleep = SleepSession {
            date: LocalDate::new(date),
            start_time: Timestamp::new(bed),
            end_time: Timestamp::new(bed + Duration::seconds(in_bed as i64)),
            in_bed_s: in_bed as u32,
            asleep_s: Some(asleep),
            stages: Some(stages),
            efficiency: Some(round_to(efficiency, 2)),
            score: Some(score),
            average_heartrate_bpm: Some(round_to(rest_hr + rng.random_range(4.0..8.0), 1)),
            lowest_heartrate_bpm: Some(rest_hr),
            average_hrv_ms: Some(hrv),
            respiratory_rate_per_min: Some(round_to(breathing, 1)),
            score_status: None,
        };
        let readiness = 60.0 + 140.0 * (hrv / self.base.hrv_ms - 1.0) - 2.5 * (rest_hr - self.base.rest_hr)
            + 0.35 * (f64::from(score) - 75.0)
            - 0.3 * strain.max(0.0)
            - 10.0 * sick;
        let recovery = Recovery {
            date: LocalDate::new(date),
            score: Some(soft_floor(readiness).clamp(1.0, 99.0).round() as u8),
            hrv_ms: Some(hrv),
            resting_heartrate_bpm: Some(rest_hr),
            sleep_score: Some(score),
            acute_load: Some(round_to(self.acute, 1)),
            chronic_load: Some(round_to(self.chronic, 1)),
            temperature_deviation_c: None,
            spo2_percent: None,
            strain: None,
            score_status: None,
        };
        (sleep, recovery)
    }
}

/// Below 20 a score keeps falling, ever more slowly, instead of sticking
/// at a floor: three sick mornings read 12, 8, 6 rather than 5, 5, 5.
fn soft_floor(score: f64) -> f64 {
    if score >= 20.0 { score } else { 20.0 * ((score - 20.0) / 20.0).exp() }
}
