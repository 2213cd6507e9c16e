//! `doctor`: what is where, whether it is safe, and what to do next.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::ExitCode;

use pierre_shared::paths::check_private_dir;
use pierre_shared::platform::current_uid;
use pierre_shared::protocol::{NoParams, ProvidersList, Status};
use serde::Serialize;
use serde_json::json;

use super::{CliError, connect};
use crate::config::Config;
use crate::vault::error::UnavailableReason;
use crate::vault::{InstallInfo, SqliteStore, StoreError};

/// One finding.
#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    ok: bool,
    detail: String,
    /// What to do when `ok` is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

fn check(name: &'static str, ok: bool, detail: String, fix: Option<String>) -> Check {
    Check { name, ok, detail, fix: if ok { None } else { fix } }
}

/// Checks a directory that may not exist yet.
fn dir_check(name: &'static str, dir: &Path) -> Check {
    if !dir.exists() {
        return check(name, true, format!("{} (created on first start)", dir.display()), None);
    }
    match check_private_dir(dir) {
        Ok(()) => check(name, true, format!("{} (0700)", dir.display()), None),
        Err(err) => check(name, false, err.to_string(), Some(format!("chmod 700 {}", dir.display()))),
    }
}

/// Checks a file that should be 0600 and ours, when present. `needed`: the
/// install cannot open without it, so its absence fails.
fn secret_file_check(name: &'static str, file: &Path, needed: bool) -> Check {
    match std::fs::metadata(file) {
        Err(_) if needed => check(
            name,
            false,
            format!("{} is missing, and this install keeps its master key there", file.display()),
            Some(format!("restore {} from your backup (a new key cannot open the existing vaults)", file.display())),
        ),
        Err(_) => check(name, true, format!("{} (absent, not used)", file.display()), None),
        Ok(meta) => {
            let mode = meta.mode() & 0o777;
            let ok = mode & 0o077 == 0 && meta.uid() == current_uid();
            check(
                name,
                ok,
                format!("{} (mode {mode:o}, uid {})", file.display(), meta.uid()),
                Some(format!("chmod 600 {} and make sure it belongs to uid {}", file.display(), current_uid())),
            )
        }
    }
}

/// Whether the key this shell's environment gives opens the install, as a
/// start from here would: a running daemon may hold a key this shell cannot
/// reproduce (another `PIERRE_MASTER_ENCRYPTION_KEY`, a deleted key file),
/// and then its next restart fails.
fn master_key_check(result: &Result<Option<InstallInfo>, StoreError>) -> Check {
    match result {
        Ok(Some(info)) => check(
            "master key",
            true,
            format!("opens this install's vaults (from {}; recorded backend {})", info.key_source, info.key_backend),
            None,
        ),
        Ok(None) => check("master key", true, "no install yet; the first start creates one".into(), None),
        Err(err) => check(
            "master key",
            false,
            "a start with this environment cannot open this install's vaults".into(),
            Some(err.to_string()),
        ),
    }
}

