//! The link from pierre-mcp to pierre-authd: one long-lived, multiplexed
//! socket connection, opened lazily, re-established (with a fresh
//! `daemon.hello`) after the daemon restarts, and the daemon started on
//! demand when nothing answers.
//!
//! Auto-start runs `pierre-authd start` with its output captured: pierre-mcp's
//! stdout carries only MCP frames, so a child must never inherit it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use pierre_shared::Secret;
use pierre_shared::client::{Client, ClientError};
use pierre_shared::paths::Paths;
use pierre_shared::protocol::{
    ClientInfo, ConnectionsList, ConnectionsListResult, HelloParams, HelloResult, Method, NoParams, PROTOCOL_VERSIONS,
    RpcError,
};
use tokio::sync::Mutex;

/// Longest wait for `pierre-authd start` (it waits up to 5 s itself).
const START_LIMIT: Duration = Duration::from_secs(10);

/// Tries of one request when connections keep dying under it.
const ATTEMPTS: u32 = 4;

/// How to reach (and if needed start) the daemon.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    pub paths: Paths,
    /// `--user` / `PIERRE_USER`: the Pierre user to act for (owner connections only).
    pub user: Option<String>,
    /// `PIERRE_TOKEN`: a socket JWT pinning the connection to one user.
    pub token: Option<Secret>,
    /// `PIERRE_AUTHD_BIN`: the daemon binary to auto-start.
    pub authd_bin: Option<PathBuf>,
}

/// Why the daemon could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The daemon is not running and could not be started.
    #[error(
        "pierre-authd is not running and could not be started ({reason}); run `pierre-authd doctor` to see why and what to do (log: {log})"
    )]
    Unavailable { reason: String, log: String },
    /// The daemon answered with an error (code + actionable sentence).
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The connection failed in another way.
    #[error(transparent)]
    Client(ClientError),
}

/// One long-lived, multiplexed connection to the daemon, opened lazily.
#[derive(Debug)]
pub struct DaemonLink {
    config: LinkConfig,
    client: Mutex<Option<Client>>,
}

impl DaemonLink {
    /// No I/O happens here; the first call connects (starting the daemon if needed).
    pub fn new(config: LinkConfig) -> Self {
        Self { config, client: Mutex::new(None) }
    }

    /// Who this link acts for.
    pub async fn whoami(&self) -> Result<HelloResult, LinkError> {
        self.retrying(|client| async move { client.hello().await }).await
    }

    /// The resolved user's provider connections.
    pub async fn connections(&self) -> Result<ConnectionsListResult, LinkError> {
        self.call::<ConnectionsList>(NoParams {}).await
    }

    /// Calls daemon method `M` (all of pierre-mcp's are safe to repeat).
    pub async fn call<M: Method>(&self, params: M::Params) -> Result<M::Result, LinkError> {
        let params = &params;
        self.retrying(|client| async move { client.call::<M>(params).await }).await
    }

    /// Runs `op` on the client. If the daemon went away the daemon is started
    /// again (once); a request lost with a dying connection is sent again on
    /// a fresh one (up to [`ATTEMPTS`] tries in all), since the connection may
    /// only notice the daemon is gone while the request is in flight.
    async fn retrying<T, F, Fut>(&self, op: F) -> Result<T, LinkError>
    where
        F: Fn(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let mut client = self.client().await?;
        let mut started = false;
        let mut attempt = 1;
        loop {
            match op(client.clone()).await {
                Ok(value) => return Ok(value),
                Err(ClientError::NotRunning { .. }) if !started => {
                    self.start_daemon().await?;
                    started = true;
                    // The daemon that answers now may listen elsewhere
                    // than the one that went away (another environment
                    // started it): find it through the data directory again.
                    *self.client.lock().await = None;
                    client = self.client().await?;
                }
                Err(ClientError::ConnectionLost) if attempt < ATTEMPTS => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(err) => return Err(link_error(err)),
            }
            attempt += 1;
        }
    }

