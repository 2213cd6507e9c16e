//! WHOOP API v2 client (`https://api.prod.whoop.com/developer`).
//!
//! - athlete: `/v2/user/profile/basic` + `/v2/user/measurement/body`
//!   (height, weight, WHOOP's max heart rate as the threshold).
//! - activities: `/v2/activity/workout`, one WHOOP page per call; the
//!   cursor wraps WHOOP's `nextToken` (`paging`). WHOOP cannot filter by
//!   sport, so a sport filter thins the page (with a `next_cursor`).
//! - activity: `/v2/activity/workout/{uuid}`; an all-digit v1 id is first
//!   mapped through `/v1/activity-mapping/{v1Id}`.
//! - sleep: `/v2/activity/sleep`, paged to the end. Naps are separate
//!   records and are left out: the model has one session per night.
//! - recovery: `/v2/cycle`, `/v2/recovery` and `/v2/activity/sleep`, each
//!   paged to the end, joined on `cycle_id`/`sleep_id`: the date is the
//!   morning of the linked sleep (else of the cycle), the sleep score comes
//!   from the sleep and the day strain from the cycle.
//!
//! Not available from WHOOP, so always empty or absent: laps, splits, best
//! efforts, speed/power/cadence, training load (strain is another scale),
//! and heart-rate streams. WHOOP gives time in its six heart-rate zones but
//! no samples and no minimum, so a heart-rate `StreamSummary` could not
//! honestly carry min/mean/max: `streams` stays empty. Skin temperature is
//! absolute and WHOOP sends no baseline, so `temperature_deviation_c` is
//! absent too.
//!
//! Requests for the sleep and recovery windows start a day before `from`
//! and end a day after `to` (a night is dated by the morning it ends, and
//! a record's own offset may differ from the user's); records are then
//! kept by their computed date. WHOOP returns any workout that overlaps the
//! window; only those that started in it are listed. A night WHOOP has not
//! scored (pending, unscorable) keeps its times and in-bed time, with
//! `asleep_s` absent (unknown, not zero), and
//! `score_status` saying why.
//!
//! Layout: `payload` (the JSON as sent), `units` (offsets, instants,
//! `*_milli`, percentages, score states), `sport` (the open sport set),
//! `convert` (one record → the model), `paging` (window, `nextToken`,
//! cursor), and this file (the requests and the joins).

mod convert;
mod paging;
mod payload;
mod sport;
mod units;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::model::{Activity, ActivityPage, Athlete, LocalDate, Recovery, SleepSession, Thresholds};
use crate::providers::api::{ActivityQuery, ApiError, Clock, Fetch, ProviderApi, Request, decode};
use paging::Window;

const PROVIDER: &str = "whoop";

const PROFILE: &str = "/v2/user/profile/basic";
const BODY: &str = "/v2/user/measurement/body";
const WORKOUTS: &str = "/v2/activity/workout";
const SLEEPS: &str = "/v2/activity/sleep";
const RECOVERIES: &str = "/v2/recovery";
const CYCLES: &str = "/v2/cycle";
const ACTIVITY_MAPPING: &str = "/v1/activity-mapping";

/// The WHOOP v2 API.
pub struct Whoop;

/// A 404 means the record is not there: say so in the user's terms.
fn not_found(e: ApiError, what: impl FnOnce() -> String) -> ApiError {
    match e {
        ApiError::Status { status: 404, .. } => ApiError::NotFound { provider: PROVIDER, what: what() },
        other => other,
    }
}

/// Local days `from..=to` widened by a day each side (see the module docs).
fn padded(from: LocalDate, to: LocalDate, clock: &Clock) -> Window {
    Window::days(Some(from.add_days(-1)), Some(to.add_days(1)), clock.offset)
}

/// Every night (naps left out) in a window, keyed by WHOOP sleep id.
async fn nights<F: Fetch>(f: &F, window: &Window, clock: &Clock) -> Result<Vec<(String, SleepSession)>, ApiError> {
    let records: Vec<payload::Sleep> = paging::fetch_all(f, SLEEPS, window, "sleep").await?;
    let mut out = Vec::with_capacity(records.len());
    for s in &records {
        if let Some(night) = convert::sleep(s, clock.offset)? {
            out.push((s.id.0.clone(), night));
        }
    }
    Ok(out)
}

impl ProviderApi for Whoop {
    const NAME: &'static str = PROVIDER;

