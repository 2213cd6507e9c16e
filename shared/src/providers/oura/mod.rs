//! Oura API v2 client (`https://api.ouraring.com/v2/usercollection/...`).
//!
//! Layout: `payload.rs` holds Oura's JSON shapes, `map.rs` turns them into
//! the shared model, `cursor.rs` is the activity list's opaque cursor.
//!
//! Endpoints: `personal_info`, `workout` (list and `workout/{id}`),
//! `heartrate`, `sleep`, `daily_sleep`, `daily_readiness`, `daily_spo2`.
//!
//! Date ranges: Oura's `start_date`/`end_date` do not mean the same thing on
//! every collection, and open-source clients disagree on what they mean —
//! `sleep` has been seen to treat `start_date` as exclusive
//! (the-momentum/open-wearables#1007) and the daily collections to read a
//! bare `end_date` as its midnight, dropping that day (#1161; also
//! nitobuendia/oura-custom-component#26). So every range request asks for
//! one day more on each side (`start_date = from - 1`, `end_date = to + 1`)
//! and keeps only the records whose `day` (workouts: the local start date)
//! lies in `from..=to`. That is right whichever way Oura reads the bounds.
//!
//! Paging: every list follows `next_token` to the end. A follow-up request
//! puts `next_token` first, then repeats the dates (Oura's documented
//! parameters), so the fixture rule keys on the token.
//!
//! Dates: Oura files a sleep period under `day`, the date of the morning it
//! ended (a night from 23:10 on the 19th to 07:00 on the 20th has `day`
//! 20th). The reference only says "day the sleep belongs to"; users' reports
//! confirm the morning (kinabalu/obsidian-oura-plugin#20,
//! nitobuendia/oura-custom-component#26, where periods that began before
//! midnight carry the next day). That is the model's "date of the morning";
//! readiness, daily sleep and SpO2 use the same `day`, so a morning's
//! figures join on it.
//!
//! The night of a day: the `long_sleep` period (the longest in bed when
//! Oura splits a night in two), else the longest `sleep` period; `late_nap`,
//! `rest` and `deleted` periods are never a night (see `map::nights`).
//!
//! Oura has no display name: the athlete is called "Oura member"; the
//! e-mail is never read.

mod cursor;
mod map;
mod payload;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use self::cursor::Cursor;
use self::payload::{DailyReadiness, DailySleep, DailySpo2, HeartRateSample, Page, PersonalInfo, SleepPeriod, Workout};
use crate::model::{Activity, ActivityPage, Athlete, LocalDate, Recovery, SleepSession, Timestamp};
use crate::providers::api::{ActivityQuery, ApiError, Clock, Fetch, ProviderApi, Request, decode};

const PROVIDER: &str = "oura";

/// Days listed when an activity query gives no first day: Oura's own
/// default is a single day, too little for "my recent workouts".
const DEFAULT_DAYS: i64 = 30;

/// Pages followed before a `next_token` chain is taken to be broken.
const MAX_PAGES: usize = 200;

/// The Oura ring's cloud API.
pub struct Oura;

/// Follows `next_token` to the last page of `path` and returns every record.
async fn all_pages<F: Fetch, T: DeserializeOwned>(
    f: &F,
    path: &str,
    params: &[(&str, String)],
    what: &str,
) -> Result<Vec<T>, ApiError> {
    let mut records = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut request = Request::new(path);
        if let Some(t) = &token {
            request = request.query("next_token", t);
        }
        for (name, value) in params {
            request = request.query(name, value);
        }
        let page: Page<T> = decode(PROVIDER, what, f.get(request).await?)?;
        records.extend(page.data);
        match page.next_token.filter(|t| !t.is_empty()) {
            None => return Ok(records),
            Some(next) if token.as_deref() == Some(next.as_str()) => {
                return Err(ApiError::malformed(PROVIDER, format!("{what}: next_token `{next}` repeats itself")));
            }
            Some(next) => token = Some(next),
        }
    }
    Err(ApiError::malformed(PROVIDER, format!("{what}: more than {MAX_PAGES} pages")))
}