pub async fn run(config: &Config, as_json: bool) -> Result<ExitCode, CliError> {
    let paths = &config.paths;
    let (key_paths, keys) = (paths.clone(), config.keys.clone());
    let key_result = tokio::task::spawn_blocking(move || SqliteStore::check_key(&key_paths, &keys))
        .await
        .map_err(|e| CliError::StartFailed { reason: format!("the key check stopped unexpectedly: {e}") })?;
    let key_file_needed = matches!(
        &key_result,
        Err(StoreError::KeyStoreUnavailable { reason: UnavailableReason::KeyFileMissing { .. }, .. })
    );
    let mut checks = vec![
        dir_check("data directory", &paths.data_dir),
        dir_check("socket directory", &paths.runtime_dir),
        dir_check("log directory", &paths.log_dir),
        secret_file_check("key file", &paths.key_file(), key_file_needed),
        secret_file_check("config file", &paths.config_file, false),
        master_key_check(&key_result),
    ];
    let client = connect(config, None).await.ok();
    let daemon = match &client {
        Some(client) => client.call::<Status>(&NoParams {}).await.ok(),
        None => None,
    };
    checks.push(match &daemon {
        Some(s) => check("daemon", true, format!("running (pid {}) on {}", s.pid, s.socket), None),
        // Not running is the normal state before first use, not a fault.
        None => check(
            "daemon",
            true,
            format!(
                "not running (socket {}); pierre-mcp starts it when needed, or run `pierre-authd start`",
                paths.live_socket().display()
            ),
            None,
        ),
    });
    checks.push(match &daemon {
        Some(s) => check("key backend", true, s.key_backend.clone(), None),
        None => check(
            "key backend",
            true,
            if config.keys.session_bus_available() {
                "secret-service or file (a session bus is present); start the daemon to see which".into()
            } else {
                "file (no session bus); PIERRE_MASTER_ENCRYPTION_KEY overrides".into()
            },
            None,
        ),
    });
    if let Some(client) = client.as_ref() {
        checks.extend(provider_checks(client).await);
    }
    let healthy = checks.iter().all(|c| c.ok);
    if as_json {
        println!(
            "{}",
            json!({ "ok": healthy, "home": paths.home, "socket": paths.socket, "config": paths.config_file, "data": paths.data_dir, "logs": paths.log_dir, "checks": checks })
        );
    } else {
        for c in &checks {
            println!("[{}] {:<17} {}", if c.ok { " ok " } else { "FAIL" }, c.name, c.detail);
            if let Some(fix) = &c.fix {
                println!("       fix: {fix}");
            }
        }
        println!("{}", if healthy { "All checks passed." } else { "Some checks failed; apply the fixes above." });
    }
    Ok(if healthy { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// One informational line per provider: configured or not, how to register
/// an app, and which redirect URI to give it. Never a secret, only its
/// fingerprint. A provider left unconfigured is not a failure.
async fn provider_checks(client: &pierre_shared::client::Client) -> Vec<Check> {
    let Ok(list) = client.call::<ProvidersList>(&NoParams {}).await else {
        return Vec::new();
    };
    list.providers
        .into_iter()
        .filter(|p| p.needs_app)
        .filter_map(|p| {
            let name = pierre_shared::catalogue::find(&p.name)?.name;
            let uri = p.redirect_uri.clone().unwrap_or_default();
            let register = format!(
                "register an app at {} ({}) with redirect URI {uri}",
                p.register_at.as_deref().unwrap_or("-"),
                p.register_hint.as_deref().unwrap_or("-")
            );
            let mut detail = if let Some(retired) = &p.retired {
                format!("unavailable: {retired}")
            } else if p.configured {
                let mut d = format!(
                    "configured: client id {} ({}), secret sha256:{} ({}); redirect URI {uri}",
                    p.client_id.as_deref().unwrap_or("-"),
                    p.client_id_source.as_deref().unwrap_or("-"),
                    p.client_secret_fingerprint.as_deref().unwrap_or("-"),
                    p.client_secret_source.as_deref().unwrap_or("-"),
                );
                if p.client_secret_source.as_deref() == Some("config.toml") {
                    d.push_str(&format!(
                        "; the secret sits in config.toml in plain text: prefer PIERRE_{}_CLIENT_SECRET or `pierre-authd apps set {} --client-id ID --client-secret-stdin`",
                        p.name.to_ascii_uppercase(),
                        p.name
                    ));
                }
                d
            } else if let Some(without_app) = &p.without_app {
                format!("not configured; without an app, {without_app}; with one, {register}")
            } else {
                format!("not configured: {register}; then {}", p.how_to_configure.as_deref().unwrap_or(""))
            };
            // The same advice for a consumer secret (Garmin's legacy exchange) kept in config.toml.
            if let Some(consumer) = p.consumer.as_ref().filter(|c| c.secret_source.as_deref() == Some("config.toml")) {
                detail.push_str(&format!(
                    "; the {} consumer secret sits in config.toml in plain text: prefer PIERRE_{}_CONSUMER_SECRET or `pierre-authd apps set {} --client-id KEY --client-secret-stdin`",
                    p.display_name,
                    p.name.to_ascii_uppercase(),
                    consumer.name
                ));
            }
            Some(check(name, true, detail, None))
        })
        .collect()
}
