//! Provider rate-limit budgets: the catalogue's windows, kept up to date
//! from the headers pierre-mcp reports (`usage.report`) and consulted by
//! `tokens.get`, which answers `rate_limited` while a window is spent.
//!
//! Shared state: one [`Budget`] per (provider, scope key, window). The
//! scope key is the user id for per-user windows (Fitbit) and the literal
//! `app` for app-wide windows (Strava, Garmin): those are shared by every
//! user of one provider app by the provider's own rules, which is why they
//! are deliberately keyed by less than (user, provider). A budget holds
//! counts only, never user data.
//!
//! Window math: an aligned window starts at a multiple of its length since
//! the Unix epoch (Strava's quarter-hours at :00/:15/:30/:45 and its daily
//! reset at 00:00 UTC); a rolling one starts with its first request.

use std::collections::HashMap;
use std::sync::Mutex;

use pierre_shared::catalogue::{LimitScope, ProviderDef, RateLimitWindow};

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

/// One window's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Budget {
    limit: u32,
    used: u32,
    /// Seconds since the Unix epoch.
    resets_at: i64,
}

/// One window as `daemon.status` shows it.
pub use pierre_shared::protocol::RateLimitBudget as BudgetInfo;

type Key = (String, String, u64);

/// Every budget, plus a `Retry-After` block per (provider, scope key).
#[derive(Default)]
pub struct Budgets {
    windows: Mutex<HashMap<Key, Budget>>,
    blocked: Mutex<HashMap<(String, String), i64>>,
}

/// The end of the window holding `now`.
pub fn window_end(w: &RateLimitWindow, now: i64, first_request: i64) -> i64 {
    let len = i64::try_from(w.window_secs.max(1)).unwrap_or(i64::MAX);
    if w.aligned {
        now - now.rem_euclid(len) + len
    } else {
        first_request + len
    }
}

fn scope_key(w: &RateLimitWindow, user_id: &str) -> String {
    match w.scope {
        LimitScope::App => "app".into(),
        LimitScope::User => user_id.into(),
    }
}

impl Budgets {
    /// The current state of one window, rolled over when its time is up.
    fn current(map: &mut HashMap<Key, Budget>, def: &ProviderDef, w: &RateLimitWindow, user_id: &str, now: i64) -> Key {
        let key = (def.name.to_string(), scope_key(w, user_id), w.window_secs);
        let entry = map.entry(key.clone()).or_insert(Budget { limit: w.requests, used: 0, resets_at: window_end(w, now, now) });
        if now >= entry.resets_at {
            *entry = Budget { limit: w.requests, used: 0, resets_at: window_end(w, now, now) };
        }
        key
    }

    /// Seconds to wait before `user_id` may call `def`'s API, or `None`.
    pub fn retry_after(&self, def: &ProviderDef, user_id: &str, now: i64) -> Option<u64> {
        let mut wait: i64 = 0;
        {
            let blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
            for w in def.rate_limits {
                if let Some(until) = blocked.get(&(def.name.to_string(), scope_key(w, user_id))) {
                    wait = wait.max(until - now);
                }
            }
        }
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        for w in def.rate_limits {
            let key = Self::current(&mut map, def, w, user_id, now);
            let b = map[&key];
            if b.used >= b.limit {
                wait = wait.max(b.resets_at - now);
            }
        }
        (wait > 0).then(|| u64::try_from(wait).unwrap_or(0))
    }

