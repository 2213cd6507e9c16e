//! Strava v3 client. Paths are under the catalogue's `api_base`,
//! `https://www.strava.com/api/v3`, so requests say `/athlete`, not
//! `/v3/athlete` (the fixtures keep Strava's full path: `v3_athlete.json`).
//!
//! Layout:
//! - `payload.rs`: the JSON shapes, all members optional, ids exact.
//! - `map.rs`: payload → model, with every Strava quirk documented where
//!   it is handled (local time, sport names, per-leg cadence, energy units,
//!   estimated power, manual activities, float durations).
//! - `streams.rs`: streams and athlete zones → stream summaries.
//! - `cursor.rs`: the opaque activity-list cursor.
//! - `stats.rs`: [`athlete_stats`], Strava's own totals.
//! - `tests.rs` (one test per quirk, paging, malformed shapes) and
//!   `fuzz.rs` (proptest), against `tests/fixtures/strava/`.
//!
//! Requests made: `GET /athlete`; `GET /athlete/activities?before=&page=&per_page=` (the window's start is applied locally);
//! `GET /activities/{id}`, then `.../streams?keys=...&key_by_type=true`
//! and, only when there is a heart-rate or power stream to put into zones,
//! `GET /athlete/zones`; `GET /athletes/{id}/stats`. Strava has no
//! sleep or recovery data. Every read counts against the app-wide limit of
//! 100 per 15 minutes, which is why zones are fetched only when useful.

mod cursor;
#[cfg(test)]
mod fuzz;
mod map;
mod payload;
mod stats;
mod streams;
#[cfg(test)]
mod tests;

pub use stats::{StravaAthleteStats, StravaPeriodTotals, StravaTotals, athlete_stats, parse_stats};

use crate::model::{Activity, ActivityPage, Athlete, LocalDate, Recovery, SleepSession};
use crate::providers::api::{ActivityQuery, ApiError, Clock, Fetch, ProviderApi, Request, decode};

use cursor::{Cursor, MAX_PER_PAGE};
use payload::{ActivityPayload, AthletePayload};

/// The catalogue name, used in every error.
const NAME: &str = "strava";

/// The Strava client; stateless, everything goes through the [`Fetch`].
pub struct Strava;

/// Strava ids are unsigned integers; anything else cannot name a record,
/// and must not be pasted into a request path.
fn is_strava_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit())
}

fn not_found(what: String) -> ApiError {
    ApiError::NotFound { provider: NAME, what }
}

/// A 404 for a record asked for by id means the id is wrong, not a bug.
fn not_found_on_404(e: ApiError, what: String) -> ApiError {
    match e {
        ApiError::Status { status: 404, .. } => not_found(what),
        other => other,
    }
}

fn is_absent(e: &ApiError) -> bool {
    matches!(e, ApiError::Status { status: 404, .. } | ApiError::NotFound { .. })
}

/// The first page's cursor for a query: the local-date range becomes the
/// epoch window from 00:00 of `from` to 24:00 of `to` in the user's offset.
fn first_page(query: &ActivityQuery, clock: &Clock) -> Cursor {
    let limit = u32::try_from(query.limit).unwrap_or(MAX_PER_PAGE);
    Cursor {
        page: 1,
        per_page: limit.clamp(1, MAX_PER_PAGE),
        after: query.from.map(|d| d.start_in(clock.offset).unix_timestamp()),
        before: query.to.map(|d| d.add_days(1).start_in(clock.offset).unix_timestamp()),
    }
}

/// Only `before` is sent: with `after`, Strava lists oldest first, and
/// pages of an ascending list cannot be turned into newest-first pages.
/// The window's start is applied here instead (see `activities`).
fn list_request(c: &Cursor) -> Request {
    let mut r = Request::new("/athlete/activities");
    if let Some(before) = c.before {
        r = r.query("before", before);
    }
    r.query("page", c.page).query("per_page", c.per_page)
}

impl ProviderApi for Strava {
    const NAME: &'static str = NAME;

