//! Fitbit activity names to Pierre's sports.
//!
//! Fitbit's `activityName` is an open set of display names ("Run",
//! "Outdoor Bike", "Weights", …) that [`SportType::parse`] does not know,
//! since Pierre's names are snake_case. The common ones are mapped here;
//! a name Pierre does not know is kept as Fitbit sent it. When the name is
//! not recognised (for instance a custom or translated name) the few
//! well-known `activityTypeId`s are tried before giving up.

use crate::model::{SportKind, SportType};

/// The sport of one log.
pub fn sport(name: Option<&str>, type_id: Option<f64>) -> SportType {
    let name = name.map(str::trim).unwrap_or("");
    if let Some(kind) = by_name(name).or_else(|| type_id.and_then(by_type_id)) {
        return kind.into();
    }
    if name.is_empty() {
        return SportType::Other("Fitbit activity".to_owned());
    }
    SportType::parse(name)
}

fn by_name(name: &str) -> Option<SportKind> {
    let kind = match name.to_ascii_lowercase().as_str() {
        "run" | "running" | "treadmill" | "treadmill run" | "outdoor run" | "jog" | "jogging" => SportKind::Run,
        "trail run" | "trail running" => SportKind::TrailRun,
        "walk" | "walking" | "outdoor walk" | "treadmill walk" => SportKind::Walk,
        "hike" | "hiking" => SportKind::Hike,
        "bike" | "biking" | "outdoor bike" | "bicycling" | "cycling" | "road bike" => SportKind::Ride,
        "mountain bike" | "mountain biking" => SportKind::MountainBikeRide,
        "swim" | "swimming" | "pool swim" | "open water swim" => SportKind::Swim,
        "rowing" | "row" | "rowing machine" => SportKind::Rowing,
        "weights" | "weight training" | "weightlifting" | "strength training" => SportKind::Strength,
        "yoga" => SportKind::Yoga,
        "cross country skiing" | "cross-country skiing" => SportKind::NordicSki,
        "downhill skiing" | "alpine skiing" => SportKind::AlpineSki,
        "workout" | "circuit training" | "interval workout" | "hiit" | "aerobic workout" | "bootcamp" => {
            SportKind::Workout
        }
        _ => return SportKind::from_name(name),
    };
    Some(kind)
}

/// Fitbit's ids for the everyday activities (`GET /1/activities.json`).
fn by_type_id(id: f64) -> Option<SportKind> {
    match id as u64 {
        90009 => Some(SportKind::Run),
        90013 => Some(SportKind::Walk),
        90012 => Some(SportKind::Hike),
        90001 | 1071 => Some(SportKind::Ride),
        90024 => Some(SportKind::Swim),
        52001 => Some(SportKind::Yoga),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitbit_names_map_to_known_sports_and_others_are_kept() {
        assert_eq!(sport(Some("Run"), Some(90009.0)), SportKind::Run.into());
        assert_eq!(sport(Some("Outdoor Bike"), Some(1071.0)), SportKind::Ride.into());
        assert_eq!(sport(Some("Bike"), None), SportKind::Ride.into());
        assert_eq!(sport(Some("Swim"), None), SportKind::Swim.into());
        assert_eq!(sport(Some("Walk"), None), SportKind::Walk.into());
        assert_eq!(sport(Some("trail_run"), None), SportKind::TrailRun.into());
        // A translated name still maps through the type id.
        assert_eq!(sport(Some("Course à pied"), Some(90009.0)), SportKind::Run.into());
        assert_eq!(sport(Some("Kickboxing"), Some(3020.0)), SportType::Other("Kickboxing".into()));
        assert_eq!(sport(None, None), SportType::Other("Fitbit activity".into()));
    }
}
