//! Athlete settings a person sets for themselves: thresholds that beat the
//! provider's guesses, how heart-rate zones are drawn, and how human output
//! is written (units, time zone).
//!
//! The daemon stores them per Pierre user (`settings.get` / `settings.set`),
//! so every client and both transports see the same values; they are
//! private but not secret. Each stored value keeps where it came from
//! ([`SettingSource`]). One set of rules ([`SettingField::check`]) checks a
//! value wherever it enters: the CLI, the socket, a tool.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::athlete::Thresholds;

/// One setting. The names are those of the wire and of the CLI
/// (`pierre-authd settings set ftp_w=250`), SI units in the name as
/// everywhere in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettingField {
    MaxHeartrateBpm,
    RestingHeartrateBpm,
    /// Lactate-threshold heart rate.
    ThresholdHeartrateBpm,
    /// Functional threshold power (cycling).
    FtpW,
    /// Running threshold pace, as a speed (the CLI also takes `4:30/km`).
    ThresholdSpeedMps,
    /// Swimming critical speed (the CLI also takes `1:40/100m`).
    SwimThresholdSpeedMps,
    WeightKg,
    /// How heart-rate zones are drawn: `percent_max`, `heart_rate_reserve` or `percent_lthr`.
    HrZoneModel,
    /// Human output: `metric` or `imperial`.
    Units,
    /// Human output: an IANA time zone name such as `Europe/Paris`.
    TimeZone,
}

/// Every field, in the order output lists them.
pub const ALL_FIELDS: &[SettingField] = &[
    SettingField::MaxHeartrateBpm,
    SettingField::RestingHeartrateBpm,
    SettingField::ThresholdHeartrateBpm,
    SettingField::FtpW,
    SettingField::ThresholdSpeedMps,
    SettingField::SwimThresholdSpeedMps,
    SettingField::WeightKg,
    SettingField::HrZoneModel,
    SettingField::Units,
    SettingField::TimeZone,
];

/// Heart-rate zone models a user may pick.
pub const HR_ZONE_MODELS: &[&str] = &["percent_max", "heart_rate_reserve", "percent_lthr"];

/// Why a value was refused: one sentence naming the field and the range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingError(pub String);

impl SettingField {
    /// The wire name (`ftp_w`).
    pub fn name(self) -> &'static str {
        match self {
            SettingField::MaxHeartrateBpm => "max_heartrate_bpm",
            SettingField::RestingHeartrateBpm => "resting_heartrate_bpm",
            SettingField::ThresholdHeartrateBpm => "threshold_heartrate_bpm",
            SettingField::FtpW => "ftp_w",
            SettingField::ThresholdSpeedMps => "threshold_speed_mps",
            SettingField::SwimThresholdSpeedMps => "swim_threshold_speed_mps",
            SettingField::WeightKg => "weight_kg",
            SettingField::HrZoneModel => "hr_zone_model",
            SettingField::Units => "units",
            SettingField::TimeZone => "time_zone",
        }
    }

    /// The field with this wire name.
    ///
    /// # Errors
    /// A sentence listing the known names.
    pub fn parse(name: &str) -> Result<SettingField, SettingError> {
        ALL_FIELDS.iter().copied().find(|f| f.name() == name).ok_or_else(|| {
            let known: Vec<&str> = ALL_FIELDS.iter().map(|f| f.name()).collect();
            SettingError(format!("there is no athlete setting `{name}`; the settings are {}", known.join(", ")))
        })
    }

    /// The accepted range of a numeric field, in its unit (people's values,
    /// wide enough for every athlete, narrow enough to catch a typo such as
    /// FTP 2500).
    fn range(self) -> Option<(f64, f64, &'static str)> {
        Some(match self {
            SettingField::MaxHeartrateBpm => (100.0, 230.0, "bpm"),
            SettingField::RestingHeartrateBpm => (25.0, 120.0, "bpm"),
            SettingField::ThresholdHeartrateBpm => (80.0, 220.0, "bpm"),
            SettingField::FtpW => (30.0, 700.0, "W"),
            // 1:40/km to 20:00/km.
            SettingField::ThresholdSpeedMps => (1000.0 / 1200.0, 10.0, "m/s"),
            // 0:50/100m to 5:00/100m.
            SettingField::SwimThresholdSpeedMps => (100.0 / 300.0, 2.0, "m/s"),
            SettingField::WeightKg => (25.0, 250.0, "kg"),
            _ => return None,
        })
    }

    /// Checks `value` for this field and returns it in its stored form (a
    /// JSON number rounded to what the unit needs, or a string).
    ///
    /// # Errors
    /// One sentence: the field, what was given, and what is accepted.
    pub fn check(self, value: &Value) -> Result<Value, SettingError> {
        let name = self.name();
        if let Some((low, high, unit)) = self.range() {
            let number = value
                .as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(|| SettingError(format!("`{name}` must be a number in {unit}; it was {value}")))?;
            if !(low..=high).contains(&number) {
                return Err(SettingError(format!(
                    "`{name}` must be from {} to {} {unit}; it was {}",
                    trim(low),
                    trim(high),
                    trim(number)
                )));
            }
            let digits = if unit == "m/s" { 3 } else { 1 };
            return Ok(Value::from(super::activity::round_to(number, digits)));
        }
        let text = value.as_str().ok_or_else(|| SettingError(format!("`{name}` must be text; it was {value}")))?;
        match self {
            SettingField::HrZoneModel if HR_ZONE_MODELS.contains(&text) => Ok(Value::from(text)),
            SettingField::HrZoneModel => Err(SettingError(format!(
                "`hr_zone_model` must be one of {}; it was `{text}`",
                HR_ZONE_MODELS.join(", ")
            ))),
            SettingField::Units if matches!(text, "metric" | "imperial") => Ok(Value::from(text)),
            SettingField::Units => {
                Err(SettingError(format!("`units` must be `metric` or `imperial`; it was `{text}`")))
            }
            _ if looks_like_time_zone(text) => Ok(Value::from(text)),
            _ => Err(SettingError(format!(
                "`time_zone` must be an IANA time zone name such as `Europe/Paris` or `UTC`; it was `{text}`"
            ))),
        }
    }

    /// Parses the CLI's `KEY=VALUE` text for this field: numbers, and for
    /// the two speeds also a pace (`4:30/km`, `1:40/100m`), then [`Self::check`].
    ///
    /// # Errors
    /// As [`Self::check`], or a sentence saying how to write the value.
    pub fn parse_text(self, text: &str) -> Result<Value, SettingError> {
        let text = text.trim();
        let value = match self {
            SettingField::ThresholdSpeedMps if text.ends_with("/km") => pace_to_speed(self, text, "/km", 1000.0)?,
            SettingField::SwimThresholdSpeedMps if text.ends_with("/100m") => {
                pace_to_speed(self, text, "/100m", 100.0)?
            }
            _ if self.range().is_some() => {
                let number: f64 = text
                    .parse()
                    .map_err(|_| SettingError(format!("`{}` must be a number; it was `{text}`", self.name())))?;
                Value::from(number)
            }
            _ => Value::from(text),
        };
        self.check(&value)
    }
}

