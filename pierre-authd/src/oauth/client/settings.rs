//! Where each provider setting comes from, resolved once at start.
//!
//! Precedence, as DESIGN.md fixes it for everything: command-line flag >
//! `PIERRE_<P>_<FIELD>` > unprefixed `<P>_<FIELD>` (`STRAVA_CLIENT_ID`) >
//! `config.toml` (`[providers.<p>]`) > the catalogue's built-in value.
//! App credentials stored with `apps set` rank with `config.toml`, just
//! above it (they are the CLI's way of writing the same thing).

use std::collections::BTreeMap;

use pierre_shared::Secret;
use pierre_shared::catalogue::ProviderDef;
use serde::Deserialize;

/// A provider setting that can be overridden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    ClientId,
    ClientSecret,
    RedirectUri,
    AuthUrl,
    TokenUrl,
    ApiBase,
    RevokeUrl,
    Scopes,
    /// Garmin only: where imported DI sign-ins refresh.
    DiTokenUrl,
    /// Garmin only: the OAuth1 consumer a legacy garth sign-in's exchange
    /// is signed with; Pierre ships none, the user supplies it.
    ConsumerKey,
    ConsumerSecret,
}

impl Field {
    pub const ALL: &'static [Field] = &[
        Field::ClientId,
        Field::ClientSecret,
        Field::RedirectUri,
        Field::AuthUrl,
        Field::TokenUrl,
        Field::ApiBase,
        Field::RevokeUrl,
        Field::Scopes,
        Field::DiTokenUrl,
        Field::ConsumerKey,
        Field::ConsumerSecret,
    ];

    /// The one provider a field belongs to, for the fields only Garmin has
    /// (so `PIERRE_STRAVA_DI_TOKEN_URL` means nothing and config.toml
    /// refuses it under another provider).
    pub fn only_for(self) -> Option<&'static str> {
        matches!(self, Field::DiTokenUrl | Field::ConsumerKey | Field::ConsumerSecret).then_some("garmin")
    }

    /// Fields whose values are secrets: kept as [`Secret`], never as text.
    pub fn is_secret(self) -> bool {
        matches!(self, Field::ClientSecret | Field::ConsumerSecret)
    }

    /// The env-name suffix: `CLIENT_ID`.
    pub fn env_suffix(self) -> &'static str {
        match self {
            Field::ClientId => "CLIENT_ID",
            Field::ClientSecret => "CLIENT_SECRET",
            Field::RedirectUri => "REDIRECT_URI",
            Field::AuthUrl => "AUTH_URL",
            Field::TokenUrl => "TOKEN_URL",
            Field::ApiBase => "API_BASE",
            Field::RevokeUrl => "REVOKE_URL",
            Field::Scopes => "SCOPES",
            Field::DiTokenUrl => "DI_TOKEN_URL",
            Field::ConsumerKey => "CONSUMER_KEY",
            Field::ConsumerSecret => "CONSUMER_SECRET",
        }
    }
}

/// Where a value came from; shown by `providers.list` and `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env(String),
    ConfigFile,
    AppsSet,
    BuiltIn,
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Flag => "command-line flag".into(),
            Source::Env(name) => format!("env {name}"),
            Source::ConfigFile => "config.toml".into(),
            Source::AppsSet => "`pierre-authd apps set`".into(),
            Source::BuiltIn => "built-in".into(),
        }
    }
}

/// A resolved value and its source.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// The `[providers.<p>]` table of `config.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileProvider {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub redirect_uri: Option<String>,
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    pub api_base: Option<String>,
    pub revoke_url: Option<String>,
    pub scopes: Option<String>,
    pub di_token_url: Option<String>,
    pub consumer_key: Option<String>,
    pub consumer_secret: Option<String>,
}

impl FileProvider {
    fn get(&self, field: Field) -> Option<&String> {
        match field {
            Field::ClientId => self.client_id.as_ref(),
            Field::ClientSecret => self.client_secret.as_ref(),
            Field::RedirectUri => self.redirect_uri.as_ref(),
            Field::AuthUrl => self.auth_url.as_ref(),
            Field::TokenUrl => self.token_url.as_ref(),
            Field::ApiBase => self.api_base.as_ref(),
            Field::RevokeUrl => self.revoke_url.as_ref(),
            Field::Scopes => self.scopes.as_ref(),
            Field::DiTokenUrl => self.di_token_url.as_ref(),
            Field::ConsumerKey => self.consumer_key.as_ref(),
            Field::ConsumerSecret => self.consumer_secret.as_ref(),
        }
    }
}

