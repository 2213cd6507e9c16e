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
    /// Remove a user and delete their vault.
    Remove {
        /// Name or user id.
        user: String,
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
