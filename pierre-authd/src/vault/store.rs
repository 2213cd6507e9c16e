//! The [`Store`] trait: the one seam between the daemon and its storage, so a
//! PostgreSQL store can replace [`super::SqliteStore`] without touching
//! callers. Object-safe (`Arc<dyn Store>`), blocking: call it from
//! `spawn_blocking` or a dedicated thread, never directly on a runtime worker.

use pierre_shared::Secret;
use pierre_shared::protocol::ConnectionState;

use super::crypto::SecretField;
use super::error::StoreError;
use super::keys::KeyBackend;

/// Facts about this install, fixed on its first start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallInfo {
    /// Random UUID; names the keyring entry, so two homes never share a key.
    pub install_id: String,
    /// The backend the first start put the master key in.
    pub key_backend: KeyBackend,
    /// Where the key came from on this start: the recorded backend, or
    /// [`KeyBackend::Env`] when `PIERRE_MASTER_ENCRYPTION_KEY` overrides it.
    pub key_source: KeyBackend,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// One Pierre user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Random UUID v4 that never changes.
    pub user_id: String,
    /// Unique ignoring ASCII case; may change.
    pub name: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// The administrator: created on first start, named after the OS account.
    pub is_owner: bool,
}

/// One (user, provider) connection, without its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRecord {
    /// Catalogue name: `[a-z0-9][a-z0-9_-]{0,63}`.
    pub provider: String,
    pub state: ConnectionState,
    /// Changes on every (re)connect; caches key on it.
    pub connection_id: String,
    /// The provider's account id, when known.
    pub account_id: Option<String>,
    /// Seconds since the Unix epoch.
    pub connected_at: i64,
    /// When the access token expires, seconds since the Unix epoch.
    pub expires_at: Option<i64>,
    /// Granted scopes as the provider wrote them.
    pub scopes: Option<String>,
}

/// Users, their connections and sealed secrets, and install-level secrets.
///
/// Every method either completes or changes nothing (one transaction per
/// call), and no error carries a secret.
pub trait Store: Send + Sync {
    /// The install's id, key backend and creation time.
    fn install_info(&self) -> InstallInfo;

    /// Creates a user with a new random id, its 0700 directory and its 0600
    /// vault. Names follow [`super::validate_user_name`].
    ///
    /// # Errors
    /// `InvalidUserName`, `UserExists` (names ignore case), `OwnerExists`,
    /// storage errors; on any error neither the row nor the directory exists.
    fn add_user(&self, name: &str, is_owner: bool) -> Result<UserRecord, StoreError>;

    /// Every user, oldest first.
    ///
    /// # Errors
    /// Storage errors, `Purged`.
    fn list_users(&self) -> Result<Vec<UserRecord>, StoreError>;

    /// By id (a UUID) or by name (ignoring case).
    ///
    /// # Errors
    /// Storage errors, `Purged`; an unknown user is `Ok(None)`.
    fn find_user(&self, name_or_id: &str) -> Result<Option<UserRecord>, StoreError>;

    /// Renames; the id stays.
    ///
    /// # Errors
    /// `UnknownUser`, `InvalidUserName`, `UserExists`, storage errors.
    fn rename_user(&self, user_id: &str, new_name: &str) -> Result<UserRecord, StoreError>;

    /// Deletes the user's row, closes its vault and deletes its directory.
    /// The owner cannot be removed.
    ///
    /// # Errors
    /// `UnknownUser`, `OwnerProtected`, storage errors.
    fn remove_user(&self, user_id: &str) -> Result<(), StoreError>;

    /// The user's connections, by provider name.
    ///
    /// # Errors
    /// `UnknownUser`, vault errors (`VaultMissing`, `VaultWrongKey`,
    /// `VaultMoved`), storage errors.
    fn list_connections(&self, user_id: &str) -> Result<Vec<ConnectionRecord>, StoreError>;

