//! Reading a real provider: the provider's client from
//! `pierre_shared::providers` run over a [`fetch::DaemonFetch`].

pub mod cache;
pub mod fetch;

use pierre_shared::model::{Activity, ActivityPage, ActivitySummary, Athlete, LocalDate, Recovery, SleepSession};
use pierre_shared::providers::api::{ActivityQuery, ApiError, Clock, ProviderApi};
use pierre_shared::providers::{fitbit, garmin, oura, strava, whoop};

use crate::tools::ProviderName;
use fetch::DaemonFetch;

/// Largest page asked of a provider when reading a whole range.
const RANGE_PAGE: usize = 100;

/// At most this many pages are read for one range (a year of daily
/// training fits; more would spend the user's rate limit on one call).
const MAX_RANGE_PAGES: usize = 20;

/// Runs `$body` with `$api` bound to the provider's client type.
macro_rules! with_api {
    ($provider:expr, $api:ident => $body:expr) => {
        match $provider {
            ProviderName::Strava => {
                type $api = strava::Strava;
                $body
            }
            ProviderName::Fitbit => {
                type $api = fitbit::Fitbit;
                $body
            }
            ProviderName::Garmin => {
                type $api = garmin::Garmin;
                $body
            }
            ProviderName::Whoop => {
                type $api = whoop::Whoop;
                $body
            }
            ProviderName::Oura => {
                type $api = oura::Oura;
                $body
            }
            ProviderName::Synthetic => Err(ApiError::Credentials {
                message: "the synthetic provider is generated in pierre-mcp, not fetched".to_owned(),
            }),
        }
    };
}

/// One real provider connection, for one tool call.
pub struct Remote {
    pub provider: ProviderName,
    pub fetch: DaemonFetch,
    pub clock: Clock,
}

impl Remote {
    pub async fn athlete(&self) -> Result<Athlete, ApiError> {
        with_api!(self.provider, Api => Api::athlete(&self.fetch, &self.clock).await)
    }

    pub async fn activities(&self, query: &ActivityQuery) -> Result<ActivityPage, ApiError> {
        with_api!(self.provider, Api => Api::activities(&self.fetch, query, &self.clock).await)
    }

    pub async fn activity(&self, id: &str) -> Result<Activity, ApiError> {
        with_api!(self.provider, Api => Api::activity(&self.fetch, id, &self.clock).await)
    }

    pub async fn sleep(&self, from: LocalDate, to: LocalDate) -> Result<Vec<SleepSession>, ApiError> {
        with_api!(self.provider, Api => Api::sleep(&self.fetch, from, to, &self.clock).await)
    }

    pub async fn recovery(&self, from: LocalDate, to: LocalDate) -> Result<Vec<Recovery>, ApiError> {
        with_api!(self.provider, Api => Api::recovery(&self.fetch, from, to, &self.clock).await)
    }

    /// Every activity from `from` to `to`, newest first, paging to the end
    /// (at most [`MAX_RANGE_PAGES`] pages; `truncated` says when it stopped early).
    pub async fn summaries(&self, from: LocalDate, to: LocalDate) -> Result<(Vec<ActivitySummary>, bool), ApiError> {
        let mut query = ActivityQuery { from: Some(from), to: Some(to), sport: None, limit: RANGE_PAGE, cursor: None };
        let mut all = Vec::new();
        for _ in 0..MAX_RANGE_PAGES {
            let page = self.activities(&query).await?;
            all.extend(page.activities);
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => return Ok((all, false)),
            }
        }
        Ok((all, true))
    }
}
