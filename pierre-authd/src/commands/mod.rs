//! The CLI's commands. Each talks to the daemon through the same socket API
//! scripts use, except `serve`, which is the daemon.

mod admin;
mod app_env;
mod apps;
mod doctor;
mod import;
mod lifecycle;
mod login;
mod settings;
mod token;

use std::process::ExitCode;
use std::time::Duration;

use pierre_shared::Secret;
use pierre_shared::client::{Client, ClientError};
use pierre_shared::protocol::{ClientInfo, HelloParams, PROTOCOL_VERSIONS};

use crate::cli::{AppsCommand, Command, ImportCommand, KeysCommand, UsersCommand};
use crate::config::{Config, ConfigError};
use crate::process::{DataDirLockError, PidLockError};
use crate::socket::BindError;
use crate::vault::StoreError;

impl From<crate::daemon::OpenError> for CliError {
    fn from(err: crate::daemon::OpenError) -> Self {
        match err {
            crate::daemon::OpenError::Store(e) => CliError::Store(e),
            crate::daemon::OpenError::Start(reason) => CliError::StartFailed { reason },
        }
    }
}

/// Exit code for "the daemon is not running" (`status`).
pub const EXIT_NOT_RUNNING: u8 = 3;

/// Everything a command can fail with; each prints as an actionable sentence.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    PidLock(#[from] PidLockError),
    #[error(transparent)]
    DataDirLock(#[from] DataDirLockError),
    #[error(transparent)]
    Bind(#[from] BindError),
    #[error(transparent)]
    Import(#[from] import::ImportError),
    #[error("pierre-authd did not start within {secs} s; see {log} for why")]
    StartTimeout { secs: u64, log: String },
    #[error("pierre-authd exited during start-up: {reason}")]
    StartFailed { reason: String },
    #[error("pierre-authd (pid {pid}) did not stop within {secs} s; stop it with `kill {pid}`")]
    StopTimeout { pid: u32, secs: u64 },
    #[error(
        "refusing to purge without confirmation; rerun with `pierre-authd purge --yes` to delete every user, vault and key"
    )]
    PurgeNotConfirmed,
    #[error(
        "refusing to remove user `{user}` without confirmation; rerun with `pierre-authd users remove {user} --yes` to delete the user and their vault"
    )]
    RemoveNotConfirmed { user: String },
    #[error("{0}")]
    Login(String),
    /// A command-line value the command cannot use; the message says how to write it.
    #[error("{0}")]
    BadArgument(String),
    #[error("--ttl `{given}` is not a duration: use a number with s, m, h or d (30m, 1h, 7d), at most 90d")]
    BadTtl { given: String },
    #[error(
        "`pierre-authd {command}` manages the whole install, and PIERRE_TOKEN pins this command to one Pierre user; unset PIERRE_TOKEN to run it as the daemon's owner"
    )]
    OwnerOnly { command: &'static str },
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl CliError {
    /// The process exit code this error maps to.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Client(ClientError::NotRunning { .. }) => ExitCode::from(EXIT_NOT_RUNNING),
            _ => ExitCode::FAILURE,
        }
    }
}

