//! The activity-list cursor: which page comes next, and the window and page
//! size it belongs to.
//!
//! Strava pages by number, so a page only means something together with the
//! `before`/`after` window and `per_page` it was counted in; the cursor
//! carries all four so that the next call asks Strava exactly the same
//! question with the next page number, whatever `limit` or dates the caller
//! passes then. It is plain text (`strava1.p2.n30.a1794265200.b1795388400`)
//! but opaque to callers; anything not of this form is a
//! [`ApiError::BadCursor`].

use crate::providers::api::ApiError;

use super::NAME;

const PREFIX: &str = "strava1";

/// Strava's largest `per_page`.
pub const MAX_PER_PAGE: u32 = 200;

/// Beyond this a page number is not one Pierre issued (200 × 10 000
/// activities is more than any athlete has).
const MAX_PAGE: u32 = 10_000;

/// Where a listing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub page: u32,
    pub per_page: u32,
    /// Epoch seconds, exclusive bounds as Strava takes them.
    pub after: Option<i64>,
    pub before: Option<i64>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let bound = |v: Option<i64>| v.map_or_else(|| "_".to_owned(), |v| v.to_string());
        format!("{PREFIX}.p{}.n{}.a{}.b{}", self.page, self.per_page, bound(self.after), bound(self.before))
    }

    /// # Errors
    /// [`ApiError::BadCursor`] for anything [`Cursor::encode`] did not make.
    pub fn decode(s: &str) -> Result<Cursor, ApiError> {
        let bad = || ApiError::BadCursor { provider: NAME };
        let mut parts = s.split('.');
        if parts.next() != Some(PREFIX) {
            return Err(bad());
        }
        let mut field =
            |tag: char| -> Result<&str, ApiError> { parts.next().and_then(|p| p.strip_prefix(tag)).ok_or_else(bad) };
        let number = |t: &str| t.parse::<u32>().map_err(|_| bad());
        let bound = |t: &str| -> Result<Option<i64>, ApiError> {
            if t == "_" { Ok(None) } else { t.parse::<i64>().map(Some).map_err(|_| bad()) }
        };
        let cursor = Cursor {
            page: number(field('p')?)?,
            per_page: number(field('n')?)?,
            after: bound(field('a')?)?,
            before: bound(field('b')?)?,
        };
        let valid = parts.next().is_none()
            && (2..=MAX_PAGE).contains(&cursor.page)
            && (1..=MAX_PER_PAGE).contains(&cursor.per_page);
        // Round-trip check: rejects `p02` and `+5`, which parse but were never issued.
        if valid && cursor.encode() == s { Ok(cursor) } else { Err(bad()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let c = Cursor { page: 2, per_page: 4, after: Some(1_794_265_200), before: None };
        assert_eq!(c.encode(), "strava1.p2.n4.a1794265200.b_");
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for bad in [
            "",
            "2",
            "strava1.p1.n4.a_.b_",
            "strava1.p2.n0.a_.b_",
            "strava1.p2.n201.a_.b_",
            "strava1.p02.n4.a_.b_",
            "strava1.p2.n4.a_.b_.x",
            "strava1.p2.n4.a+5.b_",
            "fitbit.p2.n4.a_.b_",
        ] {
            assert_eq!(Cursor::decode(bad), Err(ApiError::BadCursor { provider: NAME }), "{bad}");
        }
    }
}
