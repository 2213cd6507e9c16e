//! Pending authorizations: single-use `state` bound to (user, provider).
//!
//! Each `connections.begin` stores one [`PendingAuthorization`] sealed with
//! the install key (kind `oauth_state`, id = SHA-256 of the state). The
//! callback takes it: read, then delete; only the caller whose delete
//! removed the row may use it, so a replayed or raced callback is refused.

use pierre_shared::Secret;
use serde::{Deserialize, Serialize};

use crate::vault::{Store, StoreError};

use super::pkce::state_id;

/// The install-secret kind pending states are stored under.
pub const STATE_KIND: &str = "oauth_state";

/// What the callback needs to finish a connect, and whom it is for.
#[derive(Serialize, Deserialize)]
pub struct PendingAuthorization {
    pub user_id: String,
    pub provider: String,
    /// The PKCE verifier (secret until the exchange).
    pub verifier: String,
    pub redirect_uri: String,
    /// Seconds since the Unix epoch.
    pub expires_at: i64,
}

impl std::fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("user_id", &self.user_id)
            .field("provider", &self.provider)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Why a callback's state was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    #[error("this sign-in link was already used, or was not issued by this daemon")]
    UnknownOrUsed,
    #[error("this sign-in link expired")]
    Expired { user_id: String },
    #[error("this sign-in link was issued for another provider")]
    WrongProvider { user_id: String },
    #[error("the stored sign-in state is unreadable")]
    Corrupt,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Seals and stores a pending authorization under `state`.
pub fn save(store: &dyn Store, state: &str, pending: &PendingAuthorization) -> Result<(), StoreError> {
    let json = serde_json::to_vec(pending).expect("a pending authorization always encodes");
    store.put_install_secret(STATE_KIND, &state_id(state), &Secret::new(json))
}

/// Takes (reads and deletes) the pending authorization for `state`.
///
/// # Errors
/// [`StateError::UnknownOrUsed`] when there is none or another caller took
/// it first; [`StateError::Expired`] past its life; [`StateError::WrongProvider`]
/// when the callback path names another provider than `connections.begin` did.
pub fn take(store: &dyn Store, state: &str, provider: &str, now: i64) -> Result<PendingAuthorization, StateError> {
    let id = state_id(state);
    let Some(sealed) = store.get_install_secret(STATE_KIND, &id)? else {
        return Err(StateError::UnknownOrUsed);
    };
    if !store.delete_install_secret(STATE_KIND, &id)? {
        return Err(StateError::UnknownOrUsed);
    }
    let pending: PendingAuthorization = serde_json::from_slice(sealed.expose()).map_err(|_| StateError::Corrupt)?;
    if pending.expires_at <= now {
        return Err(StateError::Expired { user_id: pending.user_id });
    }
    if pending.provider != provider {
        return Err(StateError::WrongProvider { user_id: pending.user_id });
    }
    Ok(pending)
}

/// Deletes pending authorizations past their life; returns how many.
pub fn prune(store: &dyn Store, now: i64) -> Result<usize, StoreError> {
    let mut removed = 0;
    for id in store.list_install_secret_ids(STATE_KIND)? {
        let expired = match store.get_install_secret(STATE_KIND, &id) {
            Ok(Some(sealed)) => serde_json::from_slice::<PendingAuthorization>(sealed.expose())
                .map(|p| p.expires_at <= now)
                .unwrap_or(true),
            Ok(None) => false,
            Err(_) => true,
        };
        if expired && store.delete_install_secret(STATE_KIND, &id)? {
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::{KeyConfig, SqliteStore};
    use pierre_shared::paths::{Paths, ensure_private_dir};

    struct TestHome {
        _dir: tempfile::TempDir,
        paths: Paths,
    }

    impl TestHome {
        fn new() -> TestHome {
            let dir = tempfile::tempdir().unwrap();
            let paths = Paths::under_home(dir.path());
            ensure_private_dir(&paths.data_dir).unwrap();
            TestHome { _dir: dir, paths }
        }
    }

    fn store(home: &TestHome) -> SqliteStore {
        let key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 32]);
        let keys =
            KeyConfig::from_env(move |name| (name == "PIERRE_MASTER_ENCRYPTION_KEY").then(|| key.clone().into()));
        SqliteStore::open(&home.paths, &keys).unwrap()
    }

    fn pending(provider: &str, expires_at: i64) -> PendingAuthorization {
        PendingAuthorization {
            user_id: "u1".into(),
            provider: provider.into(),
            verifier: "v".repeat(43),
            redirect_uri: "http://127.0.0.1:1/api/oauth/callback/strava".into(),
            expires_at,
        }
    }

    #[test]
    fn a_state_is_taken_once() {
        let home = TestHome::new();
        let store = store(&home);
        save(&store, "s1", &pending("strava", 100)).unwrap();
        let taken = take(&store, "s1", "strava", 50).unwrap();
        assert_eq!(taken.user_id, "u1");
        assert!(matches!(take(&store, "s1", "strava", 50), Err(StateError::UnknownOrUsed)));
        assert!(matches!(take(&store, "never", "strava", 50), Err(StateError::UnknownOrUsed)));
    }

    #[test]
    fn expired_and_wrong_provider_states_are_refused_and_burnt() {
        let home = TestHome::new();
        let store = store(&home);
        save(&store, "old", &pending("strava", 100)).unwrap();
        assert!(matches!(take(&store, "old", "strava", 100), Err(StateError::Expired { .. })));
        assert!(matches!(take(&store, "old", "strava", 0), Err(StateError::UnknownOrUsed)));
        save(&store, "other", &pending("fitbit", 100)).unwrap();
        assert!(matches!(take(&store, "other", "strava", 1), Err(StateError::WrongProvider { .. })));
    }

    #[test]
    fn prune_removes_only_expired_states() {
        let home = TestHome::new();
        let store = store(&home);
        save(&store, "a", &pending("strava", 10)).unwrap();
        save(&store, "b", &pending("strava", 1000)).unwrap();
        assert_eq!(prune(&store, 500).unwrap(), 1);
        assert!(take(&store, "b", "strava", 500).is_ok());
    }
}