/// Runs one command.
pub async fn run(command: Command, config: Config) -> Result<ExitCode, CliError> {
    if let Some(name) = owner_only(&command)
        && config.token.is_some()
    {
        return Err(CliError::OwnerOnly { command: name });
    }
    match command {
        Command::Serve => lifecycle::serve(config).await.map(|()| ExitCode::SUCCESS),
        Command::Start => lifecycle::start(&config).await.map(|()| ExitCode::SUCCESS),
        Command::Stop => lifecycle::stop(&config).await.map(|()| ExitCode::SUCCESS),
        Command::Status(flags) => lifecycle::status(&config, flags.json).await,
        Command::Doctor(flags) => doctor::run(&config, flags.json).await,
        Command::Users(UsersCommand::Add { name }) => admin::users_add(&config, &name).await,
        Command::Users(UsersCommand::List(flags)) => admin::users_list(&config, flags.json).await,
        Command::Users(UsersCommand::Remove { user, yes }) => admin::users_remove(&config, &user, yes).await,
        Command::Users(UsersCommand::Rename { user, new_name }) => admin::users_rename(&config, &user, &new_name).await,
        Command::Connections(args) => admin::connections(&config, args.user.or(config.user.clone()), args.json).await,
        Command::Purge(args) => admin::purge(&config, args.yes).await,
        Command::Login(args) => {
            let user = args.user.or(config.user.clone());
            login::login(&config, args.provider.as_deref(), user, args.no_browser).await
        }
        Command::Connect(args) => {
            let user = args.user.or(config.user.clone());
            login::login(&config, Some(&args.provider), user, args.no_browser).await
        }
        Command::Disconnect(args) => {
            admin::disconnect(&config, args.user.or(config.user.clone()), args.provider.as_deref(), args.all).await
        }
        Command::Import(ImportCommand::Garmin(args)) => {
            let user = args.user.clone().or(config.user.clone());
            import::garmin(&config, &args, user).await
        }
        Command::Providers(flags) => login::providers(&config, flags.json).await,
        Command::Apps(AppsCommand::Set { provider, client_id, .. }) => apps::set(&config, &provider, &client_id).await,
        Command::Apps(AppsCommand::List(flags)) => apps::list(&config, flags.json).await,
        Command::Apps(AppsCommand::Remove { provider }) => apps::remove(&config, &provider).await,
        Command::Token(args) => token::token(&config, args.user.or(config.user.clone()), args.ttl.as_deref()).await,
        Command::Approve(args) => {
            token::approve(&config, args.user.or(config.user.clone()), &args.code, args.deny).await
        }
        Command::Keys(KeysCommand::Rotate) => token::keys_rotate(&config).await,
        Command::Settings(args) => {
            let user = args.user.clone().or(config.user.clone());
            settings::run(&config, user, args).await
        }
    }
}

/// The commands only the daemon's owner may run: they change or reveal the
/// whole install, not one user's connections. Under `PIERRE_TOKEN` they are
/// refused before anything is sent (the daemon refuses them too).
fn owner_only(command: &Command) -> Option<&'static str> {
    Some(match command {
        Command::Stop => "stop",
        Command::Users(UsersCommand::Add { .. }) => "users add",
        Command::Users(UsersCommand::Remove { .. }) => "users remove",
        Command::Users(UsersCommand::Rename { .. }) => "users rename",
        Command::Purge(_) => "purge",
        Command::Apps(_) => "apps",
        Command::Approve(_) => "approve",
        Command::Keys(_) => "keys",
        _ => return None,
    })
}

/// The hello this CLI sends: pinned by `PIERRE_TOKEN` when the environment
/// holds one, acting for `user` (or the token's user, or the owner).
fn hello(token: Option<&Secret>, user: Option<String>) -> HelloParams {
    HelloParams {
        protocol_versions: PROTOCOL_VERSIONS.to_vec(),
        client: ClientInfo { name: "pierre-authd-cli".into(), version: env!("CARGO_PKG_VERSION").into() },
        token: token.cloned(),
        user,
    }
}

/// Connects as the owner, whatever `PIERRE_TOKEN` says: only to learn
/// whether a daemon answers (`start`), which must not hang on a token the
/// daemon refuses.
async fn probe(config: &Config) -> Result<Client, CliError> {
    let (client, _) = Client::connect(&config.paths.live_socket(), hello(None, None)).await?;
    Ok(client)
}

/// Connects to the daemon that serves this data directory (wherever its
/// socket is); `NotRunning` if none answers.
async fn connect(config: &Config, user: Option<String>) -> Result<Client, CliError> {
    let (client, _) = Client::connect(&config.paths.live_socket(), hello(config.token.as_ref(), user)).await?;
    Ok(client)
}

/// Connects, starting the daemon first if none answers.
async fn connect_or_start(config: &Config, user: Option<String>) -> Result<Client, CliError> {
    match connect(config, user.clone()).await {
        Err(CliError::Client(ClientError::NotRunning { .. })) => {
            lifecycle::spawn_and_wait(config, Duration::from_secs(5)).await?;
            connect(config, user).await
        }
        other => other,
    }
}