/// One provider's overrides (no built-ins), as resolved at start.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    values: BTreeMap<Field, Setting<Secret>>,
}

impl Overrides {
    /// Applies the precedence to one provider. `flags` are command-line
    /// values (highest); `env` is the process environment lookup.
    pub fn resolve(
        def: &ProviderDef,
        flags: &BTreeMap<Field, String>,
        env: &dyn Fn(&str) -> Option<String>,
        file: Option<&FileProvider>,
    ) -> Overrides {
        let upper = def.name.to_ascii_uppercase();
        let mut values = BTreeMap::new();
        for &field in Field::ALL.iter().filter(|f| f.only_for().is_none_or(|p| p == def.name)) {
            let prefixed = format!("PIERRE_{upper}_{}", field.env_suffix());
            let plain = format!("{upper}_{}", field.env_suffix());
            let found = flags
                .get(&field)
                .map(|v| (v.clone(), Source::Flag))
                .or_else(|| env(&prefixed).map(|v| (v, Source::Env(prefixed.clone()))))
                .or_else(|| env(&plain).map(|v| (v, Source::Env(plain.clone()))))
                .or_else(|| file.and_then(|f| f.get(field)).map(|v| (v.clone(), Source::ConfigFile)));
            if let Some((value, source)) = found.filter(|(v, _)| !v.trim().is_empty()) {
                values.insert(field, Setting { value: Secret::from_string(value.trim().to_string()), source });
            }
        }
        Overrides { values }
    }

    /// A non-secret override as text.
    pub fn text(&self, field: Field) -> Option<Setting<String>> {
        debug_assert!(!field.is_secret());
        let s = self.values.get(&field)?;
        Some(Setting { value: s.value.expose_str().ok()?.to_string(), source: s.source.clone() })
    }

    /// The client secret override, kept as a [`Secret`].
    pub fn client_secret(&self) -> Option<&Setting<Secret>> {
        self.values.get(&Field::ClientSecret)
    }

    /// A secret override ([`Field::is_secret`]), kept as a [`Secret`].
    pub fn secret(&self, field: Field) -> Option<&Setting<Secret>> {
        debug_assert!(field.is_secret());
        self.values.get(&field)
    }
}

/// A non-secret setting: the override, else the built-in value.
pub fn text_or(overrides: &Overrides, field: Field, built_in: &str) -> Setting<String> {
    overrides.text(field).unwrap_or(Setting { value: built_in.to_string(), source: Source::BuiltIn })
}

/// Default port of the loopback callback listener.
pub const DEFAULT_CALLBACK_PORT: u16 = 8081;
/// Default life of a pending authorization (`state`), in seconds.
pub const DEFAULT_STATE_TTL_SECS: u64 = 600;

/// The OAuth client's part of `config.toml`; other sections are ignored here.
#[derive(Debug, Default, Deserialize)]
struct FileConfig {
    callback_port: Option<u16>,
    #[serde(default)]
    providers: BTreeMap<String, FileProvider>,
}

/// The OAuth client's configuration, resolved once at start.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    /// Overrides per catalogue provider.
    pub overrides: BTreeMap<&'static str, Overrides>,
    /// `PIERRE_CALLBACK_PORT` > `callback_port` in config.toml > 8081; 0 picks a free port.
    pub callback_port: u16,
    /// `PIERRE_OAUTH_STATE_TTL_SECS` > 600 (tests shorten it).
    pub state_ttl_secs: u64,
}

/// Garmin's DI OAuth2 token endpoint, where imported DI sign-ins refresh
/// (`grant_type=refresh_token`, HTTP Basic `client_id:` with an empty
/// secret): Garmin's second token URL (`token_url` is the Developer
/// Program's, for `connect garmin`), resolved like every other setting
/// (`PIERRE_GARMIN_DI_TOKEN_URL`, `GARMIN_DI_TOKEN_URL`, `[providers.garmin]
/// di_token_url`). Seen in python-garminconnect 0.3.12
/// `garminconnect/client.py` (`DI_TOKEN_URL`, `_refresh_di_token`) and
/// garth-ng 1.1 `src/garth/oauth.py` (`DI_TOKEN_URL`, `refresh_oauth2_token`).
pub const GARMIN_DI_TOKEN_URL_BUILT_IN: &str = "https://diauth.garmin.com/di-oauth2-service/oauth/token";

