//! The athlete: the social profile (name, id, location) and the user
//! settings (body and thresholds), two requests merged into one record.

use serde_json::Value;

use super::NAME;
use super::convert::{self, tidy};
use super::payload::{SocialProfile, UserData, UserSettings};
use crate::model::{Athlete, LocalDate, Thresholds};
use crate::providers::api::{ApiError, Fetch, Request, decode};

pub async fn athlete<F: Fetch>(f: &F) -> Result<Athlete, ApiError> {
    let profile = f.get(Request::new("/userprofile-service/socialProfile")).await?;
    let settings = f.get(Request::new("/userprofile-service/userprofile/user-settings")).await?;
    athlete_from(profile, settings)
}

/// The social profile and user settings bodies as one athlete; settings
/// may be empty (the body's numbers are then simply unknown).
pub fn athlete_from(profile: Value, settings: Value) -> Result<Athlete, ApiError> {
    let profile: SocialProfile = decode(NAME, "social profile", profile)?;
    let settings: Option<UserSettings> = match settings {
        Value::Null => None,
        body => Some(decode(NAME, "user settings", body)?),
    };
    from_parts(profile, settings.and_then(|s| s.user_data))
}

fn from_parts(profile: SocialProfile, data: Option<UserData>) -> Result<Athlete, ApiError> {
    let id = profile
        .profile_id
        .or(profile.id)
        .map(|id| id.0)
        .or_else(|| profile.display_name.clone())
        .ok_or_else(|| ApiError::malformed(NAME, "the social profile has no profileId"))?;
    let name = profile.full_name.filter(|n| !n.trim().is_empty()).or(profile.display_name).unwrap_or_default();
    let data = data.unwrap_or(UserData {
        gender: None,
        weight: None,
        height: None,
        birth_date: None,
        lactate_threshold_heart_rate: None,
        lactate_threshold_speed: None,
        functional_threshold_power: None,
    });
    Ok(Athlete {
        id,
        name,
        sex: data.gender.as_deref().and_then(sex),
        birth_year: data.birth_date.as_deref().and_then(|d| LocalDate::parse(d).ok()).map(|d| d.get().year()),
        // Grams to kilograms.
        weight_kg: tidy(data.weight.filter(|w| *w > 0.0).map(|g| g / 1000.0), 1),
        // Centimetres to metres.
        height_m: tidy(data.height.filter(|h| *h > 0.0).map(|cm| cm / 100.0), 2),
        location: profile.location.filter(|l| !l.trim().is_empty()),
        thresholds: Thresholds {
            // Garmin keeps max and resting HR in per-sport zone settings, not here.
            max_heartrate_bpm: None,
            resting_heartrate_bpm: None,
            threshold_heartrate_bpm: tidy(data.lactate_threshold_heart_rate.filter(|v| *v > 0.0), 0),
            ftp_w: tidy(data.functional_threshold_power.filter(|v| *v > 0.0), 0),
            threshold_speed_mps: convert::threshold_speed(data.lactate_threshold_speed),
            swim_threshold_speed_mps: None,
        },
    })
}

/// `MALE` / `FEMALE` as the model's lowercase words; other values as sent, lowercased.
fn sex(gender: &str) -> Option<String> {
    let g = gender.trim().to_ascii_lowercase();
    (!g.is_empty()).then_some(g)
}
