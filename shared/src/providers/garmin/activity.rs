//! Activities: the paged list and one activity's detail with its laps.
//!
//! The list (`/activitylist-service/activities/search/activities`) is
//! offset-paged newest first; the cursor Pierre hands out is the next
//! `start`. The detail (`/activity-service/activity/{id}`) nests the
//! numbers in `summaryDTO` under partly different names, and the laps come
//! from a second request (`.../splits`, `lapDTOs`). Per-second `details`
//! are not fetched: they are thousands of points for a stream summary
//! Garmin's own summary already gives, and the largest response by far.

use serde_json::Value;
use time::OffsetDateTime;

use super::NAME;
use super::convert::{self, kcal_to_joules, opt_seconds, tidy};
use super::payload::{ActivityDetail, ActivityType, Id, LapDto, ListActivity, Metrics, Splits};
use crate::model::{Activity, ActivityPage, ActivitySummary, Lap, Timestamp};
use crate::providers::api::{ActivityQuery, ApiError, Clock, Fetch, Request, decode};

const LIST_PATH: &str = "/activitylist-service/activities/search/activities";

/// Garmin's web client asks for at most 100 a page; larger pages are refused or truncated.
pub const MAX_PAGE: usize = 100;

/// Prefix of the cursors this client issues (`g1:20` = next `start` 20).
const CURSOR_PREFIX: &str = "g1:";

/// If `startTimeGMT` and `beginTimestamp` disagree by more than this, the
/// GMT text is not UTC after all and the epoch value is trusted instead.
const CROSS_CHECK_S: i64 = 60;

pub fn encode_cursor(start: usize) -> String {
    format!("{CURSOR_PREFIX}{start}")
}

/// # Errors
/// [`ApiError::BadCursor`] for anything [`encode_cursor`] did not produce.
pub fn decode_cursor(cursor: &str) -> Result<usize, ApiError> {
    cursor
        .strip_prefix(CURSOR_PREFIX)
        .filter(|n| !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
        .filter(|start| *start > 0)
        .ok_or(ApiError::BadCursor { provider: NAME })
}

/// One page of the activity list.
pub async fn list<F: Fetch>(f: &F, query: &ActivityQuery, clock: &Clock) -> Result<ActivityPage, ApiError> {
    let start = query.cursor.as_deref().map(decode_cursor).transpose()?.unwrap_or(0);
    let limit = query.limit.clamp(1, MAX_PAGE);
    // `start` first: the fixture rule picks a page file by the first query parameter.
    let mut request = Request::new(LIST_PATH).query("start", start).query("limit", limit);
    if let Some(from) = query.from {
        request = request.query("startDate", from);
    }
    if let Some(to) = query.to {
        request = request.query("endDate", to);
    }
    let all = summaries_from(f.get(request).await?, clock)?;
    let fetched = all.len();
    let mut activities: Vec<ActivitySummary> =
        all.into_iter().filter(|a| query.sport.is_none_or(|kind| a.sport.kind() == Some(kind))).collect();
    activities.sort_by_key(|a| std::cmp::Reverse(a.start_time));
    // A short page is the last one; a full one may be followed by more.
    let next_cursor = (fetched >= limit).then(|| encode_cursor(start + fetched));
    Ok(ActivityPage { activities, next_cursor })
}

/// Every entry of a list response (an empty body is an empty page).
pub fn summaries_from(body: Value, clock: &Clock) -> Result<Vec<ActivitySummary>, ApiError> {
    let items: Vec<ListActivity> = match body {
        Value::Null => Vec::new(),
        body => decode(NAME, "activity list", body)?,
    };
    items.into_iter().map(|item| summary_from_list(item, clock)).collect()
}

/// The full record of one activity.
pub async fn detail<F: Fetch>(f: &F, id: &str, clock: &Clock) -> Result<Activity, ApiError> {
    let not_found = || ApiError::NotFound { provider: NAME, what: format!("activity with id {id}") };
    // Garmin ids are decimal; anything else could not be one and must not reach a path.
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_found());
    }
    let path = format!("/activity-service/activity/{id}");
    let body = match f.get(Request::new(path.clone())).await {
        Ok(Value::Null) => return Err(not_found()),
        Ok(body) => body,
        Err(ApiError::Status { status: 404, .. }) => return Err(not_found()),
        Err(e) => return Err(e),
    };
    let splits = match f.get(Request::new(format!("{path}/splits"))).await {
        Ok(body) => body,
        // An activity without laps (manual entries) may have no splits resource.
        Err(ApiError::Status { status: 404, .. }) => Value::Null,
        Err(e) => return Err(e),
    };
    activity_from(body, splits, id, clock)
}

