//! `GET /v3/athletes/{id}/stats`: Strava's own rolled-up totals.
//!
//! Pierre's stats tools derive totals from activities (see
//! `model::stats`), so these are offered as Strava's figures, not as the
//! model's totals: they include activities Strava counts differently
//! (private ones, for example) and only runs, rides and swims.

use schemars::JsonSchema;
use serde::Serialize;

use crate::providers::api::{ApiError, Fetch, Request, decode};

use super::map::whole;
use super::payload::{StatsPayload, TotalsPayload};
use super::{NAME, is_strava_id, not_found};

/// Totals of one sport over one period. Metres and seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct StravaTotals {
    pub count: u32,
    pub distance_m: f64,
    pub moving_time_s: u64,
    pub elapsed_time_s: u64,
    pub elevation_gain_m: f64,
}

/// Run, ride and swim totals of one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
pub struct StravaPeriodTotals {
    pub run: StravaTotals,
    pub ride: StravaTotals,
    pub swim: StravaTotals,
}

/// Strava's totals for the athlete.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct StravaAthleteStats {
    /// The last four weeks (Strava's "recent").
    pub recent: StravaPeriodTotals,
    /// Since 1 January.
    pub year_to_date: StravaPeriodTotals,
    pub all_time: StravaPeriodTotals,
    /// Longest ride ever, metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biggest_ride_distance_m: Option<f64>,
    /// Largest climb in one activity, metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biggest_climb_elevation_gain_m: Option<f64>,
}

fn totals(what: &str, t: Option<&TotalsPayload>) -> Result<StravaTotals, ApiError> {
    let Some(t) = t else {
        return Ok(StravaTotals::default());
    };
    let n = |field: &str, v: Option<f64>| whole(&format!("stats {what} {field}"), v.unwrap_or(0.0));
    let metres = |v: Option<f64>| v.filter(|x| x.is_finite() && *x >= 0.0).unwrap_or(0.0);
    Ok(StravaTotals {
        count: n("count", t.count)?,
        distance_m: metres(t.distance),
        moving_time_s: u64::from(n("moving_time", t.moving_time)?),
        elapsed_time_s: u64::from(n("elapsed_time", t.elapsed_time)?),
        elevation_gain_m: metres(t.elevation_gain),
    })
}

/// Parses a stats body.
///
/// # Errors
/// Malformed when the body is not the stats object or a count is not a count.
pub fn parse_stats(value: serde_json::Value) -> Result<StravaAthleteStats, ApiError> {
    let p: StatsPayload = decode(NAME, "athlete stats", value)?;
    let period = |name: &str, run, ride, swim| -> Result<StravaPeriodTotals, ApiError> {
        Ok(StravaPeriodTotals {
            run: totals(&format!("{name}_run_totals"), run)?,
            ride: totals(&format!("{name}_ride_totals"), ride)?,
            swim: totals(&format!("{name}_swim_totals"), swim)?,
        })
    };
    Ok(StravaAthleteStats {
        recent: period(
            "recent",
            p.recent_run_totals.as_ref(),
            p.recent_ride_totals.as_ref(),
            p.recent_swim_totals.as_ref(),
        )?,
        year_to_date: period("ytd", p.ytd_run_totals.as_ref(), p.ytd_ride_totals.as_ref(), p.ytd_swim_totals.as_ref())?,
        all_time: period("all", p.all_run_totals.as_ref(), p.all_ride_totals.as_ref(), p.all_swim_totals.as_ref())?,
        biggest_ride_distance_m: p.biggest_ride_distance.filter(|v| v.is_finite()),
        biggest_climb_elevation_gain_m: p.biggest_climb_elevation_gain.filter(|v| v.is_finite()),
    })
}

/// Strava's totals for `athlete_id` (only the authenticated athlete's own
/// id is allowed by Strava).
///
/// # Errors
/// NotFound for a non-numeric id (no request is made) or a 404; otherwise
/// the fetch's error, or Malformed.
pub async fn athlete_stats<F: Fetch>(f: &F, athlete_id: &str) -> Result<StravaAthleteStats, ApiError> {
    let what = || format!("athlete {athlete_id}");
    if !is_strava_id(athlete_id) {
        return Err(not_found(what()));
    }
    let value = f
        .get(Request::new(format!("/athletes/{athlete_id}/stats")))
        .await
        .map_err(|e| super::not_found_on_404(e, what()))?;
    parse_stats(value)
}
