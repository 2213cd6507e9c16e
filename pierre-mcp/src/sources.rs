//! Which provider answers a data tool, and the data it answers from.
//!
//! Every data tool first asks the daemon which providers this Pierre user
//! has connected, then picks one (the `provider` argument, or a default)
//! and reads through a [`Source`]: the synthetic history generated here,
//! or a real provider's client over the daemon's tokens ([`Remote`]).
//!
//! Shared state is keyed by the daemon's `connection_id`: the synthetic
//! histories here and the provider answers in [`crate::remote::cache`]. A
//! connection id changes on every (re)connect, so nothing cached can ever
//! serve another user's or another account's data; the key is never
//! anything less specific.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pierre_shared::analysis::load::{self, LoadBasis};
use pierre_shared::model::settings::{AthleteSettings, apply_user_thresholds};
use pierre_shared::model::{
    Activity, ActivityPage, ActivitySummary, Athlete, LocalDate, Period, PeriodTotals, Recovery, SleepSession,
    SportKind,
};
use pierre_shared::protocol::{
    ConnectionInfo, ConnectionState, ConnectionsListResult, HelloResult, Method, NoParams, SettingsGet,
};
use pierre_shared::providers::api::{ActivityQuery, ApiError, Clock};
use pierre_shared::providers::synthetic::{QueryError, Synthetic};
use time::OffsetDateTime;

use crate::config::SyntheticSettings;
use crate::daemon::{DaemonLink, LinkError};
use crate::remote::Remote;
use crate::remote::fetch::{DaemonFetch, Http};
use crate::tools::{ProviderName, ToolError};

/// With the real clock, a generated history is refreshed this often so
/// that a long-lived server sees today's new activities.
const REFRESH_AFTER: Duration = Duration::from_secs(600);

/// At most this many histories are kept (one per connection id).
const MAX_CACHED: usize = 8;

/// How far back analysis reads a real provider's history (a year plus the
/// six weeks fitness needs to settle).
pub const HISTORY_DAYS: i64 = 400;

/// The most activity details one call fetches from a real provider
/// (personal records): each is a request against the user's rate limit.
pub const MAX_DETAILS: usize = 30;

/// Activity details fetched at once from a real provider.
const DETAILS_AT_ONCE: usize = 4;

/// The data a tool call reads from.
pub struct Source {
    pub provider: ProviderName,
    data: Data,
    /// The Pierre user's own athlete settings (`settings.get`): thresholds
    /// the person set beat the provider's in everything this source scores.
    settings: AthleteSettings,
}

enum Data {
    Synthetic(Arc<Synthetic>),
    Remote(Box<Remote>),
}

/// Activities of a range, and whether the provider had more than was read.
pub struct Summaries {
    pub activities: Vec<ActivitySummary>,
    pub truncated: bool,
}

impl Source {
    /// Today in the athlete's calendar.
    pub fn today(&self) -> LocalDate {
        match &self.data {
            Data::Synthetic(s) => s.today(),
            Data::Remote(r) => r.clock.today,
        }
    }

    /// The athlete as the provider reports it, with the thresholds the
    /// person set laid over the provider's.
    pub async fn athlete(&self) -> Result<Athlete, ToolError> {
        let mut athlete = match &self.data {
            Data::Synthetic(s) => s.athlete().clone(),
            Data::Remote(r) => r.athlete().await?,
        };
        apply_user_thresholds(&self.settings, &mut athlete.thresholds);
        Ok(athlete)
    }

    /// The Pierre user's own settings, as the daemon keeps them.
    pub fn settings(&self) -> &AthleteSettings {
        &self.settings
    }

    /// The thresholds every activity of this source is scored on (the same
    /// the analysis tools use: the athlete's profile, with stated defaults).
    pub async fn load_basis(&self) -> Result<LoadBasis, ToolError> {
        Ok(LoadBasis::from_athlete(&self.athlete().await?, self.today()))
    }

    /// Sets each activity's `training_load` with Pierre's one load function,
    /// whatever the provider put there, so an activity shows the very number
    /// it adds to its day in get_training_load.
    async fn score(&self, activities: &mut [ActivitySummary]) -> Result<(), ToolError> {
        if activities.is_empty() {
            return Ok(());
        }
        let basis = self.load_basis().await?;
        for a in activities {
            load::score(a, &basis);
        }
        Ok(())
    }

