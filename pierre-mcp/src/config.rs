//! The validated configuration: command-line flags and `PIERRE_*`
//! environment variables, read once, checked once. Nothing after
//! [`Config::resolve`] reads the environment.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::time::Duration;

use pierre_shared::Secret;
use pierre_shared::paths::{Paths, PathsError};
use pierre_shared::providers::synthetic::DEFAULT_SEED;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::cli::GlobalArgs;
use crate::daemon::LinkConfig;
use crate::output::OutputChoice;

/// Everything pierre-mcp needs to know before it starts.
#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Paths,
    /// How to reach the daemon, and as whom.
    pub link: LinkConfig,
    pub synthetic: SyntheticSettings,
    /// `RUST_LOG`, when set: the log filter.
    pub log_filter: Option<String>,
    /// TEST ONLY (`PIERRE_TEST_SLOW_MS`): every tool call first waits this
    /// long, in small steps that report progress and honour cancellation,
    /// so client tests can have a call in flight while they ping or cancel.
    /// No tool is added for this, so the public tool list stays honest.
    pub test_delay: Option<Duration>,
    /// `PIERRE_PROVIDER_TIMEOUT_MS`: how long one provider request may
    /// take (default 30 s).
    pub provider_timeout: Duration,
    /// `--output` > `PIERRE_OUTPUT` > `output` in `config.toml` > auto.
    pub output: OutputChoice,
}

/// A provider request taking longer than this is given up.
pub const DEFAULT_PROVIDER_TIMEOUT: Duration = Duration::from_secs(30);

