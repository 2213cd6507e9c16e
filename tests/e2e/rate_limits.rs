//! Rate limits end to end: `pierre-mcp call` → the daemon's `tokens.get` and
//! `usage.report` → the strict fake answering 429 with the headers a test
//! sets (`/__fake/config` `rate_limit_headers`). The call after a 429 must
//! say the wait the provider asked for (`Retry-After`), else the one the
//! usage headers imply, else a short default; never a whole window the
//! headers show open. Unit tests of each header style are beside the code
//! in `pierre-authd/src/tokens/budgets/`.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::TestHome;
use common::fake::{ALICE_ACCOUNT, FakeProvider, connect, start_daemon};
use serde_json::{Value, json};

/// One connected provider whose next API request answers 429 with `headers`.
struct Limited {
    fake: FakeProvider,
    home: TestHome,
    provider: &'static str,
    _daemon: common::DaemonGuard,
}

fn limited(provider: &'static str, headers: Value) -> Limited {
    let home = TestHome::new();
    let fake = FakeProvider::start(provider, &[ALICE_ACCOUNT]);
    let (daemon, _) = start_daemon(&home, provider, &fake, &[]);
    fake.control("config", json!({ "authorize_as": ALICE_ACCOUNT, "rate_limit_headers": headers }));
    connect(&home, provider, None);
    fake.control("fault", json!({ "target": "api", "kind": "rate_limited" }));
    Limited { fake, home, provider, _daemon: daemon }
}

impl Limited {
    /// `pierre-mcp call get_athlete`: the result, or the one error sentence.
    fn athlete(&self) -> Result<Value, String> {
        let mut cmd: Command = self.home.command("pierre-mcp");
        cmd.args(["call", "get_athlete", &format!("provider={}", self.provider), "--json"]);
        let out = common::output_within(&mut cmd, Duration::from_secs(60));
        let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if out.status.success() {
            return Ok(serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}")));
        }
        assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
        Err(format!("{stdout}{stderr}"))
    }

    fn rate_limited(&self) -> (String, u64) {
        let sentence = self.athlete().expect_err("the call should be rate limited");
        let wait = wait_in(&sentence);
        (sentence, wait)
    }

    /// API requests the fake has seen.
    fn api_requests(&self) -> u64 {
        self.fake.counters()["counters"]["api"].as_u64().unwrap()
    }

    /// The daemon's own answer to `tokens.get` (`rate_limited` while blocked).
    fn tokens_get_error(&self) -> Value {
        self.home.connect_hello().call_err("tokens.get", json!({ "provider": self.provider }))
    }