    /// Records one API request and what its answer said: `status` and the
    /// provider's headers (names in any case).
    pub fn report(&self, def: &ProviderDef, user_id: &str, status: u16, headers: &HashMap<String, String>, now: i64) {
        let headers: HashMap<String, String> = headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
        let observations = parse_headers(def.name, &headers);
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let shortest = def.rate_limits.iter().map(|w| w.window_secs).min();
        for w in def.rate_limits {
            let key = Self::current(&mut map, def, w, user_id, now);
            let budget = map.get_mut(&key).expect("just inserted");
            // The least headroom wins; on a tie, the limit the catalogue names
            // (Strava's read limit rather than its overall one).
            let seen = observations
                .iter()
                .filter(|o| o.window_secs.or(shortest) == Some(w.window_secs))
                .min_by_key(|o| (o.remaining, o.limit != w.requests));
            match seen {
                Some(o) => {
                    budget.limit = o.limit;
                    budget.used = o.limit.saturating_sub(o.remaining);
                    if let Some(reset) = o.reset_in {
                        budget.resets_at = now + i64::try_from(reset).unwrap_or(0);
                    }
                }
                None => budget.used = budget.used.saturating_add(1),
            }
        }
        if status == 429 {
            let spent_by_headers = def.rate_limits.iter().any(|w| {
                let b = map[&(def.name.to_string(), scope_key(w, user_id), w.window_secs)];
                b.used >= b.limit
            });
            if !spent_by_headers
                && let Some(w) = def.rate_limits.iter().min_by_key(|w| w.window_secs)
                && let Some(b) = map.get_mut(&(def.name.to_string(), scope_key(w, user_id), w.window_secs))
            {
                b.used = b.limit;
            }
            drop(map);
            if let Some(secs) = headers.get("retry-after").and_then(|v| v.trim().parse::<i64>().ok()) {
                let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
                for w in def.rate_limits {
                    blocked.insert((def.name.to_string(), scope_key(w, user_id)), now + secs);
                }
            }
        }
    }

    /// Every window in use, for `daemon.status`.
    pub fn snapshot(&self, now: i64) -> Vec<BudgetInfo> {
        let map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<BudgetInfo> = map
            .iter()
            .filter(|(_, b)| b.resets_at > now)
            .map(|((provider, scope, window_secs), b)| BudgetInfo {
                provider: provider.clone(),
                scope: if scope == "app" { "app".into() } else { "user".into() },
                user_id: (scope != "app").then(|| scope.clone()),
                window_secs: *window_secs,
                limit: b.limit,
                used: b.used,
                resets_at: b.resets_at,
            })
            .collect();
        out.sort_by(|a, b| (&a.provider, &a.user_id, a.window_secs).cmp(&(&b.provider, &b.user_id, b.window_secs)));
        out
    }
}

