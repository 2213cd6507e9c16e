//! What a provider's answer says about its rate limits: the usage headers
//! of each provider's style, and `Retry-After`.
//!
//! - Strava (<https://developers.strava.com/docs/rate-limits/>):
//!   `X-RateLimit-Limit` / `X-RateLimit-Usage` (overall) and
//!   `X-ReadRateLimit-Limit` / `X-ReadRateLimit-Usage` ("non-upload"), each
//!   "15-minute, daily" as two comma-separated numbers. No reset header: the
//!   windows end at :00/:15/:30/:45 and at 00:00 UTC. Usage may exceed the
//!   limit ("requests violating the short term limit will still count toward
//!   the long term limit").
//! - Fitbit (<https://dev.fitbit.com/build/reference/web-api/developer-guide/application-design/#Rate-Limits>):
//!   `Fitbit-Rate-Limit-Limit`, `Fitbit-Rate-Limit-Remaining` and
//!   `Fitbit-Rate-Limit-Reset` (seconds until the hourly window resets).
//! - WHOOP (<https://developer.whoop.com/docs/developing/rate-limiting>) and
//!   others that follow the IETF RateLimit-fields draft:
//!   `X-RateLimit-Limit: 100, 100;window=60, 10000;window=86400` (the first
//!   number is the quota closest to being spent, then every policy),
//!   `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds) for that quota.
//! - `Retry-After` (RFC 9110 §10.2.3,
//!   <https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3>): delay-seconds
//!   or an HTTP-date.

use std::collections::HashMap;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// What a provider's headers say about one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// The window's length when the headers say it; `None`: the shortest.
    pub window_secs: Option<u64>,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until it resets, when the headers say.
    pub reset_in: Option<u64>,
}

/// Strava's "15-minute,daily" pair: `(limit, usage)` lists.
fn strava_pairs(headers: &HashMap<String, String>, limit: &str, usage: &str) -> Vec<Observation> {
    let numbers = |name: &str| -> Vec<u32> {
        headers.get(name).map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect()).unwrap_or_default()
    };
    let (limits, usages) = (numbers(limit), numbers(usage));
    [900u64, 86_400]
        .iter()
        .zip(limits.iter().zip(usages.iter()))
        .map(|(&window, (&l, &u))| Observation {
            window_secs: Some(window),
            limit: l,
            remaining: l.saturating_sub(u),
            reset_in: None,
        })
        .collect()
}

/// What the provider's rate-limit headers say (lower-case names).
pub fn parse_headers(provider: &str, headers: &HashMap<String, String>) -> Vec<Observation> {
    let number = |name: &str| headers.get(name).and_then(|v| v.trim().parse::<u64>().ok());
    match provider {
        "strava" => {
            let mut out = strava_pairs(headers, "x-ratelimit-limit", "x-ratelimit-usage");
            out.extend(strava_pairs(headers, "x-readratelimit-limit", "x-readratelimit-usage"));
            out
        }
        "fitbit" => match (number("fitbit-rate-limit-limit"), number("fitbit-rate-limit-remaining")) {
            (Some(limit), Some(remaining)) => vec![Observation {
                window_secs: Some(3_600),
                limit: u32::try_from(limit).unwrap_or(u32::MAX),
                remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
                reset_in: number("fitbit-rate-limit-reset"),
            }],
            _ => Vec::new(),
        },
        // RateLimit-fields draft style (WHOOP and others): Remaining and
        // Reset are for the quota in effect, the first number.
        _ => {
            let Some(raw) = headers.get("x-ratelimit-limit") else {
                return Vec::new();
            };
            let mut parts = raw.split(',').map(str::trim);
            let Some(limit) = parts.next().and_then(|p| p.split(';').next()).and_then(|n| n.trim().parse::<u32>().ok())
            else {
                return Vec::new();
            };
            let window = parts.find_map(|p| {
                let mut it = p.split(';').map(str::trim);
                let quota = it.next()?.parse::<u32>().ok()?;
                let window = it.find_map(|kv| kv.strip_prefix("window="))?.parse::<u64>().ok()?;
                (quota == limit).then_some(window)
            });
            let Some(remaining) = number("x-ratelimit-remaining") else {
                return Vec::new();
            };
            vec![Observation {
                window_secs: window,
                limit,
                remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
                reset_in: number("x-ratelimit-reset"),
            }]
        }
    }
}

