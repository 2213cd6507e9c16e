//! The first synthetic generator: a year of a multi-sport amateur's week.
//!
//! Every day is planned from `(seed, date)` alone, so a given day looks the
//! same whatever the clock says; the clock only decides where the history
//! ends. The week is a fixed pattern (intervals on Tuesday, a long ride on
//! Saturday, a long run on Sunday, swims and strength in between) with
//! chance skips, a lighter week in every four, a summer bump in volume and
//! indoor rides in winter. Sleep and recovery follow the previous day's load
//! a little. A richer generator can replace this one behind
//! [`crate::providers::Generator`].

use std::f64::consts::TAU;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration, Month, OffsetDateTime, Time, Weekday};

use super::random::{mix, rng_for};
use super::series::{self, Physiology, Segment, Workout, gauss};
use crate::model::activity::round_to;
use crate::model::{
    Activity, ActivitySummary, Athlete, LocalDate, Recovery, SleepSession, SleepStages, SportKind,
    Thresholds, Timestamp,
};
use crate::providers::{Generator, History};

/// Days of history, today included.
pub const HISTORY_DAYS: i64 = 365;

/// Days before the history used to warm up the load averages.
const WARM_UP_DAYS: i64 = 42;

// Separate streams of randomness, so adding a draw to one never changes another.
const SALT_ATHLETE: u64 = 0xA7;
const SALT_DAY: u64 = 0xD4;
const SALT_WEEK: u64 = 0x3E;
const SALT_NIGHT: u64 = 0x5C;

/// The basic generator for one seed and clock.
#[derive(Debug, Clone)]
pub struct BasicGenerator {
    seed: u64,
    now: OffsetDateTime,
    body: Physiology,
    athlete: Athlete,
    hrv_base_ms: f64,
}

const NAMES: &[(&str, &str)] = &[
    ("Alex Morgan", "female"),
    ("Sam Rivera", "male"),
    ("Noor Haddad", "female"),
    ("Luca Moretti", "male"),
    ("Mia Kowalski", "female"),
    ("Jonas Lindqvist", "male"),
];
const PLACES: &[&str] = &[
    "Annecy, France",
    "Girona, Spain",
    "Innsbruck, Austria",
    "Lucerne, Switzerland",
    "Ghent, Belgium",
];

