//! Per-IP fixed-window rate limits for the authorization server's endpoints.
//!
//! Every client of a loopback listener is 127.0.0.1, so in practice this caps
//! how fast any local process may hammer `/token` or `/register`; tests on one
//! address raise the limits through the configuration. State is one small map
//! per endpoint class behind a std `Mutex` (no `.await` while it is held).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Past this many tracked addresses, windows that have ended are dropped.
const PRUNE_ABOVE: usize = 4096;

/// What one request may do, and the numbers for the `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in the current window after this one.
    pub remaining: u32,
    /// Seconds until the window resets (at least 1).
    pub reset_secs: u64,
}

/// A fixed-window counter per client address.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    /// `limit` requests per `window` for each address; 0 refuses everything.
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimiter { limit, window, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one request from `ip` at `now` and says whether it may proceed.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Decision {
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > PRUNE_ABOVE {
            let window = self.window;
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        let reset = self.window.saturating_sub(now.duration_since(entry.0));
        let reset_secs = reset.as_secs() + u64::from(reset.subsec_nanos() > 0);
        let allowed = entry.1 < self.limit;
        if allowed {
            entry.1 += 1;
        }
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.limit.saturating_sub(entry.1),
            reset_secs: reset_secs.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn counts_down_then_refuses_until_the_window_ends() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        let first = limiter.check(IP, t0);
        assert!(first.allowed);
        assert_eq!((first.limit, first.remaining, first.reset_secs), (2, 1, 60));
        assert!(limiter.check(IP, t0).allowed);
        let refused = limiter.check(IP, t0 + Duration::from_secs(10));
        assert!(!refused.allowed);
        assert_eq!((refused.remaining, refused.reset_secs), (0, 50));
        let next = limiter.check(IP, t0 + Duration::from_secs(60));
        assert!(next.allowed);
        assert_eq!(next.remaining, 1);
    }

    #[test]
    fn addresses_are_counted_apart() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        let other = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
        let now = Instant::now();
        assert!(limiter.check(IP, now).allowed);
        assert!(!limiter.check(IP, now).allowed);
        assert!(limiter.check(other, now).allowed);
    }

    #[test]
    fn a_zero_limit_refuses_everything() {
        let limiter = RateLimiter::new(0, Duration::from_secs(60));
        assert!(!limiter.check(IP, Instant::now()).allowed);
    }
}
