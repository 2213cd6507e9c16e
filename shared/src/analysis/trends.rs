//! Trends over weeks: volume, pace and heart rate of one sport, and the
//! efficiency of its easy sessions (speed, or power, per heartbeat).
//!
//! Each trend is a least-squares line through the weekly values; the change
//! reported is the fitted last week against the fitted first week, so one
//! odd week does not decide it. Easy sessions are those with an average
//! heart rate under 80% of max (zones 1–2), where pace at a given heart
//! rate is a fair fitness marker; hard sessions mix in effort choices.
//!
//! A metric without a trend comes with a sentence saying why (too few
//! weeks, a fitted line starting at zero, or a metric the sport does not
//! have: strength has no distance), so the tool never guesses a reason.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::activity::round_to;
use crate::model::{ActivitySummary, LocalDate, SportKind};

/// Easy sessions: average heart rate under this share of max.
pub const EASY_MAX_HR_SHARE: f64 = 0.8;

/// One week of the sport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WeekPoint {
    pub start: LocalDate,
    pub activities: u32,
    // Absent for sports without distance (strength, yoga, workout); the
    // tool's notes say so, once (a plain comment keeps the schema short).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    pub moving_time_s: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_speed_mps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_heartrate_bpm: Option<f64>,
    /// Easy sessions: m per heartbeat, or W per bpm with power.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub easy_efficiency: Option<f64>,
}

/// A fitted trend and its plain-language reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Trend {
    pub metric: String,
    pub first: f64,
    pub last: f64,
    pub change_pct: f64,
    pub reading: String,
}

/// The slope and intercept of the least-squares line through `points`.
pub fn fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    Some((slope, my - slope * mx))
}

fn uses_power(sport: SportKind) -> bool {
    matches!(sport, SportKind::Ride | SportKind::VirtualRide | SportKind::MountainBikeRide | SportKind::GravelRide)
}

/// Weekly points of `sport` for the weeks starting on `week_starts`.
pub fn weekly_points(
    activities: &[ActivitySummary],
    sport: SportKind,
    week_starts: &[LocalDate],
    max_hr: Option<f64>,
) -> Vec<WeekPoint> {
    week_starts
        .iter()
        .map(|start| {
            let end = start.add_days(6);
            let week: Vec<&ActivitySummary> = activities
                .iter()
                .filter(|a| a.sport.kind() == Some(sport))
                .filter(|a| (*start..=end).contains(&a.start_time.local_date()))
                .collect();
            let time: u64 = week.iter().map(|a| u64::from(a.moving_time_s)).sum();
            let distance: f64 = week.iter().filter_map(|a| a.distance_m).sum();
            let weighted = |value: &dyn Fn(&ActivitySummary) -> Option<f64>, keep: &dyn Fn(&ActivitySummary) -> bool| {
                let (sum, weight) = week
                    .iter()
                    .filter(|a| keep(a))
                    .filter_map(|a| value(a).map(|v| (v, f64::from(a.moving_time_s))))
                    .fold((0.0, 0.0), |(s, w), (v, t)| (s + v * t, w + t));
                (weight > 0.0).then(|| sum / weight)
            };
            let easy = |a: &ActivitySummary| {
                matches!((a.average_heartrate_bpm, max_hr), (Some(hr), Some(max)) if hr < EASY_MAX_HR_SHARE * max)
            };
            let efficiency = |a: &ActivitySummary| {
                let hr = a.average_heartrate_bpm.filter(|h| *h > 0.0)?;
                if uses_power(sport) {
                    a.average_power_w.map(|p| p / hr)
                } else {
                    a.average_speed_mps.map(|v| v * 60.0 / hr)
                }
            };
            WeekPoint {
                start: *start,
                activities: week.len() as u32,
                distance_m: sport.covers_distance().then(|| round_to(distance, 1)),
                moving_time_s: time,
                average_speed_mps: (distance > 0.0 && time > 0).then(|| round_to(distance / time as f64, 3)),
                average_heartrate_bpm: weighted(&|a| a.average_heartrate_bpm, &|_| true).map(|v| round_to(v, 1)),
                easy_efficiency: weighted(&efficiency, &easy).map(|v| round_to(v, 3)),
            }
        })
        .collect()
}

/// The fitted trends, and why each metric without one has none.
#[derive(Debug, Clone, PartialEq)]
pub struct Trends {
    pub trends: Vec<Trend>,
    /// One sentence per metric left out.
    pub notes: Vec<String>,
}

