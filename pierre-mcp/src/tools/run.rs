//! Running one tool call: arguments, progress, cancellation, the test-only
//! delay, and the answer or error the client receives.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{CallToolResult, JsonObject, ProgressNotificationParam, ProgressToken};
use rmcp::service::{Peer, RequestContext};
use serde::Serialize;

use super::respond::{Reply, failure, respond};
use super::{ToolArgs, ToolError, parse_args};
use crate::server::PierreServer;

/// Progress notifications, sent only when the client asked for them by
/// giving the request a progress token. Clones share one count, so the
/// runner can close the total after the tool's own steps.
#[derive(Clone)]
pub struct Progress {
    peer: Peer<RoleServer>,
    token: Option<ProgressToken>,
    done: Arc<AtomicU32>,
    total: u32,
}

impl Progress {
    fn new(ctx: &RequestContext<RoleServer>, total: u32) -> Self {
        Self { peer: ctx.peer.clone(), token: ctx.meta.get_progress_token(), done: Arc::new(AtomicU32::new(0)), total }
    }

    /// Marks one more step done.
    pub async fn step(&self, message: &str) {
        let done = self.done.fetch_add(1, Ordering::Relaxed).saturating_add(1).min(self.total);
        self.notify(done, message).await;
    }

    /// Marks every step done (the last notification equals the total).
    async fn finish(&self) {
        if self.done.swap(self.total, Ordering::Relaxed) < self.total {
            self.notify(self.total, "done").await;
        }
    }

    async fn notify(&self, done: u32, message: &str) {
        let Some(token) = self.token.clone() else {
            return;
        };
        let param = ProgressNotificationParam::new(token, f64::from(done))
            .with_total(f64::from(self.total))
            .with_message(message.to_owned());
        if let Err(error) = self.peer.notify_progress(param).await {
            tracing::debug!(%error, "progress notification not sent");
        }
    }
}

/// Steps every tool reports: data ready, result built.
const DATA_STEPS: u32 = 2;

/// The test-only delay is waited in steps this long.
const DELAY_STEP: Duration = Duration::from_millis(100);

impl PierreServer {
    /// Runs one tool: parse the arguments, do the work while watching the
    /// request's cancellation token, and build the result.
    ///
    /// A cancelled call stops where it is; rmcp sends no response for it.
    pub(crate) async fn run_tool<A, O, F, Fut>(
        &self,
        tool: &'static str,
        args: JsonObject,
        ctx: RequestContext<RoleServer>,
        work: F,
    ) -> CallToolResult
    where
        A: ToolArgs,
        O: Serialize,
        F: FnOnce(A, Progress) -> Fut,
        Fut: Future<Output = Result<O, ToolError>>,
    {
        self.run_tool_as(tool, args, ctx, work, |output, reply| respond(&output, reply)).await
    }

    /// [`PierreServer::run_tool`] with the success result built by `build`
    /// (the chart tools answer with an image instead of structured data).
    pub(crate) async fn run_tool_as<A, O, F, Fut, B>(
        &self,
        tool: &'static str,
        args: JsonObject,
        ctx: RequestContext<RoleServer>,
        work: F,
        build: B,
    ) -> CallToolResult
    where
        A: ToolArgs,
        F: FnOnce(A, Progress) -> Fut,
        Fut: Future<Output = Result<O, ToolError>>,
        B: FnOnce(O, Reply) -> CallToolResult,
    {
        let parsed: A = match parse_args(tool, args) {
            Ok(parsed) => parsed,
            Err(error) => return failure(&error),
        };
        let reply = Reply { format: parsed.format(), mode: self.mode(&ctx) };
        let delay = self.test_delay();
        let delay_steps = delay.map_or(0, |d| d.as_millis().div_ceil(DELAY_STEP.as_millis()) as u32);
        let progress = Progress::new(&ctx, DATA_STEPS + delay_steps);
        let cancelled = ctx.ct.clone();
        let job = async move {
            for _ in 0..delay_steps {
                tokio::time::sleep(DELAY_STEP).await;
                progress.step("waiting (PIERRE_TEST_SLOW_MS)").await;
            }
            let output = work(parsed, progress.clone()).await?;
            progress.finish().await;
            Ok(output)
        };
        let outcome = tokio::select! {
            _ = cancelled.cancelled() => Err(ToolError::Cancelled),
            outcome = job => outcome,
        };
        match outcome {
            Ok(output) => build(output, reply),
            Err(ToolError::Cancelled) => {
                tracing::info!(tool, request = %ctx.id, "tool call cancelled by the client; work stopped");
                failure(&ToolError::Cancelled)
            }
            Err(error) => {
                tracing::info!(tool, "tool error: {}", error.sentence());
                failure(&error)
            }
        }
    }
}
