//! The provider app credentials this shell's environment sets, against the
//! ones the running daemon resolved when it started.
//!
//! The daemon reads `PIERRE_STRAVA_CLIENT_ID` and friends once, from its own
//! environment. A daemon auto-started by `pierre-mcp` (launched by an
//! assistant) never saw what the user exports in a shell afterwards, so
//! `login` from that shell must say so instead of claiming the variables are
//! unset. The CLI never copies a secret from its environment into the vault
//! by itself: the user picks a restart or `apps set`.

use pierre_shared::protocol::ProviderInfo;

use crate::oauth::client::settings::{Field, Overrides, Source};

/// How this shell and the daemon disagree about one provider's app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEnvMismatch {
    /// The shell sets an app, the daemon has none: `login` cannot work.
    DaemonLacksApp { sentence: String },
    /// Both have an app, with different client ids: `login` works, with
    /// the daemon's app, which the user may not expect.
    DaemonUsesAnother { sentence: String },
}

/// Compares `shell` (this CLI's resolved overrides for the provider) with
/// `daemon` (its `providers.list` entry). `None` when they agree or the
/// shell's environment sets no app for it.
pub fn compare(shell: &Overrides, daemon: &ProviderInfo) -> Option<AppEnvMismatch> {
    let id = shell.text(Field::ClientId).filter(|s| matches!(s.source, Source::Env(_)))?;
    let secret_var = shell.client_secret().and_then(|s| match &s.source {
        Source::Env(name) => Some(name.clone()),
        _ => None,
    });
    let Source::Env(id_var) = &id.source else { return None };
    let set = match &secret_var {
        Some(secret_var) => format!("{id_var} and {secret_var}"),
        None => id_var.clone(),
    };
    let provider = &daemon.name;
    let fixes = format!(
        "restart it from this shell (`pierre-authd stop`, then run this command again: it starts the daemon with your environment), or store the app with `pierre-authd apps set {provider} --client-id {} --client-secret-stdin`",
        id.value
    );
    if !daemon.configured {
        return Some(AppEnvMismatch::DaemonLacksApp {
            sentence: format!(
                "this shell sets {set}, but the running pierre-authd was started without them and has no {} app; {fixes}",
                daemon.display_name
            ),
        });
    }
    if daemon.client_id.as_deref() != Some(id.value.as_str()) {
        return Some(AppEnvMismatch::DaemonUsesAnother {
            sentence: format!(
                "note: this shell sets {id_var}={}, but the running pierre-authd uses client id {} (from {}); to use yours, {fixes}",
                id.value,
                daemon.client_id.as_deref().unwrap_or("-"),
                daemon.client_id_source.as_deref().unwrap_or("its configuration"),
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use pierre_shared::catalogue;

    fn shell(vars: &'static [(&'static str, &'static str)]) -> Overrides {
        let env = move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        Overrides::resolve(catalogue::find("strava").unwrap(), &BTreeMap::new(), &env, None)
    }

    fn daemon(configured: bool, client_id: Option<&str>) -> ProviderInfo {
        ProviderInfo {
            name: "strava".into(),
            display_name: "Strava".into(),
            needs_app: true,
            configured,
            client_id: client_id.map(str::to_owned),
            client_id_source: client_id.map(|_| "`pierre-authd apps set`".to_owned()),
            client_secret_fingerprint: None,
            client_secret_source: None,
            redirect_uri: None,
            api_base: String::new(),
            missing: Vec::new(),
            how_to_configure: None,
            register_at: None,
            register_hint: None,
            without_app: None,
            retired: None,
            consumer: None,
        }
    }

    const BOTH: &[(&str, &str)] = &[("PIERRE_STRAVA_CLIENT_ID", "123"), ("PIERRE_STRAVA_CLIENT_SECRET", "s3cr3t")];

    #[test]
    fn a_daemon_started_without_the_shells_app_is_named_with_both_fixes() {
        let Some(AppEnvMismatch::DaemonLacksApp { sentence }) = compare(&shell(BOTH), &daemon(false, None)) else {
            panic!("expected DaemonLacksApp");
        };
        assert!(sentence.contains("PIERRE_STRAVA_CLIENT_ID and PIERRE_STRAVA_CLIENT_SECRET"), "{sentence}");
        assert!(sentence.contains("pierre-authd stop"), "{sentence}");
        assert!(sentence.contains("pierre-authd apps set strava --client-id 123 --client-secret-stdin"), "{sentence}");
        assert!(!sentence.contains("s3cr3t"), "never the secret: {sentence}");
    }

    #[test]
    fn unprefixed_names_count_too() {
        let vars: &[(&str, &str)] = &[("STRAVA_CLIENT_ID", "9"), ("STRAVA_CLIENT_SECRET", "x")];
        let found = compare(&shell(vars), &daemon(false, None));
        assert!(
            matches!(found, Some(AppEnvMismatch::DaemonLacksApp { ref sentence }) if sentence.contains("STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET")),
            "{found:?}"
        );
    }

    #[test]
    fn another_client_id_in_the_daemon_is_a_note() {
        let found = compare(&shell(BOTH), &daemon(true, Some("777")));
        assert!(
            matches!(found, Some(AppEnvMismatch::DaemonUsesAnother { ref sentence }) if sentence.contains("client id 777")),
            "{found:?}"
        );
    }

    #[test]
    fn agreement_or_no_shell_app_says_nothing() {
        assert_eq!(compare(&shell(BOTH), &daemon(true, Some("123"))), None);
        assert_eq!(compare(&shell(&[]), &daemon(false, None)), None);
    }
}
