//! The analysis tools: get_training_load, get_weekly_summary,
//! compare_periods, get_personal_records and get_trends. The sports science lives in `pierre_shared::analysis`;
//! here are the arguments, defaults and the notes on what is missing.

use pierre_shared::analysis::compare::{Change, compare};
use pierre_shared::analysis::fitness::DayForm;
use pierre_shared::analysis::load::ActivityLoad;
use pierre_shared::analysis::records::{Record, personal_records};
use pierre_shared::analysis::summary::{RangeSummary, summarise};
use pierre_shared::analysis::trends::{Trend, WeekPoint, trends, weekly_points};
use pierre_shared::model::{ActivitySummary, LocalDate, Period, SportKind, SportType};
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::scoring::{Scored, form_reading, records_missing, week_ramp};
use super::sufficiency;
use super::{Count, Format, ProviderName, ToolError, day_range, in_range, input_schema, output_schema};
use crate::server::PierreServer;
use crate::sources::Source;

/// Longest range one call analyses.
const MAX_DAYS: i64 = 366;

/// Arguments of get_training_load.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingLoadArgs {
    /// First day (YYYY-MM-DD); default: the 28 days up to `to`.
    pub from: Option<LocalDate>,
    /// Last day; default today.
    pub to: Option<LocalDate>,
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// Result of get_training_load.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct TrainingLoadOutput {
    pub provider: ProviderName,
    // Whether the data suffices, as one sentence (no doc: the values say it).
    pub sufficiency: String,
    /// The last day's fitness, fatigue and form.
    pub latest: DayForm,
    /// What `latest` means, in a sentence.
    pub reading: String,
    /// Oldest first.
    pub days: Vec<DayForm>,
    pub activities: Vec<ActivityLoad>,
    /// The thresholds the loads rest on, each with where it came from.
    pub thresholds: Vec<String>,
    /// Defaults standing in for thresholds the profile lacks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
    /// Missing data and what it means for the numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// Arguments of get_weekly_summary.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklySummaryArgs {
    /// Weeks back, this one included; default 4.
    #[schemars(range(min = 1, max = 52))]
    pub weeks: Option<Count>,
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// One Monday-to-Sunday week.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WeekSummary {
    #[serde(flatten)]
    pub totals: RangeSummary,
    /// At the week's last day (today for this week).
    pub fitness: f64,
    pub fatigue: f64,
    pub form: f64,
    /// Fitness gained over the week.
    pub ramp: f64,
}

/// Result of get_weekly_summary: oldest week first.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WeeklySummaryOutput {
    pub provider: ProviderName,
    // Whether the data suffices, as one sentence (no doc: the values say it).
    pub sufficiency: String,
    pub weeks: Vec<WeekSummary>,
    pub thresholds: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// Arguments of compare_periods.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareArgs {
    /// First day of the period (YYYY-MM-DD).
    pub from: LocalDate,
    /// Last day of the period.
    pub to: LocalDate,
    /// Default: as many days just before `from`.
    pub baseline_from: Option<LocalDate>,
    pub baseline_to: Option<LocalDate>,
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// Result of compare_periods.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct CompareOutput {
    pub provider: ProviderName,
    // Whether the data suffices, as one sentence (no doc: the values say it).
    pub sufficiency: String,
    pub period: RangeSummary,
    pub baseline: RangeSummary,
    /// Period − baseline; `all` first, then per sport.
    pub change: Vec<Change>,
    pub thresholds: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// Arguments of get_personal_records.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsArgs {
    /// Only this sport.
    pub sport: Option<SportKind>,
    /// First day (YYYY-MM-DD); default: the year up to `to`.
    pub from: Option<LocalDate>,
    /// Last day; default today.
    pub to: Option<LocalDate>,
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// Result of get_personal_records.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct RecordsOutput {
    pub provider: ProviderName,
    // Whether the data suffices, as one sentence (no doc: the values say it).
    pub sufficiency: String,
    /// Fastest per distance, then the longest per sport.
    pub records: Vec<Record>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// Arguments of get_trends.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrendsArgs {
    /// Default run.
    pub sport: Option<SportKind>,
    /// Complete weeks back; default 12.
    #[schemars(range(min = 3, max = 52))]
    pub weeks: Option<Count>,
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// Result of get_trends.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct TrendsOutput {
    pub provider: ProviderName,
    // Whether the data suffices, as one sentence (no doc: the values say it).
    pub sufficiency: String,
    pub sport: SportType,
    /// Oldest first.
    pub weeks: Vec<WeekPoint>,
    pub trends: Vec<Trend>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