/// The detail and splits bodies as one activity.
pub fn activity_from(body: Value, splits: Value, id: &str, clock: &Clock) -> Result<Activity, ApiError> {
    let detail: ActivityDetail = decode(NAME, "activity", body)?;
    let splits: Splits = match splits {
        Value::Null => Splits::default(),
        body => decode(NAME, "activity splits", body)?,
    };
    activity_from_detail(detail, splits, id, clock)
}

/// Maps one list entry.
fn summary_from_list(item: ListActivity, clock: &Clock) -> Result<ActivitySummary, ApiError> {
    let id = item.activity_id.ok_or_else(|| ApiError::malformed(NAME, "an activity in the list has no activityId"))?;
    let start_time = start_time(
        &id.0,
        item.start_time_local.as_deref(),
        item.start_time_gmt.as_deref(),
        item.begin_timestamp,
        clock,
    )?;
    let cadence = item.average_running_cadence_in_steps_per_minute.or(item.average_biking_cadence_in_rev_per_minute);
    summary(id, item.activity_name, item.activity_type, start_time, &item.metrics, item.avg_power, cadence)
}

/// Maps the detail response and its laps.
fn activity_from_detail(
    detail: ActivityDetail,
    splits: Splits,
    requested_id: &str,
    clock: &Clock,
) -> Result<Activity, ApiError> {
    let id = detail.activity_id.unwrap_or_else(|| Id(requested_id.to_owned()));
    let s = detail.summary.ok_or_else(|| ApiError::malformed(NAME, format!("activity {} has no summaryDTO", id.0)))?;
    let start = start_time(&id.0, s.start_time_local.as_deref(), s.start_time_gmt.as_deref(), None, clock)?;
    let cadence = s.average_run_cadence.or(s.average_bike_cadence);
    let summary = summary(id, detail.activity_name, detail.activity_type, start, &s.metrics, s.average_power, cadence)?;
    let laps = laps(splits.laps.unwrap_or_default(), start.get())?;
    Ok(Activity {
        summary,
        description: detail.description.filter(|d| !d.trim().is_empty()),
        laps,
        // Garmin's laps are whatever the watch was set to (often auto-laps
        // per km, but not always); per-km splits would need the raw
        // `details` stream, which this client deliberately does not fetch.
        splits: Vec::new(),
        best_efforts: Vec::new(),
        streams: Vec::new(),
    })
}

/// The start instant in the zone it was recorded in.
///
/// `gmt` (UTC without a zone) is the instant; `local` minus `gmt` is the
/// zone. When `gmt` is missing, or contradicts the epoch-millisecond
/// `begin` by more than a minute, `begin` is the instant. Without `local`
/// the user's own offset stands in.
fn start_time(
    id: &str,
    local: Option<&str>,
    gmt: Option<&str>,
    begin: Option<f64>,
    clock: &Clock,
) -> Result<Timestamp, ApiError> {
    let from_gmt = gmt.and_then(convert::parse_naive).map(|t| t.assume_utc());
    let from_begin = begin.and_then(convert::from_epoch_ms);
    let instant = match (from_gmt, from_begin) {
        (Some(g), Some(b)) if (g - b).whole_seconds().abs() > CROSS_CHECK_S => b,
        (Some(g), _) => g,
        (None, Some(b)) => b,
        (None, None) => {
            return Err(ApiError::malformed(NAME, format!("activity {id} has no readable start time")));
        }
    };
    let offset = match local.and_then(convert::parse_naive) {
        Some(l) => convert::offset_between(l, instant).ok_or_else(|| {
            ApiError::malformed(NAME, format!("activity {id}: startTimeLocal is more than 18 h from its UTC start"))
        })?,
        None => clock.offset,
    };
    convert::at_offset(instant, offset, &format!("the start of activity {id}"))
}

