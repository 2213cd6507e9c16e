//! The default synthetic generator: a periodised year of a run-focused
//! multi-sport amateur, with sleep and recovery that answer to it.
//!
//! The athlete (`profile.rs`) is drawn from the seed. The [`Season`] gives
//! every week a phase (base, build, peak, taper, race, recovery,
//! transition) and a volume, puts goal races in spring and autumn, and
//! scatters illness and travel. Each day is then planned (`schedule.rs`) from its weekday,
//! its week's phase and its own random stream, so a day looks the same
//! whatever the clock says and [`PeriodisedGenerator::detail`] can re-plan
//! one day without replaying the year. Sessions are simulated by
//! [`super::series`] on the athlete's body as fit as the season has made it,
//! and [`Wellness`] walks the days to produce nights and mornings.

use time::{Date, Duration, OffsetDateTime, Time};

use super::labels::{HISTORY_DAYS, sport_label, time_of_day};
use super::profile::{Profile, SALT_PROFILE};
use super::random::{mix, rng_for};
use super::schedule::{Schedule, Slot};
use super::season::{Season, monday_of};
use super::series::{self, Physiology, Workout};
use super::sessions::Purpose;
use super::wellness::{Day, Wellness};
use crate::analysis::load::{self, LoadBasis};
use crate::model::{Activity, ActivitySummary, LocalDate, SportKind, Timestamp};
use crate::providers::{Generator, History};

/// Days before the history used to warm up the load averages.
const WARM_UP_DAYS: i64 = 42;

const SALT_DAY: u64 = 0xD7;

/// The periodised generator for one seed and clock.
#[derive(Debug, Clone)]
pub struct PeriodisedGenerator {
    seed: u64,
    now: OffsetDateTime,
    profile: Profile,
    season: Season,
    /// The athlete's thresholds as the analysis tools read them: every
    /// activity is scored on it, so the load the body absorbs (and sleep and
    /// recovery answer to) is the load every tool reports.
    basis: LoadBasis,
}

impl PeriodisedGenerator {
    /// A generator whose history ends at `now`, in `now`'s UTC offset.
    pub fn new(seed: u64, now: OffsetDateTime) -> Self {
        let profile = Profile::draw(seed, now);
        let basis = LoadBasis::from_athlete(&profile.athlete, LocalDate::new(now.date()));
        Self { seed, now, profile, season: Season::new(seed, now.year()), basis }
    }

    /// The athlete's body on `date`: as fast as the season has made them.
    fn body_on(&self, date: Date) -> Physiology {
        self.profile.body(self.season.fitness(date))
    }

    /// The workouts of `date`, in start order.
    fn plan_day(&self, date: Date) -> Vec<Workout> {
        let day = i64::from(date.to_julian_day());
        let mut rng = rng_for(self.seed, SALT_DAY, day);
        let week = self.season.week(monday_of(date));
        let schedule = Schedule { profile: &self.profile, season: &self.season };
        let mut slots = schedule.slots(date, &week, &mut rng);
        slots.sort_by_key(|s| s.minute);
        slots
            .into_iter()
            .enumerate()
            .map(|(index, slot)| {
                let Slot { sport, minute, session } = slot;
                Workout {
                    id: self.activity_id(day, index),
                    sport,
                    name: session.name.unwrap_or_else(|| format!("{} {}", time_of_day(minute), sport_label(sport))),
                    description: session.description,
                    start: date.with_time(Time::MIDNIGHT).assume_offset(self.now.offset())
                        + Duration::minutes(i64::from(minute)),
                    segments: session.segments,
                    lap_per_segment: session.lap_per_segment,
                    outdoor: !matches!(
                        sport,
                        SportKind::VirtualRide | SportKind::Swim | SportKind::Strength | SportKind::Yoga
                    ),
                    seed: mix(self.seed, SALT_DAY ^ 0xFF, day * 16 + index as i64),
                    purpose: session.purpose,
                }
            })
            .collect()
    }

    /// A provider-looking numeric id, unique per (seed, day, index).
    fn activity_id(&self, day: i64, index: usize) -> String {
        let prefix = mix(self.seed, SALT_PROFILE, 1) % 900 + 100;
        format!("{prefix}{day:08}{index}")
    }

    /// The week plan of `date` (for tests and the sample month).
    #[cfg(test)]
    pub(super) fn week_of(&self, date: Date) -> super::season::Week {
        self.season.week(monday_of(date))
    }

