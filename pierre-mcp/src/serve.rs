//! The default command: serve MCP on stdin/stdout until the client leaves.

use rmcp::ServiceExt;

use crate::config::Config;
use crate::server::PierreServer;

/// Why the stdio server stopped abnormally.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("the MCP session could not start")]
    Start(#[source] Box<rmcp::service::ServerInitializeError>),
    #[error("the MCP session ended abnormally")]
    Join(#[from] tokio::task::JoinError),
}

/// Serves until stdin closes (the client went away) or the session fails.
pub async fn stdio(config: &Config) -> Result<(), ServeError> {
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        socket = %config.paths.socket.display(),
        "serving MCP on stdio"
    );
    let running =
        PierreServer::new(config).serve(rmcp::transport::stdio()).await.map_err(|e| ServeError::Start(Box::new(e)))?;
    let reason = running.waiting().await?;
    tracing::info!(?reason, "MCP session ended");
    Ok(())
}
