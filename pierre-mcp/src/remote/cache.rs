//! A short-lived, in-memory cache of provider API answers.
//!
//! Keys start with the daemon's `connection_id`, which changes on every
//! (re)connect and is never shared between users or accounts: an answer
//! can only ever be served again to the connection that fetched it. A
//! disconnect followed by a reconnect gets a new id and so an empty cache.
//! Nothing is written to disk.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pierre_shared::providers::api::Request;
use serde_json::Value;

/// How long an answer is reused: long enough for one conversation turn's
/// burst of tool calls, short enough that a new activity shows up soon.
pub const TTL: Duration = Duration::from_secs(60);

/// At most this many answers are kept; past it, expired ones go first,
/// then the oldest.
const MAX_ENTRIES: usize = 512;

/// (connection id, path, query, headers) of one request.
type Key = (String, String, Vec<(String, String)>, Vec<(String, String)>);

#[derive(Default)]
pub struct ResponseCache {
    entries: Mutex<HashMap<Key, (Instant, Value)>>,
}

fn key(connection_id: &str, request: &Request) -> Key {
    (connection_id.to_owned(), request.path.clone(), request.query.clone(), request.headers.clone())
}

impl ResponseCache {
    pub fn get(&self, connection_id: &str, request: &Request) -> Option<Value> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(&key(connection_id, request)).filter(|(at, _)| at.elapsed() < TTL).map(|(_, value)| value.clone())
    }

    pub fn put(&self, connection_id: &str, request: &Request, value: Value) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES
                && let Some(oldest) = entries.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(key(connection_id, request), (Instant::now(), value));
    }

    /// Drops every answer of one connection (after a disconnect).
    pub fn forget(&self, connection_id: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|k, _| k.0 != connection_id);
    }

    /// How many answers are kept (tests check what a disconnect drops).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_are_kept_per_connection() {
        let cache = ResponseCache::default();
        let request = Request::new("/v3/athlete");
        cache.put("conn-a", &request, json!({"id": 1}));
        assert_eq!(cache.get("conn-a", &request), Some(json!({"id": 1})));
        assert_eq!(cache.get("conn-b", &request), None, "another connection never sees it");
        assert_eq!(cache.get("conn-a", &Request::new("/v3/athlete").query("x", 1)), None);
        cache.forget("conn-a");
        assert_eq!(cache.get("conn-a", &request), None);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = ResponseCache::default();
        for i in 0..(MAX_ENTRIES + 10) {
            cache.put("c", &Request::new(format!("/{i}")), json!(i));
        }
        assert!(cache.len() <= MAX_ENTRIES);
    }
}