/// How the synthetic provider generates its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticSettings {
    /// `PIERRE_SYNTHETIC_SEED`; [`DEFAULT_SEED`] otherwise.
    pub seed: u64,
    /// `PIERRE_SYNTHETIC_NOW`: a fixed clock, so output is reproducible;
    /// its offset is the athlete's time zone. Without it the real clock is
    /// used, in `local_offset`.
    pub now: Option<OffsetDateTime>,
    /// This machine's UTC offset, read at start (UTC when it cannot be
    /// read safely, which `time` refuses once other threads run).
    pub local_offset: UtcOffset,
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error(transparent)]
    Paths(#[from] PathsError),
    #[error("PIERRE_SYNTHETIC_SEED must be a whole number from 0 to {max}; it is `{value}`", max = u64::MAX)]
    Seed { value: String },
    #[error("PIERRE_PROVIDER_TIMEOUT_MS must be a whole number of milliseconds from 1 to 600000; it is `{value}`")]
    ProviderTimeout { value: String },
    #[error("PIERRE_SYNTHETIC_NOW must be an RFC 3339 time such as 2025-11-23T18:00:00+01:00; it is `{value}`")]
    Now {
        value: String,
        #[source]
        source: time::error::Parse,
    },
    #[error("PIERRE_TEST_SLOW_MS must be a whole number of milliseconds up to 600000; it is `{value}`")]
    TestDelay { value: String },
    #[error("{name} must be valid UTF-8")]
    NotUnicode { name: &'static str },
    #[error("{source_name} must be auto, structured or compact; it is `{value}`")]
    Output { source_name: String, value: String },
    #[error("{path} is not valid TOML; fix it or move it aside")]
    File {
        path: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("cannot read {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The part of `config.toml` pierre-mcp reads; other keys belong to the
/// daemon and are ignored here.
#[derive(Debug, Default, serde::Deserialize)]
struct FileConfig {
    output: Option<String>,
}

/// Reads `config.toml` (absent: defaults).
fn read_file(path: &std::path::Path) -> Result<FileConfig, ConfigError> {
    let shown = || path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|source| ConfigError::File { path: shown(), source }),
        // No file, or no home directory yet: nothing configured.
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
            Ok(FileConfig::default())
        }
        Err(source) => Err(ConfigError::Read { path: shown(), source }),
    }
}

/// `--output` > `PIERRE_OUTPUT` > `output` in `config.toml` > auto.
fn output_choice(
    flag: Option<OutputChoice>,
    env: Option<String>,
    file: impl FnOnce() -> Result<FileConfig, ConfigError>,
    file_name: &str,
) -> Result<OutputChoice, ConfigError> {
    if let Some(choice) = flag {
        return Ok(choice);
    }
    let (value, source_name) = match env {
        Some(value) => (value, "PIERRE_OUTPUT".to_owned()),
        None => match file()?.output {
            Some(value) => (value, format!("`output` in {file_name}")),
            None => return Ok(OutputChoice::Auto),
        },
    };
    value.parse().map_err(|()| ConfigError::Output { source_name, value })
}

impl Config {
    /// Combines flags and the environment (`env` reads one variable, so
    /// tests need not touch the process environment). Flags win.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the variable and the value it expects.
    pub fn resolve(flags: &GlobalArgs, env: impl Fn(&str) -> Option<OsString>) -> Result<Config, ConfigError> {
        let text = |name: &'static str| -> Result<Option<String>, ConfigError> {
            match env(name).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v.into_string().map(Some).map_err(|_| ConfigError::NotUnicode { name }),
            }
        };
        let paths = Paths::resolve(flags.home.as_deref(), &env)?;
        let user = match &flags.user {
            Some(user) => Some(user.clone()),
            None => text("PIERRE_USER")?,
        };
        let token = env("PIERRE_TOKEN").filter(|v| !v.is_empty()).map(|v| Secret::new(v.into_vec()));
        let authd_bin = env("PIERRE_AUTHD_BIN").filter(|v| !v.is_empty()).map(PathBuf::from);
        let seed = match text("PIERRE_SYNTHETIC_SEED")? {
            None => DEFAULT_SEED,
            Some(value) => value.trim().parse().map_err(|_| ConfigError::Seed { value })?,
        };
        let now = match text("PIERRE_SYNTHETIC_NOW")? {
            None => None,
            Some(value) => match OffsetDateTime::parse(value.trim(), &Rfc3339) {
                Ok(now) => Some(now),
                Err(source) => return Err(ConfigError::Now { value, source }),
            },
        };
        let test_delay = match text("PIERRE_TEST_SLOW_MS")? {
            None => None,
            Some(value) => match value.trim().parse::<u64>() {
                Ok(ms) if ms <= 600_000 => Some(Duration::from_millis(ms)),
                _ => return Err(ConfigError::TestDelay { value }),
            },
        };
        let provider_timeout = match text("PIERRE_PROVIDER_TIMEOUT_MS")? {
            None => DEFAULT_PROVIDER_TIMEOUT,
            Some(value) => match value.trim().parse::<u64>() {
                Ok(ms) if (1..=600_000).contains(&ms) => Duration::from_millis(ms),
                _ => return Err(ConfigError::ProviderTimeout { value }),
            },
        };
        let output = output_choice(
            flags.output,
            text("PIERRE_OUTPUT")?,
            || read_file(&paths.config_file),
            &paths.config_file.display().to_string(),
        )?;
        Ok(Config {
            output,
            provider_timeout,
            link: LinkConfig { paths: paths.clone(), user, token, authd_bin },
            paths,
            synthetic: SyntheticSettings {
                seed,
                now,
                local_offset: UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC),
            },
            log_filter: text("RUST_LOG")?,
            test_delay,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_without_environment() {
        let flags = GlobalArgs { home: Some("/tmp/pm-home".into()), user: None, output: None };
        let c = Config::resolve(&flags, env_of(&[])).unwrap();
        assert_eq!((c.synthetic.seed, c.synthetic.now), (DEFAULT_SEED, None));
        assert_eq!(c.paths.home.as_deref(), Some(Path::new("/tmp/pm-home")));
        assert!(c.link.token.is_none() && c.link.user.is_none() && c.test_delay.is_none());
        assert_eq!(c.provider_timeout, DEFAULT_PROVIDER_TIMEOUT);
    }

    #[test]
    fn flags_win_over_environment_and_values_are_checked() {
        let flags = GlobalArgs { home: Some("/tmp/flag".into()), user: Some("bob".into()), output: None };
        let env = env_of(&[
            ("PIERRE_HOME", "/tmp/env"),
            ("PIERRE_USER", "alice"),
            ("PIERRE_TOKEN", "eyJhbGciOi"),
            ("PIERRE_SYNTHETIC_SEED", "7"),
            ("PIERRE_SYNTHETIC_NOW", "2025-11-23T18:00:00+01:00"),
            ("PIERRE_TEST_SLOW_MS", "250"),
        ]);
        let c = Config::resolve(&flags, env).unwrap();
        assert_eq!(c.paths.home.as_deref(), Some(Path::new("/tmp/flag")));
        assert_eq!(c.link.user.as_deref(), Some("bob"));
        assert_eq!(c.link.token.as_ref().map(Secret::len), Some(10));
        assert_eq!(c.synthetic.seed, 7);
        assert_eq!(c.synthetic.now.unwrap().offset().whole_hours(), 1);
        assert_eq!(c.test_delay, Some(Duration::from_millis(250)));
        assert!(!format!("{c:?}").contains("eyJhbGciOi"), "the token never reaches Debug");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let flags = GlobalArgs { home: Some("/tmp/x".into()), user: None, output: None };
        let err = Config::resolve(&flags, env_of(&[("PIERRE_SYNTHETIC_SEED", "forty-two")])).unwrap_err();
        assert!(err.to_string().starts_with("PIERRE_SYNTHETIC_SEED must be"), "{err}");
        let err = Config::resolve(&flags, env_of(&[("PIERRE_SYNTHETIC_NOW", "yesterday")])).unwrap_err();
        assert!(err.to_string().contains("RFC 3339"), "{err}");
        let err = Config::resolve(&flags, env_of(&[("PIERRE_TEST_SLOW_MS", "-1")])).unwrap_err();
        assert!(matches!(err, ConfigError::TestDelay { .. }));
        for bad in ["0", "30s", "600001"] {
            let err = Config::resolve(&flags, env_of(&[("PIERRE_PROVIDER_TIMEOUT_MS", bad)])).unwrap_err();
            assert!(err.to_string().starts_with("PIERRE_PROVIDER_TIMEOUT_MS must be"), "{bad}: {err}");
        }
        let c = Config::resolve(&flags, env_of(&[("PIERRE_PROVIDER_TIMEOUT_MS", "1500")])).unwrap();
        assert_eq!(c.provider_timeout, Duration::from_millis(1500));
    }

    #[test]
    fn output_is_flag_then_env_then_config_toml_then_auto() {
        let dir = tempfile::tempdir().unwrap();
        let mut flags = GlobalArgs { home: Some(dir.path().into()), user: None, output: None };
        let resolve = |flags: &GlobalArgs, env: &[(&str, &str)]| Config::resolve(flags, env_of(env)).map(|c| c.output);
        assert_eq!(resolve(&flags, &[]).unwrap(), OutputChoice::Auto);
        std::fs::write(dir.path().join("config.toml"), "output = \"compact\"\ncallback_port = 0\n").unwrap();
        assert_eq!(resolve(&flags, &[]).unwrap(), OutputChoice::Compact);
        assert_eq!(resolve(&flags, &[("PIERRE_OUTPUT", "structured")]).unwrap(), OutputChoice::Structured);
        flags.output = Some(OutputChoice::Auto);
        assert_eq!(resolve(&flags, &[("PIERRE_OUTPUT", "structured")]).unwrap(), OutputChoice::Auto);
        flags.output = None;
        let err = resolve(&flags, &[("PIERRE_OUTPUT", "loud")]).unwrap_err();
        assert!(err.to_string().starts_with("PIERRE_OUTPUT must be auto, structured or compact"), "{err}");
        std::fs::write(dir.path().join("config.toml"), "output = \"tiny\"\n").unwrap();
        let err = resolve(&flags, &[]).unwrap_err();
        assert!(err.to_string().contains("`output` in"), "{err}");
    }
}