    async fn athlete<F: Fetch>(f: &F, _clock: &Clock) -> Result<Athlete, ApiError> {
        let profile: payload::Profile = decode(PROVIDER, "profile", f.get(Request::new(PROFILE)).await?)?;
        // The body scope is separate; a member who never set it gets a 404.
        let body: payload::Body = match f.get(Request::new(BODY)).await {
            Ok(v) => decode(PROVIDER, "body measurement", v)?,
            Err(ApiError::Status { status: 404, .. }) => payload::Body::default(),
            Err(e) => return Err(e),
        };
        let name = [profile.first_name.as_deref(), profile.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let positive = |v: Option<f64>| v.filter(|x| x.is_finite() && *x > 0.0);
        Ok(Athlete {
            name: if name.is_empty() { format!("WHOOP member {}", profile.user_id) } else { name },
            id: profile.user_id.0,
            sex: None,
            birth_year: None,
            weight_kg: positive(body.weight_kilogram),
            height_m: positive(body.height_meter),
            location: None,
            thresholds: Thresholds { max_heartrate_bpm: positive(body.max_heart_rate), ..Thresholds::default() },
        })
    }

    async fn activities<F: Fetch>(f: &F, query: &ActivityQuery, clock: &Clock) -> Result<ActivityPage, ApiError> {
        let window = Window::days(query.from, query.to, clock.offset);
        let token = query.cursor.as_deref().map(|c| paging::decode_cursor(c, &window)).transpose()?;
        let value = f.get(paging::request(WORKOUTS, token.as_deref(), query.limit, &window)).await?;
        let page: payload::Page<payload::Workout> = decode(PROVIDER, "workout page", value)?;
        let mut activities = Vec::with_capacity(page.records.len());
        for w in &page.records {
            let summary = convert::workout(w, clock.offset)?;
            // WHOOP matches any workout that overlaps the window; the model
            // lists those that started in it.
            let in_range = window.contains(summary.start_time.get());
            let sport_ok = query.sport.is_none_or(|k| summary.sport.kind() == Some(k));
            if in_range && sport_ok {
                activities.push(summary);
            }
        }
        activities.sort_by_key(|a| std::cmp::Reverse(a.start_time));
        Ok(ActivityPage {
            activities,
            next_cursor: paging::next_token(&page).map(|t| paging::encode_cursor(t, &window)),
        })
    }

    async fn activity<F: Fetch>(f: &F, id: &str, clock: &Clock) -> Result<Activity, ApiError> {
        let what = || format!("workout {id}");
        let is_v1 = !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit());
        let is_uuid = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        let uuid = if is_v1 {
            let path = format!("{ACTIVITY_MAPPING}/{id}");
            let v = f.get(Request::new(path)).await.map_err(|e| not_found(e, what))?;
            let mapping: payload::ActivityMapping = decode(PROVIDER, "activity mapping", v)?;
            mapping.v2_activity_id.0
        } else if is_uuid {
            id.to_owned()
        } else {
            // Never put a slash or `..` into a path: no such workout can exist.
            return Err(ApiError::NotFound { provider: PROVIDER, what: what() });
        };
        if !uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Err(ApiError::malformed(PROVIDER, format!("activity mapping for {id}: `{uuid}` is not a UUID")));
        }
        let v = f.get(Request::new(format!("{WORKOUTS}/{uuid}"))).await.map_err(|e| not_found(e, what))?;
        let workout: payload::Workout = decode(PROVIDER, "workout", v)?;
        Ok(Activity {
            summary: convert::workout(&workout, clock.offset)?,
            description: None,
            laps: Vec::new(),
            splits: Vec::new(),
            best_efforts: Vec::new(),
            streams: Vec::new(),
        })
    }

    async fn sleep<F: Fetch>(
        f: &F,
        from: LocalDate,
        to: LocalDate,
        clock: &Clock,
    ) -> Result<Vec<SleepSession>, ApiError> {
        let mut out: Vec<SleepSession> = nights(f, &padded(from, to, clock), clock)
            .await?
            .into_iter()
            .map(|(_, night)| night)
            .filter(|n| n.date >= from && n.date <= to)
            .collect();
        out.sort_by(|a, b| b.date.cmp(&a.date).then(b.end_time.cmp(&a.end_time)));
        Ok(out)
    }

    async fn recovery<F: Fetch>(
        f: &F,
        from: LocalDate,
        to: LocalDate,
        clock: &Clock,
    ) -> Result<Vec<Recovery>, ApiError> {
        let window = padded(from, to, clock);
        let cycles: Vec<payload::Cycle> = paging::fetch_all(f, CYCLES, &window, "cycle").await?;
        let recoveries: Vec<payload::Recovery> = paging::fetch_all(f, RECOVERIES, &window, "recovery").await?;
        let nights: HashMap<String, SleepSession> = nights(f, &window, clock).await?.into_iter().collect();
        let cycles: HashMap<&str, &payload::Cycle> = cycles.iter().map(|c| (c.id.0.as_str(), c)).collect();
        let mut out = Vec::with_capacity(recoveries.len());
        for r in &recoveries {
            let night = r.sleep_id.as_ref().and_then(|id| nights.get(&id.0));
            let cycle = cycles.get(r.cycle_id.0.as_str()).copied();
            if let Some(rec) = convert::recovery(r, night, cycle, clock.offset)?
                && rec.date >= from
                && rec.date <= to
            {
                out.push(rec);
            }
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.date));
        Ok(out)
    }
}