fn summary(
    id: Id,
    name: Option<String>,
    kind: Option<ActivityType>,
    start_time: Timestamp,
    m: &Metrics,
    average_power: Option<f64>,
    cadence: Option<f64>,
) -> Result<ActivitySummary, ApiError> {
    let (moving, elapsed) = durations(m, &id.0)?;
    let type_key = kind.and_then(|t| t.type_key).filter(|k| !k.is_empty());
    Ok(ActivitySummary {
        sport: convert::sport(type_key.as_deref().unwrap_or("uncategorized")),
        name: name.unwrap_or_default(),
        id: id.0,
        start_time,
        distance_m: tidy(m.distance, 1),
        moving_time_s: moving,
        elapsed_time_s: elapsed,
        elevation_gain_m: tidy(m.elevation_gain, 1),
        average_speed_mps: tidy(m.average_speed, 3),
        max_speed_mps: tidy(m.max_speed, 3),
        average_heartrate_bpm: tidy(m.average_hr, 1),
        max_heartrate_bpm: tidy(m.max_hr, 1),
        average_power_w: tidy(average_power, 1),
        max_power_w: tidy(m.max_power, 1),
        average_cadence_per_min: tidy(cadence, 1),
        energy_j: kcal_to_joules(m.calories),
        // Garmin's `activityTrainingLoad` is its own EPOC-based figure, on
        // another scale than Pierre's load (100 = an hour at threshold), so
        // it is not passed on; pierre-mcp scores every activity itself.
        training_load: None,
        training_load_method: None,
    })
}

/// Moving and elapsed seconds. Garmin's `duration` is the timer time; it
/// stands in for whichever of `movingDuration` / `elapsedDuration` is
/// missing (strength sessions have no moving time).
fn durations(m: &Metrics, id: &str) -> Result<(u32, u32), ApiError> {
    let moving = opt_seconds(m.moving_duration.or(m.duration).or(m.elapsed_duration), "movingDuration")?;
    let elapsed = opt_seconds(m.elapsed_duration.or(m.duration).or(m.moving_duration), "elapsedDuration")?;
    match (moving, elapsed) {
        (Some(moving), Some(elapsed)) => Ok((moving, elapsed)),
        _ => Err(ApiError::malformed(NAME, format!("activity {id} has no duration"))),
    }
}

/// Laps in order, each offset from the activity's start: by its own
/// `startTimeGMT` when it has one, else by the elapsed time of the laps before it.
fn laps(dtos: Vec<LapDto>, start: OffsetDateTime) -> Result<Vec<Lap>, ApiError> {
    let mut laps = Vec::with_capacity(dtos.len());
    let mut running_offset = 0u32;
    for (position, dto) in dtos.into_iter().enumerate() {
        let position = u32::try_from(position + 1).unwrap_or(u32::MAX);
        let what = format!("lap {position}");
        let (moving, elapsed) = durations(&dto.metrics, &what)?;
        let start_offset_s = match dto.start_time_gmt.as_deref().and_then(convert::parse_naive) {
            Some(t) => {
                let secs = (t.assume_utc() - start).whole_seconds().max(0);
                u32::try_from(secs).unwrap_or(u32::MAX)
            }
            None => running_offset,
        };
        running_offset = start_offset_s.saturating_add(elapsed);
        let index = dto
            .lap_index
            .filter(|i| i.is_finite() && *i >= 1.0 && *i <= f64::from(u32::MAX))
            .map_or(position, |i| i.round() as u32);
        laps.push(Lap {
            index,
            start_offset_s,
            distance_m: tidy(dto.metrics.distance, 1),
            moving_time_s: moving,
            elapsed_time_s: elapsed,
            average_speed_mps: tidy(dto.metrics.average_speed, 3),
            average_heartrate_bpm: tidy(dto.metrics.average_hr, 1),
            max_heartrate_bpm: tidy(dto.metrics.max_hr, 1),
            average_power_w: tidy(dto.average_power, 1),
            average_cadence_per_min: tidy(dto.average_run_cadence.or(dto.average_bike_cadence), 1),
            elevation_gain_m: tidy(dto.metrics.elevation_gain, 1),
        });
    }
    Ok(laps)
}