/// `start_date`/`end_date` one day wider than `from..=to` (see the module doc).
fn padded(from: LocalDate, to: LocalDate) -> [(&'static str, String); 2] {
    [("start_date", from.add_days(-1).to_string()), ("end_date", to.add_days(1).to_string())]
}

/// Data a user may not have shared (each Oura scope can be switched off):
/// a refusal means "absent", any other failure is still an error.
fn optional<T: Default>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    match result {
        Err(ApiError::Unauthorized { .. } | ApiError::Status { .. } | ApiError::NotFound { .. }) => Ok(T::default()),
        other => other,
    }
}

/// Sleep periods and daily sleep scores of `from..=to`.
async fn nights_and_scores<F: Fetch>(
    f: &F,
    from: LocalDate,
    to: LocalDate,
) -> Result<(BTreeMap<LocalDate, SleepPeriod>, BTreeMap<LocalDate, Option<u8>>), ApiError> {
    let range = padded(from, to);
    let periods: Vec<SleepPeriod> = all_pages(f, "/v2/usercollection/sleep", &range, "sleep").await?;
    let daily: Vec<DailySleep> = all_pages(f, "/v2/usercollection/daily_sleep", &range, "daily_sleep").await?;
    let mut scores = BTreeMap::new();
    for d in daily {
        scores.insert(d.day, map::score(d.score, "daily_sleep score")?);
    }
    let nights = map::nights(periods.into_iter().filter(|p| p.day >= from && p.day <= to).collect());
    Ok((nights, scores))
}

impl ProviderApi for Oura {
    const NAME: &'static str = PROVIDER;

    async fn athlete<F: Fetch>(f: &F, clock: &Clock) -> Result<Athlete, ApiError> {
        let body = f.get(Request::new("/v2/usercollection/personal_info")).await?;
        map::athlete(decode::<PersonalInfo>(PROVIDER, "personal_info", body)?, clock)
    }

    async fn activities<F: Fetch>(f: &F, query: &ActivityQuery, clock: &Clock) -> Result<ActivityPage, ApiError> {
        let cursor = match &query.cursor {
            Some(text) => {
                let c = Cursor::decode(PROVIDER, text)?;
                let same = query.from.is_none_or(|d| d == c.from)
                    && query.to.is_none_or(|d| d == c.to)
                    && query.sport == c.sport;
                if !same {
                    return Err(ApiError::BadCursor { provider: PROVIDER });
                }
                c
            }
            None => {
                let to = query.to.unwrap_or(clock.today);
                Cursor {
                    from: query.from.unwrap_or_else(|| to.add_days(1 - DEFAULT_DAYS)),
                    to,
                    sport: query.sport,
                    offset: 0,
                }
            }
        };
        if cursor.from > cursor.to {
            return Ok(ActivityPage { activities: Vec::new(), next_cursor: None });
        }
        let range = padded(cursor.from, cursor.to);
        let workouts: Vec<Workout> = all_pages(f, "/v2/usercollection/workout", &range, "workout").await?;
        let mut list = Vec::new();
        for w in &workouts {
            let summary = map::workout(w, clock.offset)?;
            let day = summary.start_time.local_date();
            let sport_ok = cursor.sport.is_none_or(|k| summary.sport.kind() == Some(k));
            if day >= cursor.from && day <= cursor.to && sport_ok {
                list.push(summary);
            }
        }
        // Oura lists oldest first; the model lists newest first.
        list.sort_by(|a, b| b.start_time.cmp(&a.start_time).then_with(|| b.id.cmp(&a.id)));
        let limit = query.limit.max(1);
        let end = cursor.offset.saturating_add(limit);
        let next_cursor = (end < list.len()).then(|| Cursor { offset: end, ..cursor.clone() }.encode());
        let activities = list.into_iter().skip(cursor.offset).take(limit).collect();
        Ok(ActivityPage { activities, next_cursor })
    }

