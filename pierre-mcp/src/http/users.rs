//! One MCP service per Pierre user.
//!
//! Each user the server has seen gets its own [`PierreServer`] (so its own
//! daemon connection and its own data cache) behind its own rmcp
//! [`StreamableHttpService`] (so its own session table). Consequences:
//! - tool calls reach the daemon on a connection whose `daemon.hello` named
//!   that user, so the daemon answers for that user only;
//! - no cache is shared between users;
//! - an `Mcp-Session-Id` opened with user A's token is unknown (404) when
//!   presented with user B's token: a session cannot change hands.
//!
//! The daemon refuses HTTP-audience tokens in `daemon.hello` (they are not
//! socket tokens), so a user's link is an owner connection that names the
//! user by id, which only the token's verified `sub` ever chooses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use crate::config::Config;
use crate::server::PierreServer;

/// A user's MCP endpoint.
pub type McpService = StreamableHttpService<PierreServer, LocalSessionManager>;

/// The per-user services, created on a user's first request.
pub struct Users {
    /// The process configuration; each user's copy names that user.
    base: Config,
    http: StreamableHttpServerConfig,
    services: Mutex<HashMap<String, McpService>>,
}

impl Users {
    pub fn new(base: Config, http: StreamableHttpServerConfig) -> Self {
        Self { base, http, services: Mutex::new(HashMap::new()) }
    }

    /// The service of the user with this id (from a verified token only).
    pub fn service(&self, user_id: &str) -> McpService {
        let mut services = self.services.lock().unwrap_or_else(|p| p.into_inner());
        services
            .entry(user_id.to_owned())
            .or_insert_with(|| {
                let mut config = self.base.clone();
                config.link.user = Some(user_id.to_owned());
                config.link.token = None;
                let server = PierreServer::new(&config);
                tracing::info!(user_id, "serving a new user over HTTP");
                StreamableHttpService::new(
                    move || Ok(server.clone()),
                    Arc::new(LocalSessionManager::default()),
                    self.http.clone(),
                )
            })
            .clone()
    }
}
