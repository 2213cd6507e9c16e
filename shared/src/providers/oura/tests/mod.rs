//! The Oura client against the fixtures in `tests/fixtures/oura/`
//! (2026-11-09..2026-11-22, every time at +01:00; the clock says today is
//! 2026-11-22 at +01:00), plus malformed shapes and a fuzz test.
//!
//! Expected values are worked out by hand from the fixture files; the
//! arithmetic is in the comments. This file holds the shared helpers:
//! `activities.rs` (profile, workouts, paging, detail), `wellness.rs`
//! (sleep, recovery, malformed shapes), `fuzz.rs` (proptest).

mod activities;
mod fuzz;
mod wellness;

use serde_json::Value;
use time::UtcOffset;

use crate::model::{ActivitySummary, LocalDate, Timestamp};
use crate::providers::api::{ActivityQuery, ApiError, Clock, Fetch, Request};
use crate::providers::fixtures::testing::FixtureFetch;

pub(super) fn day(s: &str) -> LocalDate {
    LocalDate::parse(s).unwrap()
}

pub(super) fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

pub(super) fn clock() -> Clock {
    Clock { today: day("2026-11-22"), offset: UtcOffset::from_hms(1, 0, 0).unwrap() }
}

pub(super) fn fixtures() -> FixtureFetch {
    FixtureFetch::new("oura")
}

/// `GET path?query`, as the client should send it.
pub(super) fn req(path: &str, query: &[(&str, &str)]) -> Request {
    let mut r = Request::new(path);
    for (name, value) in query {
        r = r.query(name, *value);
    }
    r
}

pub(super) fn workout_id(n: u32) -> String {
    format!("5d3f9c2e-0b1a-4c7e-9f10-{n:012}")
}

pub(super) fn ids(list: &[ActivitySummary]) -> Vec<String> {
    list.iter().map(|a| a.id.clone()).collect()
}

pub(super) fn query(limit: usize) -> ActivityQuery {
    ActivityQuery { from: Some(day("2026-11-10")), to: Some(day("2026-11-22")), sport: None, limit, cursor: None }
}

/// Serves one JSON body per path (any query), for shapes no fixture has.
pub(super) struct JsonFetch {
    pub(super) routes: Vec<(&'static str, Value)>,
}

impl Fetch for JsonFetch {
    async fn get(&self, request: Request) -> Result<Value, ApiError> {
        self.routes
            .iter()
            .find(|(path, _)| *path == request.path)
            .map(|(_, body)| body.clone())
            .ok_or(ApiError::Status { provider: "oura", status: 404, path: request.path })
    }
}

pub(super) fn malformed<T: std::fmt::Debug>(result: Result<T, ApiError>) -> String {
    match result {
        Err(ApiError::Malformed { provider: "oura", detail }) => detail,
        other => panic!("expected Malformed, got {other:?}"),
    }
}
