//! WHOOP sports → Pierre's: names are an open, growing set, so known ones
//! map and the rest are kept exactly as sent.

use crate::model::{SportKind, SportType};

/// WHOOP's (deprecated) sport ids whose names several public sources agree on;
/// used only when a workout has no `sport_name`.
const SPORT_IDS: &[(i64, &str)] = &[
    (-1, "activity"),
    (0, "running"),
    (1, "cycling"),
    (33, "swimming"),
    (44, "yoga"),
    (52, "hiking/rucking"),
    (63, "walking"),
];

/// The sport of a workout. WHOOP names (`running`, `mountain biking`,
/// `functional fitness`, ...) are an open, growing set: known ones map to
/// Pierre's sports, the rest are kept exactly as sent. Without a name the
/// sport id is looked up, and an unknown id is kept as `whoop_sport_<id>`.
pub fn sport(name: Option<&str>, id: Option<f64>) -> SportType {
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.to_owned(),
        None => match id.filter(|i| i.fract() == 0.0 && i.abs() < 1e15).map(|i| i as i64) {
            Some(i) => match SPORT_IDS.iter().find(|(k, _)| *k == i) {
                Some((_, n)) => (*n).to_owned(),
                None => return SportType::Other(format!("whoop_sport_{i}")),
            },
            None => return SportType::Other("whoop_sport_unknown".to_owned()),
        },
    };
    let key = name.to_lowercase().replace(['_', '-'], " ");
    let kind = match key.as_str() {
        "running" => SportKind::Run,
        "trail running" => SportKind::TrailRun,
        "cycling" | "road cycling" => SportKind::Ride,
        "mountain biking" => SportKind::MountainBikeRide,
        "gravel cycling" => SportKind::GravelRide,
        "swimming" | "pool swimming" | "open water swimming" => SportKind::Swim,
        "walking" => SportKind::Walk,
        "hiking" | "hiking/rucking" | "rucking" => SportKind::Hike,
        "rowing" => SportKind::Rowing,
        "weightlifting" | "powerlifting" | "strength trainer" | "strength training" => SportKind::Strength,
        "yoga" | "hot yoga" => SportKind::Yoga,
        "cross country skiing" => SportKind::NordicSki,
        "skiing" => SportKind::AlpineSki,
        "activity" => SportKind::Workout,
        _ => return SportType::Other(name),
    };
    SportType::Known(kind)
}

/// WHOOP workouts have no title: the sport name, capitalised, stands in.
pub fn title(name: Option<&str>, sport: &SportType) -> String {
    let base = name.map(str::trim).filter(|n| !n.is_empty()).map_or_else(
        || match sport {
            SportType::Other(id) => id.replace("whoop_sport_", "WHOOP sport "),
            SportType::Known(k) => k.as_str().to_owned(),
        },
        |n| n.replace('_', " "),
    );
    let mut chars = base.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sports_are_an_open_set() {
        assert_eq!(sport(Some("running"), Some(0.0)), SportType::Known(SportKind::Run));
        assert_eq!(sport(Some("Cycling"), None), SportType::Known(SportKind::Ride));
        assert_eq!(sport(Some("swimming"), None), SportType::Known(SportKind::Swim));
        assert_eq!(sport(Some("mountain_biking"), None), SportType::Known(SportKind::MountainBikeRide));
        assert_eq!(sport(Some("hiking/rucking"), None), SportType::Known(SportKind::Hike));
        // Unknown names are kept exactly, case and all.
        assert_eq!(sport(Some("Functional Fitness"), Some(48.0)), SportType::Other("Functional Fitness".into()));
        assert_eq!(sport(Some("running [alice]"), None), SportType::Other("running [alice]".into()));
        // No name: the id, known or kept.
        assert_eq!(sport(None, Some(33.0)), SportType::Known(SportKind::Swim));
        assert_eq!(sport(Some(" "), Some(123.0)), SportType::Other("whoop_sport_123".into()));
        assert_eq!(sport(None, Some(1.5)), SportType::Other("whoop_sport_unknown".into()));
        assert_eq!(sport(None, None), SportType::Other("whoop_sport_unknown".into()));
        assert_eq!(title(Some("functional fitness"), &SportType::Other("x".into())), "Functional fitness");
        assert_eq!(title(None, &SportType::Other("whoop_sport_123".into())), "WHOOP sport 123");
    }
}
