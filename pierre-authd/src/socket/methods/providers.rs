//! `providers.list`, `apps.set` and `apps.remove`: the catalogue as this
//! daemon resolved it, and app credentials stored sealed with the install key.

use pierre_shared::catalogue;
use pierre_shared::protocol::{AppsRemoveParams, AppsRemoveResult, AppsSetParams, AppsSetResult, ProvidersListResult, RpcError};
use pierre_shared::{ErrorCode, Secret};

use crate::oauth::client::{AppCredentials, OAuthClient, APP_KIND};
use crate::socket::session::RequestContext;

/// Every catalogue provider: configured or not, and if not, what to set.
pub async fn list(ctx: &RequestContext<'_>) -> Result<ProvidersListResult, RpcError> {
    let providers = catalogue::ALL.iter().map(|def| ctx.daemon.oauth.info(def)).collect();
    Ok(ProvidersListResult { providers })
}

/// Stores a provider app's client id and secret (owner only). The secret
/// is sealed with the install key; only its fingerprint is ever shown.
pub async fn apps_set(ctx: &RequestContext<'_>, params: AppsSetParams) -> Result<AppsSetResult, RpcError> {
    ctx.require_admin("set provider app credentials")?;
    let def = OAuthClient::definition(&params.provider)?;
    if def.oauth.is_none() {
        return Err(RpcError::new(
            ErrorCode::InvalidParams,
            format!("{} needs no app credentials; connect it with `pierre-authd login`", def.display_name),
        ));
    }
    let client_id = params.client_id.trim().to_string();
    let client_secret = params.client_secret.trim().to_string();
    if client_id.is_empty() || client_secret.is_empty() {
        return Err(RpcError::new(
            ErrorCode::InvalidParams,
            "both a client id and a client secret are needed; pass --client-id ID and the secret on stdin",
        ));
    }
    let fingerprint = Secret::from_string(client_secret.clone()).fingerprint();
    let creds = AppCredentials { client_id: client_id.clone(), client_secret };
    let sealed = Secret::new(serde_json::to_vec(&creds).expect("app credentials always encode"));
    let provider = def.name.to_string();
    ctx.daemon.store(move |store| store.put_install_secret(APP_KIND, &provider, &sealed)).await?;
    ctx.daemon.oauth.set_app(def.name, creds);
    tracing::info!(provider = def.name, client_secret = %fingerprint, "provider app credentials set");
    let redirect_uri = ctx.daemon.oauth.resolve(def.name)?.redirect_uri.value;
    Ok(AppsSetResult { provider: def.name.into(), client_id, client_secret_fingerprint: fingerprint, redirect_uri })
}

/// Forgets the app `apps.set` stored for a provider (owner only). Existing
/// connections keep their tokens; their next refresh needs an app again
/// (from the environment, `config.toml`, or another `apps set`).
pub async fn apps_remove(ctx: &RequestContext<'_>, params: AppsRemoveParams) -> Result<AppsRemoveResult, RpcError> {
    ctx.require_admin("remove provider app credentials")?;
    let def = OAuthClient::definition(&params.provider)?;
    let provider = def.name.to_string();
    let removed = ctx.daemon.store(move |store| store.delete_install_secret(APP_KIND, &provider)).await?;
    ctx.daemon.oauth.remove_app(def.name);
    tracing::info!(provider = def.name, removed, "provider app credentials removed");
    Ok(AppsRemoveResult { provider: def.name.into(), removed })
}
