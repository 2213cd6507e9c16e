//! The season: target races, the phase of every week, and the gaps.
//!
//! A season is a pure function of the seed and the calendar, never of the
//! clock: each calendar year gets a spring and an autumn goal race (and
//! sometimes a tune-up race), and a week's phase follows from how far it
//! is from the next goal race and from the last one. Counting back from a
//! race: race week, taper, two peak weeks, then 3:1 build blocks (three
//! loading weeks, one recovery week) for twelve weeks, and 3:1 base
//! blocks before that. After a race come one or two easy weeks.
//!
//! Gaps (illness, travel) are drawn per week and never fall in the two
//! weeks before a race.

use rand::Rng;
use time::{Date, Duration, Month};

use super::random::rng_for;

const SALT_RACES: u64 = 0x7A;
const SALT_GAPS: u64 = 0x61;

/// Weeks of loading in a build before the peak weeks (three 3:1 blocks).
const BUILD_WEEKS: i64 = 12;

/// Where a week sits in the season.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Phase {
    /// Aerobic volume, little intensity.
    Base,
    /// Volume plus threshold and interval work.
    Build,
    /// The hardest, most race-specific weeks.
    Peak,
    /// Less volume, some intensity kept, before the race.
    Taper,
    /// The week that ends with a goal race.
    Race,
    /// The easy week in every 3:1 block.
    Recovery,
    /// Easy weeks right after a goal race.
    Transition,
}

/// Race distances the athlete targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RaceKind {
    FiveK,
    TenK,
    HalfMarathon,
    Marathon,
}

impl RaceKind {
    pub fn distance_m(self) -> f64 {
        match self {
            RaceKind::FiveK => 5_000.0,
            RaceKind::TenK => 10_000.0,
            RaceKind::HalfMarathon => 21_097.5,
            RaceKind::Marathon => 42_195.0,
        }
    }

    /// Effort relative to threshold that an athlete can hold for the distance.
    pub fn intensity(self) -> f64 {
        match self {
            RaceKind::FiveK => 1.06,
            RaceKind::TenK => 1.02,
            RaceKind::HalfMarathon => 0.95,
            RaceKind::Marathon => 0.86,
        }
    }

    /// The best-effort name the distance is reported under.
    pub fn effort_name(self) -> &'static str {
        match self {
            RaceKind::FiveK => "5k",
            RaceKind::TenK => "10k",
            RaceKind::HalfMarathon => "half_marathon",
            RaceKind::Marathon => "marathon",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RaceKind::FiveK => "5K",
            RaceKind::TenK => "10K",
            RaceKind::HalfMarathon => "Half Marathon",
            RaceKind::Marathon => "Marathon",
        }
    }

    /// Easy weeks after the race.
    fn transition_weeks(self) -> i64 {
        if self == RaceKind::Marathon { 2 } else { 1 }
    }
}

/// One race on the calendar.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Race {
    /// Always a Sunday.
    pub date: Date,
    pub kind: RaceKind,
    pub name: String,
    /// A goal race shapes the season; a tune-up is just a hard Sunday.
    pub goal: bool,
}

/// Why the athlete is not training normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gap {
    /// No training; sleep and recovery suffer.
    Illness,
    /// Away from home: walks, the odd hotel run, worse sleep.
    Travel,
}

/// A week's plan.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Week {
    pub monday: Date,
    pub phase: Phase,
    /// Training volume relative to the athlete's usual week.
    pub volume: f64,
    /// A race on this week's Sunday, goal or tune-up.
    pub race: Option<Race>,
}

/// The season calendar of one seed.
#[derive(Debug, Clone)]
pub(super) struct Season {
    seed: u64,
    cities: [&'static str; 2],
    /// The races of the years around the history, drawn once: every day
    /// asks about them several times. Years outside are drawn on demand.
    calendar: Vec<Race>,
    years: std::ops::RangeInclusive<i32>,
}

const RACE_CITIES: &[&str] =
    &["Lakeside", "Riverside", "Harbour", "Old Town", "Valley", "Castle", "Parkland", "Bridges"];

/// The first Sunday on or after `date`.
fn sunday_on_or_after(date: Date) -> Date {
    let ahead = (7 - date.weekday().number_days_from_sunday()) % 7;
    date + Duration::days(i64::from(ahead))
}

/// The Monday of `date`'s week.
pub(super) fn monday_of(date: Date) -> Date {
    date - Duration::days(i64::from(date.weekday().number_days_from_monday()))
}

impl Season {
    /// The season of `seed`; `around` is the year the history is in, so
    /// its races are drawn once (the calendar is the same for any `around`).
    pub fn new(seed: u64, around: i32) -> Self {
        let mut rng = rng_for(seed, SALT_RACES, -1);
        let a = rng.random_range(0..RACE_CITIES.len());
        let b = (a + rng.random_range(1..RACE_CITIES.len())) % RACE_CITIES.len();
        let years = around - 4..=around + 2;
        let mut season =
            Self { seed, cities: [RACE_CITIES[a], RACE_CITIES[b]], calendar: Vec::new(), years: years.clone() };
        // `draw_races` reads only the seed, so the calendar can be filled in after.
        season.calendar = years.flat_map(|y| season.draw_races(y)).collect();
        season
    }

