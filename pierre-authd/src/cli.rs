//! Command-line types (clap derive) and nothing else. [`crate::config`] turns
//! them into a checked configuration.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// pierre-authd: the daemon that keeps every Pierre credential, and its CLI.
#[derive(Debug, Parser)]
#[command(name = "pierre-authd", version, about, long_about = None)]
pub struct Cli {
    /// Keep everything under DIR (config, data, logs, socket). Same as PIERRE_HOME.
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon in the foreground.
    Serve,
    /// Start the daemon in the background (does nothing if one already answers).
    Start,
    /// Stop the running daemon.
    Stop,
    /// Show whether the daemon runs, where, and for whom.
    Status(JsonFlag),
    /// Check paths, modes and the key backend, and say what to do next.
    Doctor(JsonFlag),
    /// Manage Pierre users (people or scripts sharing this daemon).
    #[command(subcommand)]
    Users(UsersCommand),
    /// List a user's provider connections.
    Connections(ConnectionsArgs),
    /// Delete every user, vault, key and keyring entry of this install.
    Purge(PurgeArgs),
    /// Connect a provider (default: the synthetic athlete), starting the daemon if needed.
    Login(LoginArgs),
    /// Connect provider P (same as `login --provider P`).
    Connect(ConnectArgs),
    /// Disconnect provider P (or every provider with --all): revoke at the provider, delete the tokens.
    Disconnect(DisconnectArgs),
    /// Import a sign-in made by another program into a user's vault (Garmin).
    #[command(subcommand)]
    Import(ImportCommand),
    /// List providers: which are configured, and what to set for the others.
    Providers(JsonFlag),
    /// Manage provider app credentials.
    #[command(subcommand)]
    Apps(AppsCommand),
    /// Print a JWT that makes a connection act as one Pierre user (for PIERRE_TOKEN and scripts).
    Token(TokenArgs),
    /// Allow (or refuse) an app's sign-in shown on Pierre's consent page.
    Approve(ApproveArgs),
    /// Manage the authorization server's signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Show or change a user's athlete settings (thresholds, zone model, units, time zone).
    Settings(SettingsArgs),
}

#[derive(Debug, Args)]
pub struct SettingsArgs {
    #[command(subcommand)]
    pub action: Option<SettingsAction>,
    /// Act for this Pierre user (name or id) instead of the owner. Same as PIERRE_USER.
    #[arg(long, global = true)]
    pub user: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SettingsAction {
    /// Set values: `ftp_w=250 max_heartrate_bpm=188 threshold_speed_mps=4:30/km units=imperial`.
    Set {
        /// FIELD=VALUE pairs (`pierre-authd settings` lists the fields).
        #[arg(required = true, value_name = "FIELD=VALUE")]
        values: Vec<String>,
    },
    /// Forget values, so the provider's (or the default) apply again.
    Unset {
        #[arg(required = true, value_name = "FIELD")]
        fields: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The Pierre user the token names (name or id); default the owner. Same as PIERRE_USER.
    #[arg(long)]
    pub user: Option<String>,
    /// How long the token lives: e.g. 30m, 1h, 7d (default 1h, at most 90d).
    #[arg(long, value_name = "D")]
    pub ttl: Option<String>,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The code the consent page shows (e.g. ABCD-1234).
    pub code: String,
    /// Give the app access as this Pierre user (name or id); default the owner. Same as PIERRE_USER.
    #[arg(long)]
    pub user: Option<String>,
    /// Refuse the sign-in instead.
    #[arg(long)]
    pub deny: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Start signing with a new key; old keys keep verifying until their tokens expire.
    Rotate,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The provider to connect (strava, fitbit, garmin, whoop, oura, synthetic).
    #[arg(long)]
    pub provider: Option<String>,
    /// Act for this Pierre user (created if missing). Same as PIERRE_USER.
    #[arg(long)]
    pub user: Option<String>,
    /// Print the sign-in URL (alone, on stdout's first line) instead of opening a browser.
    #[arg(long)]
    pub no_browser: bool,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The provider to connect.
    pub provider: String,
    /// Act for this Pierre user (created if missing). Same as PIERRE_USER.
    #[arg(long)]
    pub user: Option<String>,
    /// Print the sign-in URL instead of opening a browser.
    #[arg(long)]
    pub no_browser: bool,
}

#[derive(Debug, Args)]
pub struct DisconnectArgs {
    /// The provider to disconnect.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub provider: Option<String>,
    /// Disconnect every provider of the user.
    #[arg(long)]
    pub all: bool,
    /// Act for this Pierre user (name or id) instead of the owner. Same as PIERRE_USER.
    #[arg(long)]
    pub user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import the sign-in a Python Garmin client saved (python-garminconnect 0.3+, garth-ng, or a legacy garth pair).
    Garmin(ImportGarminArgs),
}

#[derive(Debug, Args)]
pub struct ImportGarminArgs {
    /// The token directory: garmin_tokens.json (python-garminconnect), oauth2_token.json (garth-ng), or the oauth1_token.json + oauth2_token.json pair (garth).
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// Import into this Pierre user's vault (name or id) instead of the owner's. Same as PIERRE_USER.
    #[arg(long)]
    pub user: Option<String>,
    /// After the import, delete the two plaintext token files (and DIR if then empty) without asking.
    #[arg(long)]
    pub delete_plaintext: bool,
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// Store a provider app's client id and secret (encrypted; the secret is read from stdin).
    Set {
        /// The provider, or `garmin-connect` for the Garmin consumer that renews legacy garth sign-ins.
        provider: String,
        /// The app's client id (for `garmin-connect`: the consumer key).
        #[arg(long)]
        client_id: String,
        /// Read the client secret from stdin (required: secrets never go on the command line).
        #[arg(long, required = true)]
        client_secret_stdin: bool,
    },
    /// List provider apps: client id, where it comes from, and the secret's fingerprint.
    List(JsonFlag),
    /// Forget the app stored with `apps set` (apps from the environment or config.toml stay).
    Remove {
        /// The provider.
        provider: String,
    },
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user.
    Add { name: String },
    /// List users.
    List(JsonFlag),
    /// Remove a user and delete their vault (asks first unless --yes).
    Remove {
        /// Name or user id.
        user: String,
        /// Do not ask for confirmation (needed without a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Rename a user (the user id never changes).
    Rename {
        /// Current name or user id.
        user: String,
        new_name: String,
    },
}

#[derive(Debug, Args)]
pub struct ConnectionsArgs {
    /// Act for this Pierre user (name or id) instead of the owner. Same as PIERRE_USER.
    #[arg(long)]
    pub user: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
}