impl BasicGenerator {
    /// A generator whose history ends at `now`, in `now`'s UTC offset.
    pub fn new(seed: u64, now: OffsetDateTime) -> Self {
        let mut rng = rng_for(seed, SALT_ATHLETE, 0);
        let (name, sex) = NAMES[rng.random_range(0..NAMES.len())];
        let female = sex == "female";
        let weight = round_to(
            if female {
                rng.random_range(54.0..66.0)
            } else {
                rng.random_range(64.0..78.0)
            },
            1,
        );
        let max_hr = rng.random_range(178.0..196.0f64).round();
        let rest_hr = rng.random_range(44.0..56.0f64).round();
        let ftp = (weight * rng.random_range(3.3..4.2f64)).round();
        let run_speed = round_to(rng.random_range(3.7..4.5), 2);
        let swim_speed = round_to(rng.random_range(1.05..1.35), 2);
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
            birth_year: Some(now.year() - rng.random_range(26..52)),
            weight_kg: Some(weight),
            height_m: Some(round_to(
                if female {
                    rng.random_range(1.58..1.76)
                } else {
                    rng.random_range(1.70..1.90)
                },
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
            seed,
            now,
            body,
            athlete,
            hrv_base_ms: rng.random_range(48.0..88.0),
        }
    }

    fn today(&self) -> Date {
        self.now.date()
    }

    /// `minutes` after midnight starting `date` (may run into the next day).
    fn at(&self, date: Date, minutes: u32) -> OffsetDateTime {
        date.with_time(Time::MIDNIGHT)
            .assume_offset(self.now.offset())
            + Duration::minutes(i64::from(minutes))
    }

    /// The workouts planned for `date`, in start order.
    fn plan_day(&self, date: Date) -> Vec<Workout> {
        let day = i64::from(date.to_julian_day());
        let mut rng = rng_for(self.seed, SALT_DAY, day);
        let week = (day - i64::from(date.weekday().number_days_from_monday())) / 7;
        // One week in a few is lost to illness or travel: walks only.
        let week_off = rng_for(self.seed, SALT_WEEK, week).random_bool(0.04);
        let recovery_week = week % 4 == 3;
        let season = 1.0 + 0.18 * (TAU * (f64::from(date.ordinal()) - 100.0) / 365.0).sin();
        let volume = season
            * if recovery_week {
                0.7
            } else {
                0.95 + 0.05 * (week % 4) as f64
            };
        let winter = matches!(
            date.month(),
            Month::November | Month::December | Month::January | Month::February
        );
        let mut plan = Vec::new();
        let mut add = |sport, minute: u32, build: Build| plan.push((sport, minute, build));
        if week_off {
            if rng.random_bool(0.4) {
                add(
                    SportKind::Walk,
                    rng.random_range(1020..1140),
                    Build::Steady(rng.random_range(1800..3600), 0.5),
                );
            }
        } else {
            match date.weekday() {
                Weekday::Monday if rng.random_bool(0.55) => {
                    add(
                        SportKind::Strength,
                        rng.random_range(1080..1170),
                        Build::Strength(rng.random_range(12..19)),
                    );
                }
                Weekday::Tuesday if rng.random_bool(0.9) => {
                    add(
                        SportKind::Run,
                        rng.random_range(375..450),
                        Build::intervals(&mut rng, recovery_week),
                    );
                }
                Weekday::Wednesday if rng.random_bool(0.8) => {
                    if week % 2 == 0 {
                        add(
                            SportKind::Swim,
                            rng.random_range(1110..1170),
                            Build::Swim(rng.random_range(8..13)),
                        );
                    } else if winter {
                        add(
                            SportKind::VirtualRide,
                            rng.random_range(1080..1140),
                            Build::SweetSpot(3),
                        );
                    } else {
                        let secs = (f64::from(rng.random_range(3600..5400)) * volume) as u32;
                        add(
                            SportKind::Ride,
                            rng.random_range(1050..1110),
                            Build::Steady(secs, 0.68),
                        );
                    }
                }
                Weekday::Thursday => {
                    if rng.random_bool(0.85) {
                        let build = if week % 2 == 0 {
                            Build::Tempo((f64::from(rng.random_range(1200..1800)) * volume) as u32)
                        } else {
                            Build::Steady(
                                (f64::from(rng.random_range(2400..3600)) * volume) as u32,
                                0.7,
                            )
                        };
                        add(SportKind::Run, rng.random_range(380..440), build);
                    }
                    if rng.random_bool(0.45) {
                        add(
                            SportKind::Swim,
                            rng.random_range(730..760),
                            Build::Swim(rng.random_range(6..11)),
                        );
                    }
                }
                Weekday::Friday if rng.random_bool(0.3) => {
                    add(
                        SportKind::Yoga,
                        rng.random_range(1110..1140),
                        Build::Steady(rng.random_range(1800..3600), 0.35),
                    );
                }
                Weekday::Saturday if rng.random_bool(0.85) => {
                    if winter && rng.random_bool(0.6) {
                        add(
                            SportKind::VirtualRide,
                            rng.random_range(480..600),
                            Build::SweetSpot(rng.random_range(3..5)),
                        );
                    } else {
                        let sport = match rng.random_range(0..20) {
                            0..=1 => SportKind::MountainBikeRide,
                            2..=3 => SportKind::GravelRide,
                            _ => SportKind::Ride,
                        };
                        let secs = (f64::from(rng.random_range(7200..14_400)) * volume) as u32;
                        add(sport, rng.random_range(480..570), Build::Steady(secs, 0.66));
                    }
                }
                Weekday::Sunday => {
                    if rng.random_bool(0.9) {
                        let sport = if rng.random_bool(0.25) {
                            SportKind::TrailRun
                        } else {
                            SportKind::Run
                        };
                        let secs = (f64::from(rng.random_range(4200..6600)) * volume) as u32;
                        add(sport, rng.random_range(480..570), Build::Steady(secs, 0.72));
                    }
                    if !winter && rng.random_bool(0.12) {
                        add(
                            SportKind::Hike,
                            rng.random_range(840..900),
                            Build::Steady(rng.random_range(7200..12_600), 0.55),
                        );
                    }
                }
                _ => {}
            }
        }
        plan.into_iter()
            .enumerate()
            .map(|(index, (sport, minute, build))| {
                let start = self.at(date, minute);
                let (segments, lap_per_segment, label, description) = build.segments(&self.body);
                Workout {
                    id: self.activity_id(day, index),
                    sport,
                    name: label.unwrap_or_else(|| {
                        format!("{} {}", time_of_day(minute), sport_label(sport))
                    }),
                    description,
                    start,
                    segments,
                    lap_per_segment,
                    outdoor: !matches!(
                        sport,
                        SportKind::VirtualRide
                            | SportKind::Swim
                            | SportKind::Strength
                            | SportKind::Yoga
                    ),
                    seed: mix(self.seed, SALT_DAY ^ 0xFF, day * 16 + index as i64),
                    purpose: None,
                }
            })
            .collect()
    }

    /// A provider-looking numeric id, unique per (seed, day, index).
    fn activity_id(&self, day: i64, index: usize) -> String {
        let prefix = mix(self.seed, SALT_ATHLETE, 1) % 900 + 100;
        format!("{prefix}{:08}{index}", day)
    }

    /// One night's sleep ending on `date`, and the morning's recovery.
    fn night(
        &self,
        date: Date,
        load_yesterday: f64,
        acute: f64,
        chronic: f64,
        first_start: Option<OffsetDateTime>,
    ) -> (SleepSession, Recovery) {
        let day = i64::from(date.to_julian_day());
        let mut rng = rng_for(self.seed, SALT_NIGHT, day);
        let eve = date.previous_day().unwrap_or(date);
        let late = matches!(eve.weekday(), Weekday::Friday | Weekday::Saturday);
        let bed = self.at(
            eve,
            rng.random_range(1335..1430) + if late { 40 } else { 0 },
        );
        let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        let natural = if weekend {
            rng.random_range(450..525)
        } else {
            rng.random_range(375..440)
        };
        let mut wake = self.at(date, natural);
        if let Some(start) = first_start {
            wake = wake.min(start - Duration::minutes(rng.random_range(35..60)));
        }
        let in_bed = (wake - bed).whole_seconds().clamp(4 * 3600, 11 * 3600) as f64;
        let awake_frac = rng.random_range(0.04..0.10);
        let deep_frac = (0.14 + 0.0004 * load_yesterday + rng.random_range(-0.02..0.03)).min(0.24);
        let rem_frac = rng.random_range(0.18..0.25);
        let stages = SleepStages {
            deep_s: (in_bed * deep_frac) as u32,
            rem_s: (in_bed * rem_frac) as u32,
            awake_s: (in_bed * awake_frac) as u32,
            light_s: (in_bed * (1.0 - deep_frac - rem_frac - awake_frac)) as u32,
        };
        let asleep = stages.deep_s + stages.light_s + stages.rem_s;
        let efficiency = f64::from(asleep) / in_bed;
        let restorative = f64::from(stages.deep_s + stages.rem_s) / f64::from(asleep.max(1));
        let score = 100.0
            * (0.5 * (f64::from(asleep) / 28_800.0).min(1.0)
                + 0.25 * ((efficiency - 0.8) / 0.17).clamp(0.0, 1.0)
                + 0.25 * (restorative / 0.45).min(1.0));
        let score = score.clamp(20.0, 99.0).round() as u8;
        let strain = (acute - chronic).max(0.0);
        let lowest_hr = (self.body.rest_hr
            + 0.08 * strain
            + 0.01 * load_yesterday
            + rng.random_range(-2.0..2.0))
        .round();
        let hrv = self.hrv_base_ms
            * (1.0 - 0.0012 * load_yesterday)
            * (1.0 - 0.004 * strain)
            * (1.0 + 0.06 * gauss(&mut rng));
        let hrv = round_to(hrv.max(15.0), 1);
        let sleep = SleepSession {
            date: LocalDate::new(date),
            start_time: Timestamp::new(bed),
            end_time: Timestamp::new(bed + Duration::seconds(in_bed as i64)),
            in_bed_s: in_bed as u32,
            asleep_s: asleep,
            stages: Some(stages),
            efficiency: Some(round_to(efficiency, 2)),
            score: Some(score),
            average_heartrate_bpm: Some(round_to(lowest_hr + rng.random_range(4.0..8.0), 1)),
            lowest_heartrate_bpm: Some(lowest_hr),
            average_hrv_ms: Some(hrv),
            respiratory_rate_per_min: Some(round_to(rng.random_range(13.0..16.5), 1)),
        };
        let recovery_score = 62.0 + 150.0 * (hrv / self.hrv_base_ms - 1.0)
            - 2.5 * (lowest_hr - self.body.rest_hr)
            + 0.3 * (f64::from(score) - 75.0)
            - 0.4 * strain;
        let recovery = Recovery {
            date: LocalDate::new(date),
            score: Some(recovery_score.clamp(5.0, 99.0).round() as u8),
            hrv_ms: Some(hrv),
            resting_heartrate_bpm: Some(lowest_hr),
            sleep_score: Some(score),
            acute_load: Some(round_to(acute, 1)),
            chronic_load: Some(round_to(chronic, 1)),
        };
        (sleep, recovery)
    }
}

/// How a planned session is built into segments.
enum Build {
    Steady(u32, f64),
    Tempo(u32),
    Intervals {
        reps: u32,
        work_s: u32,
        rest_s: u32,
        intensity: f64,
    },
    SweetSpot(u32),
    Swim(u32),
    Strength(u32),
}

impl Build {
    fn intervals(rng: &mut ChaCha8Rng, easy_week: bool) -> Build {
        let (reps, work_s, rest_s, intensity) = [
            (6, 180, 120, 1.08),
            (5, 240, 120, 1.05),
            (10, 60, 60, 1.2),
            (4, 480, 120, 1.0),
        ][rng.random_range(0..4)];
        Build::Intervals {
            reps: if easy_week { reps - reps / 3 } else { reps },
            work_s,
            rest_s,
            intensity,
        }
    }