    /// One window as `daemon.status` shows it.
    fn window(&self, window_secs: u64) -> Value {
        let status = self.home.connect_hello().call_ok("daemon.status", json!({}));
        status["rate_limits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["provider"] == self.provider && w["window_secs"] == window_secs)
            .cloned()
            .unwrap_or_else(|| panic!("no {window_secs} s window for {}: {status}", self.provider))
    }
}

/// The seconds in pierre-mcp's "… rate limit reached; try again in 60 s."
/// (minutes are rounded up there).
fn wait_in(sentence: &str) -> u64 {
    let rest = sentence.split_once("try again in ").unwrap_or_else(|| panic!("no wait in: {sentence}")).1;
    let mut words = rest.split_whitespace();
    let n: u64 = words.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{sentence}"));
    match words.next().map(|u| u.trim_end_matches('.')) {
        Some("s") => n,
        Some("min") => n * 60,
        _ => panic!("no unit in: {sentence}"),
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// The issue: one 429 with `Retry-After: 60` and usage far below Strava's
/// limits made the next call say "try again in 10 min" (the rest of the
/// quarter-hour). The wait is the 60 s Strava asked for, and the window
/// stays open.
#[test]
fn after_a_429_the_next_call_says_the_wait_strava_asked_for() {
    let c = limited(
        "strava",
        json!({
            "retry-after": "60",
            "x-ratelimit-limit": "200,2000",
            "x-ratelimit-usage": "12,450",
            "x-readratelimit-limit": "100,1000",
            "x-readratelimit-usage": "10,300",
        }),
    );
    let (first, wait) = c.rate_limited();
    assert_eq!(wait, 60, "{first}");
    let seen = c.api_requests();
    let (second, wait) = c.rate_limited();
    assert!((50..=60).contains(&wait), "never longer than Strava asked: {second}");
    assert!(second.contains("strava rate limit"), "{second}");
    assert_eq!(c.api_requests(), seen, "the daemon answered without asking Strava again");
    let err = c.tokens_get_error();
    assert_eq!(err["data"]["code"], "rate_limited", "{err}");
    assert!(err["data"]["retry_after_secs"].as_u64().unwrap() <= 60, "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.starts_with("Strava asked to wait 60 s before the next request; retry in "), "{message}");
    assert!(message.ends_with(" UTC"), "{message}");
    let quarter = c.window(900);
    assert_eq!((quarter["used"].as_u64(), quarter["limit"].as_u64()), (Some(10), Some(100)), "{quarter}");
}

/// After the wait WHOOP asked for, the next call reaches WHOOP and answers:
/// the minute window its headers showed open was never blocked.
#[test]
fn after_the_wait_the_next_call_reaches_the_provider() {
    let c = limited(
        "whoop",
        json!({
            "retry-after": "5",
            "x-ratelimit-limit": "100, 100;window=60, 10000;window=86400",
            "x-ratelimit-remaining": "90",
            "x-ratelimit-reset": "41",
        }),
    );
    let (first, wait) = c.rate_limited();
    let limited_at = Instant::now();
    assert_eq!(wait, 5, "{first}");
    let (second, wait) = c.rate_limited();
    assert!((1..=5).contains(&wait), "{second}");
    std::thread::sleep(Duration::from_millis(5_300).saturating_sub(limited_at.elapsed()));
    let seen = c.api_requests();
    let athlete = c.athlete().unwrap_or_else(|e| panic!("still blocked after the 5 s WHOOP asked for: {e}"));
    assert_eq!(athlete["provider"], "whoop", "{athlete}");
    assert!(c.api_requests() > seen);
    assert_eq!(c.window(60)["used"], 10);
}

/// A 429 with no headers at all waits a short stated default, not a window.
#[test]
fn a_429_without_headers_waits_a_minute_not_a_quarter_hour() {
    let c = limited("strava", json!({}));
    let (first, wait) = c.rate_limited();
    assert_eq!(wait, 60, "{first}");
    let (second, wait) = c.rate_limited();
    assert!((50..=60).contains(&wait), "{second}");
    let message = c.tokens_get_error()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("without saying how long to wait"), "{message}");
    let quarter = c.window(900);
    assert!(quarter["used"].as_u64().unwrap() < 100, "no window is taken as spent: {quarter}");
}

/// When Strava's usage headers show the quarter-hour spent (and no
/// `Retry-After`), the wait runs to the next quarter-hour; a spent day runs
/// to 00:00 UTC.
#[test]
fn a_spent_window_waits_for_its_reset() {
    // Not within seconds of a quarter-hour, where the block would end mid-test.
    let to_quarter = 900 - unix_now() % 900;
    if to_quarter < 30 {
        std::thread::sleep(Duration::from_secs(to_quarter + 1));
    }
    let c = limited(
        "strava",
        json!({
            "x-ratelimit-limit": "200,2000",
            "x-ratelimit-usage": "130,450",
            "x-readratelimit-limit": "100,1000",
            "x-readratelimit-usage": "100,300",
        }),
    );
    let (first, _) = c.rate_limited();
    let (second, wait) = c.rate_limited();
    let to_quarter = 900 - unix_now() % 900;
    // pierre-mcp rounds minutes up.
    assert!(wait >= to_quarter.saturating_sub(2) && wait <= to_quarter + 60, "{second} vs {to_quarter} s\n{first}");
    let err = c.tokens_get_error();
    let secs = err["data"]["retry_after_secs"].as_u64().unwrap();
    assert!(secs.abs_diff(900 - unix_now() % 900) <= 2, "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.starts_with("Strava's limit of 100 requests per 15 minutes is used up; retry in"), "{message}");
    // The daily window spent too: the wait runs to 00:00 UTC.
    let mut client = c.home.connect_hello();
    let headers = json!({ "X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "100,1000" });
    let reported = client.call_ok("usage.report", json!({ "provider": "strava", "status": 429, "headers": headers }));
    let to_midnight = 86_400 - unix_now() % 86_400;
    assert!(reported["retry_after_secs"].as_u64().unwrap().abs_diff(to_midnight) <= 2, "{reported}");
}