    async fn athlete<F: Fetch>(f: &F, _clock: &Clock) -> Result<Athlete, ApiError> {
        let value = f.get(Request::new("/athlete")).await?;
        let p: AthletePayload = decode(NAME, "athlete", value)?;
        map::athlete(p)
    }

    /// One Strava page per call. With a cursor, the cursor's window and
    /// page size are used (see `cursor.rs`); the sport filter is applied
    /// after fetching, so a page may be short and still have a next cursor.
    async fn activities<F: Fetch>(f: &F, query: &ActivityQuery, clock: &Clock) -> Result<ActivityPage, ApiError> {
        let at = match query.cursor.as_deref() {
            Some(c) => Cursor::decode(c)?,
            None => first_page(query, clock),
        };
        let value = f.get(list_request(&at)).await?;
        let rows: Vec<ActivityPayload> = decode(NAME, "activity list", value)?;
        // A short page is the last one; a full one may be followed by more
        // (at worst by an empty page, which then ends the listing).
        let full = rows.len() >= usize::try_from(at.per_page).unwrap_or(usize::MAX);
        let mut activities = rows.iter().map(|p| map::summary(p, clock.offset)).collect::<Result<Vec<_>, _>>()?;
        // Newest first, as the model promises (and as Strava lists when
        // only `before` is given); the window's start ends the listing.
        activities.sort_by_key(|a| std::cmp::Reverse(a.start_time));
        let reached_start = at.after.is_some_and(|after| activities.iter().any(|a| a.start_time.unix() < after));
        if let Some(after) = at.after {
            activities.retain(|a| a.start_time.unix() >= after);
        }
        if let Some(kind) = query.sport {
            activities.retain(|a| a.sport.kind() == Some(kind));
        }
        let next = Cursor { page: at.page + 1, ..at };
        Ok(ActivityPage { activities, next_cursor: (full && !reached_start).then(|| next.encode()) })
    }

    async fn activity<F: Fetch>(f: &F, id: &str, clock: &Clock) -> Result<Activity, ApiError> {
        let what = || format!("activity {id}");
        if !is_strava_id(id) {
            return Err(not_found(what()));
        }
        let value = f.get(Request::new(format!("/activities/{id}"))).await.map_err(|e| not_found_on_404(e, what()))?;
        let p: ActivityPayload = decode(NAME, "activity", value)?;
        let raw = match f
            .get(
                Request::new(format!("/activities/{id}/streams"))
                    .query("keys", streams::KEYS)
                    .query("key_by_type", "true"),
            )
            .await
        {
            Ok(v) => streams::parse(v)?,
            // Manual activities have no streams; Strava answers 404.
            Err(e) if is_absent(&e) => Vec::new(),
            Err(e) => return Err(e),
        };
        let zones = if streams::wants_zones(&raw) {
            // Zones only decorate the summaries (and need the
            // profile:read_all scope the user may have declined), so any
            // failure just means no zones.
            match f.get(Request::new("/athlete/zones")).await {
                Ok(v) => streams::zone_bounds(v).unwrap_or_default(),
                Err(_) => streams::ZoneBounds::default(),
            }
        } else {
            streams::ZoneBounds::default()
        };
        let sport = map::sport(p.sport_type.as_deref(), p.legacy_type.as_deref());
        let summaries = streams::summarise(&raw, &sport, &zones);
        map::activity(&p, summaries, clock.offset)
    }

    async fn sleep<F: Fetch>(
        _f: &F,
        _from: LocalDate,
        _to: LocalDate,
        _clock: &Clock,
    ) -> Result<Vec<SleepSession>, ApiError> {
        Err(ApiError::Unsupported { provider: NAME, what: "sleep data" })
    }

    async fn recovery<F: Fetch>(
        _f: &F,
        _from: LocalDate,
        _to: LocalDate,
        _clock: &Clock,
    ) -> Result<Vec<Recovery>, ApiError> {
        Err(ApiError::Unsupported { provider: NAME, what: "recovery data" })
    }
}