/// Prints a number without a trailing `.0`.
fn trim(n: f64) -> String {
    let rounded = super::activity::round_to(n, 3);
    if rounded.fract() == 0.0 { format!("{rounded:.0}") } else { rounded.to_string() }
}

/// `m:ss/km` or `m:ss/100m` → m/s.
fn pace_to_speed(field: SettingField, text: &str, suffix: &str, metres: f64) -> Result<Value, SettingError> {
    let bad = || {
        SettingError(format!(
            "`{}` as a pace is minutes:seconds{suffix}, such as `4:30{suffix}`; it was `{text}`",
            field.name()
        ))
    };
    let (minutes, seconds) = text.trim_end_matches(suffix).split_once(':').ok_or_else(bad)?;
    let minutes: u32 = minutes.trim().parse().map_err(|_| bad())?;
    let seconds: u32 = seconds.trim().parse().map_err(|_| bad())?;
    if seconds >= 60 {
        return Err(bad());
    }
    let total = f64::from(minutes * 60 + seconds);
    if total == 0.0 {
        return Err(bad());
    }
    Ok(Value::from(metres / total))
}

/// `UTC`, or `Area/Location[/More]` made of the characters IANA names use.
/// The name is not looked up: a system without tzdata must still accept
/// what it cannot check, and output falls back to UTC for an unknown zone.
fn looks_like_time_zone(text: &str) -> bool {
    if text == "UTC" {
        return true;
    }
    let parts: Vec<&str> = text.split('/').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+')))
        && parts[0].starts_with(|c: char| c.is_ascii_uppercase())
}

/// Where a value came from: the person (`user`), the provider's profile,
/// an estimate from the athlete's data (`method` says how), or a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettingSource {
    User,
    Provider,
    Estimated,
    Default,
}