    /// The race result sentence: finishing time, and how it compares with
    /// earlier races over the same distance.
    fn race_report(&self, date: Date, activity: &Activity) -> Option<String> {
        let race = self.season.week(monday_of(date)).race?;
        let effort =
            |a: &Activity| a.best_efforts.iter().find(|e| e.name == race.kind.effort_name()).map(|e| e.elapsed_time_s);
        let time = effort(activity)?;
        let earlier: Option<u32> = self
            .season
            .races_before(date, 3)
            .into_iter()
            .filter(|r| r.kind == race.kind)
            .filter_map(|r| {
                let w = self.plan_day(r.date).into_iter().find(|w| w.purpose == Some(Purpose::Race))?;
                let body = self.body_on(r.date);
                effort(&series::detail(&w, &series::simulate(&w, &body), &body))
            })
            .min();
        let verdict = match earlier {
            None => "a first race at the distance, so a personal best".to_owned(),
            Some(best) if time < best => {
                format!("a personal best by {} (previous best {})", clock(best - time), clock(best))
            }
            Some(best) => format!("{} off the personal best of {}", clock(time - best), clock(best)),
        };
        Some(format!(
            "{}{} race. Finished in {}: {verdict}.",
            if race.goal { "Goal " } else { "Tune-up " },
            race.kind.label(),
            clock(time)
        ))
    }
}

/// Seconds as h:mm:ss or m:ss.
fn clock(secs: u32) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

impl Generator for PeriodisedGenerator {
    fn history(&self) -> History {
        let now = self.now;
        let today = now.date();
        let first = today - Duration::days(HISTORY_DAYS - 1);
        let mut body = Wellness::new(self.seed, now.offset(), self.profile.baseline, 45.0);
        let mut day = first - Duration::days(WARM_UP_DAYS);
        while day < first {
            body.absorb(self.plan_day(day).iter().map(Workout::planned_load).sum());
            day = day.next_day().unwrap_or(day);
        }
        let mut activities = Vec::with_capacity(400);
        let mut sleep = Vec::with_capacity(HISTORY_DAYS as usize);
        let mut recovery = Vec::with_capacity(HISTORY_DAYS as usize);
        let mut load_yesterday = body.acute;
        let mut day = first;
        while day <= today {
            let plan = self.plan_day(day);
            let (night, morning) = body.night(&Day {
                date: day,
                load_yesterday,
                gap: self.season.gap(day),
                first_start: plan.first().map(|w| w.start),
            });
            if night.end_time.get() <= now {
                sleep.push(night);
                recovery.push(morning);
            }
            let shape = self.body_on(day);
            let mut load = 0.0;
            for w in plan.iter().filter(|w| w.start + Duration::seconds(i64::from(w.elapsed_s())) <= now) {
                let mut summary = series::summarise(w, &series::simulate(w, &shape));
                load::score(&mut summary, &self.basis);
                load += summary.training_load.unwrap_or(0.0);
                activities.push(summary);
            }
            body.absorb(load);
            load_yesterday = load;
            day = match day.next_day() {
                Some(next) => next,
                None => break,
            };
        }
        activities.reverse();
        sleep.reverse();
        recovery.reverse();
        History { athlete: self.profile.athlete.clone(), activities, sleep, recovery, now: Timestamp::new(now) }
    }

