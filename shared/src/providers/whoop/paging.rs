//! WHOOP's collection paging: a time window (`start`/`end`), `limit` (at
//! most 25) and `nextToken`, plus the opaque cursor Pierre hands out.
//!
//! The cursor carries WHOOP's token together with the window it belongs to,
//! hex-encoded behind a version prefix: a cursor this client did not issue,
//! or one replayed against another date range, is refused as
//! [`ApiError::BadCursor`] instead of silently paging the wrong window.

use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use super::PROVIDER;
use super::payload::Page;
use crate::model::LocalDate;
use crate::providers::api::{ApiError, Fetch, Request, decode};

/// WHOOP's documented maximum page size.
pub const MAX_LIMIT: usize = 25;

/// Enough pages for years of daily records at 25 a page; past this a
/// provider handing out tokens forever is a bug, not data.
const MAX_PAGES: usize = 400;

const CURSOR_PREFIX: &str = "whoop1_";

/// A half-open time window `[start, end)`, as instants and as the query
/// strings WHOOP gets (UTC, millisecond precision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
}

impl Window {
    /// Local days `from..=to` at the user's `offset`: from midnight of
    /// `from` to midnight after `to`. An open side stays open.
    pub fn days(from: Option<LocalDate>, to: Option<LocalDate>, offset: UtcOffset) -> Self {
        Self { start: from.map(|d| d.start_in(offset)), end: to.map(|d| d.add_days(1).start_in(offset)) }
    }

    /// Whether `at` falls inside the window.
    pub fn contains(&self, at: OffsetDateTime) -> bool {
        self.start.is_none_or(|s| at >= s) && self.end.is_none_or(|e| at < e)
    }

    fn text(at: Option<OffsetDateTime>) -> Option<String> {
        let utc = at?.checked_to_offset(UtcOffset::UTC)?;
        utc.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z")).ok()
    }

    pub fn start_text(&self) -> Option<String> {
        Self::text(self.start)
    }

    pub fn end_text(&self) -> Option<String> {
        Self::text(self.end)
    }
}

/// One page request. `nextToken` goes first: it is what makes this page
/// different from the first (and the fixture rule keys on the first query
/// parameter that has a file).
pub fn request(path: &str, token: Option<&str>, limit: usize, window: &Window) -> Request {
    let mut r = Request::new(path);
    if let Some(t) = token {
        r = r.query("nextToken", t);
    }
    r = r.query("limit", limit.clamp(1, MAX_LIMIT));
    if let Some(s) = window.start_text() {
        r = r.query("start", s);
    }
    if let Some(e) = window.end_text() {
        r = r.query("end", e);
    }
    r
}

fn cursor_body(token: &str, window: &Window) -> String {
    format!("{token}\n{}\n{}", window.start_text().unwrap_or_default(), window.end_text().unwrap_or_default())
}

/// The cursor for the page after this one.
pub fn encode_cursor(token: &str, window: &Window) -> String {
    format!("{CURSOR_PREFIX}{}", hex::encode(cursor_body(token, window)))
}

/// WHOOP's `nextToken` from a cursor this client issued for `window`.
///
/// # Errors
/// [`ApiError::BadCursor`] for anything else.
pub fn decode_cursor(cursor: &str, window: &Window) -> Result<String, ApiError> {
    let refuse = || ApiError::BadCursor { provider: PROVIDER };
    let body = cursor
        .strip_prefix(CURSOR_PREFIX)
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(refuse)?;
    let token = body.split('\n').next().unwrap_or_default().to_owned();
    if token.is_empty() || body != cursor_body(&token, window) {
        return Err(refuse());
    }
    Ok(token)
}

/// WHOOP's token for the next page, if there is one (`null`, absent and
/// `""` all end the paging).
pub fn next_token<T>(page: &Page<T>) -> Option<&str> {
    page.next_token.as_deref().filter(|t| !t.is_empty())
}

/// Every record of a collection in `window`, following `nextToken` to the end.
///
/// # Errors
/// The fetch's errors; [`ApiError::Malformed`] for a bad page or a token
/// that comes back again (a loop).
pub async fn fetch_all<T, F>(f: &F, path: &str, window: &Window, what: &str) -> Result<Vec<T>, ApiError>
where
    T: serde::de::DeserializeOwned,
    F: Fetch,
{
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let value = f.get(request(path, token.as_deref(), MAX_LIMIT, window)).await?;
        let page: Page<T> = decode(PROVIDER, &format!("{what} page"), value)?;
        let next = next_token(&page).map(str::to_owned);
        out.extend(page.records);
        match next {
            None => return Ok(out),
            Some(t) if seen.contains(&t) => {
                return Err(ApiError::malformed(PROVIDER, format!("{what} paging repeats token `{t}`")));
            }
            Some(t) => {
                seen.push(t.clone());
                token = Some(t);
            }
        }
    }
    Err(ApiError::malformed(PROVIDER, format!("{what} paging did not end after {MAX_PAGES} pages")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::offset;

    fn day(s: &str) -> LocalDate {
        LocalDate::parse(s).unwrap()
    }

    fn window() -> Window {
        Window::days(Some(day("2026-11-10")), Some(day("2026-11-22")), offset!(+1))
    }

    #[test]
    fn local_days_become_utc_instants_at_the_users_offset() {
        let w = window();
        // Midnight 2026-11-10 at +01:00 is 23:00 UTC the day before; the
        // end is midnight after the 22nd, exclusive.
        assert_eq!(w.start_text().unwrap(), "2026-11-09T23:00:00.000Z");
        assert_eq!(w.end_text().unwrap(), "2026-11-22T23:00:00.000Z");
        let open = Window::days(None, None, offset!(+1));
        assert_eq!((open.start_text(), open.end_text()), (None, None));
    }

    #[test]
    fn limit_is_clamped_to_25_and_next_token_comes_first() {
        let r = request("/v2/activity/workout", Some("abc"), 100, &window());
        let names: Vec<&str> = r.query.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["nextToken", "limit", "start", "end"]);
        assert_eq!(r.query[1].1, "25");
        assert_eq!(request("/x", None, 0, &window()).query[0], ("limit".into(), "1".into()));
        assert_eq!(request("/x", None, 7, &window()).query[0].1, "7");
    }

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let w = window();
        let c = encode_cursor("MTcyOjE2OTk5", &w);
        assert_eq!(decode_cursor(&c, &w).unwrap(), "MTcyOjE2OTk5");
        let bad = |c: &str| matches!(decode_cursor(c, &w), Err(ApiError::BadCursor { provider: "whoop" }));
        assert!(bad("MTcyOjE2OTk5"), "a raw WHOOP token is not our cursor");
        assert!(bad("whoop1_zz"));
        assert!(bad("whoop1_"));
        assert!(bad(&format!("whoop1_{}", hex::encode([0xff, 0xfe]))));
        assert!(bad(&encode_cursor("", &w)));
        let other = Window::days(Some(day("2026-11-01")), None, offset!(+1));
        assert!(bad(&encode_cursor("t", &other)), "a cursor for another range");
    }
}
