//! connect_provider's sign-in: shown by the client itself when it can
//! (URL-mode elicitation, MCP 2025-11-25), else handed to the model as a
//! link, and waited for with progress when asked.
//!
//! URL mode exists for exactly this: an OAuth sign-in the server must not
//! see. The client shows the provider's sign-in URL to the user and answers
//! whether they agreed to open it; the provider's redirect then reaches the
//! daemon's callback, which is what the wait watches. A client without the
//! capability, a session on protocol 2026-07-28 (which allows no request
//! from server to client), or a client that never answers gets the link in
//! the result, as before.

use std::time::{Duration, Instant};

use pierre_shared::ErrorCode;
use pierre_shared::protocol::{ConnectionsWait, ConnectionsWaitParams};
use rmcp::RoleServer;
use rmcp::model::ElicitationAction;
use rmcp::service::Peer;

use super::connections::{ConnectOutput, ConnectStatus};
use super::{Progress, ToolError};
use crate::daemon::LinkError;
use crate::server::PierreServer;

/// One `connections.wait` stays under the socket client's request timeout.
const WAIT_SLICE_SECS: u64 = 45;

/// The longest a client may take to answer the elicitation itself (the
/// user reading the prompt), before the link is given as text instead.
const ASK_TIMEOUT: Duration = Duration::from_secs(120);

/// A sign-in the daemon started: the link and how long to wait for it.
pub struct SignIn<'a> {
    pub provider: &'a str,
    pub url: String,
    /// When the link stops working, seconds since the Unix epoch.
    pub expires_at: Option<i64>,
    pub timeout_secs: u32,
}

/// What the user answered to the client's sign-in prompt.
pub enum Answer {
    /// Agreed to open the sign-in page.
    Opened,
    /// Declined or dismissed it.
    Refused,
}

impl SignIn<'_> {
    pub fn pending(self) -> ConnectOutput {
        let next = "Ask the user to open authorization_url in a browser on this computer and approve access; then call get_connection_status (or connect_provider with wait=true) to confirm.";
        ConnectOutput::pending(self.provider, self.url, self.expires_at, next.into())
    }

    pub fn declined(self) -> ConnectOutput {
        let next = format!(
            "The user declined to sign in to {}; nothing was connected. Connect it only if they ask again (the link in authorization_url works until expires_at).",
            self.provider
        );
        ConnectOutput::with_link(self.provider, ConnectStatus::Declined, self.url, self.expires_at, next)
    }
}

/// Asks the client to show the sign-in; `None` when it cannot (no URL
/// elicitation, protocol 2026-07-28, no answer in time, a malformed URL).
pub async fn elicit(peer: &Peer<RoleServer>, sign_in: &SignIn<'_>) -> Option<Answer> {
    let url = url::Url::parse(&sign_in.url).ok()?;
    let message = format!(
        "Sign in to {} to let Pierre read your training data. The page opens in your browser; Pierre never sees your password.",
        display_name(sign_in.provider)
    );
    let id = uuid::Uuid::new_v4().to_string();
    match peer.elicit_url_with_timeout(message, url, id, Some(ASK_TIMEOUT)).await {
        Ok(ElicitationAction::Accept) => Some(Answer::Opened),
        Ok(_) => Some(Answer::Refused),
        Err(error) => {
            tracing::debug!(%error, "no URL elicitation; the sign-in link goes in the result");
            None
        }
    }
}

fn display_name(provider: &str) -> &str {
    pierre_shared::catalogue::find(provider).map_or(provider, |def| def.display_name)
}

impl PierreServer {
    /// Waits for the sign-in to land, up to its timeout, in slices the
    /// socket allows; says how long it waits in one progress message (the
    /// link included, for a client that shows progress but not the prompt).
    pub(super) async fn wait_for_sign_in(
        &self,
        sign_in: SignIn<'_>,
        progress: &Progress,
    ) -> Result<ConnectOutput, ToolError> {
        let SignIn { provider, timeout_secs, .. } = sign_in;
        progress.step(&format!("waiting up to {timeout_secs} s for the user to sign in at {}", sign_in.url)).await;
        let deadline = Instant::now() + Duration::from_secs(u64::from(timeout_secs));
        loop {
            let left = deadline.saturating_duration_since(Instant::now()).as_secs().clamp(1, WAIT_SLICE_SECS);
            let params = ConnectionsWaitParams { provider: provider.to_string(), timeout_secs: Some(left) };
            match self.sources().call::<ConnectionsWait>(params).await {
                Ok(connection) => {
                    return Ok(ConnectOutput::connected(provider, ConnectStatus::Connected, connection.account_id));
                }
                // Progress values must only grow, so the wait reports once, above.
                Err(LinkError::Rpc(e)) if e.data.code == ErrorCode::Timeout && Instant::now() < deadline => {}
                Err(LinkError::Rpc(e)) if e.data.code == ErrorCode::Timeout => {
                    let next = format!(
                        "The user has not signed in within {timeout_secs} s; the link still works until expires_at. Ask them to open it, then call get_connection_status."
                    );
                    return Ok(ConnectOutput::pending(provider, sign_in.url, sign_in.expires_at, next));
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
}
