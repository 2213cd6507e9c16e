//! Instants and calendar dates as the model carries them.
//!
//! Both travel as ISO 8601 strings: an instant always with its UTC offset
//! (`2025-11-23T07:05:00+01:00`), so a reader knows the athlete's local time
//! of day as well as the instant; a date as `2025-11-23`, meaning a day in
//! the athlete's own calendar. The newtypes exist so that the JSON Schema
//! the MCP tools publish says `format: date-time` / `format: date` instead
//! of a bare string, and so that no code formats a time by hand.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// An instant with the UTC offset it was recorded in (RFC 3339).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Wraps an instant, dropping sub-second precision: no provider reports
    /// more, and whole seconds keep the JSON short.
    pub fn new(at: OffsetDateTime) -> Self {
        Self(at.replace_nanosecond(0).unwrap_or(at))
    }

    /// Parses RFC 3339 (`2025-11-23T07:05:00+01:00` or `...Z`).
    ///
    /// # Errors
    /// When `s` is not RFC 3339.
    pub fn parse(s: &str) -> Result<Self, time::error::Parse> {
        OffsetDateTime::parse(s, &Rfc3339).map(Self::new)
    }

    /// The instant.
    pub fn get(self) -> OffsetDateTime {
        self.0
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// The calendar day this instant falls on, in its own offset.
    pub fn local_date(self) -> LocalDate {
        LocalDate(self.0.date())
    }

    /// The offset this instant was recorded in.
    pub fn offset(self) -> UtcOffset {
        self.0.offset()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Formatting a year 0..=9999 instant as RFC 3339 cannot fail; the
        // fallback keeps Display total for the out-of-range years `time` allows.
        match self.0.format(&Rfc3339) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.0.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date-time" })
    }
}

/// A day in the athlete's calendar (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate(time::Date);

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

impl LocalDate {
    pub fn new(date: time::Date) -> Self {
        Self(date)
    }

    /// Parses `YYYY-MM-DD`.
    ///
    /// # Errors
    /// When `s` is not a valid calendar date in that form.
    pub fn parse(s: &str) -> Result<Self, time::error::Parse> {
        time::Date::parse(s, DATE_FORMAT).map(Self)
    }

    pub fn get(self) -> time::Date {
        self.0
    }

    /// The day `days` later (earlier when negative), saturating at the
    /// calendar's ends.
    pub fn add_days(self, days: i64) -> Self {
        let moved = self.0.checked_add(time::Duration::days(days));
        Self(moved.unwrap_or(if days < 0 { time::Date::MIN } else { time::Date::MAX }))
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: LocalDate) -> i64 {
        (later.0 - self.0).whole_days()
    }

    /// Midnight at the start of this day in `offset`.
    pub fn start_in(self, offset: UtcOffset) -> OffsetDateTime {
        self.0.midnight().assume_offset(offset)
    }
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(DATE_FORMAT) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for LocalDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.0.format(DATE_FORMAT).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for LocalDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(d)?;
        LocalDate::parse(&text)
            .map_err(|_| serde::de::Error::custom(format_args!("`{text}` is not a date in the form YYYY-MM-DD")))
    }
}

impl JsonSchema for LocalDate {
    fn schema_name() -> Cow<'static, str> {
        "LocalDate".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamp_keeps_its_offset_and_drops_nanoseconds() {
        let t = Timestamp::parse("2025-11-23T07:05:00.75+01:00").unwrap();
        assert_eq!(serde_json::to_value(t).unwrap(), json!("2025-11-23T07:05:00+01:00"));
        let back: Timestamp = serde_json::from_value(json!("2025-11-23T06:05:00Z")).unwrap();
        assert_eq!(back, t, "equal instants compare equal across offsets");
        assert_eq!(t.local_date().to_string(), "2025-11-23");
    }

    #[test]
    fn dates_round_trip_and_refuse_garbage() {
        let d: LocalDate = serde_json::from_value(json!("2024-02-29")).unwrap();
        assert_eq!(d.add_days(1).to_string(), "2024-03-01");
        assert_eq!(d.days_until(d.add_days(-10)), -10);
        let err = serde_json::from_value::<LocalDate>(json!("2024-02-30")).unwrap_err();
        assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
    }
}