    /// The client, connecting (and starting the daemon) the first time.
    async fn client(&self) -> Result<Client, LinkError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref() {
            return Ok(client.clone());
        }
        let hello = self.hello_params();
        // The socket the data directory's record names, so that a daemon
        // started with another XDG_RUNTIME_DIR is found, never doubled.
        let client = match Client::connect(&self.config.paths.live_socket(), hello.clone()).await {
            Ok((client, _)) => client,
            Err(ClientError::NotRunning { .. }) => {
                self.start_daemon().await?;
                Client::connect(&self.config.paths.live_socket(), hello).await.map_err(link_error)?.0
            }
            Err(err) => return Err(link_error(err)),
        };
        *slot = Some(client.clone());
        Ok(client)
    }

    fn hello_params(&self) -> HelloParams {
        HelloParams {
            protocol_versions: PROTOCOL_VERSIONS.to_vec(),
            client: ClientInfo { name: "pierre-mcp".into(), version: env!("CARGO_PKG_VERSION").into() },
            token: self.config.token.clone(),
            user: self.config.user.clone(),
        }
    }

    /// Runs `pierre-authd start` and waits for it.
    async fn start_daemon(&self) -> Result<(), LinkError> {
        let log = self.config.paths.authd_log().display().to_string();
        let unavailable = |reason: String| LinkError::Unavailable { reason, log: log.clone() };
        let bin = find_authd(self.config.authd_bin.as_deref()).ok_or_else(|| {
            unavailable(
                "no pierre-authd binary: set PIERRE_AUTHD_BIN, or install it beside pierre-mcp or on PATH".into(),
            )
        })?;
        tracing::info!(bin = %bin.display(), "starting pierre-authd");
        let mut command = tokio::process::Command::new(&bin);
        if let Some(home) = &self.config.paths.home {
            command.arg("--home").arg(home);
        }
        command.arg("start").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        let child = command.spawn().map_err(|e| unavailable(format!("cannot run {}: {e}", bin.display())))?;
        let output = tokio::time::timeout(START_LIMIT, child.wait_with_output())
            .await
            .map_err(|_| {
                unavailable(format!("`{} start` did not finish within {} s", bin.display(), START_LIMIT.as_secs()))
            })?
            .map_err(|e| unavailable(format!("cannot run {}: {e}", bin.display())))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = start_failure(&stderr)
            .unwrap_or_else(|| format!("`{} start` exited with {} and said nothing", bin.display(), output.status));
        Err(unavailable(reason))
    }
}

/// What happened, from `pierre-authd start`'s stderr: its first line
/// without the program prefix and without the daemon's own advice after the
/// first `; `. The model reads this sentence, and some of that advice is
/// destructive (`pierre-authd purge` when a key is lost); `doctor`, which the
/// error points at instead, shows the person every option.
fn start_failure(stderr: &str) -> Option<String> {
    let line = stderr.lines().find(|l| !l.trim().is_empty())?.trim();
    let line = line.trim_start_matches("pierre-authd: ");
    Some(line.split_once("; ").map_or(line, |(what, _advice)| what).to_string())
}

fn link_error(err: ClientError) -> LinkError {
    match err {
        ClientError::Rpc(rpc) => LinkError::Rpc(rpc),
        other => LinkError::Client(other),
    }
}

/// `PIERRE_AUTHD_BIN`, else `pierre-authd` beside this executable, else PATH.
fn find_authd(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = configured {
        return Some(path.to_path_buf());
    }
    let beside = std::env::current_exe().ok()?.parent()?.join("pierre-authd");
    if beside.is_file() {
        return Some(beside);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path).map(|dir| dir.join("pierre-authd")).find(|candidate| candidate.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_failure_keeps_what_happened_and_drops_the_daemons_advice() {
        let stderr = "pierre-authd: the master key is unavailable: the key file /h/data/vault.key is missing; restore it from a backup, or run `pierre-authd purge` to start over\n  caused by: x\n";
        let reason = start_failure(stderr).unwrap();
        assert_eq!(reason, "the master key is unavailable: the key file /h/data/vault.key is missing");
        let err = LinkError::Unavailable { reason, log: "/h/logs/authd.log".into() }.to_string();
        assert!(!err.contains("purge"), "{err}");
        assert!(err.contains("`pierre-authd doctor`"), "{err}");
        assert_eq!(start_failure("\n"), None);
    }
}