    /// The races of one calendar year, in date order.
    pub fn races_in(&self, year: i32) -> Vec<Race> {
        if self.years.contains(&year) {
            return self.calendar.iter().filter(|r| r.date.year() == year).cloned().collect();
        }
        self.draw_races(year)
    }

    fn draw_races(&self, year: i32) -> Vec<Race> {
        let mut rng = rng_for(self.seed, SALT_RACES, i64::from(year));
        let spring_kind = if rng.random_bool(0.4) { RaceKind::Marathon } else { RaceKind::HalfMarathon };
        let autumn_kind = if rng.random_bool(0.5) { RaceKind::HalfMarathon } else { RaceKind::TenK };
        let date_in = |month: Month, day: u8, weeks: i64| {
            Date::from_calendar_date(year, month, day).map(|d| sunday_on_or_after(d) + Duration::weeks(weeks)).ok()
        };
        let spring = date_in(Month::April, 6, rng.random_range(0..6));
        let autumn = date_in(Month::September, 14, rng.random_range(0..6));
        let tune_up = rng.random_bool(0.7);
        let tune_up_kind = if rng.random_bool(0.5) { RaceKind::TenK } else { RaceKind::FiveK };
        let mut races = Vec::new();
        if let Some(date) = spring {
            if tune_up {
                races.push(Race {
                    date: date - Duration::weeks(5),
                    kind: tune_up_kind,
                    name: format!("{} Spring {}", self.cities[1], tune_up_kind.label()),
                    goal: false,
                });
            }
            races.push(Race {
                date,
                kind: spring_kind,
                name: format!("{} {}", self.cities[0], spring_kind.label()),
                goal: true,
            });
        }
        if let Some(date) = autumn {
            races.push(Race {
                date,
                kind: autumn_kind,
                name: format!("{} Autumn {}", self.cities[1], autumn_kind.label()),
                goal: true,
            });
        }
        races
    }

    /// Goal races from `year - 1` to `year + 1`, in date order.
    fn goals_around(&self, year: i32) -> impl Iterator<Item = Race> + '_ {
        (year - 1..=year + 1).flat_map(|y| self.races_in(y)).filter(|r| r.goal)
    }

    /// Every race (goal or tune-up) before `date`, newest last.
    pub fn races_before(&self, date: Date, years: i32) -> Vec<Race> {
        (date.year() - years..=date.year()).flat_map(|y| self.races_in(y)).filter(|r| r.date < date).collect()
    }

    /// The plan of the week starting `monday`.
    pub fn week(&self, monday: Date) -> Week {
        let sunday = monday + Duration::days(6);
        let next = self.goals_around(monday.year()).find(|r| r.date >= monday);
        let last = self.goals_around(monday.year()).filter(|r| r.date < monday).last();
        let weeks_to = next.as_ref().map_or(99, |r| (r.date - sunday).whole_weeks());
        let weeks_since = last.as_ref().map_or(99, |r| (sunday - r.date).whole_weeks());
        // 3:1 blocks are counted back from the peak, so every block ends in
        // its recovery week and the peak follows a recovery week.
        let block = (weeks_to - 4).rem_euclid(4);
        // How far into the build: later blocks load more.
        let progress = (1.0 - (weeks_to as f64 - 4.0) / BUILD_WEEKS as f64).clamp(0.0, 1.0);
        let (phase, volume) = match (weeks_to, weeks_since) {
            (0, _) => (Phase::Race, 0.5),
            (_, s) if last.as_ref().is_some_and(|r| s <= r.kind.transition_weeks()) => {
                (Phase::Transition, 0.4 + 0.15 * (s - 1) as f64)
            }
            (1, _) => (Phase::Taper, 0.65),
            (2..=3, _) => (Phase::Peak, 1.2),
            (_, _) if block == 0 => (Phase::Recovery, 0.62),
            (4..=15, _) => (Phase::Build, 1.0 + 0.12 * progress + 0.05 * (3 - block) as f64),
            _ => (Phase::Base, 0.85 + 0.04 * (3 - block) as f64),
        };
        let race = self.races_in(sunday.year()).into_iter().find(|r| r.date == sunday);
        Week { monday, phase, volume, race }
    }