    pub async fn activities(&self, query: &ActivityQuery) -> Result<ActivityPage, ToolError> {
        let mut page = match &self.data {
            Data::Synthetic(s) => s.activities(query).map_err(|_| ToolError::BadCursor)?,
            Data::Remote(r) => r.activities(query).await?,
        };
        self.score(&mut page.activities).await?;
        Ok(page)
    }

    pub async fn activity(&self, id: &str) -> Result<Activity, ToolError> {
        let mut activity = self.unscored_activity(id).await?;
        self.score(std::slice::from_mut(&mut activity.summary)).await?;
        Ok(activity)
    }

    async fn unscored_activity(&self, id: &str) -> Result<Activity, ToolError> {
        match &self.data {
            Data::Synthetic(s) => s.activity(id).map_err(|e| match e {
                QueryError::BadCursor => ToolError::BadCursor,
                _ => ToolError::UnknownActivity { provider: self.provider, id: id.to_owned() },
            }),
            Data::Remote(r) => Ok(r.activity(id).await?),
        }
    }

    /// Activities that started from `from` to `to` (inclusive), newest first.
    pub async fn summaries(&self, from: LocalDate, to: LocalDate) -> Result<Summaries, ToolError> {
        let mut summaries = self.unscored_summaries(from, to).await?;
        self.score(&mut summaries.activities).await?;
        Ok(summaries)
    }

    async fn unscored_summaries(&self, from: LocalDate, to: LocalDate) -> Result<Summaries, ToolError> {
        match &self.data {
            Data::Synthetic(s) => Ok(Summaries {
                activities: s
                    .all_activities()
                    .iter()
                    .filter(|a| (from..=to).contains(&a.start_time.local_date()))
                    .cloned()
                    .collect(),
                truncated: false,
            }),
            Data::Remote(r) => {
                let (activities, truncated) = r.summaries(from, to).await?;
                Ok(Summaries { activities, truncated })
            }
        }
    }

    /// The history analysis works on: all of it for the synthetic
    /// provider, the last [`HISTORY_DAYS`] for a real one.
    pub async fn history(&self) -> Result<Summaries, ToolError> {
        let today = self.today();
        let from = match &self.data {
            Data::Synthetic(s) => s.all_activities().last().map_or(today, |a| a.start_time.local_date()),
            Data::Remote(_) => today.add_days(-HISTORY_DAYS),
        };
        self.summaries(from, today).await
    }

    /// The details of `summaries` (newest first): every one for the
    /// synthetic provider, the newest [`MAX_DETAILS`] for a real one.
    pub async fn details(&self, summaries: &[ActivitySummary]) -> Result<Vec<Activity>, ToolError> {
        let mut details = self.unscored_details(summaries).await?;
        if !details.is_empty() {
            let basis = self.load_basis().await?;
            for activity in &mut details {
                load::score(&mut activity.summary, &basis);
            }
        }
        Ok(details)
    }

    async fn unscored_details(&self, summaries: &[ActivitySummary]) -> Result<Vec<Activity>, ToolError> {
        match &self.data {
            Data::Synthetic(s) => {
                let data = s.clone();
                let ids: Vec<String> = summaries.iter().map(|a| a.id.clone()).collect();
                // The synthetic provider simulates each detail again: off the async workers.
                tokio::task::spawn_blocking(move || ids.iter().filter_map(|id| data.activity(id).ok()).collect())
                    .await
                    .map_err(|error| {
                        tracing::error!(%error, "reading activity details failed");
                        ToolError::Internal
                    })
            }
            Data::Remote(r) => {
                // A few at a time: faster than one by one, gentle on the
                // provider's rate limit; the order is kept. An activity
                // deleted since it was listed is skipped, not an error.
                let one = |id: &str| {
                    let id = id.to_owned();
                    async move {
                        match r.activity(&id).await {
                            Ok(activity) => Ok(Some(activity)),
                            Err(ApiError::NotFound { .. }) => Ok(None),
                            Err(error) => Err(error),
                        }
                    }
                };
                let mut details = Vec::new();
                let newest = &summaries[..summaries.len().min(MAX_DETAILS)];
                for chunk in newest.chunks(DETAILS_AT_ONCE) {
                    let got = futures::future::try_join_all(chunk.iter().map(|s| one(&s.id))).await?;
                    details.extend(got.into_iter().flatten());
                }
                Ok(details)
            }
        }
    }

