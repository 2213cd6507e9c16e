//! Which provider answers a data tool, and the data it answers from.
//!
//! Every data tool first asks the daemon which providers this Pierre user
//! has connected, then picks one (the `provider` argument, or a default).
//! The synthetic provider's data is generated here, in pierre-mcp; real
//! providers' clients come later and will plug in at [`Sources::open`].
//!
//! Shared state: one cache of generated synthetic histories, keyed by the
//! daemon's `connection_id`. A connection id changes on every (re)connect,
//! so a cache entry can never serve another user's or another account's
//! data; the key is never anything less specific.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pierre_shared::protocol::{
    ConnectionInfo, ConnectionState, ConnectionsListResult, HelloResult,
};
use pierre_shared::providers::synthetic::Synthetic;
use time::OffsetDateTime;

use crate::config::SyntheticSettings;
use crate::daemon::{DaemonLink, LinkError};
use crate::tools::{ProviderName, ToolError};

/// With the real clock, a generated history is refreshed this often so
/// that a long-lived server sees today's new activities.
const REFRESH_AFTER: Duration = Duration::from_secs(600);

/// At most this many histories are kept (one per connection id).
const MAX_CACHED: usize = 8;

/// The data a tool call reads from.
pub struct Source {
    pub provider: ProviderName,
    pub data: Arc<Synthetic>,
}

struct Cached {
    data: Arc<Synthetic>,
    made: Instant,
}

/// A slot per connection id; the async lock makes concurrent first calls
/// wait for one generation instead of each generating a year of data.
type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

/// The daemon link plus the synthetic cache.
pub struct Sources {
    link: DaemonLink,
    synthetic: SyntheticSettings,
    cache: Mutex<HashMap<String, Slot>>,
}

