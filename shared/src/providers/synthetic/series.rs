//! One synthetic activity, second by second (well, every [`TICK_S`]).
//!
//! A planned [`Workout`] is simulated into a sample series (speed, heart
//! rate, power, cadence, altitude, distance, energy), and every number the
//! tools show — the summary, laps, splits, best efforts, stream summaries —
//! is reduced from that one series. That is what keeps them consistent:
//! laps add up to the activity, splits agree with the distance, and the
//! summary a list shows is exactly the one `get_activity` shows.

use std::f64::consts::TAU;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::OffsetDateTime;

use super::sessions::Purpose;
use crate::model::activity::round_to;
use crate::model::{
    Activity, ActivitySummary, BestEffort, Lap, Split, SportKind, StreamKind, StreamSummary, Thresholds, Timestamp,
};

/// Sampling interval of the simulation. Ten seconds keeps a year of
/// activities well under a million samples while laps and best efforts
/// stay accurate to a few metres (they interpolate between samples).
pub(super) const TICK_S: u32 = 10;

/// A stretch of a workout at one intensity.
#[derive(Debug, Clone, Copy)]
pub(super) struct Segment {
    pub secs: u32,
    /// Relative to threshold: 1.0 is threshold pace/power/heart rate.
    pub intensity: f64,
    /// Standing still (rest between swim reps): counts in elapsed time only.
    pub rest: bool,
}

impl Segment {
    pub fn work(secs: u32, intensity: f64) -> Self {
        Self { secs, intensity, rest: false }
    }

    pub fn rest(secs: u32) -> Self {
        Self { secs, intensity: 0.3, rest: true }
    }
}

/// A planned activity, before simulation.
#[derive(Debug, Clone)]
pub(super) struct Workout {
    pub id: String,
    pub sport: SportKind,
    pub name: String,
    pub description: Option<String>,
    pub start: OffsetDateTime,
    pub segments: Vec<Segment>,
    /// One lap per segment (structured sessions) or one lap in all.
    pub lap_per_segment: bool,
    /// Outdoors: terrain, altitude and the odd stop at a crossing.
    pub outdoor: bool,
    /// Seeds this activity's own noise.
    pub seed: u64,
    /// What the session is for, when the plan says.
    pub purpose: Option<Purpose>,
}

impl Workout {
    /// Elapsed seconds, as the simulation will produce them.
    pub fn elapsed_s(&self) -> u32 {
        self.segments.iter().map(|s| ticks(s.secs) * TICK_S).sum()
    }

    /// Training load from the plan alone (no simulation), on the same scale
    /// as `analysis::load` (effort² × hours × 100): only to warm up the
    /// body's load averages before the first simulated day, never shown.
    pub fn planned_load(&self) -> f64 {
        self.segments.iter().filter(|s| !s.rest).map(|s| s.intensity * s.intensity * f64::from(s.secs) / 36.0).sum()
    }
}

/// The body the simulation runs on.
#[derive(Debug, Clone)]
pub(super) struct Physiology {
    pub max_hr: f64,
    pub rest_hr: f64,
    pub ftp_w: f64,
    pub run_speed_mps: f64,
    pub swim_speed_mps: f64,
    pub weight_kg: f64,
    pub thresholds: Thresholds,
}

fn ticks(secs: u32) -> u32 {
    secs.div_ceil(TICK_S).max(1)
}

/// A standard normal draw (Box–Muller), for sensor noise.
pub(super) fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

/// Rolling terrain: altitude as a sum of a few long waves over distance.
struct Terrain {
    base: f64,
    waves: Vec<(f64, f64, f64)>, // amplitude m, wavelength m, phase
}

impl Terrain {
    fn new(rng: &mut ChaCha8Rng, sport: SportKind, outdoor: bool) -> Option<Terrain> {
        if !outdoor || !sport.covers_distance() || sport == SportKind::Swim {
            return None;
        }
        let relief = match sport {
            SportKind::TrailRun | SportKind::Hike => 90.0,
            SportKind::MountainBikeRide => 60.0,
            SportKind::Ride | SportKind::GravelRide => 45.0,
            _ => 12.0,
        };
        let waves = (0..3)
            .map(|i| {
                let scale = [1.0, 0.45, 0.2][i];
                let length = [9_000.0, 2_600.0, 700.0][i] * rng.random_range(0.7..1.4);
                (relief * scale * rng.random_range(0.6..1.3), length, rng.random_range(0.0..TAU))
            })
            .collect();
        Some(Terrain { base: rng.random_range(180.0..650.0), waves })
    }

