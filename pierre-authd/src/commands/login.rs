//! `login`, `connect`, `providers`: connecting providers.
//!
//! `login --provider P` asks the daemon for an authorization URL
//! (`connections.begin`), opens it (or prints it alone on stdout's first
//! line with `--no-browser` or without a display), then waits for the
//! callback with `connections.wait` and exits 0 once connected.

use std::io::{IsTerminal, Write};
use std::process::{ExitCode, Stdio};
use std::time::Instant;

use pierre_shared::ErrorCode;
use pierre_shared::client::{Client, ClientError};
use pierre_shared::protocol::{
    ConnectionInfo, ConnectionsBegin, ConnectionsBeginParams, ConnectionsBeginResult, ConnectionsWait,
    ConnectionsWaitParams, NoParams, ProvidersList, ProvidersListResult,
};

use super::app_env::{self, AppEnvMismatch};
use super::{CliError, connect_or_start};
use crate::config::Config;

/// One `connections.wait` call stays under the client's request timeout;
/// the CLI loops until the sign-in link expires.
const WAIT_SLICE_SECS: u64 = 45;

pub async fn login(
    config: &Config,
    provider: Option<&str>,
    user: Option<String>,
    no_browser: bool,
) -> Result<ExitCode, CliError> {
    // A named user must exist: a typo must not make a new user with no
    // sign-ins (the daemon's refusal names `pierre-authd users add NAME`).
    let client = connect_or_start(config, user).await?;
    match provider {
        None => login_default(&client).await,
        Some(provider) => connect_provider(config, &client, provider, no_browser).await,
    }
}

/// Without `--provider`: connect `synthetic`, then say what else can be connected.
async fn login_default(client: &Client) -> Result<ExitCode, CliError> {
    let begun: ConnectionsBeginResult =
        client.call::<ConnectionsBegin>(&ConnectionsBeginParams { provider: "synthetic".into() }).await?;
    if begun.already_connected {
        println!("synthetic is already connected; your assistant can use Pierre now.");
    } else {
        println!("connected synthetic (a demo athlete); your assistant can use Pierre now.");
    }
    let list: ProvidersListResult = client.call::<ProvidersList>(&NoParams {}).await?;
    let (ready, rest): (Vec<_>, Vec<_>) =
        list.providers.into_iter().filter(|p| p.needs_app).partition(|p| p.configured);
    if !ready.is_empty() {
        println!("\nConfigured, ready to connect:");
        for p in &ready {
            println!("  {:<8} pierre-authd connect {}", p.name, p.name);
        }
    }
    if !rest.is_empty() {
        println!("\nNot configured yet (register an app with the provider first):");
        for p in &rest {
            if let Some(retired) = &p.retired {
                println!("  {:<8} {retired}", p.name);
                continue;
            }
            if let Some(without_app) = &p.without_app {
                // The app programme is closed to individuals: lead with what works.
                println!("  {:<8} {without_app}", p.name);
                continue;
            }
            println!("  {:<8} {}", p.name, p.how_to_configure.as_deref().unwrap_or(""));
            if let (Some(at), Some(uri)) = (&p.register_at, &p.redirect_uri) {
                println!("           register at {at}; redirect URI {uri}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn connect_provider(
    config: &Config,
    client: &Client,
    provider: &str,
    no_browser: bool,
) -> Result<ExitCode, CliError> {
    check_shell_app(config, client, provider).await?;
    let begun = client.call::<ConnectionsBegin>(&ConnectionsBeginParams { provider: provider.to_string() }).await?;
    let Some(url) = begun.authorization_url else {
        let what = if begun.already_connected { "is already connected" } else { "is connected" };
        println!("{provider} {what}");
        return Ok(ExitCode::SUCCESS);
    };
    let started = Instant::now();
    if no_browser || !config.has_display || !open_browser(&url) {
        // The URL alone on the first line: scripts and tests read it.
        println!("{url}");
        let _ = std::io::stdout().flush();
        if std::io::stderr().is_terminal() {
            eprintln!("Open the link above in a browser to connect {provider}; waiting for the answer...");
        }
    } else {
        eprintln!("Opened your browser to connect {provider}; waiting for the answer...");
    }
    let deadline = begun.state_expires_at.unwrap_or(0);
    loop {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let left = u64::try_from(deadline - now).unwrap_or(0).clamp(1, WAIT_SLICE_SECS);
        let answer: Result<ConnectionInfo, ClientError> = client
            .call::<ConnectionsWait>(&ConnectionsWaitParams {
                provider: provider.to_string(),
                timeout_secs: Some(left),
            })
            .await;
        match answer {
            Ok(connection) => {
                let account = connection.account_id.as_deref().unwrap_or("unknown account");
                println!("connected {provider} ({account}) in {:.1} s", started.elapsed().as_secs_f64());
                return Ok(ExitCode::SUCCESS);
            }
            Err(ClientError::Rpc(e)) if e.data.code == ErrorCode::Timeout && now + (left as i64) < deadline => continue,
            Err(ClientError::Rpc(e)) => {
                return Err(CliError::Login(format!("{provider} was not connected: {}", e.message)));
            }
            Err(other) => return Err(other.into()),
        }
    }
}

/// Refuses (or notes) when this shell's environment sets an app for
/// `provider` that the running daemon does not use (see [`app_env`]).
async fn check_shell_app(config: &Config, client: &Client, provider: &str) -> Result<(), CliError> {
    let Some(shell) = config.oauth.overrides.get(provider) else { return Ok(()) };
    let list: ProvidersListResult = client.call::<ProvidersList>(&NoParams {}).await?;
    let Some(daemon) = list.providers.iter().find(|p| p.name == provider && p.needs_app) else { return Ok(()) };
    match app_env::compare(shell, daemon) {
        Some(AppEnvMismatch::DaemonLacksApp { sentence }) => Err(CliError::Login(sentence)),
        Some(AppEnvMismatch::DaemonUsesAnother { sentence }) => {
            eprintln!("{sentence}");
            Ok(())
        }
        None => Ok(()),
    }
}

/// Opens `url` with xdg-open; false when that fails.
fn open_browser(url: &str) -> bool {
    std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

/// `providers [--json]`.
pub async fn providers(config: &Config, as_json: bool) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, None).await?;
    let list: ProvidersListResult = client.call::<ProvidersList>(&NoParams {}).await?;
    if as_json {
        println!("{}", serde_json::to_string(&list).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    for p in list.providers {
        if !p.needs_app {
            println!("{:<9} ready (no app needed)", p.name);
            continue;
        }
        if p.configured {
            println!(
                "{:<9} configured: client id {} ({}), secret {} ({})",
                p.name,
                p.client_id.as_deref().unwrap_or("-"),
                p.client_id_source.as_deref().unwrap_or("-"),
                p.client_secret_fingerprint.as_deref().map(|f| format!("sha256:{f}")).unwrap_or_else(|| "-".into()),
                p.client_secret_source.as_deref().unwrap_or("-"),
            );
        } else {
            println!("{:<9} not configured: {}", p.name, p.how_to_configure.as_deref().unwrap_or(""));
        }
        if let Some(retired) = &p.retired {
            println!("          unavailable: {retired}");
        }
        if let Some(without_app) = &p.without_app {
            println!("          without an app: {without_app}");
        }
        if let (Some(at), Some(hint), Some(uri)) = (&p.register_at, &p.register_hint, &p.redirect_uri) {
            println!("          register at {at} ({hint}); redirect URI {uri}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
