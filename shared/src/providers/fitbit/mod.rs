//! Fitbit Web API client (dev.fitbit.com/build/reference/web-api).
//!
//! Endpoints, all `GET` under `api_base` with `Accept-Language: en_US`
//! (see [`units`] for why and how the numbers are converted):
//! - athlete: `/1/user/-/profile.json`, plus the last 7 days of
//!   `/1/user/-/activities/heart/date/{from}/{to}.json` for the resting
//!   heart rate (best effort: if that call fails the athlete is still
//!   returned, without it);
//! - activities: `/1/user/-/activities/list.json`, newest first, paged by
//!   Fitbit's `pagination.next` links (see [`paging`]);
//! - activity: `/1/user/-/activities/{logId}.json` (`{"activityLog": …}`);
//! - sleep: `/1.2/user/-/sleep/date/{from}/{to}.json` (at most 100 days a call);
//! - recovery: resting heart rate from the heart series above and RMSSD
//!   from `/1/user/-/hrv/date/{from}/{to}.json` (at most 30 days a call).
//!
//! Fitbit sends local times: activity starts with the user's offset, sleep
//! times without any. The latter take the offset of the Fitbit profile
//! (`offsetFromUTCMillis`, [`map::profile_offset`]) — the zone the user's
//! device lives in, which need not be this machine's — and the [`Clock`]'s
//! only when the profile has none. pierre-mcp caches the profile answer, so
//! this costs one request of the 150 a user may make per hour per minute of use.

mod map;
mod paging;
mod payload;
mod sport;
mod units;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;

use crate::model::{Activity, ActivityPage, Athlete, LocalDate, Recovery, SleepSession};
use crate::providers::api::{ActivityQuery, ApiError, Clock, Fetch, ProviderApi};

pub use map::profile_offset;
pub use units::ACCEPT_LANGUAGE;

const PROVIDER: &str = "fitbit";
/// Fitbit's longest range for the sleep log by date range.
const SLEEP_MAX_DAYS: i64 = 100;
/// Fitbit's longest range for the HRV summary by interval.
const HRV_MAX_DAYS: i64 = 30;
/// Fitbit's longest range for the heart-rate series by date range.
const HEART_MAX_DAYS: i64 = 365;

/// The Fitbit Web API.
pub struct Fitbit;

impl ProviderApi for Fitbit {
    const NAME: &'static str = PROVIDER;

    async fn athlete<F: Fetch>(f: &F, clock: &Clock) -> Result<Athlete, ApiError> {
        let profile = f.get(paging::get("/1/user/-/profile.json")).await?;
        let heart = f.get(heart_request(clock.today.add_days(-6), clock.today)).await;
        // Best effort: a missing `heartrate` scope or a spent rate limit must
        // not cost the user their profile.
        let resting = heart.ok().and_then(|h| map::latest_resting(h).ok().flatten());
        map::athlete(profile, resting)
    }

    async fn activities<F: Fetch>(f: &F, query: &ActivityQuery, clock: &Clock) -> Result<ActivityPage, ApiError> {
        let request = match &query.cursor {
            Some(cursor) => paging::decode_cursor(cursor)?,
            // beforeDate is exclusive: the day after the last one wanted.
            None => paging::first_page(query.to.unwrap_or(clock.today).add_days(1), query.limit),
        };
        let page = map::list(f.get(request).await?)?;
        let mut activities = Vec::new();
        let mut reached_from = false;
        for log in &page.activities {
            let summary = map::summary(log, clock.offset)?;
            let day = summary.start_time.local_date();
            if query.from.is_some_and(|from| day < from) {
                // Newest first: everything after this is older still.
                reached_from = true;
                break;
            }
            if query.to.is_some_and(|to| day > to) {
                continue;
            }
            if query.sport.is_some_and(|sport| summary.sport.kind() != Some(sport)) {
                continue;
            }
            activities.push(summary);
        }
        let next = match page.pagination.and_then(|p| p.next) {
            Some(link) if !reached_from && !page.activities.is_empty() => paging::next_page(&link)?,
            _ => None,
        };
        Ok(ActivityPage { activities, next_cursor: next.as_ref().map(paging::encode_cursor) })
    }

    async fn activity<F: Fetch>(f: &F, id: &str, clock: &Clock) -> Result<Activity, ApiError> {
        let not_found = || ApiError::NotFound { provider: PROVIDER, what: format!("activity {id}") };
        // Log ids are unsigned 64-bit integers; anything else would only
        // reach some other path.
        if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_found());
        }
        let answer = match f.get(paging::get(format!("/1/user/-/activities/{id}.json"))).await {
            Err(ApiError::Status { status: 404, .. }) => return Err(not_found()),
            other => other?,
        };
        map::activity(answer, clock.offset)
    }

    async fn sleep<F: Fetch>(
        f: &F,
        from: LocalDate,
        to: LocalDate,
        clock: &Clock,
    ) -> Result<Vec<SleepSession>, ApiError> {
        let profile = f.get(paging::get("/1/user/-/profile.json")).await?;
        let offset = profile_offset(profile)?.unwrap_or(clock.offset);
        let mut answers = Vec::new();
        for (start, end) in windows(from, to, SLEEP_MAX_DAYS) {
            answers.push(f.get(paging::get(format!("/1.2/user/-/sleep/date/{start}/{end}.json"))).await?);
        }
        map::sleep(answers, from, to, offset)
    }

    async fn recovery<F: Fetch>(
        f: &F,
        from: LocalDate,
        to: LocalDate,
        _clock: &Clock,
    ) -> Result<Vec<Recovery>, ApiError> {
        let mut heart = Vec::new();
        for (start, end) in windows(from, to, HEART_MAX_DAYS) {
            heart.push(f.get(heart_request(start, end)).await?);
        }
        let mut hrv = Vec::new();
        for (start, end) in windows(from, to, HRV_MAX_DAYS) {
            hrv.push(f.get(paging::get(format!("/1/user/-/hrv/date/{start}/{end}.json"))).await?);
        }
        map::recovery(heart, hrv, from, to)
    }
}

fn heart_request(from: LocalDate, to: LocalDate) -> crate::providers::api::Request {
    paging::get(format!("/1/user/-/activities/heart/date/{from}/{to}.json"))
}

/// `from..=to` cut into ranges of at most `max_days`, newest first; empty
/// when `from` is after `to`.
fn windows(from: LocalDate, to: LocalDate, max_days: i64) -> Vec<(LocalDate, LocalDate)> {
    let mut out = Vec::new();
    let mut end = to;
    while end >= from {
        let start = end.add_days(1 - max_days).max(from);
        out.push((start, end));
        if start == from {
            break;
        }
        end = start.add_days(-1);
    }
    out
}