    fn altitude(&self, distance_m: f64) -> f64 {
        self.base + self.waves.iter().map(|(a, l, p)| a * (TAU * distance_m / l + p).sin()).sum::<f64>()
    }

    fn grade(&self, distance_m: f64) -> f64 {
        self.waves.iter().map(|(a, l, p)| a * TAU / l * (TAU * distance_m / l + p).cos()).sum()
    }
}

/// The simulated samples; channels a sport does not record are empty.
pub(super) struct Series {
    moving: Vec<bool>,
    speed: Vec<f64>,
    heartrate: Vec<f64>,
    power: Vec<f64>,
    cadence: Vec<f64>,
    altitude: Vec<f64>,
    /// Cumulative distance at the end of each tick.
    distance: Vec<f64>,
    energy_j: Vec<f64>,
    /// First tick of each segment.
    segment_starts: Vec<usize>,
}

fn is_ride(sport: SportKind) -> bool {
    matches!(sport, SportKind::Ride | SportKind::VirtualRide | SportKind::MountainBikeRide | SportKind::GravelRide)
}

fn is_foot(sport: SportKind) -> bool {
    matches!(sport, SportKind::Run | SportKind::TrailRun | SportKind::Walk | SportKind::Hike)
}

/// Runs the workout through a crude but plausible body and bike.
pub(super) fn simulate(w: &Workout, body: &Physiology) -> Series {
    let mut rng = ChaCha8Rng::seed_from_u64(w.seed);
    let terrain = Terrain::new(&mut rng, w.sport, w.outdoor);
    let total_ticks: u32 = w.segments.iter().map(|s| ticks(s.secs)).sum();
    // Crossings and traffic lights: short stops on outdoor runs and rides
    // (races run on closed roads).
    let open_roads = w.purpose != Some(Purpose::Race);
    let stops: Vec<(u32, u32)> = if w.outdoor && open_roads && (is_ride(w.sport) || is_foot(w.sport)) {
        (0..rng.random_range(0..=3))
            .map(|_| (rng.random_range(0..total_ticks.max(1)), rng.random_range(2..7)))
            .collect()
    } else {
        Vec::new()
    };
    let has_distance = w.sport.covers_distance();
    let has_power = is_ride(w.sport);
    let has_cadence = is_ride(w.sport) || is_foot(w.sport);
    let reserve = body.max_hr - body.rest_hr;
    let tick = f64::from(TICK_S);
    let follow = 1.0 - (-tick / 40.0).exp();

    let n = total_ticks as usize;
    let mut s = Series {
        moving: Vec::with_capacity(n),
        speed: Vec::with_capacity(n),
        heartrate: Vec::with_capacity(n),
        power: Vec::new(),
        cadence: Vec::new(),
        altitude: Vec::new(),
        distance: Vec::with_capacity(n),
        energy_j: Vec::with_capacity(n),
        segment_starts: Vec::with_capacity(w.segments.len()),
    };
    let mut hr = body.rest_hr + 0.25 * reserve;
    let mut distance = 0.0;
    for seg in &w.segments {
        s.segment_starts.push(s.moving.len());
        for _ in 0..ticks(seg.secs) {
            let i = s.moving.len() as u32;
            let stopped = seg.rest || stops.iter().any(|(at, len)| i >= *at && i < at + len);
            let grade = terrain.as_ref().map_or(0.0, |t| t.grade(distance)).clamp(-0.15, 0.15);
            let effort = if stopped { 0.0 } else { seg.intensity * (1.0 + 0.03 * gauss(&mut rng)) };
            let (speed, power, cadence) = if stopped || !has_distance {
                (0.0, 0.0, 0.0)
            } else {
                move_at(w.sport, body, effort, grade, &mut rng)
            };
            distance += speed * tick;
            // Heart rate lags effort, drifts up over long efforts, and falls
            // towards an elevated resting rate when stopped.
            let hours = f64::from(i) * tick / 3600.0;
            let uphill = if is_foot(w.sport) { 4.0 * grade } else { 0.0 };
            let fraction = if stopped { 0.25 } else { 0.6 + 0.8 * (effort + uphill - 0.65) };
            let target = body.rest_hr + reserve * (fraction.clamp(0.2, 0.97) + 0.03 * hours);
            hr += (target - hr) * follow;
            let hr_sample = (hr + 1.2 * gauss(&mut rng)).clamp(body.rest_hr, body.max_hr);
            s.moving.push(!stopped);
            s.speed.push(speed);
            s.heartrate.push(hr_sample);
            if has_power {
                s.power.push(power);
            }
            if has_cadence {
                s.cadence.push(cadence);
            }
            if let Some(t) = &terrain {
                s.altitude.push(t.altitude(distance));
            }
            s.distance.push(distance);
            s.energy_j.push(energy(w.sport, body, effort, speed, power, stopped) * tick);
        }
    }
    s
}