/// The seconds from `now` a `Retry-After` value asks for: delay-seconds, or
/// an HTTP-date (a date already past asks for 0). `None` when the value is
/// neither, which is then treated as no `Retry-After` at all.
pub fn retry_after_secs(value: &str, now: i64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is still "a very long time".
        return Some(value.parse().unwrap_or(u64::MAX));
    }
    let at = http_date(value, now)?;
    Some(u64::try_from(at.saturating_sub(now)).unwrap_or(0))
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// An HTTP-date (RFC 9110 §5.6.7) as seconds since the Unix epoch, in any of
/// the three forms a recipient must accept: IMF-fixdate
/// `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`.
/// The weekday is redundant and not checked.
fn http_date(value: &str, now: i64) -> Option<i64> {
    let fields: Vec<&str> = value.split([' ', ',', '-']).filter(|f| !f.is_empty()).collect();
    let (day, month, year, clock) = match fields.as_slice() {
        [_, day, month, year, clock, "GMT"] => (*day, *month, *year, *clock),
        [_, month, day, clock, year] => (*day, *month, *year, *clock),
        _ => return None,
    };
    let month = MONTHS.iter().position(|m| *m == month).and_then(|i| u8::try_from(i + 1).ok())?;
    let month = Month::try_from(month).ok()?;
    let mut full_year: i32 = year.parse().ok()?;
    if year.len() == 2 {
        // §5.6.7: a two-digit year that looks more than 50 years in the
        // future is the most recent past year with those digits.
        let this_year = OffsetDateTime::from_unix_timestamp(now).ok()?.year();
        full_year += this_year - this_year.rem_euclid(100);
        if full_year > this_year + 50 {
            full_year -= 100;
        } else if full_year + 100 <= this_year + 50 {
            full_year += 100;
        }
    }
    let mut hms = clock.split(':').map(|n| n.parse::<u8>().ok());
    let (Some(Some(h)), Some(Some(m)), Some(Some(s)), None) = (hms.next(), hms.next(), hms.next(), hms.next()) else {
        return None;
    };
    let date = Date::from_calendar_date(full_year, month, day.parse().ok()?).ok()?;
    let time = Time::from_hms(h, m, s).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn headers_of_each_provider_parse() {
        let s = parse_headers(
            "strava",
            &h(&[
                ("x-ratelimit-limit", "200,2000"),
                ("x-ratelimit-usage", "10,450"),
                ("x-readratelimit-limit", "100,1000"),
                ("x-readratelimit-usage", "100,300"),
            ]),
        );
        assert_eq!(s.len(), 4);
        assert!(s.contains(&Observation { window_secs: Some(900), limit: 100, remaining: 0, reset_in: None }));
        assert!(s.contains(&Observation { window_secs: Some(86_400), limit: 1_000, remaining: 700, reset_in: None }));
        let f = parse_headers(
            "fitbit",
            &h(&[
                ("fitbit-rate-limit-limit", "150"),
                ("fitbit-rate-limit-remaining", "3"),
                ("fitbit-rate-limit-reset", "1234"),
            ]),
        );
        assert_eq!(f, [Observation { window_secs: Some(3_600), limit: 150, remaining: 3, reset_in: Some(1_234) }]);
        let w = parse_headers(
            "whoop",
            &h(&[
                ("x-ratelimit-limit", "100, 100;window=60, 10000;window=86400"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "42"),
            ]),
        );
        assert_eq!(w, [Observation { window_secs: Some(60), limit: 100, remaining: 0, reset_in: Some(42) }]);
        assert!(parse_headers("whoop", &h(&[("x-ratelimit-limit", "nonsense")])).is_empty());
        assert!(parse_headers("strava", &h(&[])).is_empty());
    }

    #[test]
    fn retry_after_is_seconds_or_any_http_date() {
        // 1994-11-06 08:49:37 UTC, RFC 9110's example date.
        let date = 784_111_777;
        assert_eq!(retry_after_secs("120", date), Some(120));
        assert_eq!(retry_after_secs(" 0 ", date), Some(0));
        assert_eq!(retry_after_secs("99999999999999999999999", date), Some(u64::MAX));
        for form in ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
            assert_eq!(retry_after_secs(form, date - 90), Some(90), "{form}");
            assert_eq!(retry_after_secs(form, date + 5), Some(0), "{form}: a date already past");
        }
        // A two-digit year is never read as more than 50 years ahead.
        let imf = |year: i32| http_date(&format!("Sun, 06 Nov {year} 08:49:37 GMT"), date);
        assert_eq!(http_date("Sunday, 06-Nov-44 08:49:37 GMT", date), imf(2044));
        assert_eq!(http_date("Sunday, 06-Nov-45 08:49:37 GMT", date), imf(1945));
        for bad in [
            "",
            "-5",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 8:49 GMT",
        ] {
            assert_eq!(retry_after_secs(bad, date), None, "{bad:?}");
        }
    }
}
