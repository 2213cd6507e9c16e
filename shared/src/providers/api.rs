//! The contract between provider API clients and whoever runs them.
//!
//! A provider client (one file per provider beside this one) turns the
//! provider's JSON into [`crate::model`] types. It never sees a token, a
//! URL host or an HTTP status: it builds [`Request`]s (a path under the
//! provider's `api_base`, a query, a few headers) and hands them to a
//! [`Fetch`]. pierre-mcp's `Fetch` asks the daemon for the token, sends the
//! request, does the single refresh-and-retry on 401, reports rate-limit
//! headers and maps failures to [`ApiError`]; tests can use a fake `Fetch`
//! that returns fixture JSON. Keeping the HTTP out of the clients keeps
//! them pure enough to unit-test and fuzz.

use std::future::Future;

use time::UtcOffset;

use crate::model::{Activity, ActivityPage, Athlete, LocalDate, Recovery, SleepSession, SportKind};

/// One GET against the provider's API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Path under `api_base`, starting with `/` (`/v3/athlete/activities`).
    pub path: String,
    /// Query parameters in the order given.
    pub query: Vec<(String, String)>,
    /// Extra request headers (Fitbit's `Accept-Language`); never `Authorization`.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn new(path: impl Into<String>) -> Self {
        Self { path: path.into(), query: Vec::new(), headers: Vec::new() }
    }

    #[must_use]
    pub fn query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    #[must_use]
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// Sends a [`Request`] with the user's token and returns the parsed body.
pub trait Fetch: Send + Sync {
    /// # Errors
    /// Every transport, status and body failure as an [`ApiError`].
    fn get(&self, request: Request) -> impl Future<Output = Result<serde_json::Value, ApiError>> + Send;
}

/// What a client needs to turn calendar days into provider times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Today in the user's calendar.
    pub today: LocalDate,
    /// The user's UTC offset, for providers that take or give times without a zone.
    pub offset: UtcOffset,
}

/// A page of activities to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    /// First day, inclusive, in the athlete's calendar.
    pub from: Option<LocalDate>,
    /// Last day, inclusive.
    pub to: Option<LocalDate>,
    /// Only this sport; providers that cannot filter do it after fetching
    /// (a page may then hold fewer than `limit`, with a `next_cursor`).
    pub sport: Option<SportKind>,
    /// Page size, at least 1.
    pub limit: usize,
    /// From a previous page's `next_cursor`; opaque, provider-specific.
    pub cursor: Option<String>,
}

/// Why a provider call failed. Every message is one sentence a person can
/// act on; none contains a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The provider has no such data (sleep on Strava).
    #[error(
        "{provider} does not provide {what}; connect a provider that does, or pass provider=synthetic for demo data."
    )]
    Unsupported { provider: &'static str, what: &'static str },
    /// A record the user asked for by id does not exist.
    #[error("{provider} has no {what}; list them first to get a valid id.")]
    NotFound { provider: &'static str, what: String },
    /// The cursor is not one this client issued.
    #[error("The cursor is not one {provider} issued; start again without a cursor.")]
    BadCursor { provider: &'static str },
    /// 429, or a spent window the daemon knows about.
    #[error("{provider} rate limit reached; try again in {}.", retry_text(*retry_after_secs))]
    RateLimited { provider: &'static str, retry_after_secs: Option<u64> },
    /// Still 401/403 after one refresh and retry.
    #[error(
        "{provider} refused the access token even after a refresh; reconnect with `pierre-authd connect {provider}`."
    )]
    Unauthorized { provider: &'static str },
    /// 5xx.
    #[error("{provider} answered with a server error (HTTP {status}); try again in a minute.")]
    Server { provider: &'static str, status: u16 },
    /// Another unexpected HTTP status.
    #[error("{provider} answered HTTP {status} to {path}; this is likely a Pierre bug, please report it.")]
    Status { provider: &'static str, status: u16, path: String },
    /// No answer in time.
    #[error("{provider} did not answer within {secs} s; try again later.")]
    Timeout { provider: &'static str, secs: u64 },
    /// Could not reach the provider at all.
    #[error("Could not reach {provider} ({detail}); check the network and try again.")]
    Transport { provider: &'static str, detail: String },
    /// The body is not JSON, or not the shape this client knows.
    #[error("{provider} sent a response Pierre could not read ({detail}); try again, and report it if it persists.")]
    Malformed { provider: &'static str, detail: String },
    /// The daemon could not hand out a token (not connected, needs reconnect, daemon down).
    #[error("{message}")]
    Credentials { message: String },
}

fn retry_text(secs: Option<u64>) -> String {
    match secs {
        Some(s) if s >= 120 => format!("{} min", s.div_ceil(60)),
        Some(s) => format!("{s} s"),
        None => "a few minutes".to_owned(),
    }
}

impl ApiError {
    /// A body that did not have the expected shape.
    pub fn malformed(provider: &'static str, detail: impl std::fmt::Display) -> Self {
        ApiError::Malformed { provider, detail: detail.to_string() }
    }
}

/// Decodes a JSON value into a provider payload type, naming the provider
/// and the payload on failure.
///
/// # Errors
/// [`ApiError::Malformed`] with serde's reason.
pub fn decode<T: serde::de::DeserializeOwned>(
    provider: &'static str,
    what: &str,
    value: serde_json::Value,
) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| ApiError::malformed(provider, format!("{what}: {e}")))
}

/// One provider's API, mapped onto the shared model. Implemented by a unit
/// struct per provider; methods the provider cannot answer return
/// [`ApiError::Unsupported`]. Lists are newest first.
pub trait ProviderApi {
    /// The catalogue name (`strava`).
    const NAME: &'static str;

    fn athlete<F: Fetch>(f: &F, clock: &Clock) -> impl Future<Output = Result<Athlete, ApiError>> + Send;

    fn activities<F: Fetch>(
        f: &F,
        query: &ActivityQuery,
        clock: &Clock,
    ) -> impl Future<Output = Result<ActivityPage, ApiError>> + Send;

    fn activity<F: Fetch>(f: &F, id: &str, clock: &Clock) -> impl Future<Output = Result<Activity, ApiError>> + Send;

    /// Nights that ended from `from` to `to` inclusive.
    fn sleep<F: Fetch>(
        f: &F,
        from: LocalDate,
        to: LocalDate,
        clock: &Clock,
    ) -> impl Future<Output = Result<Vec<SleepSession>, ApiError>> + Send;

    /// Mornings from `from` to `to` inclusive.
    fn recovery<F: Fetch>(
        f: &F,
        from: LocalDate,
        to: LocalDate,
        clock: &Clock,
    ) -> impl Future<Output = Result<Vec<Recovery>, ApiError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_actionable_sentence() {
        let e = ApiError::RateLimited { provider: "strava", retry_after_secs: Some(900) };
        assert_eq!(e.to_string(), "strava rate limit reached; try again in 15 min.");
        let e = ApiError::Unauthorized { provider: "fitbit" };
        assert!(e.to_string().contains("pierre-authd connect fitbit"));
    }
}
