//! get_stats: totals per calendar period, from the same activities
//! get_activities lists.

use pierre_shared::model::{Period, PeriodTotals, SportKind, SportType};
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Count, Format, ProviderName, in_range, input_schema, output_schema};
use crate::server::PierreServer;

/// Arguments of get_stats.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatsArgs {
    pub period: Period,
    /// How many recent periods; default 1 (the current one).
    #[schemars(range(min = 1, max = 52))]
    pub count: Option<Count>,
    /// Only this sport.
    pub sport: Option<SportKind>,
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// Result of get_stats: oldest period first, the current one last.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct StatsOutput {
    pub provider: ProviderName,
    pub period: Period,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sport: Option<SportType>,
    pub periods: Vec<PeriodTotals>,
}

super::tool_args!(StatsArgs);

#[tool_router(router = stats_tools, vis = "pub(crate)")]
impl PierreServer {
    #[tool(
        description = "How much per week, month or year: count, distance, time, climb, energy, load, overall and by sport.",
        input_schema = input_schema::<StatsArgs>(),
        output_schema = output_schema::<StatsOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_stats(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_stats", args, ctx, |a: StatsArgs, progress| async move {
            let count = in_range("count", a.count.as_ref(), 1, 1, 52)?;
            let source = self.open_source(a.provider, &progress).await?;
            let periods = source.stats(a.period, count, a.sport).await?;
            Ok(StatsOutput {
                provider: source.provider,
                period: a.period,
                sport: a.sport.map(SportType::from),
                periods,
            })
        })
        .await
    }
}
