//! The checked configuration the daemon and its CLI run with.
//!
//! Built once from the command line and the environment; nothing after
//! [`Config::load`] reads `std::env`.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use pierre_shared::Secret;
use pierre_shared::paths::{Paths, PathsError};

use crate::oauth::authz::{AuthServerConfig, ConfigError as AuthServerConfigError};
use crate::oauth::client::settings::{OAuthConfig, OAuthConfigError};
use crate::vault::KeyConfig;

/// How long a new connection may take to say `daemon.hello`.
const DEFAULT_HELLO_TIMEOUT: Duration = Duration::from_secs(5);
/// Most simultaneous socket connections; more are told to retry.
const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// Everything the daemon and the CLI need, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Paths,
    pub keys: KeyConfig,
    /// `PIERRE_USER`: the Pierre user CLI commands act for.
    pub user: Option<String>,
    /// `PIERRE_TOKEN`: a socket JWT that pins every CLI command to the one
    /// Pierre user it names, exactly as it pins `pierre-mcp`.
    pub token: Option<Secret>,
    /// The OS account name, used to name the owner user on first start.
    pub os_user: String,
    pub hello_timeout: Duration,
    pub max_connections: usize,
    /// Provider overrides, the callback port and the state life.
    pub oauth: OAuthConfig,
    /// Whether a graphical session is there to open a browser in
    /// (`DISPLAY` or `WAYLAND_DISPLAY`).
    pub has_display: bool,
    /// The authorization server's port and per-IP rate limits.
    pub auth_server: AuthServerConfig,
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error(transparent)]
    Paths(#[from] PathsError),
    #[error("{name} must be a whole number of milliseconds; unset it or fix its value")]
    BadNumber { name: &'static str },
    #[error(transparent)]
    AuthServer(#[from] AuthServerConfigError),
    #[error(transparent)]
    OAuth(#[from] OAuthConfigError),
    #[error("cannot read {path}")]
    ReadFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Config {
    /// Resolves the configuration from `--home` and an environment lookup.
    pub fn load(home_flag: Option<&Path>, env: impl Fn(&str) -> Option<OsString>) -> Result<Config, ConfigError> {
        let paths = Paths::resolve(home_flag, &env)?;
        let text = |name: &str| env(name).and_then(|v| v.into_string().ok()).filter(|v| !v.is_empty());
        let millis = |name: &'static str| -> Result<Option<Duration>, ConfigError> {
            text(name)
                .map(|v| v.parse::<u64>().map(Duration::from_millis).map_err(|_| ConfigError::BadNumber { name }))
                .transpose()
        };
        let config_text = match std::fs::read_to_string(&paths.config_file) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(ConfigError::ReadFile { path: paths.config_file.display().to_string(), source }),
        };
        let oauth =
            OAuthConfig::load(&|name| text(name), config_text.as_deref(), &paths.config_file.display().to_string())?;
        let auth_server = AuthServerConfig::load(&|name| text(name), config_text.as_deref())?;
        Ok(Config {
            auth_server,
            oauth,
            has_display: text("DISPLAY").is_some() || text("WAYLAND_DISPLAY").is_some(),
            keys: KeyConfig::from_env(&env),
            user: text("PIERRE_USER"),
            token: env("PIERRE_TOKEN").filter(|v| !v.is_empty()).map(|v| Secret::new(v.into_encoded_bytes())),
            os_user: pierre_shared::platform::os_user_name().or_else(|| text("USER")).unwrap_or_else(|| "owner".into()),
            hello_timeout: millis("PIERRE_AUTHD_HELLO_TIMEOUT_MS")?.unwrap_or(DEFAULT_HELLO_TIMEOUT),
            max_connections: text("PIERRE_AUTHD_MAX_CONNECTIONS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_MAX_CONNECTIONS),
            paths,
        })
    }
}
