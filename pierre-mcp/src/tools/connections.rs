//! get_connection_status: which providers this Pierre user has connected.

use pierre_shared::model::Timestamp;
use pierre_shared::protocol::{ConnectionInfo, ConnectionState};
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Format, input_schema, output_schema};
use crate::server::PierreServer;

/// Arguments of get_connection_status.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusArgs {
    pub format: Option<Format>,
}

/// One provider connection.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Connection {
    pub provider: String,
    pub state: ConnectionState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    pub connected_at: Timestamp,
}

/// Result of get_connection_status.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct StatusOutput {
    /// The Pierre user these connections belong to.
    pub user: String,
    pub connections: Vec<Connection>,
}

impl From<ConnectionInfo> for Connection {
    fn from(c: ConnectionInfo) -> Self {
        let connected_at = time::OffsetDateTime::from_unix_timestamp(c.connected_at)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        Connection {
            provider: c.provider,
            state: c.state,
            account_id: c.account_id,
            connected_at: Timestamp::new(connected_at),
        }
    }
}

super::tool_args!(StatusArgs);

#[tool_router(router = connection_tools, vis = "pub(crate)")]
impl PierreServer {
    #[tool(
        description = "Which fitness providers this Pierre user has connected, and whether each works.",
        input_schema = input_schema::<StatusArgs>(),
        output_schema = output_schema::<StatusOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    async fn get_connection_status(
        &self,
        args: JsonObject,
        ctx: RequestContext<RoleServer>,
    ) -> CallToolResult {
        self.run_tool(
            "get_connection_status",
            args,
            ctx,
            |_: StatusArgs, progress| async move {
                let me = self.sources().whoami().await?;
                let list = self.sources().connections().await?;
                progress.step("connections read").await;
                let output = StatusOutput {
                    user: me.user_name,
                    connections: list.connections.into_iter().map(Connection::from).collect(),
                };
                Ok(output)
            },
        )
        .await
    }
}
