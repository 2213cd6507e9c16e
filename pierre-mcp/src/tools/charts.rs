//! The chart tools: chart_training_load, chart_weekly_volume and
//! chart_sleep_recovery. Each fetches the data, hands it to the pure
//! `prepare` and `render` of `crate::charts`, and answers with an MCP image
//! (PNG) plus a short text summary.
//!
//! No `structuredContent` and no `outputSchema`: the image is the result,
//! and a client that prefers structured content over the content blocks
//! would otherwise never show it (Claude Code drops image blocks when
//! `structuredContent` is present: anthropics/claude-code#54737). The numbers behind a chart are one call
//! away in get_training_load, get_weekly_summary, get_sleep and
//! get_recovery.

use base64::Engine as _;
use pierre_shared::model::{LocalDate, Period};
use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{Count, ProviderName, ToolError, day_range, in_range, input_schema};
use crate::charts::{self, ChartError, load, volume, wellness};
use crate::server::PierreServer;

/// Longest range of the training-load chart (days).
const LOAD_MAX_DAYS: i64 = 366;
/// Longest range of the sleep chart, as get_sleep.
const SLEEP_MAX_DAYS: i64 = super::sleep::MAX_DAYS;

/// Arguments of chart_training_load.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadChartArgs {
    /// First day (YYYY-MM-DD); default 89 days before `to`.
    pub from: Option<LocalDate>,
    /// Last day; default today.
    pub to: Option<LocalDate>,
    pub provider: Option<ProviderName>,
    /// Accepted like every tool's, and ignored: the text is a fixed summary.
    #[schemars(skip)]
    #[serde(default, rename = "format")]
    pub _format: Option<IgnoredAny>,
}

/// Arguments of chart_weekly_volume.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeChartArgs {
    /// Weeks back, this one included; default 12.
    #[schemars(range(min = 1, max = 52))]
    pub weeks: Option<Count>,
    pub provider: Option<ProviderName>,
    #[schemars(skip)]
    #[serde(default, rename = "format")]
    pub _format: Option<IgnoredAny>,
}

/// Arguments of chart_sleep_recovery.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WellnessChartArgs {
    /// First day (YYYY-MM-DD); default 27 days before `to`.
    pub from: Option<LocalDate>,
    /// Last day; default today. At most 92 days.
    pub to: Option<LocalDate>,
    pub provider: Option<ProviderName>,
    #[schemars(skip)]
    #[serde(default, rename = "format")]
    pub _format: Option<IgnoredAny>,
}

/// A drawn chart and the lines that go with it.
pub struct Drawn {
    pub png: Vec<u8>,
    pub summary: String,
}

/// Runs `job` (prepare and render: milliseconds of CPU in release builds,
/// more in debug) off the async workers.
async fn draw<F>(job: F) -> Result<Drawn, ToolError>
where
    F: FnOnce() -> Result<Drawn, ChartError> + Send + 'static,
{
    match tokio::task::spawn_blocking(job).await {
        Ok(Ok(drawn)) => Ok(drawn),
        Ok(Err(error)) => {
            tracing::error!(error = %crate::logging::chain(&error), "drawing a chart failed");
            Err(ToolError::Internal)
        }
        Err(error) => {
            tracing::error!(%error, "the chart task failed");
            Err(ToolError::Internal)
        }
    }
}

/// The tool result: the image, then the summary with the image's size.
fn chart_result(drawn: Drawn) -> CallToolResult {
    let data = base64::engine::general_purpose::STANDARD.encode(&drawn.png);
    let text =
        format!("{}\nImage: {}×{} PNG, {} bytes.", drawn.summary, charts::WIDTH, charts::HEIGHT, drawn.png.len());
    CallToolResult::success(vec![ContentBlock::image(data, "image/png"), ContentBlock::text(text)])
}

/// Chart arguments take `format` like every tool's, and ignore it.
macro_rules! chart_args {
    ($($t:ty),+) => {$(
        impl super::ToolArgs for $t {
            fn format(&self) -> Option<super::Format> {
                None
            }
        }
    )+};
}
chart_args!(LoadChartArgs, VolumeChartArgs, WellnessChartArgs);

impl PierreServer {
    /// Runs a chart tool as every tool runs, answering with the image.
    async fn run_chart<A, F, Fut>(
        &self,
        tool: &'static str,
        args: JsonObject,
        ctx: RequestContext<RoleServer>,
        work: F,
    ) -> CallToolResult
    where
        A: super::ToolArgs,
        F: FnOnce(A, super::Progress) -> Fut,
        Fut: std::future::Future<Output = Result<Drawn, ToolError>>,
    {
        self.run_tool_as(tool, args, ctx, work, |drawn, _format| chart_result(drawn)).await
    }
}

