//! Garmin's units and clocks turned into the model's.
//!
//! Garmin writes activity times twice without a zone (`startTimeLocal`,
//! `startTimeGMT`), sleep times as epoch milliseconds (with a "local" epoch
//! beside them), durations as fractional seconds with binary-float tails
//! (`3125.482000000001`), weight in grams and energy in kilocalories. The
//! helpers here are the one place those conventions are decoded, so list,
//! detail, sleep and recovery agree.

use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::NAME;
use crate::model::{SportKind, SportType, Timestamp, round_to};
use crate::providers::api::ApiError;

/// Joules per kilocalorie.
const J_PER_KCAL: f64 = 4_184.0;

/// No zone on Earth is further than this from UTC (Kiribati, +14:00; we
/// allow a margin): a larger local-minus-GMT difference is a broken record.
const MAX_OFFSET_S: i64 = 18 * 3_600;

/// Parses a zone-less Garmin time: `2026-11-20 07:31:07` (list) or
/// `2026-11-20T07:31:07.0` (detail, laps, readiness). Sub-seconds are
/// dropped: the model keeps whole seconds.
pub fn parse_naive(text: &str) -> Option<PrimitiveDateTime> {
    let text = text.trim();
    let (date, rest) = (text.get(..10)?, text.get(10..)?);
    let rest = rest.strip_prefix(['T', ' '])?;
    let whole = rest.split('.').next()?;
    let joined = format!("{date} {whole}");
    PrimitiveDateTime::parse(&joined, format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).ok()
}