    /// Segments, lap per segment, a name if the session has its own, a description.
    fn segments(&self, body: &Physiology) -> (Vec<Segment>, bool, Option<String>, Option<String>) {
        match *self {
            Build::Steady(secs, intensity) => {
                (vec![Segment::work(secs, intensity)], false, None, None)
            }
            Build::Tempo(secs) => (
                vec![
                    Segment::work(600, 0.7),
                    Segment::work(secs, 0.92),
                    Segment::work(600, 0.65),
                ],
                true,
                Some("Tempo Run".to_owned()),
                Some(format!(
                    "Warm-up 10 min, {} min at tempo, cool-down 10 min.",
                    secs / 60
                )),
            ),
            Build::Intervals {
                reps,
                work_s,
                rest_s,
                intensity,
            } => {
                let mut segments = vec![Segment::work(900, 0.7)];
                for _ in 0..reps {
                    segments.push(Segment::work(work_s, intensity));
                    segments.push(Segment::work(rest_s, 0.55));
                }
                segments.push(Segment::work(600, 0.65));
                let rep = if work_s % 60 == 0 {
                    format!("{} min", work_s / 60)
                } else {
                    format!("{work_s} s")
                };
                (
                    segments,
                    true,
                    Some(format!("Intervals {reps}×{rep}")),
                    Some(format!(
                        "Warm-up 15 min, {reps}×{rep} hard with {} s jog, cool-down 10 min.",
                        rest_s
                    )),
                )
            }
            Build::SweetSpot(reps) => {
                let mut segments = vec![Segment::work(600, 0.6)];
                for _ in 0..reps {
                    segments.push(Segment::work(600, 0.9));
                    segments.push(Segment::work(300, 0.55));
                }
                segments.push(Segment::work(600, 0.55));
                (
                    segments,
                    true,
                    Some(format!("Indoor Sweet Spot {reps}×10 min")),
                    None,
                )
            }
            Build::Swim(reps) => {
                let rep_s = (100.0 / (body.swim_speed_mps * (0.55 + 0.45 * 1.0))).round() as u32;
                let mut segments = vec![Segment::work(300, 0.6)];
                for _ in 0..reps {
                    segments.push(Segment::work(rep_s, 1.0));
                    segments.push(Segment::rest(20));
                }
                segments.push(Segment::work(240, 0.55));
                (
                    segments,
                    true,
                    Some("Pool Swim".to_owned()),
                    Some(format!("{reps}×100 m at threshold with 20 s rest.")),
                )
            }
            Build::Strength(sets) => {
                let mut segments = vec![Segment::work(300, 0.45)];
                for _ in 0..sets {
                    segments.push(Segment::work(45, 0.65));
                    segments.push(Segment::work(90, 0.35));
                }
                (
                    segments,
                    false,
                    Some("Strength Training".to_owned()),
                    Some(format!("{sets} sets, full body.")),
                )
            }
        }
    }
}

pub(super) fn time_of_day(minute: u32) -> &'static str {
    match minute / 60 {
        0..=10 => "Morning",
        11..=13 => "Lunch",
        14..=16 => "Afternoon",
        17..=20 => "Evening",
        _ => "Night",
    }
}