#[tool_router(router = chart_tools, vis = "pub(crate)")]
impl PierreServer {
    #[tool(
        description = "A picture (PNG) of fitness, fatigue, form and daily load, when the user wants to see it. Default: 90 days.",
        input_schema = input_schema::<LoadChartArgs>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn chart_training_load(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_chart("chart_training_load", args, ctx, |a: LoadChartArgs, progress| async move {
            let source = self.open_source(a.provider, &progress).await?;
            let today = source.today();
            let (from, to) = day_range(a.from, a.to, today, 90, LOAD_MAX_DAYS)?;
            let athlete = source.athlete().await?;
            let history = source.history().await?;
            let series = load::prepare(&athlete, &history.activities, today, from, to);
            if series.is_empty() {
                return Err(ToolError::NothingToChart { what: "activities", provider: source.provider, from, to });
            }
            let truncated = history.truncated;
            draw(move || {
                let mut summary = series.summary();
                if truncated {
                    summary.push_str("\nThe provider had more activities than were read, so fitness may read low.");
                }
                Ok(Drawn { png: load::render(&series)?, summary })
            })
            .await
        })
        .await
    }

    #[tool(
        description = "A picture (PNG) of weekly training hours by sport, when the user wants to see volume. Default: 12 weeks.",
        input_schema = input_schema::<VolumeChartArgs>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn chart_weekly_volume(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_chart("chart_weekly_volume", args, ctx, |a: VolumeChartArgs, progress| async move {
            let count = in_range("weeks", a.weeks.as_ref(), 12, 1, 52)?;
            let source = self.open_source(a.provider, &progress).await?;
            let today = source.today();
            let weeks = Period::Week.recent(today, count);
            let (from, to) = match (weeks.first(), weeks.last()) {
                (Some(first), Some(last)) => (first.0, last.1.min(today)),
                _ => return Err(ToolError::Internal),
            };
            let summaries = source.summaries(from, to).await?;
            let series = volume::prepare(&summaries.activities, &weeks);
            if series.is_empty() {
                return Err(ToolError::NothingToChart { what: "activities", provider: source.provider, from, to });
            }
            draw(move || Ok(Drawn { png: volume::render(&series)?, summary: series.summary() })).await
        })
        .await
    }

    #[tool(
        description = "A picture (PNG) of nightly sleep stages, recovery score and HRV, when the user wants to see them. Default: 28 days.",
        input_schema = input_schema::<WellnessChartArgs>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn chart_sleep_recovery(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_chart("chart_sleep_recovery", args, ctx, |a: WellnessChartArgs, progress| async move {
            let source = self.open_source(a.provider, &progress).await?;
            let (from, to) = day_range(a.from, a.to, source.today(), 28, SLEEP_MAX_DAYS)?;
            let sleep = source.sleep(from, to).await?;
            let recovery = source.recovery(from, to).await?;
            let series = wellness::prepare(&sleep, &recovery, from, to);
            if series.is_empty() {
                return Err(ToolError::NothingToChart {
                    what: "sleep or recovery records",
                    provider: source.provider,
                    from,
                    to,
                });
            }
            draw(move || Ok(Drawn { png: wellness::render(&series)?, summary: series.summary() })).await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::parse_args;

    fn args(value: serde_json::Value) -> JsonObject {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn format_is_accepted_and_other_unknowns_are_not() {
        assert!(
            parse_args::<LoadChartArgs>("chart_training_load", args(serde_json::json!({"format": "toon"}))).is_ok()
        );
        let err =
            parse_args::<VolumeChartArgs>("chart_weekly_volume", args(serde_json::json!({"week": 3}))).unwrap_err();
        assert!(err.sentence().contains("unknown field `week`"), "{}", err.sentence());
        let schema = serde_json::Value::Object(input_schema::<LoadChartArgs>().as_ref().clone());
        assert!(schema["properties"].get("format").is_none(), "{schema}");
    }

    #[test]
    fn an_empty_range_is_one_actionable_sentence() {
        let error = ToolError::NothingToChart {
            what: "sleep or recovery records",
            provider: ProviderName::Strava,
            from: LocalDate::parse("2025-11-01").unwrap(),
            to: LocalDate::parse("2025-11-28").unwrap(),
        };
        assert_eq!(
            error.sentence(),
            "The strava data has no sleep or recovery records from 2025-11-01 to 2025-11-28, so there is nothing to chart; try a longer or more recent range."
        );
    }

    #[test]
    fn the_result_is_an_image_then_a_summary() {
        let result = chart_result(Drawn { png: b"\x89PNG".to_vec(), summary: "Sleep.".to_owned() });
        assert_eq!(result.is_error, Some(false));
        assert!(result.structured_content.is_none());
        let image = result.content[0].as_image().unwrap();
        assert_eq!(image.mime_type, "image/png");
        assert_eq!(image.data, "iVBORw==");
        let text = &result.content[1].as_text().unwrap().text;
        assert_eq!(text, "Sleep.\nImage: 1000×560 PNG, 4 bytes.");
    }
}
