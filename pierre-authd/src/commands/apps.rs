//! `apps set|list|remove`: the provider apps (client id and secret) this
//! install connects with, and `garmin-connect`, the Garmin OAuth1 consumer
//! (key and secret) that renews legacy garth sign-ins. Owner only; a
//! secret is shown by its fingerprint and read only from stdin.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use pierre_shared::Secret;
use pierre_shared::protocol::{
    AppsRemove, AppsRemoveParams, AppsSet, AppsSetParams, AppsSetResult, ConsumerInfo, NoParams, ProvidersList,
    ProvidersListResult,
};
use serde_json::json;

use super::{CliError, connect_or_start};
use crate::config::Config;

/// `apps set P --client-id ID --client-secret-stdin`.
pub async fn set(config: &Config, provider: &str, client_id: &str) -> Result<ExitCode, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Client secret for {provider} (input is not echoed by pipes; paste and press Ctrl-D): ");
        let _ = std::io::stderr().flush();
    }
    let mut secret = zeroize::Zeroizing::new(String::new());
    stdin
        .lock()
        .read_to_string(&mut secret)
        .map_err(|source| CliError::Io { what: "cannot read the client secret from stdin".into(), source })?;
    let client = connect_or_start(config, None).await?;
    let result: AppsSetResult = client
        .call::<AppsSet>(&AppsSetParams {
            provider: provider.to_string(),
            client_id: client_id.to_string(),
            client_secret: Secret::from_string(secret.trim().to_string()),
        })
        .await?;
    if result.redirect_uri.is_empty() {
        println!(
            "stored the {} consumer {} (secret sha256:{}, encrypted); legacy garth sign-ins now renew through Garmin's OAuth1 exchange",
            result.provider, result.client_id, result.client_secret_fingerprint
        );
    } else {
        println!(
            "stored {} app {} (secret sha256:{}, encrypted); register the redirect URI {} with the provider",
            result.provider, result.client_id, result.client_secret_fingerprint, result.redirect_uri
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `apps list [--json]`: every provider that needs an app, with the client
/// id the daemon uses and where it comes from (`apps set`, env, config.toml).
pub async fn list(config: &Config, as_json: bool) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, None).await?;
    let list: ProvidersListResult = client.call::<ProvidersList>(&NoParams {}).await?;
    let apps: Vec<_> = list.providers.into_iter().filter(|p| p.needs_app).collect();
    let consumers: Vec<ConsumerInfo> = apps.iter().filter_map(|p| p.consumer.clone()).collect();
    if as_json {
        let mut rows: Vec<_> = apps
            .iter()
            .map(|p| {
                json!({
                    "provider": p.name,
                    "configured": p.configured,
                    "client_id": p.client_id,
                    "client_id_source": p.client_id_source,
                    "client_secret_fingerprint": p.client_secret_fingerprint,
                    "client_secret_source": p.client_secret_source,
                })
            })
            .collect();
        rows.extend(consumers.iter().map(|c| {
            json!({
                "provider": c.name,
                "configured": c.configured,
                "client_id": c.key,
                "client_id_source": c.key_source,
                "client_secret_fingerprint": c.secret_fingerprint,
                "client_secret_source": c.secret_source,
            })
        }));
        println!("{}", serde_json::Value::Array(rows));
        return Ok(ExitCode::SUCCESS);
    }
    for p in apps {
        match (&p.client_id, p.configured) {
            (Some(id), true) => println!(
                "{:<9} client id {id} ({}), secret sha256:{} ({})",
                p.name,
                p.client_id_source.as_deref().unwrap_or("-"),
                p.client_secret_fingerprint.as_deref().unwrap_or("-"),
                p.client_secret_source.as_deref().unwrap_or("-"),
            ),
            _ => println!("{:<9} no app; {}", p.name, p.how_to_configure.as_deref().unwrap_or("")),
        }
    }
    for c in consumers {
        match (&c.key, c.configured) {
            (Some(key), true) => println!(
                "{} consumer key {key} ({}), secret sha256:{} ({}); renews legacy garth sign-ins",
                c.name,
                c.key_source.as_deref().unwrap_or("-"),
                c.secret_fingerprint.as_deref().unwrap_or("-"),
                c.secret_source.as_deref().unwrap_or("-"),
            ),
            _ => println!(
                "{} no consumer (legacy garth sign-ins are not renewed); {}",
                c.name,
                c.how_to_configure.as_deref().unwrap_or("")
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `apps remove P`: forgets the app stored with `apps set`.
pub async fn remove(config: &Config, provider: &str) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, None).await?;
    let done = client.call::<AppsRemove>(&AppsRemoveParams { provider: provider.to_string() }).await?;
    if done.removed {
        println!(
            "removed the {} app stored with `apps set`; connections keep their tokens until they need a refresh",
            done.provider
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "no {} app was stored with `apps set`; `pierre-authd apps list` shows where each app comes from",
            done.provider
        );
        Ok(ExitCode::FAILURE)
    }
}
