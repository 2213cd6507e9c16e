//! `users ...`, `connections`, `disconnect`, `purge`: administration over the socket.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use pierre_shared::protocol::{
    ConnectionState, ConnectionsDisconnect, ConnectionsDisconnectParams, ConnectionsDisconnectResult, ConnectionsList,
    ConnectionsListResult, NoParams, Purge, RevokeOutcome, Status, StatusResult, UsersAdd, UsersAddParams, UsersList,
    UsersListResult, UsersRemove, UsersRemoveParams, UsersRename, UsersRenameParams,
};

use super::lifecycle::wait_for_exit;
use super::{CliError, connect_or_start};
use crate::config::Config;

pub async fn users_add(config: &Config, name: &str) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, None).await?;
    let user = client.call::<UsersAdd>(&UsersAddParams { name: name.to_string() }).await?;
    println!("added user {} ({})", user.name, user.user_id);
    Ok(ExitCode::SUCCESS)
}

pub async fn users_list(config: &Config, as_json: bool) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, None).await?;
    let list: UsersListResult = client.call::<UsersList>(&NoParams {}).await?;
    if as_json {
        println!("{}", serde_json::to_string(&list.users).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    for user in list.users {
        let role = if user.is_owner { " (owner)" } else { "" };
        println!("{:<24} {}{}", user.name, user.user_id, role);
    }
    Ok(ExitCode::SUCCESS)
}

/// `users remove NAME [--yes]`: deleting a vault cannot be undone, so it asks
/// on a terminal, and without one refuses unless `--yes` (never waits on a
/// stdin nobody answers).
pub async fn users_remove(config: &Config, target: &str, yes: bool) -> Result<ExitCode, CliError> {
    let question = format!("Remove Pierre user `{target}` and delete their token vault? Type `yes` to confirm: ");
    if !yes && !confirm(&question, "yes")? {
        return Err(CliError::RemoveNotConfirmed { user: target.to_string() });
    }
    let client = connect_or_start(config, None).await?;
    client.call::<UsersRemove>(&UsersRemoveParams { target: target.to_string() }).await?;
    println!("removed user {target} and deleted their vault");
    Ok(ExitCode::SUCCESS)
}

pub async fn users_rename(config: &Config, target: &str, new_name: &str) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, None).await?;
    let user = client
        .call::<UsersRename>(&UsersRenameParams { target: target.to_string(), new_name: new_name.to_string() })
        .await?;
    println!("renamed {target} to {} ({})", user.name, user.user_id);
    Ok(ExitCode::SUCCESS)
}

pub async fn connections(config: &Config, user: Option<String>, as_json: bool) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, user).await?;
    let list: ConnectionsListResult = client.call::<ConnectionsList>(&NoParams {}).await?;
    if as_json {
        println!("{}", serde_json::to_string(&list).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    if list.connections.is_empty() {
        println!("no connections; connect one with `pierre-authd login --provider NAME`");
    }
    for c in list.connections {
        let state = match c.state {
            ConnectionState::Connected => "connected",
            ConnectionState::NeedsReconnect => "needs reconnect",
        };
        println!("{:<10} {:<16} account {}", c.provider, state, c.account_id.as_deref().unwrap_or("-"));
    }
    Ok(ExitCode::SUCCESS)
}

/// `disconnect P|--all`: one line per provider saying what happened at
/// the provider. Exits 1 when `P` was not connected.
pub async fn disconnect(
    config: &Config,
    user: Option<String>,
    provider: Option<&str>,
    all: bool,
) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, user).await?;
    let providers: Vec<String> = match provider {
        Some(p) if !all => vec![p.to_string()],
        _ => {
            let list: ConnectionsListResult = client.call::<ConnectionsList>(&NoParams {}).await?;
            list.connections.into_iter().map(|c| c.provider).collect()
        }
    };
    if providers.is_empty() {
        println!("no connections to disconnect");
    }
    let mut code = ExitCode::SUCCESS;
    for p in providers {
        let done: ConnectionsDisconnectResult =
            client.call::<ConnectionsDisconnect>(&ConnectionsDisconnectParams { provider: p.to_string() }).await?;
        if !done.disconnected {
            eprintln!("{p} was not connected; `pierre-authd connections` lists what is");
            code = ExitCode::FAILURE;
            continue;
        }
        match done.revoke {
            RevokeOutcome::Revoked => println!("{p}: disconnected; access revoked at the provider"),
            RevokeOutcome::NotApplicable => println!("{p}: disconnected"),
            RevokeOutcome::Failed => println!(
                "{p}: disconnected; {}",
                done.revoke_message.as_deref().unwrap_or("the provider did not confirm the revoke")
            ),
        }
    }
    Ok(code)
}

pub async fn purge(config: &Config, yes: bool) -> Result<ExitCode, CliError> {
    if !yes && !confirm_purge(config)? {
        return Err(CliError::PurgeNotConfirmed);
    }
    let client = connect_or_start(config, None).await?;
    let status: StatusResult = client.call::<Status>(&NoParams {}).await?;
    client.call::<Purge>(&NoParams {}).await?;
    wait_for_exit(status.pid, Duration::from_secs(15)).await?;
    println!("purged: every user, vault, key and keyring entry of this install is gone");
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; without one, never assumes yes.
fn confirm_purge(config: &Config) -> Result<bool, CliError> {
    let question = format!(
        "This deletes every Pierre user, token vault and key under {}. Type `purge` to confirm: ",
        config.paths.data_dir.display()
    );
    confirm(&question, "purge")
}

/// Asks `question` on stderr and reads one line from the terminal: true only
/// when the answer is `expected`. Without a terminal: false at once.
fn confirm(question: &str, expected: &str) -> Result<bool, CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Ok(false);
    }
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|source| CliError::Io { what: "cannot read the confirmation".into(), source })?;
    Ok(answer.trim() == expected)
}
