//! The wait rule for each provider's header style, and the window math.

use std::collections::HashMap;

use pierre_shared::catalogue::{self, ProviderDef};

use super::*;

/// 2025-11-23 10:07:30 UTC: 450 s to the next quarter-hour, 49,950 s to 00:00 UTC.
const NOW: i64 = 1_763_892_450;

fn h(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn def(name: &str) -> &'static ProviderDef {
    catalogue::find(name).unwrap()
}

/// Strava's four usage headers (overall and read, each "15-minute,daily"),
/// plus `extra`.
fn strava_usage(overall: &str, read: &str, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut headers = h(&[
        ("X-RateLimit-Limit", "200,2000"),
        ("X-RateLimit-Usage", overall),
        ("X-ReadRateLimit-Limit", "100,1000"),
        ("X-ReadRateLimit-Usage", read),
    ]);
    headers.extend(h(extra));
    headers
}

const WHOOP_LIMIT: (&str, &str) = ("X-RateLimit-Limit", "100, 100;window=60, 10000;window=86400");

fn asked(secs: u64) -> WaitCause {
    WaitCause::ProviderAsked { secs }
}

fn spent(window_secs: u64, limit: u32) -> WaitCause {
    WaitCause::WindowSpent { window_secs, limit }
}

/// Alice's request answered 429 with `headers`: the wait that follows is
/// `secs` for `cause`, and it ends on time.
fn after_429(def: &ProviderDef, headers: &HashMap<String, String>, secs: u64, cause: WaitCause) -> Budgets {
    let b = Budgets::default();
    b.report(def, "alice", 429, headers, NOW);
    let until = NOW + i64::try_from(secs).unwrap();
    assert_eq!(b.retry_after(def, "alice", NOW), Some(Wait { secs, until, cause }), "{headers:?}");
    assert_eq!(b.retry_after(def, "alice", until), None, "the wait ends on time: {headers:?}");
    b
}

fn window(b: &Budgets, provider: &str, window_secs: u64) -> BudgetInfo {
    b.snapshot(NOW).into_iter().find(|w| w.provider == provider && w.window_secs == window_secs).unwrap()
}

#[test]
fn strava_windows_are_fixed_quarter_hours_and_utc_days() {
    let strava = def("strava");
    let quarter = &strava.rate_limits[0];
    let day = &strava.rate_limits[1];
    assert_eq!(NOW % 86_400, 10 * 3_600 + 7 * 60 + 30);
    assert_eq!(window_end(quarter, NOW, NOW), NOW + 450);
    assert_eq!(window_end(day, NOW, NOW), NOW + 49_950);
    // On the boundary, a new window starts.
    let edge = NOW - NOW % 900;
    assert_eq!(window_end(quarter, edge, edge), edge + 900);
    let garmin = &def("garmin").rate_limits[0];
    assert_eq!(window_end(garmin, NOW, NOW - 10), NOW + 50);
}

#[test]
fn app_budgets_are_shared_and_user_budgets_are_not() {
    let (strava, fitbit) = (def("strava"), def("fitbit"));
    let b = Budgets::default();
    for _ in 0..60 {
        b.report(strava, "alice", 200, &HashMap::new(), NOW);
        b.report(strava, "bob", 200, &HashMap::new(), NOW);
    }
    let wait = b.retry_after(strava, "carol", NOW).unwrap();
    assert_eq!(wait.secs, 450, "120 > 100 in this quarter-hour, for everyone");
    assert_eq!(b.retry_after(strava, "carol", NOW + 450), None, "a new quarter-hour");
    for _ in 0..150 {
        b.report(fitbit, "alice", 200, &HashMap::new(), NOW);
    }
    assert!(b.retry_after(fitbit, "alice", NOW).is_some());
    assert_eq!(b.retry_after(fitbit, "bob", NOW), None);
    let shown = b.snapshot(NOW);
    assert!(shown.iter().any(|w| w.provider == "fitbit" && w.user_id.as_deref() == Some("alice") && w.used == 150));
}

/// The case: `Retry-After: 60` with usage far below the limits
/// waits 60 s, not the rest of the quarter-hour, and blocks no window;
/// the app-wide wait applies to every user.
#[test]
fn strava_retry_after_is_the_wait_when_the_usage_shows_room() {
    let strava = def("strava");
    let headers = strava_usage("12,450", "10,300", &[("Retry-After", "60")]);
    after_429(strava, &headers, 60, asked(60));
    let b = Budgets::default();
    b.report(strava, "alice", 429, &headers, NOW);
    let bob = b.retry_after(strava, "bob", NOW + 59);
    assert_eq!(bob.map(|w| w.secs), Some(1), "Strava's limits are the app's");
    let quarter = window(&b, "strava", 900);
    assert_eq!((quarter.used, quarter.limit, quarter.resets_at), (10, 100, NOW + 450), "the window stays open");
}

