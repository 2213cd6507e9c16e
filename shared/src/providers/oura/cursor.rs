//! The opaque cursor of Oura's activity list.
//!
//! Oura lists workouts oldest first and its `next_token` pages carry no
//! promise about their size, while Pierre lists newest first, `limit` at a
//! time. So a page is cut from the whole date range (fetched with
//! `next_token` to the end and sorted newest first), and the cursor says
//! where the next cut starts: the resolved date range and sport it was
//! issued for (so a cursor reused with another query is refused rather than
//! silently skipping or repeating workouts) and the number of workouts
//! already handed out. Hex keeps it one URL-safe token.

use crate::model::{LocalDate, SportKind};
use crate::providers::api::ApiError;

const PREFIX: &str = "oura1.";

/// Where the next page of a workout listing starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub from: LocalDate,
    pub to: LocalDate,
    pub sport: Option<SportKind>,
    /// Workouts of the sorted, filtered range already handed out.
    pub offset: usize,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let sport = self.sport.map_or("-", SportKind::as_str);
        let plain = format!("{}|{}|{}|{}", self.from, self.to, sport, self.offset);
        format!("{PREFIX}{}", hex::encode(plain))
    }

    /// # Errors
    /// [`ApiError::BadCursor`] for anything [`Cursor::encode`] did not make.
    pub fn decode(provider: &'static str, text: &str) -> Result<Cursor, ApiError> {
        let bad = || ApiError::BadCursor { provider };
        let bytes = hex::decode(text.strip_prefix(PREFIX).ok_or_else(bad)?).map_err(|_| bad())?;
        let plain = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = plain.split('|');
        let mut next = || parts.next().ok_or_else(bad);
        let from = LocalDate::parse(next()?).map_err(|_| bad())?;
        let to = LocalDate::parse(next()?).map_err(|_| bad())?;
        let sport = match next()? {
            "-" => None,
            name => Some(SportKind::from_name(name).ok_or_else(bad)?),
        };
        let offset = next()?.parse().map_err(|_| bad())?;
        if parts.next().is_some() || from > to {
            return Err(bad());
        }
        Ok(Cursor { from, to, sport, offset })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> LocalDate {
        LocalDate::parse(s).unwrap()
    }

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let c = Cursor { from: day("2026-11-10"), to: day("2026-11-22"), sport: Some(SportKind::Run), offset: 3 };
        assert_eq!(Cursor::decode("oura", &c.encode()).unwrap(), c);
        let none = Cursor { sport: None, ..c.clone() };
        assert_eq!(Cursor::decode("oura", &none.encode()).unwrap(), none);
        for bad in [
            "",
            "3",
            "oura1.zz",
            "oura1.",
            &format!("oura1.{}", hex::encode("2026-11-10|2026-11-22|-")),
            &format!("oura1.{}", hex::encode("2026-11-10|2026-11-22|-|1|x")),
            &format!("oura1.{}", hex::encode("2026-11-22|2026-11-10|-|1")),
            &format!("oura1.{}", hex::encode("2026-11-10|2026-11-22|kite|1")),
            &format!("oura1.{}", hex::encode("2026-11-10|2026-11-22|-|-1")),
        ] {
            assert_eq!(Cursor::decode("oura", bad), Err(ApiError::BadCursor { provider: "oura" }), "{bad}");
        }
    }
}
