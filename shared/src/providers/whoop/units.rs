//! Units and offsets: WHOOP's `timezone_offset` strings, RFC 3339
//! instants, `*_milli` durations, 0-100 percentages and score states, each
//! checked so a bad value becomes [`ApiError::Malformed`] naming the record
//! and field, never a panic or a silent zero.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use super::PROVIDER;
use super::payload::ScoreState;
use crate::model::ScoreStatus;
use crate::providers::api::ApiError;

pub(super) fn bad(detail: impl std::fmt::Display) -> ApiError {
    ApiError::malformed(PROVIDER, detail)
}

/// A WHOOP `timezone_offset` (`+hh:mm`, `-hh:mm`, `Z`; `+hhmm` and `+hh`
/// tolerated). Absent → `fallback` (the user's offset from the clock).
pub fn offset(raw: Option<&str>, fallback: UtcOffset, what: &str) -> Result<UtcOffset, ApiError> {
    let Some(raw) = raw.map(str::trim) else {
        return Ok(fallback);
    };
    if raw == "Z" || raw == "z" {
        return Ok(UtcOffset::UTC);
    }
    let fail = || bad(format_args!("{what}: `{raw}` is not a UTC offset"));
    let (sign, rest) = match raw.as_bytes().first() {
        Some(b'+') => (1, &raw[1..]),
        Some(b'-') => (-1, &raw[1..]),
        _ => return Err(fail()),
    };
    // `hh`, `hhmm` or `hh:mm`, ASCII digits only.
    let b = rest.as_bytes();
    let digits = match b.len() {
        2 | 4 => rest.to_owned(),
        5 if b[2] == b':' => format!("{}{}", &rest[..2], &rest[3..]),
        _ => return Err(fail()),
    };
    if !digits.bytes().all(|d| d.is_ascii_digit()) {
        return Err(fail());
    }
    let hours: i8 = digits[..2].parse().map_err(|_| fail())?;
    let minutes: i8 = if digits.len() == 4 { digits[2..].parse().map_err(|_| fail())? } else { 0 };
    // `time` allows ±25:59; real offsets (and RFC 3339) stop at 23:59.
    if hours > 23 || minutes > 59 {
        return Err(fail());
    }
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).map_err(|_| fail())
}

/// An RFC 3339 instant shown at `offset`.
pub fn instant(raw: &str, offset: UtcOffset, what: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(raw, &Rfc3339)
        .ok()
        .and_then(|t| t.checked_to_offset(offset))
        .ok_or_else(|| bad(format_args!("{what}: `{raw}` is not an RFC 3339 instant")))
}

/// Milliseconds → whole seconds, rounded to nearest (WHOOP's `*_milli`).
pub fn milli_to_s(ms: f64, what: &str) -> Result<u32, ApiError> {
    let s = (ms / 1000.0).round();
    if ms.is_finite() && (0.0..=f64::from(u32::MAX)).contains(&s) {
        // In range and integral, so the cast is exact.
        Ok(s as u32)
    } else {
        Err(bad(format_args!("{what}: `{ms}` is not a duration in milliseconds")))
    }
}

/// Whole seconds from `start` to `end`, rounded to nearest.
pub fn elapsed_s(start: OffsetDateTime, end: OffsetDateTime, what: &str) -> Result<u32, ApiError> {
    let ms = (end - start).whole_milliseconds();
    if ms < 0 {
        return Err(bad(format_args!("{what}: ends before it starts")));
    }
    milli_to_s(ms as f64, what)
}

/// A 0-100 percentage as the model's `u8` score.
pub fn percent_score(v: f64, what: &str) -> Result<u8, ApiError> {
    if v.is_finite() && (0.0..=100.0).contains(&v) {
        Ok(v.round() as u8)
    } else {
        Err(bad(format_args!("{what}: `{v}` is not a 0-100 score")))
    }
}

/// A bpm, metre or similar reading: finite and not negative, else malformed.
pub fn reading(v: Option<f64>, what: &str) -> Result<Option<f64>, ApiError> {
    match v {
        Some(x) if !x.is_finite() || x < 0.0 => Err(bad(format_args!("{what}: `{x}` is out of range"))),
        other => Ok(other),
    }
}

