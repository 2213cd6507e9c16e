//! Paging the activity log list: the first request, Fitbit's `next` links,
//! and the opaque cursor that carries a `next` link between calls.
//!
//! Fitbit answers a list page with `pagination.next`, an absolute URL on
//! `api.fitbit.com`. Pierre never follows it as a URL: only its query is
//! kept, checked against the parameters the list endpoint takes, and put
//! under the list path Pierre already knows, so whatever the link names as
//! host (or path) the bearer token only ever goes to the configured
//! `api_base`. The cursor handed to the caller is that path and query,
//! hex-encoded behind a version tag; decoding runs the same check, so a
//! cursor Pierre did not issue is refused rather than sent.

use crate::model::LocalDate;
use crate::providers::api::{ApiError, Request};
use crate::providers::fixtures::parse_query;

use super::PROVIDER;
use super::units::ACCEPT_LANGUAGE;

/// The list endpoint; `-` is the token's own user.
pub const LIST_PATH: &str = "/1/user/-/activities/list.json";
/// Fitbit refuses a larger page.
pub const MAX_PAGE: usize = 100;
const CURSOR_TAG: &str = "fb1.";
/// The only query parameters the list endpoint takes.
const LIST_PARAMS: &[&str] = &["beforeDate", "afterDate", "sort", "limit", "offset"];

/// A GET with the unit-system header every Fitbit request carries.
pub fn get(path: impl Into<String>) -> Request {
    Request::new(path).header("Accept-Language", ACCEPT_LANGUAGE)
}

/// The first page: newest first from the day before `before`.
///
/// Fitbit wants exactly one of `beforeDate`/`afterDate`; `afterDate` only
/// sorts ascending, which would mean reading to the end before returning
/// the newest, so Pierre always lists backwards with `beforeDate` (which is
/// exclusive: pass the day after the last wanted one) and stops at `from`
/// itself. `offset` must be 0 on the first page; later pages come from
/// `next`. `offset` goes last so that a paging fixture keyed on it
/// (`…@offset=3.json`) is found for the follow-up requests, whose `next`
/// link starts with `offset`.
pub fn first_page(before: LocalDate, limit: usize) -> Request {
    get(LIST_PATH)
        .query("beforeDate", before)
        .query("sort", "desc")
        .query("limit", limit.clamp(1, MAX_PAGE))
        .query("offset", 0)
}

/// The request for a `next` link, or `None` when the link is empty.
///
/// # Errors
/// [`ApiError::Malformed`] when the link is not a list page.
pub fn next_page(link: &str) -> Result<Option<Request>, ApiError> {
    let link = link.trim();
    if link.is_empty() {
        return Ok(None);
    }
    parse_link(link)
        .map(Some)
        .ok_or_else(|| ApiError::malformed(PROVIDER, "pagination.next is not an activity list page"))
}

/// The opaque cursor for a next-page request.
pub fn encode_cursor(request: &Request) -> String {
    let query: Vec<String> = request.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{CURSOR_TAG}{}", hex::encode(format!("{}?{}", request.path, query.join("&"))))
}

/// The request a cursor stands for.
///
/// # Errors
/// [`ApiError::BadCursor`] for anything [`encode_cursor`] did not make.
pub fn decode_cursor(cursor: &str) -> Result<Request, ApiError> {
    let bad = || ApiError::BadCursor { provider: PROVIDER };
    let hex_part = cursor.strip_prefix(CURSOR_TAG).ok_or_else(bad)?;
    let bytes = hex::decode(hex_part).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    parse_link(&text).ok_or_else(bad)
}

