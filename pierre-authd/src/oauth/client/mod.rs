//! The fitness-provider OAuth 2.0 client (RFC 6749 authorization code with
//! RFC 7636 PKCE).
//!
//! - [`settings`]: override resolution (flag > env > config.toml > built-in).
//! - [`pkce`]: verifiers, challenges and `state` values.
//! - [`state`]: pending authorizations, sealed with the install key, single use.
//! - [`exchange`]: the code exchange through `oauth2` over reqwest, and the account id.
//! - [`callback`]: the loopback listener at `/api/oauth/callback/<provider>`.
//! - [`refresh`]: the refresh-token grant with bounded retries.
//! - [`garmin_legacy`] and [`oauth1`]: a legacy garth sign-in's OAuth1 →
//!   OAuth2 exchange, signed with HMAC-SHA1 (RFC 5849) with a user-supplied consumer.
//! - [`revoke`]: revoking at the provider in its own style, on disconnect.
//!
//! [`OAuthClient`] holds what was resolved at start plus app credentials
//! stored with `apps set`; it keeps no token and nothing per user.

pub mod callback;
pub mod exchange;
pub mod garmin_legacy;
pub mod oauth1;
pub mod pkce;
pub mod refresh;
pub mod revoke;
pub mod settings;
pub mod state;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock, RwLock};

use pierre_shared::catalogue::{self, ProviderDef};
use pierre_shared::protocol::{ConsumerInfo, ProviderInfo, RpcError};
use pierre_shared::{ErrorCode, Secret};
use serde::{Deserialize, Serialize};

use crate::daemon::Daemon;
use crate::vault::{Store, StoreError};
use settings::{Field, OAuthConfig, Setting, Source, text_or};

/// The install-secret kind `apps set` stores app credentials under (id = provider).
pub const APP_KIND: &str = "app_credentials";

/// App credentials stored with `apps set`.
#[derive(Clone, Serialize, Deserialize)]
pub struct AppCredentials {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// Loads every provider's `apps set` credentials from the store.
pub fn load_apps(store: &dyn Store) -> Result<HashMap<String, AppCredentials>, StoreError> {
    let mut apps = HashMap::new();
    for id in store.list_install_secret_ids(APP_KIND)? {
        if let Some(sealed) = store.get_install_secret(APP_KIND, &id)?
            && let Ok(creds) = serde_json::from_slice::<AppCredentials>(sealed.expose())
        {
            apps.insert(id, creds);
        }
    }
    Ok(apps)
}

/// One provider's effective settings at one moment.
pub struct ResolvedProvider {
    pub def: &'static ProviderDef,
    pub client_id: Option<Setting<String>>,
    pub client_secret: Option<Setting<Secret>>,
    pub redirect_uri: Setting<String>,
    pub auth_url: Setting<String>,
    pub token_url: Setting<String>,
    pub api_base: Setting<String>,
    pub revoke_url: Option<Setting<String>>,
    pub scopes: Setting<String>,
    /// Garmin only: where imported DI sign-ins refresh (a second token URL:
    /// `token_url` is the Developer Program's). Resolved here with the rest,
    /// so a refresh uses this configuration's value, not a process-wide one.
    pub di_token_url: Option<Setting<String>>,
    /// Garmin only: the OAuth1 consumer legacy garth sign-ins refresh
    /// with, when the user supplied both its key and secret (env or
    /// config.toml, or `apps set garmin-connect`, which ranks above
    /// config.toml like every `apps set`). Pierre ships none.
    pub consumer: Option<garmin_legacy::Consumer>,
}

impl ResolvedProvider {
    /// The catalogue's retirement sentence, when the provider's real
    /// endpoints are in use (an overridden auth URL or API base, such as a
    /// test double or a proxy, still works).
    pub fn retired(&self) -> Option<&'static str> {
        let real = matches!(self.auth_url.source, Source::BuiltIn) || matches!(self.api_base.source, Source::BuiltIn);
        self.def.retired.filter(|_| real)
    }