    /// Inserts or replaces `record` and replaces every secret of that
    /// provider with `secrets`, in one transaction.
    ///
    /// # Errors
    /// `UnknownUser`, `InvalidProvider`, `DuplicateSecretField`, vault and
    /// storage errors; on any error the vault is unchanged.
    fn put_connection(
        &self,
        user_id: &str,
        record: &ConnectionRecord,
        secrets: &[(SecretField, Secret)],
    ) -> Result<(), StoreError>;

    /// One secret of a connection, or `None` when it has none for `field`.
    ///
    /// # Errors
    /// `UnknownUser`, `InvalidProvider`, and the `vault_corrupt` family:
    /// `SecretMoved`, `SecretTampered`, `UnknownFormatVersion`.
    fn get_secret(&self, user_id: &str, provider: &str, field: SecretField) -> Result<Option<Secret>, StoreError>;

    /// Deletes the connection and its secrets; `false` when there was none.
    ///
    /// # Errors
    /// `UnknownUser`, `InvalidProvider`, vault and storage errors.
    fn delete_connection(&self, user_id: &str, provider: &str) -> Result<bool, StoreError>;

    /// Connections of every user together. A vault that cannot be read
    /// (damaged, tampered) is listed in [`ConnectionCount::unreadable`]
    /// instead of failing the count, so one user's broken vault never hides
    /// the daemon's state from everyone else.
    ///
    /// # Errors
    /// Errors of the state database.
    fn count_connections(&self) -> Result<ConnectionCount, StoreError>;

    /// Removes every user and vault, the state database, the key file and
    /// this install's keyring entry. The store is unusable afterwards.
    ///
    /// # Errors
    /// `Purged` on a second call, file errors, `KeyringEntryLeft` (with the
    /// `secret-tool` command that removes the entry by hand).
    fn purge(&self) -> Result<(), StoreError>;

    /// Seals and stores an install-level secret under `(kind, id)`, replacing
    /// any previous one. `kind` is `[a-z0-9_]{1,64}` and picks the key
    /// (`pierre/v1/install/<kind>`); `id` is 1 to 512 bytes and not secret
    /// (it is part of the AAD, stored in plain text and named in errors).
    ///
    /// # Errors
    /// `InvalidInstallSecretName`, storage errors.
    fn put_install_secret(&self, kind: &str, id: &str, value: &Secret) -> Result<(), StoreError>;

    /// An install-level secret, or `None`.
    ///
    /// # Errors
    /// `InvalidInstallSecretName`, `SecretMoved`, `SecretTampered`,
    /// `UnknownFormatVersion`, storage errors.
    fn get_install_secret(&self, kind: &str, id: &str) -> Result<Option<Secret>, StoreError>;

    /// Deletes an install-level secret; `false` when there was none.
    ///
    /// # Errors
    /// `InvalidInstallSecretName`, storage errors.
    fn delete_install_secret(&self, kind: &str, id: &str) -> Result<bool, StoreError>;

    /// The ids stored under `kind`, sorted.
    ///
    /// # Errors
    /// `InvalidInstallSecretName`, storage errors.
    fn list_install_secret_ids(&self, kind: &str) -> Result<Vec<String>, StoreError>;

    /// A user's stored athlete settings, by field name.
    ///
    /// # Errors
    /// `UnknownUser`, storage errors.
    fn athlete_settings(&self, user_id: &str) -> Result<Vec<SettingRow>, StoreError>;

    /// Stores `set` and forgets the fields in `clear` for a user, in one
    /// transaction: all of it or nothing.
    ///
    /// # Errors
    /// `UnknownUser`, storage errors.
    fn put_athlete_settings(&self, user_id: &str, set: &[SettingRow], clear: &[String]) -> Result<(), StoreError>;
}

/// One stored athlete setting (see `pierre_shared::model::settings`): the
/// value as JSON text, checked by the caller before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingRow {
    pub field: String,
    pub value_json: String,
    pub source: String,
    pub method: Option<String>,
    pub updated_at: i64,
}

/// [`Store::count_connections`]'s answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionCount {
    pub total: u64,
    /// Users whose vault could not be read, with why.
    pub unreadable: Vec<(String, String)>,
}