    /// Form on `date`, 0.955 to 1.0 of the athlete's best: it rises
    /// through a build to the goal race and fades slowly afterwards.
    pub fn fitness(&self, date: Date) -> f64 {
        let next = self.goals_around(date.year()).find(|r| r.date >= date);
        let last = self.goals_around(date.year()).filter(|r| r.date < date).last();
        let rising = next.map_or(0.0, |r| 1.0 - ((r.date - date).whole_days() as f64 / 7.0 / 24.0).min(1.0));
        let fading = last.map_or(0.0, |r| 1.0 - ((date - r.date).whole_days() as f64 / 7.0 / 12.0).min(1.0));
        0.955 + 0.045 * rising.max(fading)
    }

    /// The gap `date` falls in, if any.
    pub fn gap(&self, date: Date) -> Option<Gap> {
        let monday = monday_of(date);
        // A gap lasts at most nine days, so it starts this week or last.
        [monday - Duration::weeks(1), monday]
            .into_iter()
            .filter_map(|m| self.gap_starting_in(m))
            .find(|(start, days, _)| date >= *start && date < *start + Duration::days(*days))
            .map(|(_, _, gap)| gap)
    }

    /// The gap that starts in the week of `monday`: (first day, days, kind).
    fn gap_starting_in(&self, monday: Date) -> Option<(Date, i64, Gap)> {
        let week = i64::from(monday.to_julian_day()) / 7;
        let mut rng = rng_for(self.seed, SALT_GAPS, week);
        let roll: f64 = rng.random();
        let (gap, days) = if roll < 0.035 {
            (Gap::Illness, rng.random_range(3..=7))
        } else if roll < 0.065 {
            (Gap::Travel, rng.random_range(4..=9))
        } else {
            return None;
        };
        let start = monday + Duration::days(rng.random_range(0..7));
        let end = start + Duration::days(days);
        // Never in the run-in to a race, and never over a race day.
        let near_race = self
            .races_in(start.year())
            .into_iter()
            .chain(self.races_in(start.year() + 1))
            .any(|r| r.date >= start - Duration::days(1) && r.date < end + Duration::days(14));
        (!near_race).then_some((start, days, gap))
    }

    /// Days since the end of an illness, if one ended in the last `within` days.
    pub fn days_since_illness(&self, date: Date, within: i64) -> Option<i64> {
        (1..=within).find(|back| self.gap(date - Duration::days(*back)) == Some(Gap::Illness))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_goal_race_is_preceded_by_taper_peak_and_build() {
        let season = Season::new(42, 2026);
        let race = season.races_in(2026).into_iter().find(|r| r.goal).expect("a goal race");
        let monday = monday_of(race.date);
        let phase = |weeks_before: i64| season.week(monday - Duration::weeks(weeks_before)).phase;
        assert_eq!(season.week(monday).race, Some(race.clone()));
        assert_eq!(phase(0), Phase::Race);
        assert_eq!(phase(1), Phase::Taper);
        assert_eq!(phase(2), Phase::Peak);
        assert_eq!(phase(3), Phase::Peak);
        assert_eq!(phase(4), Phase::Recovery);
        assert_eq!(phase(5), Phase::Build);
        assert_eq!(phase(8), Phase::Recovery);
        assert_eq!(season.week(monday + Duration::weeks(1)).phase, Phase::Transition);
        assert!(season.fitness(race.date) > season.fitness(race.date - Duration::weeks(20)));
    }

    #[test]
    fn the_calendar_does_not_depend_on_the_year_it_was_made_around() {
        let (a, b) = (Season::new(42, 2026), Season::new(42, 2019));
        for year in 2018..2030 {
            assert_eq!(a.races_in(year), b.races_in(year));
        }
        assert_ne!(a.races_in(2026), Season::new(43, 2026).races_in(2026));
    }

    #[test]
    fn gaps_are_short_and_stay_clear_of_races() {
        let season = Season::new(42, 2026);
        let mut day = date!(2025 - 01 - 01);
        let (mut ill, mut away) = (0, 0);
        while day < date!(2027 - 01 - 01) {
            match season.gap(day) {
                Some(Gap::Illness) => ill += 1,
                Some(Gap::Travel) => away += 1,
                None => {}
            }
            if season.gap(day).is_some() {
                assert!(!season.races_in(day.year()).iter().any(|r| r.date == day));
            }
            day = day.next_day().unwrap();
        }
        assert!(ill + away > 0 && ill + away < 120, "{ill} ill, {away} away");
    }
}