/// Why the OAuth configuration is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthConfigError {
    #[error("{path} is not valid: {message}; fix it or move it aside")]
    File { path: String, message: String },
    #[error("{name} must be a whole number; unset it or fix its value")]
    BadNumber { name: &'static str },
    #[error("config.toml names an unknown provider `{name}`; known providers: {known}")]
    UnknownProvider { name: String, known: String },
    #[error(
        "config.toml sets `{field}` under [providers.{name}], but only {belongs_to} has it; move it to [providers.{belongs_to}]"
    )]
    FieldElsewhere { name: String, field: String, belongs_to: &'static str },
}

impl OAuthConfig {
    /// Resolves from the environment and the text of `config.toml` (if any).
    pub fn load(
        env: &dyn Fn(&str) -> Option<String>,
        file_text: Option<&str>,
        file_path: &str,
    ) -> Result<OAuthConfig, OAuthConfigError> {
        let file: FileConfig = match file_text {
            Some(text) => toml::from_str(text).map_err(|e| OAuthConfigError::File {
                path: file_path.to_string(),
                message: e.message().to_string(),
            })?,
            None => FileConfig::default(),
        };
        if let Some(name) = file.providers.keys().find(|n| pierre_shared::catalogue::find(n).is_none()) {
            return Err(OAuthConfigError::UnknownProvider {
                name: name.clone(),
                known: pierre_shared::catalogue::names(),
            });
        }
        let number = |name: &'static str| -> Result<Option<u64>, OAuthConfigError> {
            env(name).map(|v| v.trim().parse::<u64>().map_err(|_| OAuthConfigError::BadNumber { name })).transpose()
        };
        let callback_port = match number("PIERRE_CALLBACK_PORT")? {
            Some(p) => u16::try_from(p).map_err(|_| OAuthConfigError::BadNumber { name: "PIERRE_CALLBACK_PORT" })?,
            None => file.callback_port.unwrap_or(DEFAULT_CALLBACK_PORT),
        };
        let state_ttl_secs = number("PIERRE_OAUTH_STATE_TTL_SECS")?.unwrap_or(DEFAULT_STATE_TTL_SECS);
        let misplaced = file.providers.iter().find_map(|(name, f)| {
            Field::ALL
                .iter()
                .find(|field| field.only_for().is_some_and(|p| p != name) && f.get(**field).is_some())
                .map(|field| (name, field))
        });
        if let Some((name, field)) = misplaced {
            return Err(OAuthConfigError::FieldElsewhere {
                name: name.clone(),
                field: field.env_suffix().to_ascii_lowercase(),
                belongs_to: field.only_for().unwrap_or_default(),
            });
        }
        let flags = BTreeMap::new();
        let overrides = pierre_shared::catalogue::ALL
            .iter()
            .map(|def| (def.name, Overrides::resolve(def, &flags, env, file.providers.get(def.name))))
            .collect();
        Ok(OAuthConfig { overrides, callback_port, state_ttl_secs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pierre_shared::catalogue;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn garmin_only_fields_resolve_for_garmin_alone_with_the_usual_precedence() {
        let garmin = catalogue::find("garmin").unwrap();
        let file = FileProvider {
            di_token_url: Some("http://file/di".into()),
            consumer_key: Some("file-key".into()),
            ..Default::default()
        };
        let env = env_of(&[
            ("GARMIN_DI_TOKEN_URL", " http://plain/di "),
            ("PIERRE_GARMIN_CONSUMER_SECRET", "env-consumer-secret"),
            ("PIERRE_STRAVA_DI_TOKEN_URL", "http://strava/di"),
        ]);
        let o = Overrides::resolve(garmin, &BTreeMap::new(), &env, Some(&file));
        assert_eq!(o.text(Field::DiTokenUrl).unwrap().value, "http://plain/di");
        assert_eq!(o.text(Field::DiTokenUrl).unwrap().source, Source::Env("GARMIN_DI_TOKEN_URL".into()));
        assert_eq!(o.text(Field::ConsumerKey).unwrap().source, Source::ConfigFile);
        assert_eq!(o.secret(Field::ConsumerSecret).unwrap().value.expose(), b"env-consumer-secret");
        assert!(!format!("{o:?}").contains("env-consumer-secret"));
        let strava = Overrides::resolve(catalogue::find("strava").unwrap(), &BTreeMap::new(), &env, None);
        assert!(strava.text(Field::DiTokenUrl).is_none(), "a Garmin-only field means nothing for Strava");
        let err = OAuthConfig::load(&env_of(&[]), Some("[providers.strava]\ndi_token_url = \"http://x\"\n"), "c")
            .unwrap_err();
        assert!(err.to_string().contains("move it to [providers.garmin]"), "{err}");
        assert!(
            OAuthConfig::load(&env_of(&[]), Some("[providers.garmin]\ndi_token_url = \"http://x\"\n"), "c").is_ok()
        );
    }

    #[test]
    fn precedence_is_flag_then_pierre_env_then_plain_env_then_file_then_built_in() {
        let strava = catalogue::find("strava").unwrap();
        let file = FileProvider {
            client_id: Some("from-file".into()),
            token_url: Some("http://file/token".into()),
            api_base: Some("http://file/api".into()),
            auth_url: Some("http://file/auth".into()),
            ..Default::default()
        };
        let env = env_of(&[
            ("PIERRE_STRAVA_CLIENT_ID", "pierre-env"),
            ("STRAVA_CLIENT_ID", "plain-env"),
            ("STRAVA_TOKEN_URL", "http://plain/token"),
            ("PIERRE_STRAVA_AUTH_URL", "http://pierre/auth"),
        ]);
        let mut flags = BTreeMap::new();
        flags.insert(Field::AuthUrl, "http://flag/auth".to_string());
        let o = Overrides::resolve(strava, &flags, &env, Some(&file));
        assert_eq!(o.text(Field::AuthUrl).unwrap().value, "http://flag/auth");
        assert_eq!(o.text(Field::AuthUrl).unwrap().source, Source::Flag);
        assert_eq!(o.text(Field::ClientId).unwrap().value, "pierre-env");
        assert_eq!(o.text(Field::TokenUrl).unwrap().value, "http://plain/token");
        assert_eq!(o.text(Field::ApiBase).unwrap().value, "http://file/api");
        assert_eq!(o.text(Field::ApiBase).unwrap().source, Source::ConfigFile);
        assert!(o.text(Field::RevokeUrl).is_none());
        assert_eq!(text_or(&o, Field::RevokeUrl, "https://built.in").source, Source::BuiltIn);
    }

    #[test]
    fn empty_values_do_not_override_and_other_providers_are_untouched() {
        let env = env_of(&[("PIERRE_FITBIT_CLIENT_ID", " "), ("STRAVA_CLIENT_ID", "s")]);
        let o = Overrides::resolve(catalogue::find("fitbit").unwrap(), &BTreeMap::new(), &env, None);
        assert!(o.text(Field::ClientId).is_none());
    }

    #[test]
    fn config_file_and_env_set_port_ttl_and_providers() {
        let text = "callback_port = 9000\n[providers.strava]\nclient_id = \"file-id\"\n[units]\nsystem = \"metric\"\n";
        let c = OAuthConfig::load(&env_of(&[]), Some(text), "config.toml").unwrap();
        assert_eq!(c.callback_port, 9000);
        assert_eq!(c.state_ttl_secs, DEFAULT_STATE_TTL_SECS);
        assert_eq!(c.overrides["strava"].text(Field::ClientId).unwrap().value, "file-id");
        let env = env_of(&[("PIERRE_CALLBACK_PORT", "0"), ("PIERRE_OAUTH_STATE_TTL_SECS", "2")]);
        let c = OAuthConfig::load(&env, Some(text), "config.toml").unwrap();
        assert_eq!((c.callback_port, c.state_ttl_secs), (0, 2));
        assert!(OAuthConfig::load(&env_of(&[]), Some("[providers.polar]\n"), "c").is_err());
        assert!(OAuthConfig::load(&env_of(&[("PIERRE_CALLBACK_PORT", "70000")]), None, "c").is_err());
    }

    #[test]
    fn client_secret_stays_a_secret() {
        let env = env_of(&[("STRAVA_CLIENT_SECRET", "shh")]);
        let o = Overrides::resolve(catalogue::find("strava").unwrap(), &BTreeMap::new(), &env, None);
        let s = o.client_secret().unwrap();
        assert_eq!(s.value.expose(), b"shh");
        assert!(!format!("{o:?}").contains("shh"));
    }
}
