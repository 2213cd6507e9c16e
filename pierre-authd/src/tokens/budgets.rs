//! Provider rate-limit budgets: the catalogue's windows, kept up to date
//! from the headers pierre-mcp reports (`usage.report`) and consulted by
//! `tokens.get`, which answers `rate_limited` while a caller must wait.
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
//!
//! How long a 429 makes callers wait (the header styles are in [`headers`]):
//! 1. `Retry-After` is the wait. The provider said when to come back, so no
//!    window is held spent past that moment, whatever its counts say, and a
//!    caller is never told to wait longer than the provider asked.
//! 2. Without it, the usage headers decide: a window they show spent waits
//!    for its reset (Strava's next quarter-hour or 00:00 UTC, Fitbit's
//!    `Fitbit-Rate-Limit-Reset`, WHOOP's `X-RateLimit-Reset`); a window
//!    they show open is never blocked.
//! 3. A 429 that says neither waits [`UNEXPLAINED_429_WAIT_SECS`], not a
//!    whole window.
//!
//! A successful answer clears a block (the provider is serving again), and
//! a block or a capped window ends by itself when its time is up: the next
//! request goes out and its answer's headers set the counts afresh.

mod headers;

use std::collections::HashMap;
use std::sync::Mutex;

use pierre_shared::catalogue::{LimitScope, ProviderDef, RateLimitWindow};

pub use headers::{Observation, parse_headers, retry_after_secs};

/// The wait after a 429 with no `Retry-After` and no window its headers (or
/// Pierre's own count) show spent: one minute, the shortest window in the
/// catalogue (WHOOP, Garmin), and far short of a Strava quarter-hour the
/// headers showed open.
pub const UNEXPLAINED_429_WAIT_SECS: u64 = 60;

/// The longest `Retry-After` honoured: a day, the longest window any
/// provider documents. Longer is a provider bug; the block is in memory
/// only and would otherwise outlast any reason for it.
pub const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// Why a caller must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitCause {
    /// The provider's `Retry-After` asked for `secs`.
    ProviderAsked { secs: u64 },
    /// The window of `window_secs` is spent: its `limit` requests are used.
    WindowSpent { window_secs: u64, limit: u32 },
    /// A 429 that gave neither a wait nor a spent window.
    Unexplained,
}

/// How long to wait before the next request to a provider, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub secs: u64,
    /// When it ends, in seconds since the Unix epoch.
    pub until: i64,
    pub cause: WaitCause,
}

/// One window's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Budget {
    limit: u32,
    used: u32,
    /// Seconds since the Unix epoch.
    resets_at: i64,
}

/// A wait a 429 set on every window of one (provider, scope key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    until: i64,
    cause: WaitCause,
}

/// One window as `daemon.status` shows it.
pub use pierre_shared::protocol::RateLimitBudget as BudgetInfo;

type Key = (String, String, u64);
type ScopeKey = (String, String);

/// Every budget, plus the blocks 429s set per (provider, scope key).
#[derive(Default)]
pub struct Budgets {
    windows: Mutex<HashMap<Key, Budget>>,
    blocked: Mutex<HashMap<ScopeKey, Block>>,
}

/// The end of the window holding `now`.
pub fn window_end(w: &RateLimitWindow, now: i64, first_request: i64) -> i64 {
    let len = i64::try_from(w.window_secs.max(1)).unwrap_or(i64::MAX);
    if w.aligned { now - now.rem_euclid(len) + len } else { first_request + len }
}

fn scope_key(w: &RateLimitWindow, user_id: &str) -> String {
    match w.scope {
        LimitScope::App => "app".into(),
        LimitScope::User => user_id.into(),
    }
}

/// The (provider, scope key) pairs `user_id`'s calls to `def` fall under.
fn scope_keys(def: &ProviderDef, user_id: &str) -> Vec<ScopeKey> {
    let mut keys: Vec<ScopeKey> =
        def.rate_limits.iter().map(|w| (def.name.to_string(), scope_key(w, user_id))).collect();
    keys.sort();
    keys.dedup();
    keys
}