/// Why a metric got no fitted trend.
enum Skip {
    /// Fewer than 3 weeks have a value.
    TooFewWeeks,
    /// The fitted first week is at or below zero: no % change exists.
    StartsAtZero,
}

/// The least-squares trend of `pts` (week index, value) over `weeks`.
fn fitted(pts: &[(f64, f64)], weeks: usize) -> Result<(f64, f64, f64), Skip> {
    if pts.len() < 3 {
        return Err(Skip::TooFewWeeks);
    }
    let (slope, intercept) = fit(pts).ok_or(Skip::TooFewWeeks)?;
    let first = intercept;
    let last = intercept + slope * (weeks.saturating_sub(1)) as f64;
    if first <= 0.0 {
        return Err(Skip::StartsAtZero);
    }
    Ok((first, last, round_to((last - first) / first * 100.0, 1)))
}

/// The fitted trends of the weekly points, each with a sentence, and a note
/// for every metric that has none.
pub fn trends(points: &[WeekPoint], sport: SportKind) -> Trends {
    let weeks = points.len();
    let series = |value: &dyn Fn(&WeekPoint) -> Option<f64>| -> Vec<(f64, f64)> {
        points.iter().enumerate().filter_map(|(i, p)| value(p).map(|v| (i as f64, v))).collect()
    };
    let mut out = Trends { trends: Vec::new(), notes: Vec::new() };
    // `what`: the data a metric needs, for the "too few weeks" note.
    let mut add = |metric: &str, pts: Vec<(f64, f64)>, unit: &str, what: &str, say: &dyn Fn(f64) -> String| match fitted(
        &pts, weeks,
    ) {
        Ok((first, last, change)) => out.trends.push(Trend {
            metric: metric.to_owned(),
            first: round_to(first, 3),
            last: round_to(last, 3),
            change_pct: change,
            reading: format!(
                "{} over {weeks} weeks ({:.2} → {:.2} {unit}).",
                say(change),
                round_to(first, 2),
                round_to(last, 2)
            ),
        }),
        Err(Skip::TooFewWeeks) => out.notes.push(format!("Fewer than 3 weeks with {what}, so no {metric} trend.")),
        Err(Skip::StartsAtZero) => out.notes.push(format!(
            "The fitted {metric} line starts at or below zero, so it has no change in %; see the weekly values."
        )),
    };
    let direction = |c: f64, up: &str, down: &str| {
        if c.abs() < 1.0 {
            "held steady".to_owned()
        } else if c > 0.0 {
            format!("{up} {:.0}%", c.abs())
        } else {
            format!("{down} {:.0}%", c.abs())
        }
    };
    let activities = format!("{sport} activities");
    if sport.covers_distance() {
        let km = |p: &WeekPoint| p.distance_m.map(|d| d / 1000.0);
        add("weekly_distance_km", series(&km), "km", &activities, &|c| {
            format!("Weekly {sport} distance {}", direction(c, "rose", "fell"))
        });
    }
    let hours = |p: &WeekPoint| Some(p.moving_time_s as f64 / 3600.0);
    add("weekly_time_h", series(&hours), "h", &activities, &|c| {
        format!("Weekly {sport} time {}", direction(c, "rose", "fell"))
    });
    let (label, unit) = if uses_power(sport) { ("power", "W per bpm") } else { ("pace", "m per heartbeat") };
    if sport.covers_distance() || uses_power(sport) {
        let eff = |p: &WeekPoint| p.easy_efficiency;
        let what = format!("easy {sport} sessions with heart rate and {label}");
        add("easy_efficiency", series(&eff), unit, &what, &|c| {
            format!("Easy-{sport} {label} at the same heart rate {}", direction(c, "improved", "worsened"))
        });
    }
    let hr = |p: &WeekPoint| p.average_heartrate_bpm;
    let what = format!("{sport} heart rate");
    add("average_heartrate_bpm", series(&hr), "bpm", &what, &|c| {
        format!("Average {sport} heart rate {}", direction(c, "rose", "fell"))
    });
    if !sport.covers_distance() {
        out.notes.push(format!(
            "There is no weekly_distance_km or easy_efficiency trend: {sport} activities have no distance or pace."
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::load::tests::summary;
    use super::*;
    use crate::model::Timestamp;

    /// The issue: get_trends sport=strength printed `distance_m: -0.0`
    /// every week and said "Fewer than 3 weeks with strength activities"
    /// over twelve weeks that had them.
    #[test]
    fn a_sport_without_distance_has_no_distance_and_says_so_truthfully() {
        let first = LocalDate::parse("2025-09-01").unwrap();
        let starts: Vec<LocalDate> = (0..6).map(|w| first.add_days(7 * w)).collect();
        let sessions: Vec<ActivitySummary> = (0..6)
            .filter(|w| w % 2 == 0)
            .map(|w| {
                let mut a = summary(SportKind::Strength, 2400 + 60 * w as u32);
                a.start_time = Timestamp::new(first.add_days(7 * w + 1).start_in(time::UtcOffset::UTC));
                a.average_heartrate_bpm = Some(105.0);
                a
            })
            .collect();
        let points = weekly_points(&sessions, SportKind::Strength, &starts, Some(190.0));
        assert!(points.iter().all(|p| p.distance_m.is_none() && p.average_speed_mps.is_none()));
        let json = serde_json::to_string(&points).unwrap();
        assert!(!json.contains("distance_m") && !json.contains(":-0.0"), "{json}");
        let t = trends(&points, SportKind::Strength);
        let metrics: Vec<&str> = t.trends.iter().map(|t| t.metric.as_str()).collect();
        assert_eq!(metrics, ["weekly_time_h", "average_heartrate_bpm"], "{t:?}");
        assert_eq!(
            t.notes,
            ["There is no weekly_distance_km or easy_efficiency trend: strength activities have no distance or pace."]
        );
        // A run with no weeks at all: empty sums are -0.0 in Rust, never shown.
        let none = weekly_points(&[], SportKind::Run, &starts, Some(190.0));
        assert!(none.iter().all(|p| p.distance_m.is_some_and(|d| d.is_sign_positive())));
        let t = trends(&none, SportKind::Run);
        assert!(t.trends.is_empty());
        assert!(
            t.notes.iter().any(|n| n.starts_with("The fitted weekly_distance_km line starts at or below zero")),
            "{:?}",
            t.notes
        );
        assert!(
            t.notes.iter().any(|n| n == "Fewer than 3 weeks with run heart rate, so no average_heartrate_bpm trend.")
        );
    }

    #[test]
    fn a_straight_line_is_fitted_exactly() {
        let (slope, intercept) = fit(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]).unwrap();
        assert!((slope - 2.0).abs() < 1e-12 && (intercept - 1.0).abs() < 1e-12);
        assert!(fit(&[(1.0, 1.0)]).is_none());
    }

    #[test]
    fn easy_pace_at_the_same_heart_rate_improving_4_percent_is_read_as_such() {
        let first = LocalDate::parse("2025-09-01").unwrap();
        let starts: Vec<LocalDate> = (0..8).map(|w| first.add_days(7 * w)).collect();
        // Eight weeks of one easy 10 km run at 140 bpm; speed grows linearly
        // from 3.0 to 3.12 m/s (+4%), so efficiency does too.
        let runs: Vec<ActivitySummary> = (0..8)
            .map(|w| {
                let speed = 3.0 * (1.0 + 0.04 * f64::from(w) / 7.0);
                let mut a = summary(SportKind::Run, (10_000.0 / speed).round() as u32);
                a.start_time = Timestamp::new(first.add_days(7 * i64::from(w) + 2).start_in(time::UtcOffset::UTC));
                a.distance_m = Some(10_000.0);
                a.average_speed_mps = Some(speed);
                a.average_heartrate_bpm = Some(140.0);
                a
            })
            .collect();
        let points = weekly_points(&runs, SportKind::Run, &starts, Some(190.0));
        assert!(points.iter().all(|p| p.activities == 1 && p.easy_efficiency.is_some()));
        let t = trends(&points, SportKind::Run).trends;
        let eff = t.iter().find(|t| t.metric == "easy_efficiency").unwrap();
        assert!((eff.change_pct - 4.0).abs() < 0.15, "{eff:?}");
        assert!(
            eff.reading.starts_with("Easy-run pace at the same heart rate improved 4% over 8 weeks"),
            "{}",
            eff.reading
        );
        let dist = t.iter().find(|t| t.metric == "weekly_distance_km").unwrap();
        assert_eq!(dist.change_pct, 0.0);
        assert!(dist.reading.contains("held steady"), "{}", dist.reading);
    }
}
