//! Names the synthetic generator gives things: the history's length, and
//! the words in an activity's name ("Morning Run", "Lunch Swim").

use crate::model::SportKind;

/// Days of history, today included.
pub const HISTORY_DAYS: i64 = 365;

/// "Morning", "Lunch", ... for a start time in minutes after midnight.
pub(super) fn time_of_day(minute: u32) -> &'static str {
    match minute / 60 {
        0..=10 => "Morning",
        11..=13 => "Lunch",
        14..=16 => "Afternoon",
        17..=20 => "Evening",
        _ => "Night",
    }
}

/// The sport as a person would name it in an activity title.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_naturally() {
        assert_eq!(time_of_day(7 * 60), "Morning");
        assert_eq!(time_of_day(12 * 60 + 30), "Lunch");
        assert_eq!(time_of_day(19 * 60), "Evening");
        assert_eq!(sport_label(SportKind::TrailRun), "Trail Run");
    }
}