fn secs_i64(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

impl Budgets {
    /// The current state of one window, rolled over when its time is up.
    fn current(map: &mut HashMap<Key, Budget>, def: &ProviderDef, w: &RateLimitWindow, user_id: &str, now: i64) -> Key {
        let key = (def.name.to_string(), scope_key(w, user_id), w.window_secs);
        let fresh = Budget { limit: w.requests, used: 0, resets_at: window_end(w, now, now) };
        let entry = map.entry(key.clone()).or_insert(fresh);
        if now >= entry.resets_at {
            *entry = fresh;
        }
        key
    }

    /// How long `user_id` must wait before calling `def`'s API, or `None`:
    /// the longest of the blocks and spent windows that apply.
    pub fn retry_after(&self, def: &ProviderDef, user_id: &str, now: i64) -> Option<Wait> {
        let mut longest: Option<Wait> = None;
        let mut consider = |until: i64, cause: WaitCause| {
            if until > now && longest.is_none_or(|w| until > w.until) {
                let secs = u64::try_from(until - now).unwrap_or(0);
                longest = Some(Wait { secs, until, cause });
            }
        };
        {
            let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
            blocked.retain(|_, b| b.until > now);
            for key in scope_keys(def, user_id) {
                if let Some(b) = blocked.get(&key) {
                    consider(b.until, b.cause);
                }
            }
        }
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        for w in def.rate_limits {
            let key = Self::current(&mut map, def, w, user_id, now);
            let b = map[&key];
            if b.used >= b.limit {
                consider(b.resets_at, WaitCause::WindowSpent { window_secs: w.window_secs, limit: b.limit });
            }
        }
        longest
    }

    /// Records one API request and what its answer said: `status` and the
    /// provider's headers (names in any case), by the rule in this
    /// module's doc. `Retry-After` is read on a 429 only.
    pub fn report(&self, def: &ProviderDef, user_id: &str, status: u16, headers: &HashMap<String, String>, now: i64) {
        let headers: HashMap<String, String> =
            headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
        let observations = parse_headers(def.name, &headers);
        let asked = match status {
            429 => headers
                .get("retry-after")
                .and_then(|v| retry_after_secs(v, now))
                .map(|secs| secs.min(MAX_RETRY_AFTER_SECS)),
            _ => None,
        };
        let mut any_spent = false;
        {
            let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            let shortest = def.rate_limits.iter().map(|w| w.window_secs).min();
            for w in def.rate_limits {
                let key = Self::current(&mut map, def, w, user_id, now);
                let budget = map.get_mut(&key).expect("just inserted");
                // The least headroom wins; on a tie, the limit the catalogue
                // names (Strava's read limit rather than its overall one).
                let seen = observations
                    .iter()
                    .filter(|o| o.window_secs.or(shortest) == Some(w.window_secs))
                    .min_by_key(|o| (o.remaining, o.limit != w.requests));
                match seen {
                    Some(o) => {
                        budget.limit = o.limit;
                        budget.used = o.limit.saturating_sub(o.remaining);
                        if let Some(reset) = o.reset_in {
                            budget.resets_at = now.saturating_add(secs_i64(reset));
                        }
                    }
                    None => budget.used = budget.used.saturating_add(1),
                }
                if budget.used >= budget.limit {
                    any_spent = true;
                    if let Some(secs) = asked {
                        budget.resets_at = budget.resets_at.min(now.saturating_add(secs_i64(secs)));
                    }
                }
            }
        }
        let block = match (status, asked) {
            (429, Some(secs)) => {
                Some(Block { until: now.saturating_add(secs_i64(secs)), cause: WaitCause::ProviderAsked { secs } })
            }
            (429, None) if !any_spent => Some(Block {
                until: now.saturating_add(secs_i64(UNEXPLAINED_429_WAIT_SECS)),
                cause: WaitCause::Unexplained,
            }),
            // The answer itself says how things stand now: a 429 whose
            // headers show a spent window, or a provider serving again.
            (429, None) | (200..=299, _) => None,
            _ => return,
        };
        let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        for key in scope_keys(def, user_id) {
            match block {
                Some(b) => blocked.insert(key, b),
                None => blocked.remove(&key),
            };
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

#[cfg(test)]
mod tests;