impl Sources {
    pub fn new(link: DaemonLink, synthetic: SyntheticSettings) -> Self {
        Self {
            link,
            synthetic,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub async fn whoami(&self) -> Result<HelloResult, LinkError> {
        self.link.whoami().await
    }

    pub async fn connections(&self) -> Result<ConnectionsListResult, LinkError> {
        self.link.connections().await
    }

    /// Any other daemon method (connect_provider's `connections.begin|wait`).
    pub async fn call<R: serde::de::DeserializeOwned>(&self, method: &str, params: serde_json::Value) -> Result<R, LinkError> {
        self.link.call(method, params).await
    }

    /// The provider to read from and its data.
    ///
    /// # Errors
    /// A [`ToolError`] saying what is missing and which command fixes it.
    pub async fn open(&self, requested: Option<ProviderName>) -> Result<Source, ToolError> {
        let list = self.link.connections().await?;
        let connection = choose(&list.connections, requested)?;
        let provider = usable(connection)?;
        // The only provider with a client so far; real ones plug in here.
        let data = self.synthetic(&connection.connection_id).await?;
        Ok(Source { provider, data })
    }

    async fn synthetic(&self, connection_id: &str) -> Result<Arc<Synthetic>, ToolError> {
        let slot = {
            let mut cache = self
                .cache
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if cache.len() >= MAX_CACHED && !cache.contains_key(connection_id) {
                cache.clear();
            }
            cache.entry(connection_id.to_owned()).or_default().clone()
        };
        let mut cached = slot.lock().await;
        let fixed_clock = self.synthetic.now.is_some();
        if let Some(c) = cached
            .as_ref()
            .filter(|c| fixed_clock || c.made.elapsed() < REFRESH_AFTER)
        {
            return Ok(c.data.clone());
        }
        let SyntheticSettings {
            seed,
            now,
            local_offset,
        } = self.synthetic;
        let now = now.unwrap_or_else(|| OffsetDateTime::now_utc().to_offset(local_offset));
        // A year of samples is some 30 ms of CPU in release builds (most of
        // a second in debug builds): keep it off the async workers.
        let started = Instant::now();
        let data = tokio::task::spawn_blocking(move || Synthetic::generate(seed, now))
            .await
            .map_err(|error| {
                tracing::error!(%error, "synthetic generation failed");
                ToolError::Internal
            })?;
        tracing::debug!(
            connection_id,
            took_ms = started.elapsed().as_millis() as u64,
            "generated synthetic history"
        );
        let data = Arc::new(data);
        *cached = Some(Cached {
            data: data.clone(),
            made: Instant::now(),
        });
        Ok(data)
    }
}

/// Picks the connection a call reads from.
///
/// With `requested`, that provider's connection. Otherwise a connected
/// provider this build can read, preferring real providers over the
/// synthetic demo (a user who connected Strava wants Strava); today only
/// synthetic can be read, so it is the default whenever it is connected.
/// Failing that, the first connection, whose error then says what to do.
fn choose(
    connections: &[ConnectionInfo],
    requested: Option<ProviderName>,
) -> Result<&ConnectionInfo, ToolError> {
    if let Some(wanted) = requested {
        return connections
            .iter()
            .find(|c| c.provider == wanted.as_str())
            .ok_or(ToolError::NotConnected { provider: wanted });
    }
    let readable = |c: &&ConnectionInfo| {
        c.state == ConnectionState::Connected
            && ProviderName::from_name(&c.provider).is_some_and(ProviderName::has_client)
    };
    connections
        .iter()
        .filter(readable)
        .find(|c| c.provider != ProviderName::Synthetic.as_str())
        .or_else(|| connections.iter().find(readable))
        .or_else(|| connections.first())
        .ok_or(ToolError::NothingConnected)
}

/// The provider of a chosen connection, if this build can read it now.
fn usable(connection: &ConnectionInfo) -> Result<ProviderName, ToolError> {
    let no_client = || ToolError::NoClient {
        provider: connection.provider.clone(),
    };
    let provider = ProviderName::from_name(&connection.provider).ok_or_else(no_client)?;
    if connection.state == ConnectionState::NeedsReconnect {
        return Err(ToolError::NeedsReconnect { provider });
    }
    if !provider.has_client() {
        return Err(no_client());
    }
    Ok(provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(provider: &str, state: ConnectionState) -> ConnectionInfo {
        ConnectionInfo {
            provider: provider.into(),
            state,
            connection_id: format!("{provider}-1"),
            account_id: None,
            connected_at: 0,
        }
    }

    #[test]
    fn default_is_a_readable_connection() {
        let list = [
            conn("strava", ConnectionState::Connected),
            conn("synthetic", ConnectionState::Connected),
        ];
        assert_eq!(
            choose(&list, None).unwrap().provider,
            "synthetic",
            "strava has no client yet"
        );
        let list = [conn("strava", ConnectionState::Connected)];
        assert_eq!(
            choose(&list, None).unwrap().provider,
            "strava",
            "its error will say what to do"
        );
        assert!(matches!(
            choose(&[], None),
            Err(ToolError::NothingConnected)
        ));
    }

    #[test]
    fn a_requested_provider_must_be_connected() {
        let list = [conn("synthetic", ConnectionState::Connected)];
        let err = choose(&list, Some(ProviderName::Oura)).unwrap_err();
        assert!(
            err.to_string().contains("pierre-authd connect oura"),
            "{err}"
        );
        assert_eq!(
            choose(&list, Some(ProviderName::Synthetic))
                .unwrap()
                .connection_id,
            "synthetic-1"
        );
    }

    #[test]
    fn a_connected_provider_without_a_client_says_so() {
        let err = usable(&conn("strava", ConnectionState::Connected)).unwrap_err();
        assert!(
            err.sentence().contains("Reading strava data is not built"),
            "{err}"
        );
        let err = usable(&conn("polar", ConnectionState::Connected)).unwrap_err();
        assert!(matches!(err, ToolError::NoClient { .. }));
        let err = usable(&conn("synthetic", ConnectionState::NeedsReconnect)).unwrap_err();
        assert!(
            err.sentence().contains("pierre-authd connect synthetic"),
            "{err}"
        );
        assert_eq!(
            usable(&conn("synthetic", ConnectionState::Connected)).unwrap(),
            ProviderName::Synthetic
        );
    }
}