/// Why a record has no score, from its state: only WHOOP's two
/// documented "not scored" states count; an unknown state says nothing.
pub fn score_status(state: &ScoreState) -> Option<ScoreStatus> {
    match state {
        ScoreState::PendingScore => Some(ScoreStatus::Pending),
        ScoreState::Unscorable => Some(ScoreStatus::Unscorable),
        ScoreState::Scored | ScoreState::Other(_) => None,
    }
}

/// The score to use: none while pending or unscorable, whatever came with it.
pub fn usable<'a, T>(state: &ScoreState, score: Option<&'a T>) -> Option<&'a T> {
    score_status(state).map_or(score, |_| None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    const PLUS_ONE: UtcOffset = offset!(+1);

    fn is_malformed<T: std::fmt::Debug>(r: Result<T, ApiError>) -> bool {
        matches!(r, Err(ApiError::Malformed { provider: "whoop", .. }))
    }

    #[test]
    fn offsets_in_every_written_form() {
        assert_eq!(offset(Some("-05:00"), PLUS_ONE, "t").unwrap(), offset!(-5));
        assert_eq!(offset(Some("+05:30"), PLUS_ONE, "t").unwrap(), offset!(+5:30));
        assert_eq!(offset(Some("+0530"), PLUS_ONE, "t").unwrap(), offset!(+5:30));
        assert_eq!(offset(Some("-03"), PLUS_ONE, "t").unwrap(), offset!(-3));
        assert_eq!(offset(Some("Z"), PLUS_ONE, "t").unwrap(), UtcOffset::UTC);
        assert_eq!(offset(None, PLUS_ONE, "t").unwrap(), PLUS_ONE, "absent: the user's offset");
        for bad in ["", "05:00", "+5", "+25:00", "+05:0x", "+05:000", "+0:500", "EST", "+-1:00", "+é:00"] {
            assert!(is_malformed(offset(Some(bad), PLUS_ONE, "t")), "{bad}");
        }
    }

    #[test]
    fn instants_take_the_records_offset() {
        let t = instant("2026-11-16T12:10:00.000Z", offset!(-5), "t").unwrap();
        assert_eq!(t, datetime!(2026-11-16 07:10:00 -5));
        assert_eq!(t.offset(), offset!(-5));
        assert!(is_malformed(instant("2026-11-16 12:10", UtcOffset::UTC, "t")));
        // Pushing year 9999 past its end must be an error, not a panic.
        assert!(is_malformed(instant("9999-12-31T23:30:00Z", offset!(+1), "t")));
    }

    #[test]
    fn milli_durations_round_to_whole_seconds() {
        // 6,455,500 ms = 6455.5 s → 6456 (half away from zero); 13,512,400 → 13512.
        assert_eq!(milli_to_s(6_455_500.0, "t").unwrap(), 6456);
        assert_eq!(milli_to_s(13_512_400.0, "t").unwrap(), 13_512);
        assert_eq!(milli_to_s(0.0, "t").unwrap(), 0);
        assert!(is_malformed(milli_to_s(-1000.0, "t")));
        assert!(is_malformed(milli_to_s(f64::NAN, "t")));
        assert!(is_malformed(milli_to_s(1e20, "t")));
        let (a, b) = (datetime!(2026-11-20 06:31:07.000 UTC), datetime!(2026-11-20 07:25:07.600 UTC));
        assert_eq!(elapsed_s(a, b, "t").unwrap(), 3241, "3240.6 s rounds up");
        assert!(is_malformed(elapsed_s(b, a, "t")));
    }

    #[test]
    fn percentages_become_scores_and_out_of_range_is_malformed() {
        assert_eq!(percent_score(91.0, "t").unwrap(), 91);
        assert_eq!(percent_score(89.5, "t").unwrap(), 90);
        assert!(is_malformed(percent_score(100.5, "t")));
        assert!(is_malformed(percent_score(-1.0, "t")));
        assert!(is_malformed(percent_score(f64::INFINITY, "t")));
    }
}
