//! Sessions with a purpose: how an easy run, a long ride, a tempo run, a
//! set of intervals or a race is built from segments of effort.
//!
//! Intensities are relative to threshold (1.0 = threshold pace, power or
//! heart rate), as [`super::series`] expects. Durations are in seconds and
//! already scaled by the caller to the athlete and the week.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::season::RaceKind;
use super::series::Segment;

/// What a session is for. It shapes the session and its name; the model has
/// no field for it yet (see `Session::name`), so it stays inside the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Purpose {
    /// Aerobic, conversational.
    Easy,
    /// Very easy, to absorb harder days.
    Recovery,
    /// The week's longest aerobic session.
    Long,
    /// Sustained effort near threshold.
    Tempo,
    /// Repeated hard efforts with recoveries.
    Intervals,
    /// A race.
    Race,
}

/// A session ready to be placed on the calendar.
#[derive(Debug, Clone)]
pub(super) struct Session {
    pub segments: Vec<Segment>,
    /// One lap per segment (structured sessions) or one lap in all.
    pub lap_per_segment: bool,
    /// The session's own name; `None` for "Morning Run"-style names.
    pub name: Option<String>,
    pub description: Option<String>,
    pub purpose: Option<Purpose>,
}

impl Session {
    fn plain(segments: Vec<Segment>, purpose: Purpose) -> Self {
        Self { segments, lap_per_segment: false, name: None, description: None, purpose: Some(purpose) }
    }
}

/// A steady aerobic session, with a little day-to-day wobble in effort.
pub(super) fn easy(secs: u32, rng: &mut ChaCha8Rng) -> Session {
    Session::plain(vec![Segment::work(secs, rng.random_range(0.66..0.73))], Purpose::Easy)
}

/// Very easy, short: the day after a race or a hard block.
pub(super) fn recovery(secs: u32) -> Session {
    Session::plain(vec![Segment::work(secs, 0.6)], Purpose::Recovery)
}

/// An easy run finished with a few strides.
pub(super) fn easy_with_strides(secs: u32, rng: &mut ChaCha8Rng) -> Session {
    let strides = rng.random_range(4..=6);
    let mut segments = vec![Segment::work(secs, rng.random_range(0.66..0.72))];
    for _ in 0..strides {
        segments.push(Segment::work(20, 1.15));
        segments.push(Segment::work(60, 0.55));
    }
    Session {
        segments,
        lap_per_segment: false,
        name: None,
        description: Some(format!("Easy, then {strides} strides.")),
        purpose: Some(Purpose::Easy),
    }
}

/// The week's long session; in build and peak weeks it may finish at
/// marathon-ish effort.
pub(super) fn long(secs: u32, fast_finish: bool, rng: &mut ChaCha8Rng) -> Session {
    let effort = rng.random_range(0.68..0.74);
    if !fast_finish {
        return Session::plain(vec![Segment::work(secs, effort)], Purpose::Long);
    }
    let finish = (secs / 5).clamp(900, 2_400);
    Session {
        segments: vec![Segment::work(secs.saturating_sub(finish).max(600), effort), Segment::work(finish, 0.86)],
        lap_per_segment: true,
        name: None,
        description: Some(format!("Long, the last {} min at goal pace.", finish / 60)),
        purpose: Some(Purpose::Long),
    }
}

/// Warm-up, a block near threshold, cool-down.
pub(super) fn tempo(block_s: u32, label: &str) -> Session {
    let block = (block_s / 60).max(10) * 60;
    Session {
        segments: vec![Segment::work(600, 0.68), Segment::work(block, 0.92), Segment::work(600, 0.62)],
        lap_per_segment: true,
        name: Some(format!("Tempo {label}")),
        description: Some(format!("Warm-up 10 min, {} min at tempo, cool-down 10 min.", block / 60)),
        purpose: Some(Purpose::Tempo),
    }
}

