//! The week's shape: which sessions a day holds, given the weekday, the
//! week's phase and volume, the season's gaps and the day's own dice.
//!
//! The pattern a self-coached amateur keeps: strength on Monday, run
//! intervals on Tuesday, a swim (and in loading weeks an early ride) on
//! Wednesday, a tempo run on Thursday, yoga now and then on Friday, a long
//! ride on Saturday (indoors in winter), a long run on Sunday. Loading
//! phases add intensity; recovery, taper, race and transition weeks take
//! volume and intensity away; illness empties days and travel turns them
//! into walks and hotel runs.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::{Date, Month, Weekday};

use super::labels::sport_label;
use super::profile::Profile;
use super::season::{Gap, Phase, RaceKind, Season, Week};
use super::series::Physiology;
use super::sessions::{self, Purpose, Session};
use crate::model::SportKind;

/// One planned session before it becomes a [`super::series::Workout`].
pub(super) struct Slot {
    pub sport: SportKind,
    /// Minutes after midnight.
    pub minute: u32,
    pub session: Session,
}

fn winter(date: Date) -> bool {
    matches!(date.month(), Month::November | Month::December | Month::January | Month::February)
}

fn summer(date: Date) -> bool {
    matches!(date.month(), Month::May | Month::June | Month::July | Month::August | Month::September)
}
/// Plans days for one athlete and season.
pub(super) struct Schedule<'a> {
    pub profile: &'a Profile,
    pub season: &'a Season,
}

