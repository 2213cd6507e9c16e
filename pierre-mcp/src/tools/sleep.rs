//! get_sleep: nightly sleep records.

use pierre_shared::model::{LocalDate, SleepSession};
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Format, Listing, ProviderName, day_range, input_schema, output_schema};
use crate::server::PierreServer;

/// Longest range one call may ask for.
pub const MAX_DAYS: i64 = 92;

/// Arguments of get_sleep and get_recovery.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DaysArgs {
    /// First day (YYYY-MM-DD); default 6 days before `to`.
    pub from: Option<LocalDate>,
    /// Last day (YYYY-MM-DD); default today. At most 92 days in all.
    pub to: Option<LocalDate>,
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// Result of get_sleep: newest night first.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SleepOutput {
    pub provider: ProviderName,
    /// The mornings asked for.
    #[serde(flatten)]
    pub listing: Listing,
    pub nights: Vec<SleepSession>,
}

super::tool_args!(DaysArgs);

#[tool_router(router = sleep_tools, vis = "pub(crate)")]
impl PierreServer {
    #[tool(
        description = "How the athlete slept each night (dated by the morning): duration, stages, efficiency, score, heart rate, HRV. Default: last 7 nights.",
        input_schema = input_schema::<DaysArgs>(),
        output_schema = output_schema::<SleepOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_sleep(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_sleep", args, ctx, |a: DaysArgs, progress| async move {
            let source = self.open_source(a.provider, &progress).await?;
            let (from, to) = day_range(a.from, a.to, source.today(), 7, MAX_DAYS)?;
            let nights = source.sleep(from, to).await?;
            Ok(SleepOutput { provider: source.provider, listing: Listing::range(nights.len(), from, to), nights })
        })
        .await
    }
}