/// Without `Retry-After`, the usage headers say which window is spent and
/// so how long: the next quarter-hour, or 00:00 UTC for the daily one.
#[test]
fn strava_usage_headers_decide_without_retry_after() {
    let strava = def("strava");
    after_429(strava, &strava_usage("120,450", "100,300", &[]), 450, spent(900, 100));
    after_429(strava, &strava_usage("20,1500", "20,1000", &[]), 49_950, spent(86_400, 1_000));
    assert_eq!((NOW + 49_950) % 86_400, 0, "00:00 UTC");
}

/// A spent window never holds callers past the `Retry-After` the same
/// answer carried, and counts afresh from the next answer.
#[test]
fn retry_after_caps_a_window_the_headers_show_spent() {
    let strava = def("strava");
    let b = after_429(strava, &strava_usage("200,450", "100,300", &[("Retry-After", "60")]), 60, asked(60));
    b.report(strava, "alice", 200, &strava_usage("3,451", "1,301", &[]), NOW + 61);
    assert_eq!(b.retry_after(strava, "alice", NOW + 61), None);
    assert_eq!(window(&b, "strava", 900).used, 1);
}

#[test]
fn fitbit_reset_header_or_retry_after_per_user() {
    let fitbit = def("fitbit");
    let headers = |remaining: &str, extra: &[(&str, &str)]| {
        let mut all = h(&[
            ("Fitbit-Rate-Limit-Limit", "150"),
            ("Fitbit-Rate-Limit-Remaining", remaining),
            ("Fitbit-Rate-Limit-Reset", "1234"),
        ]);
        all.extend(h(extra));
        all
    };
    let b = after_429(fitbit, &headers("0", &[]), 1_234, spent(3_600, 150));
    assert_eq!(b.retry_after(fitbit, "bob", NOW), None, "Fitbit's windows are per user");
    // With Retry-After, that is the wait, shorter than the reset.
    after_429(fitbit, &headers("0", &[("Retry-After", "30")]), 30, asked(30));
    // Room left and no Retry-After: the short default, not the hour.
    let b = after_429(fitbit, &headers("40", &[]), UNEXPLAINED_429_WAIT_SECS, WaitCause::Unexplained);
    assert_eq!(b.retry_after(fitbit, "bob", NOW), None);
}

#[test]
fn whoop_reset_header_or_retry_after() {
    let whoop = def("whoop");
    let spent_minute = h(&[WHOOP_LIMIT, ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "42")]);
    after_429(whoop, &spent_minute, 42, spent(60, 100));
    let room = h(&[WHOOP_LIMIT, ("X-RateLimit-Remaining", "90"), ("X-RateLimit-Reset", "42"), ("Retry-After", "5")]);
    let b = after_429(whoop, &room, 5, asked(5));
    assert_eq!(window(&b, "whoop", 60).used, 10, "the minute window is open per the headers");
}

/// A 429 with no headers at all, or a garbled `Retry-After`, waits the
/// stated default, not a window; a successful answer clears a block.
#[test]
fn a_bare_429_waits_the_default_and_an_answer_clears_a_block() {
    let strava = def("strava");
    let b = after_429(strava, &HashMap::new(), UNEXPLAINED_429_WAIT_SECS, WaitCause::Unexplained);
    assert!(window(&b, "strava", 900).used < 100, "no window is taken as spent");
    let b = after_429(strava, &h(&[("Retry-After", "soon")]), UNEXPLAINED_429_WAIT_SECS, WaitCause::Unexplained);
    // An answer served meanwhile (another process's request) ends the block.
    b.report(strava, "alice", 200, &strava_usage("30,460", "25,310", &[]), NOW + 1);
    assert_eq!(b.retry_after(strava, "alice", NOW + 1), None);
}

#[test]
fn retry_after_as_an_http_date_and_capped_at_a_day() {
    let whoop = def("whoop");
    // NOW + 90 s.
    after_429(whoop, &h(&[("Retry-After", "Sun, 23 Nov 2025 10:09:00 GMT")]), 90, asked(90));
    let year = h(&[("Retry-After", "31536000")]);
    after_429(whoop, &year, MAX_RETRY_AFTER_SECS, asked(MAX_RETRY_AFTER_SECS));
}
