//! `providers.list`, `apps.set` and `apps.remove`: the catalogue as this
//! daemon resolved it, and app credentials stored sealed with the install
//! key (also Garmin's OAuth1 consumer, as the app `garmin-connect`).

use pierre_shared::catalogue;
use pierre_shared::protocol::{
    AppsRemoveParams, AppsRemoveResult, AppsSetParams, AppsSetResult, ProvidersListResult, RpcError,
};
use pierre_shared::{ErrorCode, Secret};

use crate::oauth::client::garmin_legacy::CONSUMER_APP;
use crate::oauth::client::{APP_KIND, AppCredentials, OAuthClient};
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
    let (name, redirect_provider) = app_name(&params.provider)?;
    let def = OAuthClient::definition(redirect_provider)?;
    if def.oauth.is_none() {
        return Err(RpcError::new(
            ErrorCode::InvalidParams,
            format!("{} needs no app credentials; connect it with `pierre-authd login`", def.display_name),
        ));
    }
    let client_id = params.client_id.trim().to_string();
    let client_secret = params.client_secret.expose_text().trim().to_string();
    if client_id.is_empty() || client_secret.is_empty() {
        return Err(RpcError::new(
            ErrorCode::InvalidParams,
            "both a client id and a client secret are needed; pass --client-id ID and the secret on stdin",
        ));
    }
    let fingerprint = Secret::from_string(client_secret.clone()).fingerprint();
    let creds = AppCredentials { client_id: client_id.clone(), client_secret };
    let sealed = Secret::new(serde_json::to_vec(&creds).expect("app credentials always encode"));
    let id = name.to_string();
    ctx.daemon.store(move |store| store.put_install_secret(APP_KIND, &id, &sealed)).await?;
    ctx.daemon.oauth.set_app(name, creds);
    tracing::info!(provider = name, client_secret = %fingerprint, "provider app credentials set");
    // A consumer signs requests; it has no redirect URI to register.
    let redirect_uri =
        if name == CONSUMER_APP { String::new() } else { ctx.daemon.oauth.resolve(def.name)?.redirect_uri.value };
    Ok(AppsSetResult { provider: name.into(), client_id, client_secret_fingerprint: fingerprint, redirect_uri })
}

/// The install-secret id `apps set|remove` use for `name`, and the provider
/// it belongs to: a catalogue provider's own name, or `garmin-connect`
/// (Garmin's OAuth1 consumer for the legacy garth exchange; DESIGN.md's
/// note of 2026-12-07), stored like an app so it is sealed the same way.
fn app_name(name: &str) -> Result<(&'static str, &'static str), RpcError> {
    if name.trim().eq_ignore_ascii_case(CONSUMER_APP) {
        return Ok((CONSUMER_APP, "garmin"));
    }
    let def = OAuthClient::definition(name)?;
    Ok((def.name, def.name))
}

/// Forgets the app `apps.set` stored for a provider (owner only). Existing
/// connections keep their tokens; their next refresh needs an app again
/// (from the environment, `config.toml`, or another `apps set`).
pub async fn apps_remove(ctx: &RequestContext<'_>, params: AppsRemoveParams) -> Result<AppsRemoveResult, RpcError> {
    ctx.require_admin("remove provider app credentials")?;
    let (name, _) = app_name(&params.provider)?;
    let id = name.to_string();
    let removed = ctx.daemon.store(move |store| store.delete_install_secret(APP_KIND, &id)).await?;
    ctx.daemon.oauth.remove_app(name);
    tracing::info!(provider = name, removed, "provider app credentials removed");
    Ok(AppsRemoveResult { provider: name.into(), removed })
}
