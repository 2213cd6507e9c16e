//! The MCP server: identity, capabilities, and the tool routers of
//! `tools/*.rs` combined into one.

use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CacheScope, GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse,
    ResultType, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool_handler};

use crate::config::Config;
use crate::daemon::DaemonLink;
use crate::output::{self, Mode, OutputChoice};
use crate::sources::{Source, Sources};
use crate::tools::{Progress, ProviderName, ToolError};

/// Told to every client at initialisation: how to read what the tools return.
const INSTRUCTIONS: &str = "Personal fitness data from the user's connected providers. \
Units are SI (m, s, m/s, bpm, W, kg, J); times are ISO 8601 with the athlete's UTC offset; \
dates are days in the athlete's calendar. Every tool takes an optional `provider` (default: \
the connected one) and `format`: json or toon (the same data in fewer tokens).";

/// The MCP server. Cheap to clone: state is shared.
#[derive(Clone)]
pub struct PierreServer {
    state: Arc<State>,
    tool_router: ToolRouter<PierreServer>,
}

struct State {
    sources: Sources,
    test_delay: Option<Duration>,
    /// The configured choice; a session's [`Mode`] also depends on its
    /// client, so it is worked out per request ([`PierreServer::mode`]).
    output: OutputChoice,
}

impl PierreServer {
    pub fn new(config: &Config) -> Self {
        let link = DaemonLink::new(config.link.clone());
        let state = State {
            sources: Sources::new(link, config.synthetic, config.provider_timeout),
            test_delay: config.test_delay,
            output: config.output,
        };
        Self { state: Arc::new(state), tool_router: Self::router() }
    }

    /// Every tool, from every `tools/*.rs`.
    pub fn router() -> ToolRouter<PierreServer> {
        Self::connection_tools()
            + Self::connect_tools()
            + Self::athlete_tools()
            + Self::activity_tools()
            + Self::stats_tools()
            + Self::sleep_tools()
            + Self::recovery_tools()
            + Self::analysis_tools()
            + Self::chart_tools()
            + Self::settings_tools()
    }

    pub(crate) fn sources(&self) -> &Sources {
        &self.state.sources
    }

    /// The output mode of the request's session: the client named in that
    /// session's own `initialize` (or, in the handshake-free protocol, in
    /// the request's `_meta`), so each `serve-http` session has its own
    /// while sharing this server.
    pub(crate) fn mode(&self, context: &RequestContext<RoleServer>) -> Mode {
        let client = context.client_info();
        output::resolve(self.state.output, client.as_ref().map(|c| c.name.as_str()))
    }

    pub(crate) fn test_delay(&self) -> Option<Duration> {
        self.state.test_delay
    }

    /// Opens the provider a data tool reads from, and reports the step.
    pub(crate) async fn open_source(
        &self,
        requested: Option<ProviderName>,
        progress: &Progress,
    ) -> Result<Source, ToolError> {
        let source = self.state.sources.open(requested).await?;
        progress.step(&format!("{} data ready", source.provider)).await;
        Ok(source)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for PierreServer {
    /// As rmcp's generated `list_tools`, with the session's mode applied
    /// (compact mode declares no output schemas).
    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let mode = self.mode(&context);
        // The list differs by client, so a cache hint may not call it
        // shareable across sessions.
        let supports_cache_hints =
            context.protocol_version().is_some_and(|version| version >= ProtocolVersion::V_2026_07_28);
        Ok(ListToolsResult {
            result_type: Some(ResultType::COMPLETE),
            tools: output::tool_list(self.tool_router.list_all(), mode),
            meta: None,
            next_cursor: None,
            ttl_ms: supports_cache_hints.then_some(0),
            cache_scope: supports_cache_hints.then_some(CacheScope::Private),
        })
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(crate::prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        crate::prompts::get(&request.name, request.arguments.as_ref()).map(GetPromptResponse::from)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(crate::resources::list()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        self.read(&request.uri).await.map(ReadResourceResponse::from)
    }

    fn get_info(&self) -> ServerConfig {
        // Tools, prompts and resources are served; logging, completions and
        // resource subscriptions are not, so they are not advertised.
        let capabilities = ServerCapabilities::builder().enable_tools().enable_prompts().enable_resources().build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("pierre-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_typed_annotated_and_read_only() {
        let tools = PierreServer::router().list_all();
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        assert_eq!(
            names,
            [
                "chart_sleep_recovery",
                "chart_training_load",
                "chart_weekly_volume",
                "compare_periods",
                "connect_provider",
                "disconnect_provider",
                "get_activities",
                "get_activity",
                "get_athlete",
                "get_athlete_settings",
                "get_connection_status",
                "get_personal_records",
                "get_recovery",
                "get_sleep",
                "get_stats",
                "get_training_load",
                "get_trends",
                "get_weekly_summary",
                "get_zones",
                "set_athlete_settings"
            ]
        );
        for tool in &tools {
            // A chart's result is an image, with no structured content to
            // describe (tools/charts.rs says why).
            if tool.name.starts_with("chart_") {
                assert!(tool.output_schema.is_none(), "{}", tool.name);
            } else {
                let output = tool.output_schema.as_ref().expect("every other tool has an output schema");
                assert_eq!(output.get("type"), Some(&serde_json::json!("object")), "{}", tool.name);
            }
            assert_eq!(tool.input_schema.get("type"), Some(&serde_json::json!("object")), "{}", tool.name);
            let hints = tool.annotations.as_ref().expect("annotations");
            // connect_provider starts a sign-in, disconnect_provider
            // deletes tokens (destructive) and set_athlete_settings writes
            // Pierre's own settings (reversible); every other tool only reads.
            let reads_only =
                !matches!(tool.name.as_ref(), "connect_provider" | "disconnect_provider" | "set_athlete_settings");
            assert_eq!(hints.read_only_hint, Some(reads_only), "{}", tool.name);
            assert_eq!(hints.destructive_hint, Some(tool.name == "disconnect_provider"), "{}", tool.name);
            assert!(tool.description.as_ref().is_some_and(|d| d.len() <= 160), "{}", tool.name);
        }
        let size = serde_json::to_string(&tools).map(|s| s.len()).unwrap_or(usize::MAX);
        // 16,000 B held the eight data and connection tools; the five
        // analysis tools (issue 17) add ~10.7 KB of typed schemas and
        // disconnect_provider ~1.1 KB: 28 KB, plus 2 KB of headroom. The
        // three chart tools (issue 18) add ~1.7 KB: 30.6 KB, under 31,000.
        // Issue 23 item 3 adds where each list stands (returned, has_more,
        // from, to) to get_activities, get_sleep and get_recovery: ~0.7 KB,
        // and `sufficiency` to the five analyses: ~0.25 KB; under 32,000
        // for 17 tools, a per-tool rate every later tool inherits (issue
        // 25's settings and zone tools: ~3.4 KB for three). Claude Code and
        // VS Code get compact mode, whose budget (crate::output) is the one
        // their sessions pay.
        assert!(size < 32_000 / 17 * tools.len(), "tools/list grew to {size} bytes for {} tools", tools.len());
    }
}
