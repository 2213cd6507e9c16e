//! Garmin Connect web API client.
//!
//! Garmin's official program pushes data to a public webhook, which a
//! desktop tool does not have; what individuals use instead is the web API
//! Garmin Connect itself calls (`https://connectapi.garmin.com`), with the
//! bearer token of Garmin's SSO sign-in (imported by `pierre-authd import
//! garmin`). Paths and field names follow what the open-source clients
//! (garth, python-garminconnect) see in practice; the API is undocumented
//! and every field is treated as optional.
//!
//! Layout: [`payload`] (serde shapes), [`convert`] (times, units, sports),
//! [`athlete`], [`activity`] (list and detail), [`wellness`] (sleep and
//! recovery, one request per day).

mod activity;
mod athlete;
mod convert;
mod payload;
mod wellness;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fuzz;
#[cfg(test)]
mod tests_wellness;

use std::future::Future;

use crate::model::{Activity, ActivityPage, Athlete, LocalDate, Recovery, SleepSession};
use crate::providers::api::{ActivityQuery, ApiError, Clock, Fetch, ProviderApi};

/// The catalogue name, used in every error.
const NAME: &str = "garmin";

/// The Garmin Connect client.
pub struct Garmin;

impl ProviderApi for Garmin {
    const NAME: &'static str = NAME;

    fn athlete<F: Fetch>(f: &F, _clock: &Clock) -> impl Future<Output = Result<Athlete, ApiError>> + Send {
        athlete::athlete(f)
    }

    fn activities<F: Fetch>(
        f: &F,
        query: &ActivityQuery,
        clock: &Clock,
    ) -> impl Future<Output = Result<ActivityPage, ApiError>> + Send {
        activity::list(f, query, clock)
    }

    fn activity<F: Fetch>(f: &F, id: &str, clock: &Clock) -> impl Future<Output = Result<Activity, ApiError>> + Send {
        activity::detail(f, id, clock)
    }

    fn sleep<F: Fetch>(
        f: &F,
        from: LocalDate,
        to: LocalDate,
        clock: &Clock,
    ) -> impl Future<Output = Result<Vec<SleepSession>, ApiError>> + Send {
        wellness::sleep(f, from, to, clock)
    }

    fn recovery<F: Fetch>(
        f: &F,
        from: LocalDate,
        to: LocalDate,
        clock: &Clock,
    ) -> impl Future<Output = Result<Vec<Recovery>, ApiError>> + Send {
        wellness::recovery(f, from, to, clock)
    }
}