/// Repetitions above threshold. `scale` below one trims the set (taper,
/// first week back).
pub(super) fn intervals(rng: &mut ChaCha8Rng, scale: f64, label: &str, ride: bool) -> Session {
    let (reps, work_s, rest_s, intensity) = if ride {
        [(5, 240, 180, 1.12), (4, 480, 240, 1.02), (3, 720, 300, 0.97)][rng.random_range(0..3)]
    } else {
        [(6, 180, 120, 1.08), (5, 240, 120, 1.05), (10, 60, 60, 1.18), (4, 480, 120, 1.0), (8, 120, 90, 1.1)]
            [rng.random_range(0..5)]
    };
    let reps = ((f64::from(reps) * scale).round() as u32).max(2);
    let mut segments = vec![Segment::work(900, 0.68)];
    for i in 0..reps {
        segments.push(Segment::work(work_s, intensity));
        if i + 1 < reps {
            segments.push(Segment::work(rest_s, 0.55));
        }
    }
    segments.push(Segment::work(600, 0.6));
    let rep = if work_s % 60 == 0 { format!("{} min", work_s / 60) } else { format!("{work_s} s") };
    Session {
        segments,
        lap_per_segment: true,
        name: Some(format!("{label} {reps}×{rep}")),
        description: Some(format!("Warm-up 15 min, {reps}×{rep} hard with {rest_s} s easy, cool-down 10 min.")),
        purpose: Some(Purpose::Intervals),
    }
}

/// Indoor sweet-spot blocks on the trainer.
pub(super) fn sweet_spot(reps: u32) -> Session {
    let mut segments = vec![Segment::work(600, 0.6)];
    for _ in 0..reps {
        segments.push(Segment::work(600, 0.9));
        segments.push(Segment::work(300, 0.55));
    }
    segments.push(Segment::work(600, 0.55));
    Session {
        segments,
        lap_per_segment: true,
        name: Some(format!("Sweet Spot {reps}×10 min")),
        description: None,
        purpose: Some(Purpose::Tempo),
    }
}

/// A pool session: 100 m repeats at `intensity` with 20 s on the wall.
/// `rep_s` is the time one repeat takes at that intensity.
pub(super) fn swim(reps: u32, rep_s: u32, hard: bool) -> Session {
    let intensity = if hard { 1.0 } else { 0.8 };
    let mut segments = vec![Segment::work(300, 0.6)];
    for _ in 0..reps {
        segments.push(Segment::work(rep_s, intensity));
        segments.push(Segment::rest(20));
    }
    segments.push(Segment::work(240, 0.55));
    Session {
        segments,
        lap_per_segment: true,
        name: Some(if hard { "Threshold Swim" } else { "Endurance Swim" }.to_owned()),
        description: Some(format!("{reps}×100 m {} with 20 s rest.", if hard { "at threshold" } else { "steady" })),
        purpose: Some(if hard { Purpose::Intervals } else { Purpose::Easy }),
    }
}

/// Sets of a full-body circuit.
pub(super) fn strength(sets: u32) -> Session {
    let mut segments = vec![Segment::work(300, 0.45)];
    for _ in 0..sets {
        segments.push(Segment::work(45, 0.65));
        segments.push(Segment::work(90, 0.35));
    }
    Session {
        segments,
        lap_per_segment: false,
        name: Some("Strength Training".to_owned()),
        description: Some(format!("{sets} sets, full body.")),
        purpose: None,
    }
}

/// Low-effort movement: yoga, walks, hikes.
pub(super) fn gentle(secs: u32, intensity: f64, name: Option<&str>) -> Session {
    Session {
        segments: vec![Segment::work(secs, intensity)],
        lap_per_segment: false,
        name: name.map(str::to_owned),
        description: None,
        purpose: None,
    }
}

/// A race at the effort the distance allows. The watch runs a little long
/// (tangents, GPS), so the planned time covers 1.2 % more than the distance,
/// and the best effort at the race distance is the finishing time.
pub(super) fn race(kind: RaceKind, name: &str, threshold_speed: f64) -> Session {
    let intensity = kind.intensity();
    let speed = threshold_speed * (0.3 + 0.7 * intensity);
    let secs = (kind.distance_m() * 1.012 / speed).ceil() as u32;
    Session {
        segments: vec![Segment::work(secs, intensity)],
        lap_per_segment: false,
        name: Some(name.to_owned()),
        description: None,
        purpose: Some(Purpose::Race),
    }
}