    /// Whether [`Source::details`] leaves some of `count` activities out.
    pub fn details_capped(&self, count: usize) -> bool {
        matches!(self.data, Data::Remote(_)) && count > MAX_DETAILS
    }

    /// Nights that ended from `from` to `to` (inclusive), newest first.
    pub async fn sleep(&self, from: LocalDate, to: LocalDate) -> Result<Vec<SleepSession>, ToolError> {
        match &self.data {
            Data::Synthetic(s) => Ok(s.sleep(from, to)),
            Data::Remote(r) => Ok(r.sleep(from, to).await?),
        }
    }

    /// Mornings from `from` to `to` (inclusive), newest first.
    pub async fn recovery(&self, from: LocalDate, to: LocalDate) -> Result<Vec<Recovery>, ToolError> {
        match &self.data {
            Data::Synthetic(s) => Ok(s.recovery(from, to)),
            Data::Remote(r) => Ok(r.recovery(from, to).await?),
        }
    }

    /// Totals for the `count` most recent periods up to today, oldest first.
    pub async fn stats(
        &self,
        period: Period,
        count: u32,
        sport: Option<SportKind>,
    ) -> Result<Vec<PeriodTotals>, ToolError> {
        let periods = period.recent(self.today(), count);
        let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
            return Ok(Vec::new());
        };
        let summaries = self.summaries(first.0, last.1).await?;
        Ok(PeriodTotals::for_periods(&periods, &summaries.activities, sport))
    }
}

/// A slot per connection id; the async lock makes concurrent first calls
/// wait for one generation instead of each generating a year of data.
type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

struct Cached {
    data: Arc<Synthetic>,
    made: Instant,
}

/// The daemon link, the HTTP client and the caches.
pub struct Sources {
    link: Arc<DaemonLink>,
    http: Arc<Http>,
    synthetic: SyntheticSettings,
    cache: Mutex<HashMap<String, Slot>>,
}