/// An instant from epoch milliseconds; `None` when not a plausible time.
pub fn from_epoch_ms(ms: f64) -> Option<OffsetDateTime> {
    if !ms.is_finite() || ms.abs() > 1e15 {
        return None;
    }
    // Bounded above, so the cast is exact to the millisecond.
    let nanos = (ms.round() as i128) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// The UTC offset that makes `local` the wall-clock reading of `instant`,
/// rounded to the quarter hour every real zone is a multiple of (so a
/// local time a second off its GMT twin still gives the right zone).
pub fn offset_between(local: PrimitiveDateTime, instant: OffsetDateTime) -> Option<UtcOffset> {
    let diff = (local.assume_utc() - instant).whole_seconds();
    if diff.abs() > MAX_OFFSET_S {
        return None;
    }
    let quarter = (diff as f64 / 900.0).round() as i32 * 900;
    UtcOffset::from_whole_seconds(quarter).ok()
}

/// `instant` as seen at `offset`, as the model's timestamp.
///
/// # Errors
/// [`ApiError::Malformed`] when the shifted time leaves the calendar
/// (`9999-12-31 23:59` UTC at +01:00): `to_offset` would panic there.
pub fn at_offset(instant: OffsetDateTime, offset: UtcOffset, what: &str) -> Result<Timestamp, ApiError> {
    instant
        .checked_to_offset(offset)
        .map(Timestamp::new)
        .ok_or_else(|| ApiError::malformed(NAME, format!("{what} is outside the calendar")))
}

/// Whole seconds from Garmin's fractional ones (`3125.482000000001` → 3125).
///
/// # Errors
/// [`ApiError::Malformed`] for a negative, infinite or absurd duration.
pub fn whole_seconds(value: f64, what: &str) -> Result<u32, ApiError> {
    let rounded = value.round();
    if rounded.is_finite() && (0.0..=f64::from(u32::MAX)).contains(&rounded) {
        Ok(rounded as u32)
    } else {
        Err(ApiError::malformed(NAME, format!("{what} is {value} s")))
    }
}

/// Like [`whole_seconds`] for optional values.
pub fn opt_seconds(value: Option<f64>, what: &str) -> Result<Option<u32>, ApiError> {
    value.map(|v| whole_seconds(v, what)).transpose()
}

/// Rounds away binary-float tails (`0.30000000000000004` → `0.3`) and
/// drops non-finite values a sensor cannot have produced.
pub fn tidy(value: Option<f64>, digits: i32) -> Option<f64> {
    value.filter(|v| v.is_finite()).map(|v| round_to(v, digits))
}

/// Kilocalories to joules, whole.
pub fn kcal_to_joules(kcal: Option<f64>) -> Option<f64> {
    tidy(kcal.map(|k| k * J_PER_KCAL), 0)
}

/// A 0–100 score as the model's `u8`; out-of-range values are not scores.
pub fn score(value: Option<f64>) -> Option<u8> {
    value.filter(|v| v.is_finite()).map(f64::round).filter(|v| (0.0..=100.0).contains(v)).map(|v| v as u8)
}

/// `userData.lactateThresholdSpeed` as m/s.
///
/// Garmin's user settings store it in tens of metres per second (0.336 for
/// a 4:58 /km threshold, 3.36 m/s), while other endpoints use m/s. No
/// runner's threshold is below 1 m/s or above 10 m/s, so a value under 1 is
/// read as tens of m/s and one from 1 to 10 as m/s; anything else is dropped.
pub fn threshold_speed(value: Option<f64>) -> Option<f64> {
    let v = value.filter(|v| v.is_finite() && *v > 0.0)?;
    let mps = if v < 1.0 { v * 10.0 } else { v };
    (mps <= 10.0).then(|| round_to(mps, 3))
}

/// Garmin's `typeKey` as a Pierre sport; keys Pierre has no name for are
/// kept verbatim (`kiteboarding`), so nothing is dropped or mislabelled.
pub fn sport(type_key: &str) -> SportType {
    let kind = match type_key {
        "running" | "street_running" | "track_running" | "treadmill_running" | "indoor_running" | "virtual_run"
        | "ultra_run" | "obstacle_run" => SportKind::Run,
        "trail_running" => SportKind::TrailRun,
        "walking" | "casual_walking" | "speed_walking" | "indoor_walking" => SportKind::Walk,
        "hiking" | "mountaineering" => SportKind::Hike,
        "cycling" | "road_biking" | "cyclocross" | "track_cycling" | "recumbent_cycling" | "e_bike_fitness" => {
            SportKind::Ride
        }
        "virtual_ride" | "indoor_cycling" => SportKind::VirtualRide,
        "mountain_biking" | "e_bike_mountain" | "downhill_biking" => SportKind::MountainBikeRide,
        "gravel_cycling" => SportKind::GravelRide,
        "lap_swimming" | "open_water_swimming" | "swimming" => SportKind::Swim,
        "rowing" | "indoor_rowing" => SportKind::Rowing,
        "strength_training" => SportKind::Strength,
        "yoga" => SportKind::Yoga,
        "cross_country_skiing_ws" | "skate_skiing_ws" | "backcountry_skiing" | "backcountry_skiing_snowboarding_ws" => {
            SportKind::NordicSki
        }
        "resort_skiing" | "resort_skiing_snowboarding_ws" | "resort_snowboarding" => SportKind::AlpineSki,
        "cardio" | "indoor_cardio" | "hiit" | "fitness_equipment" | "elliptical" | "stair_climbing" => {
            SportKind::Workout
        }
        other => return SportType::parse(other),
    };
    SportType::Known(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn zone_less_times_parse_in_both_garmin_spellings() {
        assert_eq!(parse_naive("2026-11-20 07:31:07"), Some(datetime!(2026-11-20 07:31:07)));
        assert_eq!(parse_naive("2026-11-20T06:51:59.3"), Some(datetime!(2026-11-20 06:51:59)));
        assert_eq!(parse_naive("2026-11-20"), None);
        assert_eq!(parse_naive("2026-11-20X07:31:07"), None);
        assert_eq!(parse_naive("2026-13-20 07:31:07"), None);
        assert_eq!(parse_naive("é"), None);
    }

    #[test]
    fn offset_is_local_minus_gmt_to_the_quarter_hour() {
        let gmt = datetime!(2026-11-14 13:00:05 UTC);
        assert_eq!(offset_between(datetime!(2026-11-14 08:00:05), gmt), Some(offset!(-5)));
        // Nepal, +05:45, and a local time a few seconds off its GMT twin.
        assert_eq!(offset_between(datetime!(2026-11-14 18:45:09), gmt), Some(offset!(+5:45)));
        assert_eq!(offset_between(datetime!(2026-11-16 13:00:05), gmt), None);
    }

    #[test]
    fn shifting_past_the_calendar_end_is_an_error() {
        let last = datetime!(9999-12-31 23:30:00 UTC);
        assert!(matches!(at_offset(last, offset!(+1), "start"), Err(ApiError::Malformed { .. })));
        assert_eq!(
            at_offset(last, offset!(-1), "start").map(|t| t.to_string()),
            Ok("9999-12-31T22:30:00-01:00".to_owned())
        );
    }

    #[test]
    fn epoch_milliseconds_become_instants() {
        // 1795156267000 ms = 2026-11-20T06:31:07Z.
        assert_eq!(from_epoch_ms(1_795_156_267_000.0), Some(datetime!(2026-11-20 06:31:07 UTC)));
        assert_eq!(from_epoch_ms(f64::NAN), None);
        assert_eq!(from_epoch_ms(1e300), None);
    }

    #[test]
    fn fractional_seconds_and_float_tails_are_rounded() {
        assert_eq!(whole_seconds(3125.482000000001, "d"), Ok(3125));
        assert_eq!(whole_seconds(3125.5, "d"), Ok(3126));
        assert!(matches!(whole_seconds(-3.0, "d"), Err(ApiError::Malformed { .. })));
        assert!(whole_seconds(f64::INFINITY, "d").is_err());
        assert_eq!(tidy(Some(0.30000000000000004), 1), Some(0.3));
        assert_eq!(tidy(Some(f64::NAN), 1), None);
        // 701 kcal × 4184 J/kcal = 2 932 984 J.
        assert_eq!(kcal_to_joules(Some(701.0)), Some(2_932_984.0));
        assert_eq!(score(Some(81.6)), Some(82));
        assert_eq!(score(Some(101.0)), None);
    }

    #[test]
    fn threshold_speed_reads_tens_of_metres_per_second() {
        assert_eq!(threshold_speed(Some(0.36111111)), Some(3.611));
        assert_eq!(threshold_speed(Some(3.61)), Some(3.61));
        assert_eq!(threshold_speed(Some(0.0)), None);
        assert_eq!(threshold_speed(Some(42.0)), None);
    }

    #[test]
    fn type_keys_are_an_open_set() {
        assert_eq!(sport("running"), SportKind::Run.into());
        assert_eq!(sport("treadmill_running"), SportKind::Run.into());
        assert_eq!(sport("lap_swimming"), SportKind::Swim.into());
        assert_eq!(sport("open_water_swimming"), SportKind::Swim.into());
        assert_eq!(sport("strength_training"), SportKind::Strength.into());
        assert_eq!(sport("virtual_ride"), SportKind::VirtualRide.into());
        assert_eq!(sport("walking"), SportKind::Walk.into());
        assert_eq!(sport("kiteboarding"), SportType::Other("kiteboarding".into()));
        // A Garmin key that happens to be a Pierre name maps to it.
        assert_eq!(sport("hike"), SportKind::Hike.into());
    }
}
