//! `import garmin --from DIR [--user NAME] [--delete-plaintext]`.
//!
//! Reads a Python Garmin client's token directory ([`dir`]: refused unless
//! private and well-formed; [`layout`]: python-garminconnect's, garth-ng's
//! or the legacy garth pair), hands the sign-in to the daemon
//! (`connections.import`, which verifies it with Garmin and seals it in
//! the user's vault), then deals with the plaintext left behind: exactly
//! the files imported are deleted with `--delete-plaintext`, offered with
//! a y/N question on a terminal, and otherwise kept with the exact command
//! that deletes them. Never silently either way.

mod dir;
mod layout;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{CliError, connect_or_start};
use crate::cli::ImportGarminArgs;
use crate::clock::now_secs;
use crate::config::Config;
use crate::socket::methods::import::utc;
use pierre_shared::protocol::{
    ConnectionsImport, ConnectionsImportLayout, ConnectionsImportParams, ConnectionsImportResult,
};

pub use dir::DirError;
use layout::Tokens;

/// What `import` can fail with, before or after the daemon's part.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error(transparent)]
    Dir(#[from] DirError),
    #[error(
        "the import succeeded, but deleting {} failed; delete the plaintext yourself with `{command}`",
        dir::shell_quote(path)
    )]
    Delete {
        path: PathBuf,
        command: String,
        #[source]
        source: std::io::Error,
    },
}

pub async fn garmin(config: &Config, args: &ImportGarminArgs, user: Option<String>) -> Result<ExitCode, CliError> {
    let from = &args.from;
    let tokens = dir::read(from, now_secs()).map_err(ImportError::from)?;
    let owner = user.is_none() && config.token.is_none();
    let client = connect_or_start(config, user).await?;
    let who = if owner { "the owner".to_string() } else { format!("user {}", client.hello().await?.user_name) };
    let files = tokens.files();
    let writer = match &tokens {
        Tokens::Garth { .. } => "garth",
        Tokens::Di(di) if di.layout == ConnectionsImportLayout::GarthNg => "garth-ng",
        Tokens::Di(_) => "python-garminconnect",
    };
    let params = match tokens {
        Tokens::Garth { oauth1, oauth2 } => {
            ConnectionsImportParams { provider: "garmin".into(), oauth1: Some(oauth1), oauth2: Some(oauth2), di: None }
        }
        Tokens::Di(di) => {
            ConnectionsImportParams { provider: "garmin".into(), oauth1: None, oauth2: None, di: Some(di) }
        }
    };
    let done: ConnectionsImportResult = client.call::<ConnectionsImport>(&params).await?;
    let account = done.connection.account_id.as_deref().unwrap_or("-");
    let verb = if done.replaced { "replaced the Garmin connection with" } else { "imported" };
    println!(
        "{verb} Garmin account {account} ({writer} sign-in) into the vault of {who} (connection {})",
        done.connection.connection_id
    );
    if done.refreshes && writer == "garth" {
        println!(
            "the daemon renews the access token by itself through Garmin's OAuth1 exchange, with the Garmin consumer you supplied, for as long as Garmin accepts the garth sign-in's OAuth1 token; after that, sign in again and re-import"
        );
    } else if done.refreshes {
        let until = match done.sign_in_expires_at {
            Some(at) => format!("until {} (when Garmin ends the sign-in)", utc(at)),
            None => {
                "for as long as Garmin keeps the sign-in's refresh token valid (Garmin does not say how long)".into()
            }
        };
        println!("the daemon refreshes the access token by itself {until}; after that, sign in again and re-import");
    } else if let Some(at) = done.expires_at {
        println!(
            "the access token works until {}; Pierre renews a garth sign-in only with a Garmin consumer you supply ({}), so supply one or sign in with python-garminconnect and re-import before then",
            utc(at),
            crate::oauth::client::garmin_legacy::how_to_supply()
        );
    }
    handle_plaintext(from, files, args.delete_plaintext)?;
    Ok(ExitCode::SUCCESS)
}

/// Deletes, asks, or says how to delete: never silently, never by default
/// without a terminal.
fn handle_plaintext(from: &Path, files: &[&str], delete: bool) -> Result<(), ImportError> {
    let delete = delete || ask(from, files);
    if !delete {
        println!(
            "the plaintext tokens are still in {}; delete them with `{}`",
            dir::shell_quote(from),
            dir::delete_command(from, files)
        );
        return Ok(());
    }
    let command = dir::delete_command(from, files);
    let deleted =
        dir::delete_plaintext(from, files).map_err(|(path, source)| ImportError::Delete { path, command, source })?;
    let gone: Vec<String> = deleted.files.iter().map(|p| dir::shell_quote(p)).collect();
    match (gone.is_empty(), deleted.dir) {
        (true, _) => println!("the plaintext token files in {} were already gone", dir::shell_quote(from)),
        (false, true) => println!("deleted {} and the now-empty {}", gone.join(" and "), dir::shell_quote(from)),
        (false, false) => {
            println!("deleted {}; kept {} because other files are in it", gone.join(" and "), dir::shell_quote(from))
        }
    }
    Ok(())
}

/// A y/N question on the terminal; `false` without one or on any other answer.
fn ask(from: &Path, files: &[&str]) -> bool {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return false;
    }
    let shown: Vec<String> = files.iter().map(|f| dir::shell_quote(&from.join(f))).collect();
    let (noun, them) = if files.len() == 1 { ("file", "it") } else { ("files", "them") };
    eprint!("Delete the plaintext token {noun} {} now that the vault holds {them}? [y/N] ", shown.join(" and "));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if stdin.lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
