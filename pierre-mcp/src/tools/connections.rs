//! get_connection_status: which providers this Pierre user has connected;
//! connect_provider: start (and optionally wait for) a provider sign-in;
//! disconnect_provider: revoke at the provider and delete the tokens.

use pierre_shared::model::Timestamp;
use pierre_shared::protocol::{
    ConnectionInfo, ConnectionState, ConnectionsBegin, ConnectionsBeginParams, ConnectionsDisconnect,
    ConnectionsDisconnectParams, RevokeOutcome,
};
use rmcp::model::{CallToolResult, JsonObject};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::sign_in::{self, SignIn};
use super::{Count, Format, ProviderName, in_range, input_schema, output_schema};
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
        let connected_at =
            time::OffsetDateTime::from_unix_timestamp(c.connected_at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
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
        description = "Which fitness providers are connected and whether each works. Use when data is missing.",
        input_schema = input_schema::<StatusArgs>(),
        output_schema = output_schema::<StatusOutput>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    async fn get_connection_status(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("get_connection_status", args, ctx, |_: StatusArgs, progress| async move {
            let me = self.sources().whoami().await?;
            let list = self.sources().connections().await?;
            progress.step("connections read").await;
            let output = StatusOutput {
                user: me.user_name,
                connections: list.connections.into_iter().map(Connection::from).collect(),
            };
            Ok(output)
        })
        .await
    }
}

/// Longest wait connect_provider accepts, in seconds.
const MAX_WAIT_SECS: u32 = 600;

/// Arguments of connect_provider.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectArgs {
    pub provider: ProviderName,
    /// Wait until the user has signed in.
    pub wait: Option<bool>,
    /// Seconds to wait (default 120).
    #[schemars(range(min = 1, max = 600))]
    pub timeout_secs: Option<Count>,
    pub format: Option<Format>,
}

/// Where a connect stands: `pending` until the user signs in at `authorization_url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(description = "")]
pub enum ConnectStatus {
    Pending,
    Connected,
    AlreadyConnected,
    /// The user declined or dismissed the sign-in the client showed.
    Declined,
}

/// Result of connect_provider.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ConnectOutput {
    pub provider: String,
    pub status: ConnectStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// What to tell the user.
    pub next_step: String,
}

super::tool_args!(ConnectArgs);

impl ConnectOutput {
    pub(super) fn connected(provider: &str, status: ConnectStatus, account_id: Option<String>) -> Self {
        ConnectOutput {
            provider: provider.into(),
            status,
            authorization_url: None,
            expires_at: None,
            account_id,
            next_step: format!("{provider} is connected; its data tools work now."),
        }
    }

    pub(super) fn pending(provider: &str, url: String, expires_at: Option<i64>, next_step: String) -> Self {
        Self::with_link(provider, ConnectStatus::Pending, url, expires_at, next_step)
    }

    pub(super) fn with_link(
        provider: &str,
        status: ConnectStatus,
        url: String,
        expires_at: Option<i64>,
        next_step: String,
    ) -> Self {
        ConnectOutput {
            provider: provider.into(),
            status,
            authorization_url: Some(url),
            expires_at: expires_at.map(timestamp),
            account_id: None,
            next_step,
        }
    }
}

fn timestamp(secs: i64) -> Timestamp {
    Timestamp::new(time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH))
}

/// Arguments of disconnect_provider.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisconnectArgs {
    pub provider: ProviderName,
    pub format: Option<Format>,
}

/// Result of disconnect_provider.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DisconnectOutput {
    pub provider: String,
    /// False when the provider was not connected (nothing changed).
    pub disconnected: bool,
    pub revoke: RevokeOutcome,
    /// What to tell the user.
    pub next_step: String,
}

super::tool_args!(DisconnectArgs);

#[tool_router(router = connect_tools, vis = "pub(crate)")]
impl PierreServer {
    #[tool(
        description = "Disconnect a fitness provider (its access revoked, its tokens deleted). Only when the user asks.",
        input_schema = input_schema::<DisconnectArgs>(),
        output_schema = output_schema::<DisconnectOutput>(),
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = true)
    )]
    async fn disconnect_provider(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        self.run_tool("disconnect_provider", args, ctx, |args: DisconnectArgs, progress| async move {
            let provider = args.provider.as_str();
            let params = ConnectionsDisconnectParams { provider: provider.to_string() };
            let done = self.sources().call::<ConnectionsDisconnect>(params).await?;
            if let Some(id) = &done.connection_id {
                self.sources().forget(id);
            }
            progress.step("disconnected").await;
            let next_step = match (done.disconnected, done.revoke) {
                (false, _) => format!("{provider} was not connected; nothing changed."),
                (true, RevokeOutcome::Failed) => format!(
                    "{provider} is disconnected here. {}",
                    done.revoke_message.as_deref().map_or_else(
                        || "The provider did not confirm the revoke.".to_owned(),
                        super::error::without_destructive_advice,
                    )
                ),
                (true, _) => {
                    format!("{provider} is disconnected; connect_provider connects it again.")
                }
            };
            Ok(DisconnectOutput {
                provider: provider.into(),
                disconnected: done.disconnected,
                revoke: done.revoke,
                next_step,
            })
        })
        .await
    }

    #[tool(
        description = "Connect a fitness provider: a sign-in link for the user; wait=true waits until they sign in.",
        input_schema = input_schema::<ConnectArgs>(),
        output_schema = output_schema::<ConnectOutput>(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn connect_provider(&self, args: JsonObject, ctx: RequestContext<RoleServer>) -> CallToolResult {
        let peer = ctx.peer.clone();
        self.run_tool("connect_provider", args, ctx, |args: ConnectArgs, progress| async move {
            let provider = args.provider.as_str();
            let timeout = in_range("timeout_secs", args.timeout_secs.as_ref(), 120, 1, MAX_WAIT_SECS)?;
            let params = ConnectionsBeginParams { provider: provider.to_string() };
            let begun = self.sources().call::<ConnectionsBegin>(params).await?;
            let Some(url) = begun.authorization_url else {
                let status =
                    if begun.already_connected { ConnectStatus::AlreadyConnected } else { ConnectStatus::Connected };
                return Ok(ConnectOutput::connected(provider, status, begun.connection.and_then(|c| c.account_id)));
            };
            let link = SignIn { provider, url, expires_at: begun.state_expires_at, timeout_secs: timeout };
            // A client that can show a URL itself (URL-mode elicitation)
            // asks the user there; the call then waits for the sign-in.
            match sign_in::elicit(&peer, &link).await {
                Some(sign_in::Answer::Opened) => return self.wait_for_sign_in(link, &progress).await,
                Some(sign_in::Answer::Refused) => return Ok(link.declined()),
                None => {}
            }
            if args.wait != Some(true) {
                return Ok(link.pending());
            }
            self.wait_for_sign_in(link, &progress).await
        })
        .await
    }
}
