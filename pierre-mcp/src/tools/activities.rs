//! get_activities (a page of summaries) and get_activity (one in full).

use pierre_shared::model::{Activity, ActivitySummary, LocalDate, SportKind};
use pierre_shared::providers::api::ActivityQuery;
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Count, Format, Listing, ProviderName, ToolError, in_range, input_schema, output_schema};
use crate::server::PierreServer;

/// Largest page get_activities returns.
const MAX_LIMIT: u32 = 100;

/// Arguments of get_activities.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivitiesArgs {
    /// First day (YYYY-MM-DD), inclusive.
    pub from: Option<LocalDate>,
    /// Last day (YYYY-MM-DD), inclusive.
    pub to: Option<LocalDate>,
    /// Only this sport.
    pub sport: Option<SportKind>,
    /// Default 20.
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<Count>,
    /// next_cursor of the previous page.
    pub cursor: Option<String>,
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// Result of get_activities: newest first.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ActivitiesOutput {
    pub provider: ProviderName,
    /// From the oldest activity's day to the newest's.
    #[serde(flatten)]
    pub listing: Listing,
    pub activities: Vec<ActivitySummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Arguments of get_activity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityArgs {
    /// An id from get_activities.
    #[serde(deserialize_with = "super::string_or_integer")]
    pub id: String,
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// Result of get_activity.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ActivityOutput {
    pub provider: ProviderName,
    pub activity: Activity,
}

super::tool_args!(ActivitiesArgs, ActivityArgs);

/// An activity as a list shows it: without the maxima (speed, heart rate,
/// power). A list is for finding and comparing activities, where averages
/// and load say what each was; get_activity has the maxima. Dropping them
/// saves ~15 % of every page in either output mode (issue 23).
fn list_row(mut a: ActivitySummary) -> ActivitySummary {
    a.max_speed_mps = None;
    a.max_heartrate_bpm = None;
    a.max_power_w = None;
    a
}

#[tool_router(router = activity_tools, vis = "pub(crate)")]
impl PierreServer {
    #[tool(
        description = "What the athlete did, newest first: distance, time, heart rate, power, load. Use to find activities by day or sport; page with cursor.",
        input_schema = input_schema::<ActivitiesArgs>(),
        output_schema = output_schema::<ActivitiesOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_activities(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_activities", args, ctx, |a: ActivitiesArgs, progress| async move {
            let limit = in_range("limit", a.limit.as_ref(), 20, 1, MAX_LIMIT)?;
            if let (Some(from), Some(to)) = (a.from, a.to)
                && from > to
            {
                return Err(ToolError::ReversedRange { from, to });
            }
            let source = self.open_source(a.provider, &progress).await?;
            let query =
                ActivityQuery { from: a.from, to: a.to, sport: a.sport, limit: limit as usize, cursor: a.cursor };
            let page = source.activities(&query).await?;
            let activities: Vec<ActivitySummary> = page.activities.into_iter().map(list_row).collect();
            let days = activities.iter().map(|a| LocalDate::new(a.start_time.get().date()));
            Ok(ActivitiesOutput {
                provider: source.provider,
                listing: Listing::page(days, page.next_cursor.is_some()),
                activities,
                next_cursor: page.next_cursor,
            })
        })
        .await
    }

    #[tool(
        description = "One activity in depth: laps, km splits, best efforts, zones, streams. Use after get_activities on one session.",
        input_schema = input_schema::<ActivityArgs>(),
        output_schema = output_schema::<ActivityOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_activity(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_activity", args, ctx, |a: ActivityArgs, progress| async move {
            let source = self.open_source(a.provider, &progress).await?;
            let activity = source.activity(&a.id).await?;
            Ok(ActivityOutput { provider: source.provider, activity })
        })
        .await
    }
}