    async fn activity<F: Fetch>(f: &F, id: &str, clock: &Clock) -> Result<Activity, ApiError> {
        let not_found = || ApiError::NotFound { provider: PROVIDER, what: format!("workout `{id}`") };
        // The id goes into the path: anything but an Oura document id could
        // change which URL is asked for.
        let plain =
            !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
        if !plain {
            return Err(not_found());
        }
        let body = match f.get(Request::new(format!("/v2/usercollection/workout/{id}"))).await {
            Err(ApiError::Status { status: 404, .. } | ApiError::NotFound { .. }) => {
                return Err(not_found());
            }
            other => other?,
        };
        let w: Workout = decode(PROVIDER, "workout", body)?;
        let mut summary = map::workout(&w, clock.offset)?;
        let start = summary.start_time;
        let end = Timestamp::new(start.get() + time::Duration::seconds(i64::from(summary.elapsed_time_s)));
        let samples: Vec<HeartRateSample> = optional(
            all_pages(
                f,
                "/v2/usercollection/heartrate",
                &[("start_datetime", start.to_string()), ("end_datetime", end.to_string())],
                "heartrate",
            )
            .await,
        )?;
        let streams: Vec<_> = map::heart_rate_stream(&samples, start, end)?.into_iter().collect();
        if let Some(hr) = streams.first() {
            summary.average_heartrate_bpm = Some(hr.mean);
            summary.max_heartrate_bpm = Some(hr.max);
        }
        Ok(Activity {
            summary,
            description: map::workout_description(&w),
            laps: Vec::new(),
            splits: Vec::new(),
            best_efforts: Vec::new(),
            streams,
        })
    }

    async fn sleep<F: Fetch>(
        f: &F,
        from: LocalDate,
        to: LocalDate,
        clock: &Clock,
    ) -> Result<Vec<SleepSession>, ApiError> {
        if from > to {
            return Ok(Vec::new());
        }
        let (nights, scores) = nights_and_scores(f, from, to).await?;
        nights
            .values()
            .rev()
            .map(|p| map::sleep_session(p, scores.get(&p.day).copied().flatten(), clock.offset))
            .collect()
    }

    async fn recovery<F: Fetch>(
        f: &F,
        from: LocalDate,
        to: LocalDate,
        _clock: &Clock,
    ) -> Result<Vec<Recovery>, ApiError> {
        if from > to {
            return Ok(Vec::new());
        }
        let range = padded(from, to);
        let readiness: Vec<DailyReadiness> =
            all_pages(f, "/v2/usercollection/daily_readiness", &range, "daily_readiness").await?;
        let (nights, sleep_scores) = nights_and_scores(f, from, to).await?;
        let spo2: Vec<DailySpo2> = optional(all_pages(f, "/v2/usercollection/daily_spo2", &range, "daily_spo2").await)?;
        let spo2: BTreeMap<LocalDate, f64> =
            spo2.into_iter().filter_map(|d| Some((d.day, d.spo2_percentage?.average?))).collect();
        let mut mornings = Vec::new();
        for r in readiness.iter().filter(|r| r.day >= from && r.day <= to) {
            let night = nights.get(&r.day);
            let spo2 = match spo2.get(&r.day) {
                Some(v) if !(v.is_finite() && *v > 0.0 && *v <= 100.0) => {
                    return Err(ApiError::malformed(PROVIDER, format!("daily_spo2 average {v} is not a percentage")));
                }
                v => v.copied(),
            };
            let temperature = match r.temperature_deviation {
                Some(t) if !(t.is_finite() && t.abs() <= 10.0) => {
                    return Err(ApiError::malformed(
                        PROVIDER,
                        format!("temperature_deviation {t} is not a deviation in °C"),
                    ));
                }
                t => t,
            };
            mornings.push(Recovery {
                date: r.day,
                score: map::score(r.score, "daily_readiness score")?,
                // From the night's measurements, never from the readiness
                // contributors (1-100 sub-scores, not ms or bpm).
                hrv_ms: night.and_then(|n| n.average_hrv).filter(|v| v.is_finite() && *v > 0.0),
                resting_heartrate_bpm: night.and_then(|n| n.lowest_heart_rate).filter(|v| v.is_finite() && *v > 0.0),
                sleep_score: sleep_scores.get(&r.day).copied().flatten(),
                acute_load: None,
                chronic_load: None,
                temperature_deviation_c: temperature,
                spo2_percent: spo2,
                strain: None,
                score_status: None,
            });
        }
        mornings.sort_by_key(|r| std::cmp::Reverse(r.date));
        mornings.dedup_by(|a, b| a.date == b.date);
        Ok(mornings)
    }
}