super::tool_args!(TrainingLoadArgs, WeeklySummaryArgs, CompareArgs, RecordsArgs, TrendsArgs);

#[tool_router(router = analysis_tools, vis = "pub(crate)")]
impl PierreServer {
    #[tool(
        description = "How fit, tired and fresh the athlete is day by day: load (100 = 1 h at threshold), fitness, fatigue, form. For readiness and taper.",
        input_schema = input_schema::<TrainingLoadArgs>(),
        output_schema = output_schema::<TrainingLoadOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_training_load(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_training_load", args, ctx, |a: TrainingLoadArgs, progress| async move {
            let source = self.open_source(a.provider, &progress).await?;
            let (from, to) = day_range(a.from, a.to, source.today(), 28, MAX_DAYS)?;
            let (scored, _) = Scored::read(&source).await?;
            let series = scored.form(to);
            let last = series.len() - 1;
            let ramp = week_ramp(&series, last);
            let days: Vec<DayForm> = series.into_iter().filter(|d| d.date >= from).collect();
            let latest = days.last().cloned().ok_or(ToolError::Internal)?;
            let mut activities: Vec<ActivityLoad> =
                scored.loads.iter().filter(|l| l.date >= from && l.date <= to).cloned().collect();
            activities.reverse();
            Ok(TrainingLoadOutput {
                provider: source.provider,
                sufficiency: sufficiency::load(scored.first, to),
                reading: form_reading(&latest, ramp),
                latest,
                days,
                activities,
                missing: scored.missing(from, to, true),
                thresholds: scored.thresholds.clone(),
                assumed: scored.basis.assumed,
            })
        })
        .await
    }

    #[tool(
        description = "What each Monday–Sunday week held: count, distance, time, climb, load by sport, and form at week end. Use for weekly reviews.",
        input_schema = input_schema::<WeeklySummaryArgs>(),
        output_schema = output_schema::<WeeklySummaryOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_weekly_summary(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_weekly_summary", args, ctx, |a: WeeklySummaryArgs, progress| async move {
            let count = in_range("weeks", a.weeks.as_ref(), 4, 1, 52)?;
            let source = self.open_source(a.provider, &progress).await?;
            weekly_summary(&source, count).await
        })
        .await
    }

    #[tool(
        description = "How one date range compares with another (default: the same length just before): volume, time, climb, load by sport.",
        input_schema = input_schema::<CompareArgs>(),
        output_schema = output_schema::<CompareOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn compare_periods(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("compare_periods", args, ctx, |a: CompareArgs, progress| async move {
            let (from, to) = day_range(Some(a.from), Some(a.to), a.to, 1, MAX_DAYS)?;
            let days = from.days_until(to) + 1;
            let (base_from, base_to) = match (a.baseline_from, a.baseline_to) {
                (Some(f), Some(t)) => (f, t),
                (Some(f), None) => (f, f.add_days(days - 1)),
                (None, Some(t)) => (t.add_days(1 - days), t),
                (None, None) => (from.add_days(-days), from.add_days(-1)),
            };
            let (base_from, base_to) = day_range(Some(base_from), Some(base_to), base_to, 1, MAX_DAYS)?;
            let source = self.open_source(a.provider, &progress).await?;
            let (scored, history) = Scored::read(&source).await?;
            let summaries = &history.activities;
            let items = || summaries.iter().zip(&scored.loads).map(|(s, l)| (s, l.load));
            let period = summarise(items(), from, to);
            let baseline = summarise(items(), base_from, base_to);
            let mut missing = scored.missing(base_from.min(from), base_to.max(to), false);
            let history_start = scored.first;
            if base_from < history_start || from < history_start {
                missing.push(format!("The history starts {history_start}; earlier days have no data."));
            }
            Ok(CompareOutput {
                provider: source.provider,
                sufficiency: sufficiency::compare(period.activities, baseline.activities),
                change: compare(&period, &baseline),
                period,
                baseline,
                missing,
                thresholds: scored.thresholds.clone(),
                assumed: scored.basis.assumed,
            })
        })
        .await
    }

    #[tool(
        description = "The athlete's fastest 1k to marathon (approximate ones marked) and longest activity per sport. Use for PR and race-time questions.",
        input_schema = input_schema::<RecordsArgs>(),
        output_schema = output_schema::<RecordsOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_personal_records(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool(
            "get_personal_records",
            args,
            ctx,
            |a: RecordsArgs, progress| async move {
                let source = self.open_source(a.provider, &progress).await?;
                let (from, to) = day_range(a.from, a.to, source.today(), MAX_DAYS, MAX_DAYS)?;
                let sport = a.sport;
                // Best efforts and splits come with each activity's detail.
                let chosen: Vec<ActivitySummary> = source
                    .summaries(from, to)
                    .await?
                    .activities
                    .into_iter()
                    .filter(|s| sport.is_none_or(|k| s.sport.kind() == Some(k)))
                    .collect();
                let activities = source.details(&chosen).await?;
                let records = personal_records(&activities);
                let mut missing = records_missing(&records, &activities);
                if source.details_capped(chosen.len()) {
                    missing.push(format!(
                        "Only the newest {} of {} activities were read in detail (each is a request against the provider's rate limit); narrow the range for older records.",
                        activities.len(),
                        chosen.len()
                    ));
                }
                Ok(RecordsOutput {
                    provider: source.provider,
                    sufficiency: sufficiency::records(activities.len(), from, to),
                    missing,
                    records,
                })
            },
        )
        .await
    }

    #[tool(
        description = "Whether one sport is improving over recent weeks (volume, pace, heart rate), said in plain words. Use for progress questions.",
        input_schema = input_schema::<TrendsArgs>(),
        output_schema = output_schema::<TrendsOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_trends(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_trends", args, ctx, |a: TrendsArgs, progress| async move {
            let count = in_range("weeks", a.weeks.as_ref(), 12, 3, 52)?;
            let sport = a.sport.unwrap_or(SportKind::Run);
            let source = self.open_source(a.provider, &progress).await?;
            let today = source.today();
            // Complete weeks only: a half-done week would read as a drop.
            let (start, end) = Period::Week.bounds(today);
            let last_day = if end > today { start.add_days(-1) } else { end };
            let starts: Vec<LocalDate> = Period::Week.recent(last_day, count).into_iter().map(|w| w.0).collect();
            let max_hr = source.athlete().await?.thresholds.max_heartrate_bpm;
            let history = source.summaries(starts.first().copied().unwrap_or(today), today).await?;
            let weeks = weekly_points(&history.activities, sport, &starts, max_hr);
            let fitted = trends(&weeks, sport);
            let mut missing = Vec::new();
            if max_hr.is_none() {
                missing.push("No max heart rate in the profile, so easy sessions cannot be told apart.".to_owned());
            }
            missing.extend(fitted.notes);
            let active = weeks.iter().filter(|w| w.activities > 0).count();
            Ok(TrendsOutput {
                provider: source.provider,
                sufficiency: sufficiency::trend(sport.as_str(), active, weeks.len()),
                sport: sport.into(),
                weeks,
                trends: fitted.trends,
                missing,
            })
        })
        .await
    }
}