/// Speed (m/s), power (W) and cadence (per minute) at an effort and grade.
fn move_at(sport: SportKind, body: &Physiology, effort: f64, grade: f64, rng: &mut ChaCha8Rng) -> (f64, f64, f64) {
    match sport {
        SportKind::Run | SportKind::TrailRun => {
            let trail = if sport == SportKind::TrailRun { 0.85 } else { 1.0 };
            let speed = body.run_speed_mps * (0.3 + 0.7 * effort) * (1.0 - 4.0 * grade).clamp(0.5, 1.25) * trail;
            (speed, 0.0, 158.0 + 16.0 * effort + 2.0 * gauss(rng))
        }
        SportKind::Walk | SportKind::Hike => {
            let base = if sport == SportKind::Hike { 1.15 } else { 1.4 };
            let speed = base * (0.8 + 0.3 * effort) * (1.0 - 3.0 * grade).clamp(0.45, 1.2);
            (speed, 0.0, 108.0 + 6.0 * effort + 2.0 * gauss(rng))
        }
        SportKind::Swim => (body.swim_speed_mps * (0.55 + 0.45 * effort), 0.0, 0.0),
        _ if is_ride(sport) => {
            // Coasting on descents; otherwise power follows effort.
            let coast = if grade < -0.03 { 0.3 } else { 1.0 };
            let power = (body.ftp_w * effort * coast * (1.0 + 0.1 * gauss(rng))).max(0.0);
            let surface = match sport {
                SportKind::MountainBikeRide => 0.7,
                SportKind::GravelRide => 0.85,
                _ => 1.0,
            };
            let flat = 9.2 * (power.max(60.0) / 200.0).powf(0.4);
            let speed = flat * (1.0 - 8.0 * grade).clamp(0.35, 1.6) * surface;
            (speed, power, (78.0 + 12.0 * effort + 3.0 * gauss(rng)).max(0.0))
        }
        _ => (0.0, 0.0, 0.0),
    }
}

/// Metabolic power (W) at this moment: from mechanical power on a bike,
/// from speed on foot (about 1 kcal per kg per km running), from effort otherwise.
fn energy(sport: SportKind, body: &Physiology, effort: f64, speed: f64, power: f64, stopped: bool) -> f64 {
    const KCAL: f64 = 4184.0;
    if stopped {
        return 1.5 * body.weight_kg * KCAL / 3600.0;
    }
    let kcal_per_hour = match sport {
        _ if is_ride(sport) => return power / 0.235,
        SportKind::Run | SportKind::TrailRun => body.weight_kg * speed * 3.6 * 1.04,
        SportKind::Walk | SportKind::Hike => body.weight_kg * (2.5 + speed * 3.6 * 0.55),
        SportKind::Swim => body.weight_kg * 9.0 * effort,
        SportKind::Strength => body.weight_kg * 6.0 * effort.max(0.5),
        _ => body.weight_kg * 3.0,
    };
    kcal_per_hour * KCAL / 3600.0
}

/// Sums and extremes over a tick range, in the units the model uses.
struct Span {
    distance_m: Option<f64>,
    moving_s: u32,
    elapsed_s: u32,
    avg_speed: Option<f64>,
    max_speed: Option<f64>,
    avg_hr: Option<f64>,
    max_hr: Option<f64>,
    avg_power: Option<f64>,
    max_power: Option<f64>,
    avg_cadence: Option<f64>,
    gain: Option<f64>,
    energy_j: f64,
}