/// The list-page request behind an absolute or relative link: its host is
/// dropped, its path must be a user's activity list, and its query may
/// only hold the list's own parameters with plain values.
fn parse_link(link: &str) -> Option<Request> {
    let without_fragment = link.split('#').next().unwrap_or("");
    let after_scheme = match without_fragment.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") => {
            // Drop the authority: everything up to the first `/` or `?`.
            let cut = rest.find(['/', '?']).unwrap_or(rest.len());
            &rest[cut..]
        }
        Some(_) => return None,
        None => without_fragment,
    };
    let (path, query) = after_scheme.split_once('?').unwrap_or((after_scheme, ""));
    if !is_list_path(path) {
        return None;
    }
    let mut request = get(LIST_PATH);
    let mut has_date = false;
    for (name, value) in parse_query(query) {
        if !LIST_PARAMS.contains(&name.as_str()) || !plain(&value) {
            return None;
        }
        has_date |= name == "beforeDate" || name == "afterDate";
        request = request.query(&name, value);
    }
    (has_date && request.query.iter().any(|(k, _)| k == "offset")).then_some(request)
}

/// `/1/user/{id or -}/activities/list.json`.
fn is_list_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/1/user/") else {
        return false;
    };
    let Some((user, tail)) = rest.split_once('/') else {
        return false;
    };
    !user.is_empty() && user.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') && tail == "activities/list.json"
}

fn plain(value: &str) -> bool {
    !value.is_empty() && value.len() <= 32 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-:.".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(r: &Request) -> Vec<(&str, &str)> {
        r.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn first_page_lists_backwards_with_one_date_and_offset_zero() {
        let r = first_page(LocalDate::parse("2026-11-23").unwrap(), 500);
        assert_eq!(r.path, LIST_PATH);
        assert_eq!(pairs(&r), [("beforeDate", "2026-11-23"), ("sort", "desc"), ("limit", "100"), ("offset", "0")]);
        assert_eq!(first_page(LocalDate::parse("2026-11-23").unwrap(), 0).query[2].1, "1");
    }

    #[test]
    fn a_next_link_to_another_host_keeps_only_path_and_query() {
        let r = next_page("https://evil.example.com:8443/1/user/ABC123/activities/list.json?offset=6&limit=3&sort=desc&beforeDate=2026-11-23#x")
            .unwrap()
            .unwrap();
        assert_eq!(r.path, LIST_PATH, "the user id in the link is replaced by `-`");
        assert_eq!(pairs(&r), [("offset", "6"), ("limit", "3"), ("sort", "desc"), ("beforeDate", "2026-11-23")]);
        assert_eq!(r.headers, [("Accept-Language".to_owned(), "en_US".to_owned())]);
        assert!(format!("{r:?}").find("evil").is_none());
    }

    #[test]
    fn links_to_anything_but_a_list_page_are_malformed() {
        assert_eq!(next_page("").unwrap(), None);
        for link in [
            "https://api.fitbit.com/1/user/-/profile.json?offset=3&beforeDate=2026-11-23",
            "https://api.fitbit.com/1/user/-/activities/list.json?offset=3&access_token=x&beforeDate=2026-11-23",
            "https://api.fitbit.com/1/user/-/activities/list.json?offset=3",
            "https://api.fitbit.com/1/user/../activities/list.json?offset=3&beforeDate=2026-11-23",
            "ftp://api.fitbit.com/1/user/-/activities/list.json?offset=3&beforeDate=2026-11-23",
            "https://api.fitbit.com/1/user/-/activities/list.json?offset=3%26x&beforeDate=2026-11-23",
        ] {
            assert!(matches!(next_page(link), Err(ApiError::Malformed { .. })), "{link}");
        }
    }

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let r = next_page("/1/user/-/activities/list.json?offset=3&limit=3&sort=desc&beforeDate=2026-11-23")
            .unwrap()
            .unwrap();
        let cursor = encode_cursor(&r);
        assert!(cursor.starts_with("fb1."));
        assert_eq!(decode_cursor(&cursor).unwrap(), r);
        let forged = format!("fb1.{}", hex::encode("/1/user/-/profile.json?offset=3&beforeDate=2026-11-23"));
        for bad in ["", "3", "fb1.zz", "fb1.ff", "strava:page=2", forged.as_str()] {
            assert_eq!(decode_cursor(bad), Err(ApiError::BadCursor { provider: "fitbit" }), "{bad}");
        }
    }
}