/// The last `count` Monday–Sunday weeks of `source` (this one included),
/// oldest first: get_weekly_summary's answer and the `pierre://week/current`
/// resource's.
pub(crate) async fn weekly_summary(source: &Source, count: u32) -> Result<WeeklySummaryOutput, ToolError> {
    let today = source.today();
    let (scored, history) = Scored::read(source).await?;
    let series = scored.form(today);
    let summaries = &history.activities;
    let items = || summaries.iter().zip(&scored.loads).map(|(s, l)| (s, l.load));
    let weeks = Period::Week.recent(today, count);
    let oldest = weeks.first().map_or(today, |w| w.0);
    let weeks = weeks
        .into_iter()
        .map(|(start, end)| {
            let end_day = end.min(today);
            let i = series.iter().position(|d| d.date == end_day);
            let at = i.map(|i| (&series[i], week_ramp(&series, i)));
            WeekSummary {
                totals: summarise(items(), start, end),
                fitness: at.map_or(0.0, |(d, _)| d.fitness),
                fatigue: at.map_or(0.0, |(d, _)| d.fatigue),
                form: at.map_or(0.0, |(d, _)| d.form),
                ramp: at.map_or(0.0, |(_, r)| r),
            }
        })
        .collect();
    Ok(WeeklySummaryOutput {
        provider: source.provider,
        sufficiency: sufficiency::load(scored.first, oldest),
        weeks,
        missing: scored.missing(oldest, today, true),
        thresholds: scored.thresholds.clone(),
        assumed: scored.basis.assumed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_schemas_are_objects() {
        for schema in [
            output_schema::<TrainingLoadOutput>(),
            output_schema::<WeeklySummaryOutput>(),
            output_schema::<CompareOutput>(),
            output_schema::<RecordsOutput>(),
            output_schema::<TrendsOutput>(),
        ] {
            assert_eq!(schema.get("type"), Some(&serde_json::json!("object")));
        }
    }
}