impl Sources {
    pub fn new(link: DaemonLink, synthetic: SyntheticSettings, provider_timeout: Duration) -> Self {
        Self {
            link: Arc::new(link),
            http: Arc::new(Http::new(provider_timeout)),
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
    pub async fn call<M: Method>(&self, params: M::Params) -> Result<M::Result, LinkError> {
        self.link.call::<M>(params).await
    }

    /// Forgets what was cached for a connection that is gone.
    pub fn forget(&self, connection_id: &str) {
        self.http.cache.forget(connection_id);
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(connection_id);
    }

    /// The provider to read from and its data.
    ///
    /// # Errors
    /// A [`ToolError`] saying what is missing and which command fixes it.
    pub async fn open(&self, requested: Option<ProviderName>) -> Result<Source, ToolError> {
        let list = self.link.connections().await?;
        let settings = self.link.call::<SettingsGet>(NoParams {}).await?;
        let connection = choose(&list.connections, requested)?;
        let provider = usable(connection)?;
        let data = if provider == ProviderName::Synthetic {
            Data::Synthetic(self.synthetic(&connection.connection_id).await?)
        } else {
            let fetch = DaemonFetch::new(
                provider.as_str(),
                connection.connection_id.clone(),
                self.link.clone(),
                self.http.clone(),
            );
            Data::Remote(Box::new(Remote { provider, fetch, clock: self.clock() }))
        };
        Ok(Source { provider, data, settings: settings.settings })
    }

    /// Today and the offset real providers' dates are read in: the fixed
    /// clock when one is configured (tests), else this machine's.
    fn clock(&self) -> Clock {
        let now =
            self.synthetic.now.unwrap_or_else(|| OffsetDateTime::now_utc().to_offset(self.synthetic.local_offset));
        Clock { today: LocalDate::new(now.date()), offset: now.offset() }
    }

    async fn synthetic(&self, connection_id: &str) -> Result<Arc<Synthetic>, ToolError> {
        let slot = {
            let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if cache.len() >= MAX_CACHED && !cache.contains_key(connection_id) {
                cache.clear();
            }
            cache.entry(connection_id.to_owned()).or_default().clone()
        };
        let mut cached = slot.lock().await;
        let fixed_clock = self.synthetic.now.is_some();
        if let Some(c) = cached.as_ref().filter(|c| fixed_clock || c.made.elapsed() < REFRESH_AFTER) {
            return Ok(c.data.clone());
        }
        let SyntheticSettings { seed, now, local_offset } = self.synthetic;
        let now = now.unwrap_or_else(|| OffsetDateTime::now_utc().to_offset(local_offset));
        // A year of samples is some 30 ms of CPU in release builds (most of
        // a second in debug builds): keep it off the async workers.
        let started = Instant::now();
        let data = tokio::task::spawn_blocking(move || Synthetic::generate(seed, now)).await.map_err(|error| {
            tracing::error!(%error, "synthetic generation failed");
            ToolError::Internal
        })?;
        tracing::debug!(connection_id, took_ms = started.elapsed().as_millis() as u64, "generated synthetic history");
        let data = Arc::new(data);
        *cached = Some(Cached { data: data.clone(), made: Instant::now() });
        Ok(data)
    }
}

/// Picks the connection a call reads from.
///
/// With `requested`, that provider's connection. Otherwise a connected
/// provider this build can read, preferring real providers over the
/// synthetic demo (a user who connected Strava wants Strava). Failing
/// that, the first connection, whose error then says what to do.
fn choose(connections: &[ConnectionInfo], requested: Option<ProviderName>) -> Result<&ConnectionInfo, ToolError> {
    if let Some(wanted) = requested {
        return connections
            .iter()
            .find(|c| c.provider == wanted.as_str())
            .ok_or(ToolError::NotConnected { provider: wanted });
    }
    let readable =
        |c: &&ConnectionInfo| c.state == ConnectionState::Connected && ProviderName::from_name(&c.provider).is_some();
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
    let no_client = || ToolError::NoClient { provider: connection.provider.clone() };
    let provider = ProviderName::from_name(&connection.provider).ok_or_else(no_client)?;
    if connection.state == ConnectionState::NeedsReconnect {
        return Err(ToolError::NeedsReconnect { provider });
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
        let list = [conn("strava", ConnectionState::Connected), conn("synthetic", ConnectionState::Connected)];
        assert_eq!(choose(&list, None).unwrap().provider, "strava", "a real provider is preferred to the demo");
        let list = [conn("strava", ConnectionState::NeedsReconnect), conn("synthetic", ConnectionState::Connected)];
        assert_eq!(choose(&list, None).unwrap().provider, "synthetic");
        let list = [conn("strava", ConnectionState::Connected)];
        assert_eq!(choose(&list, None).unwrap().provider, "strava", "its error will say what to do");
        assert!(matches!(choose(&[], None), Err(ToolError::NothingConnected)));
    }

    #[test]
    fn a_requested_provider_must_be_connected() {
        let list = [conn("synthetic", ConnectionState::Connected)];
        let err = choose(&list, Some(ProviderName::Oura)).unwrap_err();
        assert!(err.to_string().contains("pierre-authd connect oura"), "{err}");
        assert_eq!(choose(&list, Some(ProviderName::Synthetic)).unwrap().connection_id, "synthetic-1");
    }

    #[test]
    fn a_connected_provider_without_a_client_says_so() {
        let err = usable(&conn("polar", ConnectionState::Connected)).unwrap_err();
        assert!(matches!(err, ToolError::NoClient { .. }));
        let err = usable(&conn("synthetic", ConnectionState::NeedsReconnect)).unwrap_err();
        assert!(err.sentence().contains("pierre-authd connect synthetic"), "{err}");
        assert_eq!(usable(&conn("synthetic", ConnectionState::Connected)).unwrap(), ProviderName::Synthetic);
    }
}
