//! The athlete's `units` setting applied to what `pierre-mcp call` prints:
//! metric (km, m, min/km, km/h, /100 m) or imperial (mi, ft, min/mi, mph,
//! /100 yd). Tool results themselves stay SI for the model.

use pierre_shared::model::{SportKind, SportType};

const METRES_PER_MILE: f64 = 1_609.344;
const METRES_PER_FOOT: f64 = 0.3048;
const METRES_PER_100_YARDS: f64 = 91.44;

/// How distances, heights, paces and speeds are shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Units {
    #[default]
    Metric,
    Imperial,
}

impl Units {
    /// From the `units` setting's value (`metric` or `imperial`); anything
    /// else, or no setting, is metric.
    pub fn from_setting(value: Option<&str>) -> Units {
        match value {
            Some("imperial") => Units::Imperial,
            _ => Units::Metric,
        }
    }

    /// `13.19 km` or `8.20 mi`.
    pub fn distance(self, metres: f64) -> String {
        match self {
            Units::Metric => format!("{:.2} km", metres / 1000.0),
            Units::Imperial => format!("{:.2} mi", metres / METRES_PER_MILE),
        }
    }

    /// `311 m` or `1020 ft`, with a sign when asked (`+42 m`).
    pub fn height(self, metres: f64, signed: bool) -> String {
        let (value, unit) = match self {
            Units::Metric => (metres, "m"),
            Units::Imperial => (metres / METRES_PER_FOOT, "ft"),
        };
        if signed { format!("{value:+.0} {unit}") } else { format!("{value:.0} {unit}") }
    }

    /// Running pace: `5:31/km` or `8:53/mi`.
    pub fn pace(self, mps: f64) -> String {
        if mps <= 0.0 {
            return "-".to_owned();
        }
        match self {
            Units::Metric => format!("{}/km", clock(1000.0 / mps)),
            Units::Imperial => format!("{}/mi", clock(METRES_PER_MILE / mps)),
        }
    }

    /// Swim pace: `1:35/100m` or `1:27/100yd`.
    pub fn swim_pace(self, mps: f64) -> String {
        if mps <= 0.0 {
            return "-".to_owned();
        }
        match self {
            Units::Metric => format!("{}/100m", clock(100.0 / mps)),
            Units::Imperial => format!("{}/100yd", clock(METRES_PER_100_YARDS / mps)),
        }
    }

    /// Pace for sports on foot and in water, speed for everything else.
    pub fn speed(self, sport: &SportType, mps: f64) -> String {
        if mps <= 0.0 {
            return "-".to_owned();
        }
        match sport.kind() {
            Some(SportKind::Run | SportKind::TrailRun | SportKind::Walk | SportKind::Hike) => self.pace(mps),
            Some(SportKind::Swim) => self.swim_pace(mps),
            _ => match self {
                Units::Metric => format!("{:.1} km/h", mps * 3.6),
                Units::Imperial => format!("{:.1} mph", mps * 3600.0 / METRES_PER_MILE),
            },
        }
    }
}

/// `m:ss` for `secs` seconds, rounded.
pub fn clock(secs: f64) -> String {
    let secs = secs.round() as u64;
    format!("{}:{:02}", secs / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_systems_read_like_a_training_log() {
        let run: SportType = SportKind::Run.into();
        let ride: SportType = SportKind::Ride.into();
        let swim: SportType = SportKind::Swim.into();
        assert_eq!(Units::Metric.speed(&run, 1000.0 / 300.0), "5:00/km");
        assert_eq!(Units::Imperial.speed(&run, 1000.0 / 300.0), "8:03/mi");
        assert_eq!(Units::Metric.speed(&ride, 10.0), "36.0 km/h");
        assert_eq!(Units::Imperial.speed(&ride, 10.0), "22.4 mph");
        assert_eq!(Units::Metric.speed(&swim, 1.0), "1:40/100m");
        assert_eq!(Units::Imperial.speed(&swim, 1.0), "1:31/100yd");
        assert_eq!(Units::Imperial.distance(1609.344), "1.00 mi");
        assert_eq!(Units::Imperial.height(304.8, false), "1000 ft");
        assert_eq!(Units::Metric.height(42.4, true), "+42 m");
        assert_eq!(Units::from_setting(Some("imperial")), Units::Imperial);
        assert_eq!(Units::from_setting(None), Units::Metric);
    }
}