    /// The refusal for a retired provider, as a socket error.
    pub fn retired_error(&self) -> Option<RpcError> {
        self.retired().map(|why| RpcError::new(ErrorCode::NotSupported, format!("{why}.")).with_provider(self.def.name))
    }

    /// Whether a connect can start: an OAuth provider with an id and a secret.
    pub fn configured(&self) -> bool {
        self.def.oauth.is_none() || (self.client_id.is_some() && self.client_secret.is_some())
    }

    /// What to set, for a provider that is not configured yet.
    pub fn how_to_configure(&self) -> String {
        let p = self.def.env_prefix();
        format!(
            "set {p}CLIENT_ID and {p}CLIENT_SECRET (or {u}_CLIENT_ID / {u}_CLIENT_SECRET, or [providers.{n}] in config.toml), or run `pierre-authd apps set {n} --client-id ID --client-secret-stdin`",
            u = self.def.name.to_ascii_uppercase(),
            n = self.def.name,
        )
    }

    /// The error for a connect attempt on an unconfigured provider.
    pub fn not_configured(&self) -> RpcError {
        RpcError::new(
            ErrorCode::ProviderNotConfigured,
            format!(
                "{} has no app credentials configured. To fix it, {}.",
                self.def.display_name,
                self.how_to_configure()
            ),
        )
        .with_provider(self.def.name)
    }
}

/// The Garmin consumer from overrides and `apps set garmin-connect`, with
/// the precedence of app credentials: flag and env beat `apps set`, which
/// beats config.toml. Both halves or nothing.
fn consumer(o: &settings::Overrides, app: Option<&AppCredentials>) -> Option<garmin_legacy::Consumer> {
    let from_env_or_flag = |s: &Source| matches!(s, Source::Env(_) | Source::Flag);
    let mut key = o.text(Field::ConsumerKey);
    let mut secret = o.secret(Field::ConsumerSecret).cloned();
    if let Some(app) = app {
        if !key.as_ref().is_some_and(|s| from_env_or_flag(&s.source)) {
            key = Some(Setting { value: app.client_id.clone(), source: Source::AppsSet });
        }
        if !secret.as_ref().is_some_and(|s| from_env_or_flag(&s.source)) {
            secret = Some(Setting { value: Secret::from_string(app.client_secret.clone()), source: Source::AppsSet });
        }
    }
    Some(garmin_legacy::Consumer { key: key?, secret: secret? })
}

/// The provider OAuth client's shared state.
pub struct OAuthClient {
    config: OAuthConfig,
    apps: RwLock<HashMap<String, AppCredentials>>,
    /// Where the callback listener is bound, once it is. A busy port does
    /// not stop the daemon (tokens keep flowing); the next
    /// `connections.begin` tries again and says what to do.
    callback_addr: OnceLock<SocketAddr>,
    /// Serialises binding attempts.
    bind_gate: tokio::sync::Mutex<()>,
    /// The daemon, for the listener's handlers (weak: the daemon owns us).

    /// Redirects disabled: a token endpoint must answer, not send us elsewhere (SSRF).
    http: reqwest::Client,
}

