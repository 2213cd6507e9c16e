//! get_recovery: one morning reading per day.

use pierre_shared::model::Recovery;
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::sleep::{DaysArgs, MAX_DAYS};
use super::{Listing, ProviderName, day_range, input_schema, output_schema};
use crate::server::PierreServer;

/// Result of get_recovery: newest day first.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct RecoveryOutput {
    pub provider: ProviderName,
    /// The days asked for.
    #[serde(flatten)]
    pub listing: Listing,
    pub days: Vec<Recovery>,
}

#[tool_router(router = recovery_tools, vis = "pub(crate)")]
impl PierreServer {
    #[tool(
        description = "How recovered the athlete is each day: score, HRV, resting heart rate, sleep score, 7- and 42-day load. Default: 7 days.",
        input_schema = input_schema::<DaysArgs>(),
        output_schema = output_schema::<RecoveryOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_recovery(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_recovery", args, ctx, |a: DaysArgs, progress| async move {
            let source = self.open_source(a.provider, &progress).await?;
            let (from, to) = day_range(a.from, a.to, source.today(), 7, MAX_DAYS)?;
            let days = source.recovery(from, to).await?;
            Ok(RecoveryOutput { provider: source.provider, listing: Listing::range(days.len(), from, to), days })
        })
        .await
    }
}
