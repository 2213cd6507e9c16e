//! get_athlete: the profile and training thresholds.

use pierre_shared::model::Athlete;
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Format, ProviderName, input_schema, output_schema};
use crate::server::PierreServer;

/// Arguments of get_athlete.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AthleteArgs {
    pub provider: Option<ProviderName>,
    pub format: Option<Format>,
}

/// Result of get_athlete.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct AthleteOutput {
    pub provider: ProviderName,
    pub athlete: Athlete,
}

super::tool_args!(AthleteArgs);

#[tool_router(router = athlete_tools, vis = "pub(crate)")]
impl PierreServer {
    #[tool(
        description = "Who the athlete is and their thresholds (max and resting heart rate, FTP, threshold pace), to judge efforts.",
        input_schema = input_schema::<AthleteArgs>(),
        output_schema = output_schema::<AthleteOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn get_athlete(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_athlete", args, ctx, |a: AthleteArgs, progress| async move {
            let source = self.open_source(a.provider, &progress).await?;
            let output = AthleteOutput { provider: source.provider, athlete: source.athlete().await? };
            Ok(output)
        })
        .await
    }
}