pub(super) fn sport_label(sport: SportKind) -> &'static str {
    match sport {
        SportKind::Run => "Run",
        SportKind::TrailRun => "Trail Run",
        SportKind::Walk => "Walk",
        SportKind::Hike => "Hike",
        SportKind::Ride => "Ride",
        SportKind::VirtualRide => "Indoor Ride",
        SportKind::MountainBikeRide => "Mountain Bike Ride",
        SportKind::GravelRide => "Gravel Ride",
        SportKind::Swim => "Swim",
        SportKind::Yoga => "Yoga",
        _ => "Workout",
    }
}

impl Generator for BasicGenerator {
    fn history(&self) -> History {
        let today = self.today();
        let first = today - Duration::days(HISTORY_DAYS - 1);
        let now = self.now;
        // Load averages (exponentially weighted, 7 and 42 days), warmed up on
        // planned loads before the first day of history.
        let (mut acute, mut chronic) = (40.0, 40.0);
        let decay = |avg: &mut f64, load: f64, days: f64| *avg += (load - *avg) / days;
        let mut day = first - Duration::days(WARM_UP_DAYS);
        while day < first {
            let load: f64 = self.plan_day(day).iter().map(Workout::planned_load).sum();
            decay(&mut acute, load, 7.0);
            decay(&mut chronic, load, 42.0);
            day = day.next_day().unwrap_or(day);
        }
        let mut activities = Vec::new();
        let mut sleep = Vec::new();
        let mut recovery = Vec::new();
        let mut load_yesterday = acute;
        let mut day = first;
        while day <= today {
            let plan = self.plan_day(day);
            let (night, morning) = self.night(
                day,
                load_yesterday,
                acute,
                chronic,
                plan.first().map(|w| w.start),
            );
            if night.end_time.get() <= now {
                sleep.push(night);
                recovery.push(morning);
            }
            let mut load = 0.0;
            for w in plan
                .iter()
                .filter(|w| w.start + Duration::seconds(i64::from(w.elapsed_s())) <= now)
            {
                let summary = series::summarise(w, &series::simulate(w, &self.body));
                load += summary.training_load.unwrap_or(0.0);
                activities.push(summary);
            }
            decay(&mut acute, load, 7.0);
            decay(&mut chronic, load, 42.0);
            load_yesterday = load;
            day = match day.next_day() {
                Some(next) => next,
                None => break,
            };
        }
        activities.reverse();
        sleep.reverse();
        recovery.reverse();
        History {
            athlete: self.athlete.clone(),
            activities,
            sleep,
            recovery,
            now: Timestamp::new(now),
        }
    }