fn mean_where(values: &[f64], keep: impl Fn(usize) -> bool, range: std::ops::Range<usize>) -> Option<f64> {
    let (sum, n) =
        range.filter(|i| keep(*i)).filter_map(|i| values.get(i)).fold((0.0, 0u32), |(sum, n), v| (sum + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

fn max_in(values: &[f64], range: std::ops::Range<usize>) -> Option<f64> {
    values.get(range)?.iter().copied().reduce(f64::max)
}

impl Series {
    fn len(&self) -> usize {
        self.moving.len()
    }

    fn distance_before(&self, i: usize) -> f64 {
        if i == 0 { 0.0 } else { self.distance[i - 1] }
    }

    fn span(&self, range: std::ops::Range<usize>, sport: SportKind) -> Span {
        let moving_ticks = self.moving[range.clone()].iter().filter(|m| **m).count() as u32;
        let moving_s = moving_ticks * TICK_S;
        let elapsed_s = range.len() as u32 * TICK_S;
        let distance =
            sport.covers_distance().then(|| self.distance[range.end - 1] - self.distance_before(range.start));
        let moving = |i: usize| self.moving[i];
        let gain = (!self.altitude.is_empty()).then(|| {
            let from = range.start.saturating_sub(1);
            self.altitude[from..range.end].windows(2).map(|w| (w[1] - w[0]).max(0.0)).sum::<f64>()
        });
        Span {
            distance_m: distance.map(|d| round_to(d, 1)),
            moving_s,
            elapsed_s,
            avg_speed: distance.filter(|_| moving_s > 0).map(|d| round_to(d / f64::from(moving_s), 3)),
            max_speed: distance.and_then(|_| max_in(&self.speed, range.clone())).map(|v| round_to(v, 3)),
            avg_hr: mean_where(&self.heartrate, |_| true, range.clone()).map(|v| round_to(v, 1)),
            max_hr: max_in(&self.heartrate, range.clone()).map(f64::round),
            avg_power: mean_where(&self.power, moving, range.clone()).map(|v| round_to(v, 1)),
            max_power: max_in(&self.power, range.clone()).map(f64::round),
            avg_cadence: mean_where(&self.cadence, moving, range.clone()).map(|v| round_to(v, 1)),
            gain: gain.map(|g| round_to(g, 1)),
            energy_j: self.energy_j[range].iter().sum(),
        }
    }

    /// Seconds from the start at which the cumulative distance reaches `d`
    /// (interpolated inside a tick).
    fn time_at_distance(&self, d: f64) -> f64 {
        let i = self.distance.partition_point(|x| *x < d);
        if i >= self.len() {
            return self.len() as f64 * f64::from(TICK_S);
        }
        let before = self.distance_before(i);
        let step = self.distance[i] - before;
        let frac = if step > 0.0 { ((d - before) / step).clamp(0.0, 1.0) } else { 0.0 };
        (i as f64 + frac) * f64::from(TICK_S)
    }

    fn altitude_at_time(&self, t: f64) -> Option<f64> {
        let last = self.altitude.len().checked_sub(1)?;
        let i = ((t / f64::from(TICK_S)) as usize).min(last);
        Some(self.altitude[i])
    }

    fn tick_range(&self, from_s: f64, to_s: f64) -> std::ops::Range<usize> {
        let tick = f64::from(TICK_S);
        let start = ((from_s / tick).floor() as usize).min(self.len());
        let end = ((to_s / tick).ceil() as usize).clamp(start, self.len());
        start..end
    }
}

/// The summary of a simulated workout.
pub(super) fn summarise(w: &Workout, series: &Series) -> ActivitySummary {
    let all = series.span(0..series.len(), w.sport);
    ActivitySummary {
        id: w.id.clone(),
        name: w.name.clone(),
        sport: w.sport.into(),
        start_time: Timestamp::new(w.start),
        distance_m: all.distance_m,
        moving_time_s: all.moving_s,
        elapsed_time_s: all.elapsed_s,
        elevation_gain_m: all.gain,
        average_speed_mps: all.avg_speed,
        max_speed_mps: all.max_speed,
        average_heartrate_bpm: all.avg_hr,
        max_heartrate_bpm: all.max_hr,
        average_power_w: all.avg_power,
        max_power_w: all.max_power,
        average_cadence_per_min: all.avg_cadence,
        energy_j: Some(all.energy_j.round()),
        // Scored by the caller with the one load function
        // (`analysis::load::score`), as every provider's activities are.
        training_load: None,
        training_load_method: None,
    }
}

/// The full record of a simulated workout.
pub(super) fn detail(w: &Workout, series: &Series, body: &Physiology) -> Activity {
    Activity {
        summary: summarise(w, series),
        description: w.description.clone(),
        laps: laps(w, series),
        splits: splits(w, series),
        best_efforts: best_efforts(w, series),
        streams: streams(series, &body.thresholds),
    }
}

fn laps(w: &Workout, series: &Series) -> Vec<Lap> {
    let mut bounds: Vec<usize> = if w.lap_per_segment { series.segment_starts.clone() } else { vec![0] };
    bounds.push(series.len());
    bounds
        .windows(2)
        .filter(|b| b[1] > b[0])
        .enumerate()
        .map(|(i, b)| {
            let s = series.span(b[0]..b[1], w.sport);
            Lap {
                index: i as u32 + 1,
                start_offset_s: b[0] as u32 * TICK_S,
                distance_m: s.distance_m,
                moving_time_s: s.moving_s,
                elapsed_time_s: s.elapsed_s,
                average_speed_mps: s.avg_speed,
                average_heartrate_bpm: s.avg_hr,
                max_heartrate_bpm: s.max_hr,
                average_power_w: s.avg_power,
                average_cadence_per_min: s.avg_cadence,
                elevation_gain_m: s.gain,
            }
        })
        .collect()
}

/// Whole-kilometre splits for sports on foot.
fn splits(w: &Workout, series: &Series) -> Vec<Split> {
    if !is_foot(w.sport) || series.len() == 0 {
        return Vec::new();
    }
    let total = series.distance[series.len() - 1];
    let mut out = Vec::new();
    let mut from = 0.0;
    while total - from >= 10.0 {
        let to = (from + 1000.0).min(total);
        let (t0, t1) = (series.time_at_distance(from), series.time_at_distance(to));
        let ticks = series.tick_range(t0, t1);
        let stopped = ticks.clone().filter(|i| !series.moving[*i]).count() as f64 * f64::from(TICK_S);
        let elapsed = (t1 - t0).max(1.0);
        let moving = (elapsed - stopped).max(1.0);
        out.push(Split {
            index: out.len() as u32 + 1,
            distance_m: round_to(to - from, 1),
            moving_time_s: moving.round() as u32,
            elapsed_time_s: elapsed.round() as u32,
            average_speed_mps: round_to((to - from) / moving, 3),
            elevation_change_m: series
                .altitude_at_time(t1)
                .zip(series.altitude_at_time(t0))
                .map(|(b, a)| round_to(b - a, 1)),
            average_heartrate_bpm: mean_where(&series.heartrate, |_| true, ticks).map(|v| round_to(v, 1)),
        });
        from = to;
    }
    out
}

/// Standard distances a runner's best efforts are reported for.
const EFFORTS: &[(&str, f64)] = &[
    ("400m", 400.0),
    ("1k", 1000.0),
    ("1_mile", 1609.344),
    ("5k", 5000.0),
    ("10k", 10_000.0),
    ("half_marathon", 21_097.5),
    ("marathon", 42_195.0),
];

/// The fastest stretch of each standard distance (runs only).
fn best_efforts(w: &Workout, series: &Series) -> Vec<BestEffort> {
    if !matches!(w.sport, SportKind::Run | SportKind::TrailRun) || series.len() == 0 {
        return Vec::new();
    }
    let total = series.distance[series.len() - 1];
    EFFORTS
        .iter()
        .filter(|(_, d)| *d <= total)
        .map(|(name, d)| {
            // Start at each tick boundary; the end is found by interpolation.
            let (best_start, best_time) = (0..series.len())
                .map(|j| (j, series.distance_before(j)))
                .take_while(|(_, start)| start + d <= total)
                .map(|(j, start)| (j, series.time_at_distance(start + d) - (j as u32 * TICK_S) as f64))
                .fold((0, f64::INFINITY), |best, cur| if cur.1 < best.1 { cur } else { best });
            BestEffort {
                name: (*name).to_owned(),
                distance_m: *d,
                elapsed_time_s: best_time.round() as u32,
                start_offset_s: best_start as u32 * TICK_S,
            }
        })
        .collect()
}

fn streams(series: &Series, thresholds: &Thresholds) -> Vec<StreamSummary> {
    let moving = |values: &[f64]| -> Vec<f64> {
        values.iter().zip(&series.moving).filter(|(_, m)| **m).map(|(v, _)| *v).collect()
    };
    let speed = if series.distance.last().is_some_and(|d| *d > 0.0) { moving(&series.speed) } else { Vec::new() };
    [
        StreamSummary::from_samples(
            StreamKind::Heartrate,
            &series.heartrate,
            TICK_S,
            &thresholds.heartrate_zone_bounds(),
        ),
        StreamSummary::from_samples(StreamKind::Speed, &speed, TICK_S, &[]),
        StreamSummary::from_samples(StreamKind::Power, &moving(&series.power), TICK_S, &thresholds.power_zone_bounds()),
        StreamSummary::from_samples(StreamKind::Cadence, &moving(&series.cadence), TICK_S, &[]),
        StreamSummary::from_samples(StreamKind::Altitude, &series.altitude, TICK_S, &[]),
    ]
    .into_iter()
    .flatten()
    .collect()
}