impl Schedule<'_> {
    fn body_on(&self, date: Date) -> Physiology {
        self.profile.body(self.season.fitness(date))
    }

    /// `minutes` of the athlete's usual week, scaled by this week's volume,
    /// with some day-to-day wobble; in seconds.
    fn scaled(&self, minutes: f64, week: &Week, rng: &mut ChaCha8Rng) -> u32 {
        let scale = self.profile.weekly_hours / 7.5 * week.volume;
        (minutes * 60.0 * scale * rng.random_range(0.88..1.12)) as u32
    }

    /// The sessions of `date`, in start order.
    pub fn slots(&self, date: Date, week: &Week, rng: &mut ChaCha8Rng) -> Vec<Slot> {
        let mut out = Vec::new();
        let mut add = |sport, minute: u32, session| out.push(Slot { sport, minute, session });
        let phase = week.phase;
        match self.season.gap(date) {
            Some(Gap::Illness) => return out,
            Some(Gap::Travel) => {
                let roll: f64 = rng.random();
                if roll < 0.3 {
                    add(SportKind::Run, rng.random_range(390..420), sessions::easy(rng.random_range(1800..2700), rng));
                } else if roll < 0.75 {
                    add(
                        SportKind::Walk,
                        rng.random_range(960..1080),
                        sessions::gentle(rng.random_range(2400..6000), 0.5, None),
                    );
                }
                return out;
            }
            None => {}
        }
        // The first days back after illness are easy whatever the plan says.
        let hard_ok = self.season.days_since_illness(date, 4).is_none();
        let loading = matches!(phase, Phase::Base | Phase::Build | Phase::Peak);
        let hard = hard_ok && matches!(phase, Phase::Build | Phase::Peak);
        let goal_marathon = week.race.as_ref().is_some_and(|r| r.goal && r.kind == RaceKind::Marathon);
        let run_speed = self.body_on(date).run_speed_mps;
        let go = |rng: &mut ChaCha8Rng, p: f64| rng.random_bool(p);
        match date.weekday() {
            Weekday::Monday => {
                if loading && go(rng, 0.5) {
                    add(
                        SportKind::Strength,
                        rng.random_range(1080..1170),
                        sessions::strength(rng.random_range(12..19)),
                    );
                }
            }
            Weekday::Tuesday => {
                let minute = rng.random_range(375..440);
                let session = match phase {
                    Phase::Race => Some(sessions::easy_with_strides(2100, rng)),
                    Phase::Transition => go(rng, 0.5).then(|| sessions::recovery(1800)),
                    Phase::Taper => Some(sessions::intervals(rng, 0.6, "Intervals", false)),
                    Phase::Recovery => Some(sessions::easy(self.scaled(55.0, week, rng), rng)),
                    Phase::Base => Some(sessions::easy_with_strides(self.scaled(55.0, week, rng), rng)),
                    Phase::Build | Phase::Peak if hard => {
                        let scale = if phase == Phase::Peak { 1.15 } else { 1.0 };
                        Some(sessions::intervals(rng, scale, "Intervals", false))
                    }
                    _ => Some(sessions::easy(self.scaled(45.0, week, rng), rng)),
                };
                if let Some(session) = session.filter(|_| go(rng, 0.93)) {
                    add(SportKind::Run, minute, session);
                }
            }
            Weekday::Wednesday => {
                if loading && go(rng, 0.45) {
                    let minute = rng.random_range(380..400);
                    if winter(date) {
                        let session = if hard {
                            sessions::intervals(rng, 1.0, "Indoor", true)
                        } else {
                            sessions::easy(self.scaled(60.0, week, rng), rng)
                        };
                        add(SportKind::VirtualRide, minute, session);
                    } else {
                        let secs = self.scaled(70.0, week, rng).min(5400);
                        add(SportKind::Ride, minute, sessions::easy(secs, rng));
                    }
                }
                let p = if phase == Phase::Transition { 0.3 } else { 0.78 };
                if phase != Phase::Race && go(rng, p) {
                    let threshold = go(rng, 0.5) && hard;
                    let intensity = if threshold { 1.0 } else { 0.8 };
                    let speed = self.body_on(date).swim_speed_mps * (0.55 + 0.45 * intensity);
                    let reps = ((f64::from(rng.random_range(10..16)) * week.volume) as u32).max(6);
                    add(
                        SportKind::Swim,
                        rng.random_range(1105..1125),
                        sessions::swim(reps, (100.0 / speed).round() as u32, threshold),
                    );
                }
            }
            Weekday::Thursday => {
                let minute = rng.random_range(375..420);
                let session = match phase {
                    Phase::Race => go(rng, 0.5).then(|| sessions::easy(1500, rng)),
                    Phase::Transition => go(rng, 0.4).then(|| sessions::easy(2100, rng)),
                    Phase::Taper => Some(sessions::tempo(900, "Run")),
                    Phase::Build | Phase::Peak if hard => {
                        let block = 1200.0 + 1200.0 * week.volume.min(1.3) - 1000.0;
                        Some(sessions::tempo((block * rng.random_range(0.9..1.2)) as u32, "Run"))
                    }
                    _ => Some(sessions::easy(self.scaled(50.0, week, rng), rng)),
                };
                if let Some(session) = session.filter(|_| go(rng, 0.92)) {
                    add(SportKind::Run, minute, session);
                }
                if loading && go(rng, 0.35) {
                    let speed = self.body_on(date).swim_speed_mps * 0.91;
                    add(
                        SportKind::Swim,
                        rng.random_range(730..750),
                        sessions::swim(rng.random_range(8..13), (100.0 / speed).round() as u32, false),
                    );
                }
            }
            Weekday::Friday => {
                if go(rng, 0.3) {
                    add(
                        SportKind::Yoga,
                        rng.random_range(1110..1130),
                        sessions::gentle(rng.random_range(1800..3300), 0.35, Some("Yoga")),
                    );
                }
            }
            Weekday::Saturday => {
                let minute = rng.random_range(470..500);
                match phase {
                    Phase::Race => {
                        let mut session = sessions::easy_with_strides(1200, rng);
                        session.name = Some("Shake-out Run".to_owned());
                        add(SportKind::Run, 570, session);
                    }
                    Phase::Transition => {
                        if summer(date) && go(rng, 0.3) {
                            add(
                                SportKind::Hike,
                                minute + 60,
                                sessions::gentle(rng.random_range(7200..12_600), 0.55, None),
                            );
                        } else if go(rng, 0.5) {
                            add(SportKind::Ride, minute, sessions::easy(4200, rng));
                        }
                    }
                    _ if week.race.is_some() => {
                        add(SportKind::Ride, minute, sessions::recovery(3600));
                    }
                    Phase::Taper | Phase::Recovery => {
                        let secs = self.scaled(150.0, week, rng);
                        add(SportKind::Ride, minute, sessions::easy(secs, rng));
                    }
                    _ if go(rng, 0.9) => {
                        if winter(date) && go(rng, 0.65) {
                            let session = if hard {
                                sessions::sweet_spot(rng.random_range(3..6))
                            } else {
                                let secs = self.scaled(95.0, week, rng).min(6000);
                                sessions::easy(secs, rng)
                            };
                            add(SportKind::VirtualRide, minute, session);
                        } else {
                            let sport = match rng.random_range(0..20) {
                                0..=1 if !winter(date) => SportKind::MountainBikeRide,
                                2..=4 => SportKind::GravelRide,
                                _ => SportKind::Ride,
                            };
                            let secs = self.scaled(190.0, week, rng).clamp(3600, 16_200);
                            let mut session = sessions::long(secs, false, rng);
                            session.name = Some(format!("Long {}", sport_label(sport)));
                            add(sport, minute, session);
                        }
                    }
                    _ => {}
                }
            }
            Weekday::Sunday => {
                if let Some(race) = &week.race {
                    let sport = SportKind::Run;
                    add(sport, 540, sessions::race(race.kind, &race.name, run_speed));
                    return out;
                }
                let minute = rng.random_range(480..525);
                let sport = if go(rng, self.profile.trail) { SportKind::TrailRun } else { SportKind::Run };
                let session = match phase {
                    Phase::Transition => go(rng, 0.45).then(|| sessions::easy(2400, rng)),
                    Phase::Taper | Phase::Recovery => Some(sessions::long(self.scaled(110.0, week, rng), false, rng)),
                    _ => {
                        let base = if goal_marathon { 130.0 } else { 115.0 };
                        let secs = self.scaled(base, week, rng).clamp(2700, 10_800);
                        let finish = hard && sport == SportKind::Run && go(rng, 0.35);
                        Some(sessions::long(secs, finish, rng))
                    }
                };
                if let Some(mut session) = session.filter(|_| go(rng, 0.93)) {
                    if session.purpose == Some(Purpose::Long) {
                        session.name = Some(format!("Long {}", sport_label(sport)));
                    }
                    add(sport, minute, session);
                }
                if summer(date) && loading && go(rng, 0.12) {
                    add(
                        SportKind::Hike,
                        rng.random_range(870..900),
                        sessions::gentle(rng.random_range(5400..10_800), 0.55, None),
                    );
                }
            }
        }
        out
    }
}