impl OAuthClient {
    /// # Errors
    /// When the TLS stack cannot be set up.
    pub fn new(config: OAuthConfig, apps: HashMap<String, AppCredentials>) -> Result<OAuthClient, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .user_agent(concat!("pierre-authd/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(OAuthClient {
            config,
            apps: RwLock::new(apps),
            callback_addr: OnceLock::new(),
            bind_gate: tokio::sync::Mutex::new(()),
            http,
        })
    }

    /// The bound callback listener's address, once bound.
    pub fn callback_addr(&self) -> Option<SocketAddr> {
        self.callback_addr.get().copied()
    }

    /// Binds the callback listener on 127.0.0.1 (configured port) and serves
    /// it for `daemon` until it stops, unless that already happened. The
    /// daemon is passed in (it owns this client), never kept here.
    ///
    /// # Errors
    /// `config_invalid` with what to do when the port is taken.
    pub async fn ensure_listener(&self, daemon: &Arc<Daemon>) -> Result<SocketAddr, RpcError> {
        if let Some(addr) = self.callback_addr() {
            return Ok(addr);
        }
        let _gate = self.bind_gate.lock().await;
        if let Some(addr) = self.callback_addr() {
            return Ok(addr);
        }
        if daemon.shutdown.is_cancelled() {
            return Err(RpcError::new(ErrorCode::ShuttingDown, "the daemon is stopping; retry after it restarts"));
        }
        let port = self.config.callback_port;
        let listener = callback::bind(port).await.map_err(|e| {
            RpcError::new(
                ErrorCode::ConfigInvalid,
                format!(
                    "cannot listen for sign-in callbacks on 127.0.0.1:{port} ({e}); free that port, or set PIERRE_CALLBACK_PORT (or callback_port in config.toml) and register the matching redirect URI with the provider"
                ),
            )
        })?;
        let addr = listener.local_addr().map_err(|_| {
            RpcError::new(
                ErrorCode::InternalError,
                "the callback listener has no address; this is a bug, please report it",
            )
        })?;
        tokio::spawn(callback::serve(listener, daemon.clone(), daemon.shutdown.child_token()));
        let _ = self.callback_addr.set(addr);
        tracing::info!(port = addr.port(), "OAuth callback listener on 127.0.0.1");
        Ok(addr)
    }

    /// How long a pending authorization lives, in seconds.
    pub fn state_ttl_secs(&self) -> u64 {
        self.config.state_ttl_secs
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Records new `apps set` credentials (already stored by the caller).
    pub fn set_app(&self, provider: &str, creds: AppCredentials) {
        self.apps.write().unwrap_or_else(|e| e.into_inner()).insert(provider.to_string(), creds);
    }

    /// Forgets `apps set` credentials (already deleted from the store).
    pub fn remove_app(&self, provider: &str) {
        self.apps.write().unwrap_or_else(|e| e.into_inner()).remove(provider);
    }

    /// The catalogue entry, or the error naming the known providers.
    pub fn definition(provider: &str) -> Result<&'static ProviderDef, RpcError> {
        catalogue::find(provider).ok_or_else(|| {
            RpcError::new(
                ErrorCode::UnknownProvider,
                format!("there is no provider `{provider}`; known providers: {}", catalogue::names()),
            )
        })
    }

    /// The redirect URI of `def`: the override, else this listener's own.
    pub fn default_redirect_uri(&self, def: &ProviderDef) -> String {
        let port = self.callback_addr().map_or(self.config.callback_port, |a| a.port());
        format!("http://127.0.0.1:{port}/api/oauth/callback/{}", def.name)
    }

    /// Applies overrides, `apps set` credentials and built-ins.
    pub fn resolve(&self, provider: &str) -> Result<ResolvedProvider, RpcError> {
        let def = Self::definition(provider)?;
        let empty = settings::Overrides::default();
        let o = self.config.overrides.get(def.name).unwrap_or(&empty);
        let apps = self.apps.read().unwrap_or_else(|e| e.into_inner());
        let app = apps.get(def.name);
        // `apps set` ranks just above config.toml: env and flags still win.
        let from_env_or_flag = |s: &Source| matches!(s, Source::Env(_) | Source::Flag);
        let mut client_id = o.text(Field::ClientId);
        let mut client_secret = o.client_secret().cloned();
        if let Some(app) = app {
            if !client_id.as_ref().is_some_and(|s| from_env_or_flag(&s.source)) {
                client_id = Some(Setting { value: app.client_id.clone(), source: Source::AppsSet });
            }
            if !client_secret.as_ref().is_some_and(|s| from_env_or_flag(&s.source)) {
                client_secret =
                    Some(Setting { value: Secret::from_string(app.client_secret.clone()), source: Source::AppsSet });
            }
        }
        let oauth = def.oauth.as_ref();
        let scopes_default = oauth.map(|a| a.scopes.join(a.scope_separator)).unwrap_or_default();
        Ok(ResolvedProvider {
            def,
            client_id,
            client_secret,
            redirect_uri: o
                .text(Field::RedirectUri)
                .unwrap_or(Setting { value: self.default_redirect_uri(def), source: Source::BuiltIn }),
            auth_url: text_or(o, Field::AuthUrl, oauth.map_or("", |a| a.auth_url)),
            token_url: text_or(o, Field::TokenUrl, oauth.map_or("", |a| a.token_url)),
            api_base: text_or(o, Field::ApiBase, def.api_base),
            revoke_url: o.text(Field::RevokeUrl).or_else(|| {
                oauth.and_then(|a| a.revoke_url).map(|u| Setting { value: u.into(), source: Source::BuiltIn })
            }),
            scopes: text_or(o, Field::Scopes, &scopes_default),
            di_token_url: (def.name == "garmin")
                .then(|| text_or(o, Field::DiTokenUrl, settings::GARMIN_DI_TOKEN_URL_BUILT_IN)),
            consumer: if def.name == "garmin" { consumer(o, apps.get(garmin_legacy::CONSUMER_APP)) } else { None },
        })
    }

    /// What `providers.list` shows for one provider: never a secret, only
    /// its fingerprint.
    pub fn info(&self, def: &'static ProviderDef) -> ProviderInfo {
        let r = self.resolve(def.name).expect("catalogue providers always resolve");
        let oauth = def.oauth.as_ref();
        let configured = r.configured();
        let mut missing = Vec::new();
        if oauth.is_some() {
            if r.client_id.is_none() {
                missing.push(format!("{}CLIENT_ID", def.env_prefix()));
            }
            if r.client_secret.is_none() {
                missing.push(format!("{}CLIENT_SECRET", def.env_prefix()));
            }
        }
        ProviderInfo {
            name: def.name.into(),
            display_name: def.display_name.into(),
            needs_app: oauth.is_some(),
            configured,
            client_id: r.client_id.as_ref().map(|s| s.value.clone()),
            client_id_source: r.client_id.as_ref().map(|s| s.source.describe()),
            client_secret_fingerprint: r.client_secret.as_ref().map(|s| s.value.fingerprint()),
            client_secret_source: r.client_secret.as_ref().map(|s| s.source.describe()),
            redirect_uri: oauth.map(|_| r.redirect_uri.value.clone()),
            api_base: r.api_base.value.clone(),
            missing,
            how_to_configure: (!configured).then(|| r.how_to_configure()),
            register_at: oauth.map(|a| a.register_at.to_string()),
            register_hint: oauth.map(|a| a.register_hint.to_string()),
            without_app: def.without_app.map(str::to_owned),
            retired: r.retired().map(str::to_owned),
            consumer: (def.name == "garmin").then(|| ConsumerInfo {
                name: garmin_legacy::CONSUMER_APP.into(),
                configured: r.consumer.is_some(),
                key: r.consumer.as_ref().map(|c| c.key.value.clone()),
                key_source: r.consumer.as_ref().map(|c| c.key.source.describe()),
                secret_fingerprint: r.consumer.as_ref().map(|c| c.secret.value.fingerprint()),
                secret_source: r.consumer.as_ref().map(|c| c.secret.source.describe()),
                how_to_configure: r.consumer.is_none().then(garmin_legacy::how_to_supply),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(env: &'static [(&'static str, &'static str)], apps: HashMap<String, AppCredentials>) -> OAuthClient {
        let lookup = move |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        let mut config = OAuthConfig::load(&lookup, None, "config.toml").unwrap();
        config.callback_port = 4321;
        OAuthClient::new(config, apps).unwrap()
    }

    #[test]
    fn unconfigured_providers_say_what_to_set() {
        let c = client(&[], HashMap::new());
        let info = c.info(catalogue::find("strava").unwrap());
        assert!(!info.configured);
        assert_eq!(info.missing, ["PIERRE_STRAVA_CLIENT_ID", "PIERRE_STRAVA_CLIENT_SECRET"]);
        assert!(
            info.how_to_configure
                .unwrap()
                .contains("pierre-authd apps set strava --client-id ID --client-secret-stdin")
        );
        assert_eq!(info.redirect_uri.as_deref(), Some("http://127.0.0.1:4321/api/oauth/callback/strava"));
        assert!(c.info(catalogue::find("synthetic").unwrap()).configured);
    }

    #[test]
    fn secrets_are_only_shown_as_fingerprints_and_env_beats_apps_set() {
        let mut apps = HashMap::new();
        apps.insert(
            "strava".to_string(),
            AppCredentials { client_id: "app-id".into(), client_secret: "app-secret".into() },
        );
        apps.insert("fitbit".to_string(), AppCredentials { client_id: "fb".into(), client_secret: "fb-secret".into() });
        let c = client(&[("STRAVA_CLIENT_ID", "env-id")], apps);
        let info = c.info(catalogue::find("strava").unwrap());
        assert!(info.configured);
        assert_eq!(info.client_id.as_deref(), Some("env-id"));
        assert_eq!(info.client_secret_source.as_deref(), Some("`pierre-authd apps set`"));
        let shown = serde_json::to_string(&info).unwrap();
        assert!(!shown.contains("app-secret"));
        assert_eq!(info.client_secret_fingerprint, Some(Secret::from_string("app-secret".into()).fingerprint()));
        assert_eq!(c.resolve("fitbit").unwrap().client_id.unwrap().value, "fb");
        assert_eq!(c.resolve("polar").err().unwrap().data.code, ErrorCode::UnknownProvider);
    }

    #[test]
    fn the_di_token_url_is_garmins_resolved_per_client_and_absent_elsewhere() {
        let built_in = client(&[], HashMap::new()).resolve("garmin").unwrap().di_token_url.unwrap();
        assert_eq!(built_in.value, "https://diauth.garmin.com/di-oauth2-service/oauth/token");
        assert_eq!(built_in.source, Source::BuiltIn);
        // A second configuration in the same process gets its own value.
        let set = client(&[("PIERRE_GARMIN_DI_TOKEN_URL", "http://127.0.0.1:9/di")], HashMap::new());
        let di = set.resolve("garmin").unwrap().di_token_url.unwrap();
        assert_eq!(
            (di.value.as_str(), di.source),
            ("http://127.0.0.1:9/di", Source::Env("PIERRE_GARMIN_DI_TOKEN_URL".into()))
        );
        assert!(set.resolve("strava").unwrap().di_token_url.is_none());
    }

    #[test]
    fn the_garmin_consumer_needs_both_halves_and_env_beats_apps_set_beats_config() {
        let c = client(&[("PIERRE_GARMIN_CONSUMER_KEY", "env-key")], HashMap::new());
        assert!(c.resolve("garmin").unwrap().consumer.is_none(), "a key without a secret is no consumer");
        let info = c.info(catalogue::find("garmin").unwrap()).consumer.unwrap();
        assert!(!info.configured);
        assert!(
            info.how_to_configure.unwrap().contains("apps set garmin-connect --client-id KEY --client-secret-stdin")
        );
        let mut apps = HashMap::new();
        apps.insert(
            "garmin-connect".to_string(),
            AppCredentials { client_id: "app-key".into(), client_secret: "app-consumer-secret".into() },
        );
        let c = client(&[("PIERRE_GARMIN_CONSUMER_KEY", "env-key")], apps);
        let consumer = c.resolve("garmin").unwrap().consumer.unwrap();
        assert_eq!((consumer.key.value.as_str(), &consumer.secret.source), ("env-key", &Source::AppsSet));
        assert!(!format!("{consumer:?}").contains("app-consumer-secret"));
        let info = c.info(catalogue::find("garmin").unwrap());
        assert!(!serde_json::to_string(&info).unwrap().contains("app-consumer-secret"));
        assert_eq!(
            info.consumer.unwrap().secret_fingerprint,
            Some(Secret::from_string("app-consumer-secret".into()).fingerprint())
        );
        assert!(c.resolve("strava").unwrap().consumer.is_none());
        assert!(c.info(catalogue::find("strava").unwrap()).consumer.is_none());
    }
}
