//! Where fitness data comes from.
//!
//! [`synthetic`] is the embedded demo provider that needs no account. The
//! real providers' clients (one file each) implement [`api::ProviderApi`]:
//! they parse the provider's JSON into the same [`crate::model`] types and
//! leave tokens and HTTP to an [`api::Fetch`].
//!
//! A synthetic data set is produced by a [`Generator`]. The interface is
//! deliberately small, so generators can be swapped without touching the
//! queries in [`synthetic::Synthetic`] or any tool: the default is
//! [`synthetic::PeriodisedGenerator`] (periodised seasons, sleep and recovery
//! that answer to load), which replaced the first, fixed-week generator.

pub mod api;
pub mod fitbit;
pub mod fixtures;
pub mod garmin;
pub mod oura;
pub mod strava;
pub mod synthetic;
pub mod whoop;

use crate::model::{Activity, ActivitySummary, Athlete, Recovery, SleepSession, Timestamp};

/// Everything a generator produced, up to its clock.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub athlete: Athlete,
    /// Newest first; every one ended at or before `now`.
    pub activities: Vec<ActivitySummary>,
    /// One per night, newest first.
    pub sleep: Vec<SleepSession>,
    /// One per morning, newest first.
    pub recovery: Vec<Recovery>,
    /// The generator's clock.
    pub now: Timestamp,
}

/// Produces a deterministic synthetic history.
///
/// Contract: the same generator (same seed, same clock) always produces the
/// same history, and [`Generator::detail`] of a listed summary returns an
/// activity whose summary is equal to it, so every tool tells one story.
pub trait Generator: Send + Sync {
    /// The athlete and their whole history up to the clock.
    fn history(&self) -> History;

    /// The full record (laps, splits, best efforts, stream summaries) of an
    /// activity from [`Generator::history`]; `None` if it is not one of ours.
    fn detail(&self, summary: &ActivitySummary) -> Option<Activity>;
}