    fn detail(&self, summary: &ActivitySummary) -> Option<Activity> {
        let date = summary.start_time.get().to_offset(self.now.offset()).date();
        let workout = self
            .plan_day(date)
            .into_iter()
            .find(|w| w.id == summary.id)?;
        Some(series::detail(
            &workout,
            &series::simulate(&workout, &self.body),
            &self.body,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_day_is_the_same_whatever_the_clock() {
        let a = BasicGenerator::new(7, datetime!(2025-11-23 20:00 +01:00)).history();
        let b = BasicGenerator::new(7, datetime!(2025-12-10 20:00 +01:00)).history();
        let day = |h: &History| -> Vec<ActivitySummary> {
            h.activities
                .iter()
                .filter(|a| a.start_time.local_date().to_string() == "2025-11-16")
                .cloned()
                .collect()
        };
        assert!(!day(&a).is_empty());
        assert_eq!(day(&a), day(&b));
    }

    #[test]
    fn nothing_ends_after_the_clock() {
        let now = datetime!(2025-11-23 08:30 +01:00);
        let h = BasicGenerator::new(42, now).history();
        for a in &h.activities {
            assert!(
                a.start_time.get() + Duration::seconds(i64::from(a.elapsed_time_s)) <= now,
                "{}",
                a.id
            );
        }
        assert!(h.sleep.iter().all(|s| s.end_time.get() <= now));
        assert_eq!(h.sleep.len(), h.recovery.len());
    }
}
