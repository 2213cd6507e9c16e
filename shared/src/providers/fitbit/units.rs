//! Which units Fitbit answers in, and the conversions to SI.
//!
//! Fitbit picks the unit system of every answer from the request's
//! `Accept-Language` header (dev.fitbit.com, Web API basics, "Units"):
//! `en_US` is US units (miles, feet, inches, pounds), `en_GB` is UK units
//! (stone for weight), and any other value or none at all is metric. The
//! default without the header is therefore not the user's preference, and
//! `en_GB`'s stone shows that "English" does not mean one system.
//!
//! Pierre sends `Accept-Language: en_US` on every request and converts:
//! it is the one system the reference names and tabulates, so the numbers
//! never depend on a catch-all rule, and the conversion factors below are
//! exact by definition. Durations are milliseconds in every system.

/// Sent on every Fitbit request; see the module doc.
pub const ACCEPT_LANGUAGE: &str = "en_US";

/// International mile, exact.
pub const METRES_PER_MILE: f64 = 1_609.344;
/// International foot, exact.
pub const METRES_PER_FOOT: f64 = 0.304_8;
/// International inch, exact.
pub const METRES_PER_INCH: f64 = 0.025_4;
/// Avoirdupois pound, exact.
pub const KG_PER_POUND: f64 = 0.453_592_37;
/// Thermochemical kilocalorie, the one nutrition and fitness labels use.
pub const JOULES_PER_KCAL: f64 = 4_184.0;

/// Metres in one unit of an activity's distance. Fitbit labels the log's
/// distance with `distanceUnit`; the label wins when Pierre knows it, and
/// without one the distance is in the system asked for (miles).
/// `None` for a label Pierre does not know: the distance is then dropped
/// rather than guessed.
pub fn metres_per_distance_unit(label: Option<&str>) -> Option<f64> {
    let Some(label) = label.map(str::trim).filter(|l| !l.is_empty()) else {
        return Some(METRES_PER_MILE);
    };
    match label.to_ascii_lowercase().as_str() {
        "mile" | "miles" | "mi" => Some(METRES_PER_MILE),
        "kilometer" | "kilometers" | "kilometre" | "kilometres" | "km" => Some(1_000.0),
        "meter" | "meters" | "metre" | "metres" | "m" => Some(1.0),
        "yard" | "yards" | "yd" => Some(0.914_4),
        "foot" | "feet" | "ft" => Some(METRES_PER_FOOT),
        _ => None,
    }
}

/// Whole seconds from Fitbit's milliseconds; `None` for a negative value.
pub fn seconds_from_ms(ms: f64) -> Option<u32> {
    if ms < 0.0 || !ms.is_finite() {
        return None;
    }
    // `as` saturates at u32::MAX for absurd values instead of wrapping.
    Some((ms / 1_000.0).round() as u32)
}

/// Whole seconds from Fitbit's minutes; `None` for a negative value.
pub fn seconds_from_minutes(minutes: f64) -> Option<u32> {
    if minutes < 0.0 || !minutes.is_finite() {
        return None;
    }
    Some((minutes * 60.0).round() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_become_whole_seconds() {
        // 3 125 000 ms = 3 125 s; 1 499 ms rounds to 1 s; 1 500 ms to 2 s.
        assert_eq!(seconds_from_ms(3_125_000.0), Some(3_125));
        assert_eq!(seconds_from_ms(1_499.0), Some(1));
        assert_eq!(seconds_from_ms(1_500.0), Some(2));
        assert_eq!(seconds_from_ms(-1.0), None);
        assert_eq!(seconds_from_ms(1e30), Some(u32::MAX));
        assert_eq!(seconds_from_minutes(466.0), Some(27_960));
    }

    #[test]
    fn distance_labels_pick_the_factor_and_unknown_ones_drop_it() {
        assert_eq!(metres_per_distance_unit(None), Some(METRES_PER_MILE));
        assert_eq!(metres_per_distance_unit(Some("Mile")), Some(METRES_PER_MILE));
        assert_eq!(metres_per_distance_unit(Some("Kilometer")), Some(1_000.0));
        assert_eq!(metres_per_distance_unit(Some("Furlong")), None);
    }
}