impl SettingSource {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            SettingSource::User => "user",
            SettingSource::Provider => "provider",
            SettingSource::Estimated => "estimated",
            SettingSource::Default => "default",
        }
    }

    /// The inverse of [`Self::as_str`].
    pub fn parse(text: &str) -> Option<SettingSource> {
        [SettingSource::User, SettingSource::Provider, SettingSource::Estimated, SettingSource::Default]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Setting {
    pub value: Value,
    pub source: SettingSource,
    /// How an estimated value was found, and from how much data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Unix seconds of the last change.
    pub updated_at: i64,
}

/// A user's settings by field name; an absent field is not set.
pub type AthleteSettings = BTreeMap<SettingField, Setting>;

/// Lays the user's thresholds over the provider's: a value the person set
/// beats what the provider reports. Returns the fields it replaced, for the
/// results that name the thresholds they used.
pub fn apply_user_thresholds(settings: &AthleteSettings, thresholds: &mut Thresholds) -> Vec<SettingField> {
    let mut applied = Vec::new();
    for (field, setting) in settings {
        let slot = match field {
            SettingField::MaxHeartrateBpm => &mut thresholds.max_heartrate_bpm,
            SettingField::RestingHeartrateBpm => &mut thresholds.resting_heartrate_bpm,
            SettingField::ThresholdHeartrateBpm => &mut thresholds.threshold_heartrate_bpm,
            SettingField::FtpW => &mut thresholds.ftp_w,
            SettingField::ThresholdSpeedMps => &mut thresholds.threshold_speed_mps,
            SettingField::SwimThresholdSpeedMps => &mut thresholds.swim_threshold_speed_mps,
            _ => continue,
        };
        if let Some(value) = setting.value.as_f64() {
            *slot = Some(value);
            applied.push(*field);
        }
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_in_range_are_kept_and_rounded() {
        assert_eq!(SettingField::FtpW.check(&json!(251.26)).unwrap(), json!(251.3));
        assert_eq!(SettingField::MaxHeartrateBpm.check(&json!(188)).unwrap(), json!(188.0));
    }

    #[test]
    fn out_of_range_or_wrong_type_says_the_range() {
        let err = SettingField::FtpW.check(&json!(2500)).unwrap_err().to_string();
        assert_eq!(err, "`ftp_w` must be from 30 to 700 W; it was 2500");
        let err = SettingField::MaxHeartrateBpm.check(&json!("fast")).unwrap_err().to_string();
        assert!(err.contains("must be a number in bpm"), "{err}");
        assert!(SettingField::WeightKg.check(&json!(f64::NAN)).is_err());
    }

    #[test]
    fn paces_become_speeds() {
        let speed = SettingField::ThresholdSpeedMps.parse_text("4:10/km").unwrap();
        assert_eq!(speed, json!(4.0));
        let swim = SettingField::SwimThresholdSpeedMps.parse_text("1:40/100m").unwrap();
        assert_eq!(swim, json!(1.0));
        assert!(SettingField::ThresholdSpeedMps.parse_text("4:75/km").is_err());
        assert!(SettingField::ThresholdSpeedMps.parse_text("0:00/km").is_err());
        // 40:00/km is slower than anyone's threshold.
        assert!(SettingField::ThresholdSpeedMps.parse_text("40:00/km").is_err());
    }

    #[test]
    fn text_fields_take_their_words_only() {
        assert_eq!(SettingField::Units.parse_text("imperial").unwrap(), json!("imperial"));
        assert!(SettingField::Units.parse_text("furlongs").is_err());
        assert_eq!(SettingField::HrZoneModel.parse_text("heart_rate_reserve").unwrap(), json!("heart_rate_reserve"));
        for zone in ["Europe/Paris", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5"] {
            assert!(SettingField::TimeZone.parse_text(zone).is_ok(), "{zone}");
        }
        for zone in ["paris", "Europe/", "../etc/passwd", "Europe/Par is"] {
            assert!(SettingField::TimeZone.parse_text(zone).is_err(), "{zone}");
        }
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = SettingField::parse("ftp").unwrap_err().to_string();
        assert!(err.contains("ftp_w") && err.contains("time_zone"), "{err}");
        for field in ALL_FIELDS {
            assert_eq!(SettingField::parse(field.name()).unwrap(), *field);
            assert_eq!(serde_json::to_value(field).unwrap(), json!(field.name()));
        }
    }

    #[test]
    fn user_thresholds_beat_the_providers() {
        let mut thresholds = Thresholds { ftp_w: Some(200.0), max_heartrate_bpm: Some(190.0), ..Thresholds::default() };
        let mut settings = AthleteSettings::new();
        let user = |v: Value| Setting { value: v, source: SettingSource::User, method: None, updated_at: 1 };
        settings.insert(SettingField::FtpW, user(json!(250.0)));
        settings.insert(SettingField::Units, user(json!("metric")));
        let applied = apply_user_thresholds(&settings, &mut thresholds);
        assert_eq!(applied, vec![SettingField::FtpW]);
        assert_eq!(thresholds.ftp_w, Some(250.0));
        assert_eq!(thresholds.max_heartrate_bpm, Some(190.0), "what the user did not set stays the provider's");
    }
}