/// Strava's "15-minute,daily" pair: `(limit, usage)` lists.
fn strava_pairs(headers: &HashMap<String, String>, limit: &str, usage: &str) -> Vec<Observation> {
    let numbers = |name: &str| -> Vec<u32> {
        headers
            .get(name)
            .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
            .unwrap_or_default()
    };
    let (limits, usages) = (numbers(limit), numbers(usage));
    [900u64, 86_400]
        .iter()
        .zip(limits.iter().zip(usages.iter()))
        .map(|(&window, (&l, &u))| Observation { window_secs: Some(window), limit: l, remaining: l.saturating_sub(u), reset_in: None })
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
        // RFC-draft style (WHOOP and others): `X-RateLimit-Limit: 100, 100;window=60, 10000;window=86400`;
        // Remaining and Reset are for the quota in effect, the first number.
        _ => {
            let Some(raw) = headers.get("x-ratelimit-limit") else { return Vec::new() };
            let mut parts = raw.split(',').map(str::trim);
            let Some(limit) = parts.next().and_then(|p| p.split(';').next()).and_then(|n| n.trim().parse::<u32>().ok()) else {
                return Vec::new();
            };
            let window = parts.find_map(|p| {
                let mut it = p.split(';').map(str::trim);
                let quota = it.next()?.parse::<u32>().ok()?;
                let window = it.find_map(|kv| kv.strip_prefix("window="))?.parse::<u64>().ok()?;
                (quota == limit).then_some(window)
            });
            let Some(remaining) = number("x-ratelimit-remaining") else { return Vec::new() };
            vec![Observation {
                window_secs: window,
                limit,
                remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
                reset_in: number("x-ratelimit-reset"),
            }]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pierre_shared::catalogue;

    fn h(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn strava_windows_are_fixed_quarter_hours_and_utc_days() {
        let strava = catalogue::find("strava").unwrap();
        let quarter = &strava.rate_limits[0];
        let day = &strava.rate_limits[1];
        // 2025-11-23 10:07:30 UTC.
        let now = 1_763_892_450;
        assert_eq!(now % 86_400, 10 * 3_600 + 7 * 60 + 30);
        assert_eq!(window_end(quarter, now, now), now - 7 * 60 - 30 + 15 * 60);
        assert_eq!(window_end(day, now, now), now - now % 86_400 + 86_400);
        // On the boundary, a new window starts.
        let edge = now - now % 900;
        assert_eq!(window_end(quarter, edge, edge), edge + 900);
        let garmin = &catalogue::find("garmin").unwrap().rate_limits[0];
        assert_eq!(window_end(garmin, now, now - 10), now + 50);
    }

    #[test]
    fn headers_of_each_provider_parse() {
        let s = parse_headers(
            "strava",
            &h(&[("x-ratelimit-limit", "200,2000"), ("x-ratelimit-usage", "10,450"), ("x-readratelimit-limit", "100,1000"), ("x-readratelimit-usage", "100,300")]),
        );
        assert_eq!(s.len(), 4);
        assert!(s.contains(&Observation { window_secs: Some(900), limit: 100, remaining: 0, reset_in: None }));
        assert!(s.contains(&Observation { window_secs: Some(86_400), limit: 1_000, remaining: 700, reset_in: None }));
        let f = parse_headers("fitbit", &h(&[("fitbit-rate-limit-limit", "150"), ("fitbit-rate-limit-remaining", "3"), ("fitbit-rate-limit-reset", "1234")]));
        assert_eq!(f, [Observation { window_secs: Some(3_600), limit: 150, remaining: 3, reset_in: Some(1_234) }]);
        let w = parse_headers(
            "whoop",
            &h(&[("x-ratelimit-limit", "100, 100;window=60, 10000;window=86400"), ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "42")]),
        );
        assert_eq!(w, [Observation { window_secs: Some(60), limit: 100, remaining: 0, reset_in: Some(42) }]);
        assert!(parse_headers("whoop", &h(&[("x-ratelimit-limit", "nonsense")])).is_empty());
        assert!(parse_headers("strava", &h(&[])).is_empty());
    }

    #[test]
    fn app_budgets_are_shared_and_user_budgets_are_not() {
        let strava = catalogue::find("strava").unwrap();
        let fitbit = catalogue::find("fitbit").unwrap();
        let b = Budgets::default();
        let now = 1_763_892_450;
        for _ in 0..60 {
            b.report(strava, "alice", 200, &HashMap::new(), now);
            b.report(strava, "bob", 200, &HashMap::new(), now);
        }
        assert_eq!(b.retry_after(strava, "carol", now), Some(450), "120 > 100 in this quarter-hour, for everyone");
        assert_eq!(b.retry_after(strava, "carol", now + 450), None, "a new quarter-hour");
        for _ in 0..150 {
            b.report(fitbit, "alice", 200, &HashMap::new(), now);
        }
        assert!(b.retry_after(fitbit, "alice", now).is_some());
        assert_eq!(b.retry_after(fitbit, "bob", now), None);
        let shown = b.snapshot(now);
        assert!(shown.iter().any(|w| w.provider == "fitbit" && w.user_id.as_deref() == Some("alice") && w.used == 150));
    }

    #[test]
    fn a_429_spends_the_window_and_retry_after_blocks() {
        let whoop = catalogue::find("whoop").unwrap();
        let b = Budgets::default();
        let now = 1_000_000;
        b.report(whoop, "alice", 429, &h(&[("Retry-After", "30")]), now);
        assert_eq!(b.retry_after(whoop, "alice", now), Some(60), "the minute window is spent (rolling from now)");
        let fitbit = catalogue::find("fitbit").unwrap();
        let headers = h(&[("Fitbit-Rate-Limit-Limit", "150"), ("Fitbit-Rate-Limit-Remaining", "0"), ("Fitbit-Rate-Limit-Reset", "1234")]);
        b.report(fitbit, "alice", 429, &headers, now);
        assert_eq!(b.retry_after(fitbit, "alice", now), Some(1_234));
        assert_eq!(b.retry_after(fitbit, "alice", now + 1_234), None);
    }
}