    fn detail(&self, summary: &ActivitySummary) -> Option<Activity> {
        let date = summary.start_time.get().to_offset(self.now.offset()).date();
        let workout = self.plan_day(date).into_iter().find(|w| w.id == summary.id)?;
        let body = self.body_on(date);
        let mut activity = series::detail(&workout, &series::simulate(&workout, &body), &body);
        load::score(&mut activity.summary, &self.basis);
        if workout.purpose == Some(Purpose::Race) {
            activity.description = self.race_report(date, &activity);
        }
        Some(activity)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::season::{Gap, Phase};
    use super::*;
    use crate::model::{LocalDate, Period};
    use crate::providers::synthetic::{ActivityQuery, Synthetic};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    fn history(seed: u64) -> History {
        PeriodisedGenerator::new(seed, NOW).history()
    }

    /// Whether the plan had `a` as a race.
    fn is_race(g: &PeriodisedGenerator, a: &ActivitySummary) -> bool {
        g.plan_day(a.start_time.local_date().get()).iter().any(|w| w.id == a.id && w.purpose == Some(Purpose::Race))
    }

    fn end(a: &ActivitySummary) -> OffsetDateTime {
        a.start_time.get() + Duration::seconds(i64::from(a.elapsed_time_s))
    }

    #[test]
    fn the_same_seed_gives_the_same_year_and_another_seed_another_athlete() {
        let a = history(42);
        assert_eq!(a, history(42));
        let b = history(43);
        assert_ne!(a.athlete, b.athlete);
        assert_ne!(a.activities, b.activities);
        assert_ne!(a.recovery, b.recovery);
    }

    #[test]
    fn a_day_is_the_same_whatever_the_clock() {
        let later = PeriodisedGenerator::new(42, NOW + Duration::days(30)).history();
        let week = |h: &History| -> Vec<ActivitySummary> {
            h.activities
                .iter()
                .filter(|a| {
                    let d = a.start_time.local_date().to_string();
                    ("2026-11-09".."2026-11-16").contains(&d.as_str())
                })
                .cloned()
                .collect()
        };
        assert!(!week(&later).is_empty());
        assert_eq!(week(&history(42)), week(&later));
    }

    #[test]
    fn every_tool_tells_the_same_story() {
        let s = Synthetic::periodised(42, NOW);
        let g = PeriodisedGenerator::new(42, NOW);
        // Every race and every third activity (all of them is slow in debug builds).
        let sample = s.all_activities().iter().enumerate().filter(|(i, a)| i % 3 == 0 || is_race(&g, a));
        for (_, summary) in sample {
            let detail = s.activity(&summary.id).unwrap();
            assert_eq!(&detail.summary, summary);
            let lap_time: u32 = detail.laps.iter().map(|l| l.elapsed_time_s).sum();
            assert_eq!(lap_time, summary.elapsed_time_s);
        }
        for week in s.stats(Period::Week, 52, None) {
            let page = s
                .activities(&ActivityQuery {
                    from: Some(week.start),
                    to: Some(week.end),
                    limit: 1000,
                    ..ActivityQuery::default()
                })
                .unwrap();
            let distance: f64 = page.activities.iter().filter_map(|a| a.distance_m).sum();
            let load: f64 = page.activities.iter().filter_map(|a| a.training_load).sum();
            assert_eq!(week.totals.activities as usize, page.activities.len());
            assert!((week.totals.distance_m - distance).abs() < 0.1);
            assert!((week.totals.training_load - load).abs() < 0.1);
        }
        // One night and one morning per day, the same days, every day.
        let today = s.today();
        let from = LocalDate::new(today.get() - Duration::days(HISTORY_DAYS - 1));
        let nights = s.sleep(from, today);
        let mornings = s.recovery(from, today);
        assert_eq!(nights.len() as i64, HISTORY_DAYS);
        for (night, morning) in nights.iter().zip(&mornings) {
            assert_eq!(night.date, morning.date);
            assert_eq!(night.score, morning.sleep_score);
            assert_eq!(night.average_hrv_ms, morning.hrv_ms);
        }
        // Nobody trains in their sleep.
        for a in s.all_activities() {
            for n in &nights {
                let (from, to) = (n.start_time.get(), n.end_time.get());
                assert!(end(a) <= from || a.start_time.get() >= to, "{} in bed", a.id);
            }
        }
    }

    #[test]
    fn numbers_stay_within_the_athletes_limits() {
        for seed in [1, 42, 977] {
            let h = history(seed);
            let t = &h.athlete.thresholds;
            let (max_hr, rest_hr) = (t.max_heartrate_bpm.unwrap(), t.resting_heartrate_bpm.unwrap());
            let threshold_speed = t.threshold_speed_mps.unwrap();
            let ftp = t.ftp_w.unwrap();
            let mut starts: Vec<_> = h.activities.iter().collect();
            starts.sort_by_key(|a| a.start_time.get());
            for pair in starts.windows(2) {
                assert!(end(pair[0]) <= pair[1].start_time.get(), "{} overlaps", pair[1].id);
            }
            for a in &h.activities {
                let hr = a.max_heartrate_bpm.unwrap();
                assert!(hr <= max_hr && a.average_heartrate_bpm.unwrap() >= rest_hr, "{}", a.id);
                if matches!(a.sport.kind(), Some(SportKind::Run | SportKind::TrailRun)) {
                    let v = a.average_speed_mps.unwrap();
                    // Trails are slower: climbs, rough ground.
                    let slowest = if a.sport.kind() == Some(SportKind::Run) { 0.55 } else { 0.4 };
                    assert!(
                        (slowest * threshold_speed..=1.08 * threshold_speed).contains(&v),
                        "{} at {v} m/s, threshold {threshold_speed}",
                        a.id
                    );
                }
                if let Some(p) = a.average_power_w {
                    assert!(p < 1.1 * ftp, "{} at {p} W, FTP {ftp}", a.id);
                }
            }
            let weeks = weekly(&h);
            let hours: Vec<f64> = weeks.values().map(|w| w.hours).collect();
            let mean = hours.iter().sum::<f64>() / hours.len() as f64;
            assert!((4.0..=12.0).contains(&mean), "{mean:.1} h a week");
            assert!(hours.iter().all(|h| *h <= 18.0), "{hours:?}");
        }
    }

    /// Per ISO week: hours, load and the plan.
    struct WeekStats {
        hours: f64,
        load: f64,
        phase: Phase,
        gap: bool,
    }

    fn weekly(h: &History) -> HashMap<Date, WeekStats> {
        let g = PeriodisedGenerator::new(42, NOW);
        let mut out: HashMap<Date, WeekStats> = HashMap::new();
        for a in &h.activities {
            let day = a.start_time.local_date().get();
            let monday = monday_of(day);
            let w = out.entry(monday).or_insert_with(|| WeekStats {
                hours: 0.0,
                load: 0.0,
                phase: g.week_of(day).phase,
                gap: (0..7).any(|i| g.season.gap(monday + Duration::days(i)).is_some()),
            });
            w.hours += f64::from(a.moving_time_s) / 3600.0;
            w.load += a.training_load.unwrap_or(0.0);
        }
        // The first and the current week are partial.
        let today = NOW.date();
        out.retain(|monday, _| *monday > today - Duration::days(HISTORY_DAYS) && *monday + Duration::days(6) < today);
        out
    }

    #[test]
    fn recovery_weeks_are_lighter_and_races_are_tapered() {
        let h = history(42);
        let g = PeriodisedGenerator::new(42, NOW);
        let weeks = weekly(&h);
        let mean = |phase: Phase| {
            let loads: Vec<f64> = weeks.values().filter(|w| w.phase == phase && !w.gap).map(|w| w.load).collect();
            assert!(!loads.is_empty(), "no {phase:?} weeks");
            loads.iter().sum::<f64>() / loads.len() as f64
        };
        let (build, recovery, peak, taper) =
            (mean(Phase::Build), mean(Phase::Recovery), mean(Phase::Peak), mean(Phase::Taper));
        assert!(recovery < 0.8 * build, "recovery {recovery:.0} vs build {build:.0}");
        assert!(taper < 0.8 * peak, "taper {taper:.0} vs peak {peak:.0}");
        let races: Vec<_> = h.activities.iter().filter(|a| is_race(&g, a)).collect();
        assert!((1..=5).contains(&races.len()), "{} races", races.len());
        let reports: Vec<String> = races.iter().filter_map(|r| g.detail(r).and_then(|d| d.description)).collect();
        assert!(
            reports.iter().any(|r| r.contains("personal best by") || r.contains("so a personal best")),
            "{reports:?}"
        );
    }

    #[test]
    fn mornings_answer_to_load_rest_and_illness() {
        let h = history(42);
        let g = PeriodisedGenerator::new(42, NOW);
        let mean = |pick: &dyn Fn(&crate::model::Recovery) -> bool| {
            let v: Vec<f64> = h.recovery.iter().filter(|r| pick(r)).filter_map(|r| r.hrv_ms).collect();
            assert!(!v.is_empty());
            v.iter().sum::<f64>() / v.len() as f64
        };
        let strain = |r: &crate::model::Recovery| r.acute_load.unwrap() - r.chronic_load.unwrap();
        let ill = |r: &crate::model::Recovery| g.season.gap(r.date.get()) == Some(Gap::Illness);
        let loaded = mean(&|r| strain(r) > 8.0 && !ill(r));
        let rested = mean(&|r| strain(r) < -8.0 && !ill(r));
        assert!(loaded < rested, "HRV loaded {loaded:.1} vs rested {rested:.1}");
        if h.recovery.iter().any(&ill) {
            let score = |pick: &dyn Fn(&crate::model::Recovery) -> bool| {
                let v: Vec<f64> =
                    h.recovery.iter().filter(|r| pick(r)).filter_map(|r| r.score.map(f64::from)).collect();
                v.iter().sum::<f64>() / v.len() as f64
            };
            assert!(score(&ill) + 15.0 < score(&|r| !ill(r)));
            let sleep = |pick: &dyn Fn(&crate::model::SleepSession) -> bool| {
                let v: Vec<f64> = h.sleep.iter().filter(|n| pick(n)).filter_map(|n| n.score.map(f64::from)).collect();
                v.iter().sum::<f64>() / v.len() as f64
            };
            let ill_night = |n: &crate::model::SleepSession| g.season.gap(n.date.get()) == Some(Gap::Illness);
            assert!(sleep(&ill_night) + 5.0 < sleep(&|n| !ill_night(n)));
        }
    }

    #[test]
    fn the_sport_mix_is_a_multisport_year() {
        let h = history(42);
        let mut count: HashMap<SportKind, usize> = HashMap::new();
        for a in &h.activities {
            *count.entry(a.sport.kind().unwrap()).or_default() += 1;
        }
        for kind in [SportKind::Run, SportKind::Ride, SportKind::Swim, SportKind::Strength] {
            assert!(count.get(&kind).copied().unwrap_or(0) >= 10, "{kind}: {count:?}");
        }
        assert!(count.len() >= 7, "{count:?}");
        assert!(count[&SportKind::Run] > count[&SportKind::Swim]);
        let n = h.activities.len();
        assert!((220..=480).contains(&n), "{n} activities");
    }
}
