//! The daemon's event bus: connect outcomes and token events
//! (`token_refreshed`, `needs_reconnect`, `disconnected`).
//!
//! One broadcast channel carries every event; each event names its user and
//! subscribers only ever see their own user's events ([`EventBus::subscribe`]
//! filters on the user id). The last connect outcome per (user, provider) is
//! also kept, so `connections.wait` called after the callback already
//! happened still gets its answer.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;
use tokio::sync::broadcast;

/// How many events a slow subscriber may fall behind before it loses some.
const CAPACITY: usize = 256;

/// One event, as sent in an `event` notification's params.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A provider was connected for the user.
    OauthComplete { provider: String, connection_id: String, account_id: Option<String> },
    /// A connect attempt failed; `message` says what to do.
    OauthError { provider: String, code: String, message: String },
    /// The access token was refreshed (never carries a token).
    TokenRefreshed { provider: String, connection_id: String, expires_at: Option<i64> },
    /// The provider refused the refresh token; `message` names the fixing command.
    NeedsReconnect { provider: String, connection_id: String, message: String },
    /// The connection was removed (`connections.disconnect`).
    Disconnected { provider: String, connection_id: String },
}

impl EventKind {
    pub fn provider(&self) -> &str {
        match self {
            EventKind::OauthComplete { provider, .. }
            | EventKind::OauthError { provider, .. }
            | EventKind::TokenRefreshed { provider, .. }
            | EventKind::NeedsReconnect { provider, .. }
            | EventKind::Disconnected { provider, .. } => provider,
        }
    }

    /// Whether this is the outcome of a connect attempt (what
    /// `connections.wait` waits for), rather than a token event.
    pub fn is_connect_outcome(&self) -> bool {
        matches!(self, EventKind::OauthComplete { .. } | EventKind::OauthError { .. })
    }
}

/// An event and the user it belongs to.
#[derive(Debug, Clone)]
pub struct Event {
    pub user_id: String,
    pub kind: EventKind,
}

/// Publishes events and remembers the last connect outcome per (user, provider).
pub struct EventBus {
    sender: broadcast::Sender<Event>,
    outcomes: Mutex<HashMap<(String, String), EventKind>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> EventBus {
        EventBus { sender: broadcast::channel(CAPACITY).0, outcomes: Mutex::new(HashMap::new()) }
    }

    /// Publishes an event for `user_id`; a connect outcome is also recorded
    /// as the latest outcome for `connections.wait`.
    pub fn publish(&self, user_id: &str, kind: EventKind) {
        if kind.is_connect_outcome() {
            let key = (user_id.to_string(), kind.provider().to_string());
            self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).insert(key, kind.clone());
        }
        let _ = self.sender.send(Event { user_id: user_id.to_string(), kind });
    }

    /// Forgets the outcome of an earlier attempt (a new `connections.begin`).
    pub fn clear_outcome(&self, user_id: &str, provider: &str) {
        self.outcomes.lock().unwrap_or_else(|e| e.into_inner()).remove(&(user_id.to_string(), provider.to_string()));
    }

    /// The latest outcome for (user, provider), if any.
    pub fn outcome(&self, user_id: &str, provider: &str) -> Option<EventKind> {
        self.outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(user_id.to_string(), provider.to_string()))
            .cloned()
    }

    /// A receiver of `user_id`'s events only.
    pub fn subscribe(&self, user_id: &str) -> Subscription {
        Subscription { user_id: user_id.to_string(), receiver: self.sender.subscribe() }
    }
}

/// One user's view of the bus.
pub struct Subscription {
    user_id: String,
    receiver: broadcast::Receiver<Event>,
}

impl Subscription {
    /// The next event of this user; `None` once the bus is gone.
    pub async fn next(&mut self) -> Option<EventKind> {
        loop {
            match self.receiver.recv().await {
                Ok(event) if event.user_id == self.user_id => return Some(event.kind),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(provider: &str) -> EventKind {
        EventKind::OauthComplete { provider: provider.into(), connection_id: "c".into(), account_id: None }
    }

    #[tokio::test]
    async fn subscribers_see_only_their_users_events() {
        let bus = EventBus::new();
        let mut alice = bus.subscribe("alice");
        bus.publish("bob", done("strava"));
        bus.publish("alice", done("fitbit"));
        assert_eq!(alice.next().await, Some(done("fitbit")));
        assert_eq!(bus.outcome("bob", "strava"), Some(done("strava")));
        assert_eq!(bus.outcome("alice", "strava"), None);
        bus.clear_outcome("bob", "strava");
        assert_eq!(bus.outcome("bob", "strava"), None);
    }

    #[test]
    fn token_events_reach_subscribers_but_are_not_connect_outcomes() {
        let bus = EventBus::new();
        let mut alice = bus.subscribe("alice");
        let refreshed =
            EventKind::TokenRefreshed { provider: "strava".into(), connection_id: "c".into(), expires_at: None };
        bus.publish("alice", refreshed.clone());
        assert_eq!(futures::FutureExt::now_or_never(alice.next()), Some(Some(refreshed)));
        assert_eq!(bus.outcome("alice", "strava"), None);
        let v = serde_json::to_value(EventKind::Disconnected { provider: "strava".into(), connection_id: "c".into() })
            .unwrap();
        assert_eq!(v["kind"], "disconnected");
    }

    #[test]
    fn events_serialise_with_their_kind() {
        let v = serde_json::to_value(done("strava")).unwrap();
        assert_eq!(v["kind"], "oauth_complete");
        assert_eq!(v["provider"], "strava");
    }
}
