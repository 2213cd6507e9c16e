//! [`SqliteStore`]: the [`Store`] over one state database and one vault file
//! per user.
//!
//! Shared state: the state database's connection behind a std `Mutex` (no
//! `.await` is ever held across it: the daemon calls the store from
//! `spawn_blocking`), and the [`VaultPool`] of open vaults, each with its own
//! connection and lock, so two users' writes do not wait for each other.
//! Lock order: the pool's lock may be held while the state lock is taken
//! (opening a vault checks the user exists), never the other way round.

use std::fmt;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::{Arc, Mutex};

use pierre_shared::Secret;
use pierre_shared::paths::{Paths, ensure_private_dir};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use uuid::Uuid;

use super::crypto::{self, Aad, OpenError, SealKey, SecretField, install_key_info, user_key_info};
use super::db;
use super::error::{FileKind, KeySourceLabel, StoreError};
use super::files;
use super::keys::{self, KeyBackend, KeyConfig, LoadedKey, MasterKey};
use super::migrations;
use super::names::{validate_install_kind, validate_install_secret, validate_provider, validate_user_name};
use super::sealed::{open_row, seal_row};
use super::state::{self, InstallRow};
use super::store::{ConnectionCount, ConnectionRecord, InstallInfo, SettingRow, Store, UserRecord};
use super::user_vault::{VaultHandle, VaultPool, lock};

/// Open vault files kept by default: far below any `ulimit -n`, far above
/// the users one daemon serves at once.
pub const DEFAULT_VAULT_CACHE_CAPACITY: NonZeroUsize = NonZeroUsize::new(128).expect("128 is not zero");

/// Install-level purpose and kind of the key check value.
const KEY_CHECK_KIND: &str = "key_check";
/// The key check value's plaintext.
const KEY_CHECK: &[u8] = b"pierre key check v1";

/// Tuning for [`SqliteStore::open_with`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How many vault files stay open (LRU).
    pub vault_cache_capacity: NonZeroUsize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { vault_cache_capacity: DEFAULT_VAULT_CACHE_CAPACITY }
    }
}

/// The SQLite store. See the module doc for its locks.
pub struct SqliteStore {
    paths: Paths,
    keys: KeyConfig,
    info: InstallInfo,
    master: MasterKey,
    salt: Vec<u8>,
    /// `None` once purged.
    state: Mutex<Option<Connection>>,
    vaults: VaultPool,
}

impl SqliteStore {
    /// Opens the install under `paths`, creating it on the first start.
    ///
    /// Blocking (SQLite, fsync, possibly D-Bus): call it from `main` before
    /// the runtime starts or from `spawn_blocking`.
    ///
    /// # Errors
    /// Key backend problems ([`StoreError::KeyStoreUnavailable`],
    /// [`StoreError::WrongMasterKey`], [`StoreError::EnvKeyInvalid`], file
    /// modes), storage problems, and [`StoreError::OrphanedVaults`] when user
    /// vaults exist without a state database. On a key error nothing on disk
    /// was changed.
    pub fn open(paths: &Paths, keys: &KeyConfig) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(paths, keys, StoreOptions::default())
    }

    /// [`SqliteStore::open`] with explicit options.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn open_with(paths: &Paths, keys: &KeyConfig, options: StoreOptions) -> Result<SqliteStore, StoreError> {
        ensure_private_dir(&paths.data_dir)?;
        let state_path = paths.state_db();
        let existed = state_path.exists();
        if !existed {
            refuse_orphaned_vaults(paths)?;
        }
        let mut conn = db::open(&state_path, FileKind::StateDb, !existed)?;
        let sqlite = || StoreError::sqlite(&state_path);
        let version = migrations::schema_version(&conn).map_err(sqlite())?;
        let supported = migrations::latest(migrations::STATE);
        if version > supported {
            return Err(StoreError::SchemaTooNew { path: state_path.clone(), found: version, supported });
        }
        let recorded = if version >= 1 { state::read_install(&conn).map_err(sqlite())? } else { None };
        let (install, loaded) = match recorded {
            Some(install) => {
                // Read-only until the key is proven right: a failing backend
                // leaves the state database and the vaults as they were.
                let loaded = keys::load(paths, keys, install.key_backend, &install.install_id)?;
                verify_key_check(&loaded, &install)?;
                db::migrate(&mut conn, &state_path, migrations::STATE)?;
                (install, loaded)
            }
            None => {
                refuse_orphaned_vaults(paths)?;
                first_start(paths, keys, &mut conn, &state_path)?
            }
        };
        ensure_private_dir(&paths.users_dir())?;
        let info = InstallInfo {
            install_id: install.install_id,
            key_backend: install.key_backend,
            key_source: loaded.source,
            created_at: install.created_at,
        };
        Ok(SqliteStore {
            paths: paths.clone(),
            keys: keys.clone(),
            info,
            master: loaded.key,
            salt: install.hkdf_salt,
            state: Mutex::new(Some(conn)),
            vaults: VaultPool::new(options.vault_cache_capacity),
        })
    }

    /// Proves, changing nothing on disk, that the master key this process
    /// would load opens the install: the key check `doctor` runs whether or
    /// not a daemon is up, with this shell's environment. `Ok(None)` before
    /// the first start (when only a set env key is checked for its form).
    ///
    /// # Errors
    /// What [`SqliteStore::open`] would fail with for the key: the backend
    /// unavailable (key file missing, keyring locked), a malformed or wrong
    /// env key, a wrong key, file modes, or orphaned vaults.
    pub fn check_key(paths: &Paths, keys: &KeyConfig) -> Result<Option<InstallInfo>, StoreError> {
        let state_path = paths.state_db();
        if !state_path.exists() {
            refuse_orphaned_vaults(paths)?;
            keys.check_env_key_for_first_start()?;
            return Ok(None);
        }
        let conn = db::open(&state_path, FileKind::StateDb, false)?;
        let version = migrations::schema_version(&conn).map_err(StoreError::sqlite(&state_path))?;
        let recorded =
            if version >= 1 { state::read_install(&conn).map_err(StoreError::sqlite(&state_path))? } else { None };
        let Some(install) = recorded else {
            keys.check_env_key_for_first_start()?;
            return Ok(None);
        };
        let loaded = keys::load(paths, keys, install.key_backend, &install.install_id)?;
        verify_key_check(&loaded, &install)?;
        Ok(Some(InstallInfo {
            install_id: install.install_id,
            key_backend: install.key_backend,
            key_source: loaded.source,
            created_at: install.created_at,
        }))
    }

    /// Removes an install that cannot be opened (lost key, broken state
    /// database): users' directories, the state database, the key file, and
    /// the keyring entry when the state database still names it.
    ///
    /// # Errors
    /// File removal failures, or [`StoreError::KeyringEntryLeft`].
    pub fn purge_without_key(paths: &Paths, keys: &KeyConfig) -> Result<(), StoreError> {
        let install = read_install_for_purge(&paths.state_db());
        remove_install(paths, keys, install.as_ref().map(|(backend, id)| (*backend, id.as_str())))
    }

    /// How many vault files are open now (at most the cache capacity plus
    /// in-flight calls).
    pub fn open_vault_handles(&self) -> usize {
        self.vaults.len()
    }

    fn user_key(&self, user_id: &str) -> SealKey {
        SealKey::derive(self.master.bytes(), &self.salt, &user_key_info(user_id))
    }

    fn install_key(&self, kind: &str) -> SealKey {
        SealKey::derive(self.master.bytes(), &self.salt, &install_key_info(kind))
    }

    fn sqlite(&self) -> impl FnOnce(rusqlite::Error) -> StoreError {
        StoreError::sqlite(self.paths.state_db())
    }

    /// Runs `f` on the state connection, or fails with `Purged`.
    fn with_state<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut guard = lock(&self.state);
        let conn = guard.as_mut().ok_or(StoreError::Purged)?;
        f(conn)
    }

    fn user(&self, user_id: &str) -> Result<UserRecord, StoreError> {
        let unknown = || StoreError::UnknownUser { user: user_id.to_owned() };
        // Ids are UUIDs; anything else (e.g. `../x`) never reaches a path.
        let id = Uuid::try_parse(user_id).map_err(|_| unknown())?.hyphenated().to_string();
        self.with_state(|conn| state::user_by_id(conn, &id).map_err(self.sqlite()))?.ok_or_else(unknown)
    }

    /// The user's open vault, opening it (and checking the user exists) on
    /// a cache miss.
    fn vault(&self, user_id: &str) -> Result<Arc<VaultHandle>, StoreError> {
        self.vaults.get_or_open(user_id, || {
            let user = self.user(user_id)?;
            VaultHandle::open(&self.paths, &user.user_id, self.user_key(&user.user_id))
        })
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("info", &self.info)
            .field("data_dir", &self.paths.data_dir)
            .field("open_vaults", &self.vaults.len())
            .finish_non_exhaustive()
    }
}

/// No state database (or no install in it) but users' directories exist:
/// starting a new install would silently orphan them.
fn refuse_orphaned_vaults(paths: &Paths) -> Result<(), StoreError> {
    let users_dir = paths.users_dir();
    let has_entries = match std::fs::read_dir(&users_dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(StoreError::io("read", users_dir)(e)),
    };
    if has_entries {
        return Err(StoreError::OrphanedVaults { users_dir, state_db: paths.state_db() });
    }
    Ok(())
}

/// Creates the install: id, salt, key (in the documented backend order),
/// schema, then the install row with the key check value in one transaction.
fn first_start(
    paths: &Paths,
    keys: &KeyConfig,
    conn: &mut Connection,
    state_path: &Path,
) -> Result<(InstallRow, LoadedKey), StoreError> {
    let install_id = Uuid::new_v4().to_string();
    let mut salt = vec![0u8; 32];
    getrandom::fill(&mut salt).map_err(StoreError::Random)?;
    let loaded = keys::create(paths, keys, &install_id)?;
    match record_install(conn, state_path, &install_id, salt, &loaded) {
        Ok(install) => {
            tracing::info!(%install_id, key_backend = %install.key_backend, "created a new install");
            Ok((install, loaded))
        }
        Err(err) => {
            // The keyring entry belongs to this install id alone: take it
            // back so a failed start leaves nothing behind. (A key file may
            // have been there before this start, so it stays.)
            if loaded.source == KeyBackend::SecretService
                && let Err(failure) = keys::delete_keyring_entry(keys, &install_id)
            {
                tracing::warn!(error = %failure, "could not remove the keyring entry of a failed first start");
            }
            Err(err)
        }
    }
}

fn record_install(
    conn: &mut Connection,
    state_path: &Path,
    install_id: &str,
    salt: Vec<u8>,
    loaded: &LoadedKey,
) -> Result<InstallRow, StoreError> {
    db::migrate(conn, state_path, migrations::STATE)?;
    let check_key = SealKey::derive(loaded.key.bytes(), &salt, &install_key_info(KEY_CHECK_KIND));
    let key_check = seal_row(&check_key, &Aad::install(KEY_CHECK_KIND, install_id), KEY_CHECK)?.blob;
    let install = InstallRow {
        install_id: install_id.to_owned(),
        key_backend: loaded.source,
        hkdf_salt: salt,
        key_check,
        created_at: db::now(),
    };
    let write = |conn: &mut Connection| -> rusqlite::Result<()> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        state::insert_install(&tx, &install)?;
        tx.commit()
    };
    write(conn).map_err(StoreError::sqlite(state_path))?;
    Ok(install)
}

/// The key check value must open under the key from this start.
fn verify_key_check(loaded: &LoadedKey, install: &InstallRow) -> Result<(), StoreError> {
    let key = SealKey::derive(loaded.key.bytes(), &install.hkdf_salt, &install_key_info(KEY_CHECK_KIND));
    let aad = Aad::install(KEY_CHECK_KIND, &install.install_id);
    match crypto::open(&key, &aad, &install.key_check) {
        Ok(plain) if plain.expose() == KEY_CHECK => Ok(()),
        Err(OpenError::UnknownVersion(version)) => {
            Err(StoreError::UnknownFormatVersion { location: aad.to_string(), version })
        }
        Ok(_) | Err(_) => Err(StoreError::WrongMasterKey {
            source_backend: KeySourceLabel(loaded.source),
            recorded: install.key_backend,
        }),
    }
}

/// Backend and install id from a state database that may be damaged, for
/// purging; `None` when they cannot be read.
fn read_install_for_purge(path: &Path) -> Option<(KeyBackend, String)> {
    if !path.exists() {
        return None;
    }
    let read = || -> rusqlite::Result<Option<InstallRow>> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(db::BUSY_TIMEOUT)?;
        if migrations::schema_version(&conn)? == 0 {
            return Ok(None);
        }
        state::read_install(&conn)
    };
    match read() {
        Ok(install) => install.map(|i| (i.key_backend, i.install_id)),
        Err(e) => {
            tracing::warn!(error = %e, path = %path.display(), "cannot read the install to purge; a keyring entry may be left");
            None
        }
    }
}

/// Deletes users' directories first, then the state database, then the key
/// material; each step is idempotent, so a purge interrupted by a crash is
/// finished by running it again.
fn remove_install(paths: &Paths, keys: &KeyConfig, install: Option<(KeyBackend, &str)>) -> Result<(), StoreError> {
    files::remove_dir_if_present(&paths.users_dir())?;
    let state_db = paths.state_db();
    for suffix in ["-wal", "-shm", "-journal", ""] {
        let mut name = state_db.clone().into_os_string();
        name.push(suffix);
        files::remove_file_if_present(Path::new(&name))?;
    }
    keys::destroy(paths, keys, install)
}

fn check_distinct_fields(secrets: &[(SecretField, Secret)]) -> Result<(), StoreError> {
    for (i, (field, _)) in secrets.iter().enumerate() {
        if secrets[..i].iter().any(|(earlier, _)| earlier == field) {
            return Err(StoreError::DuplicateSecretField { field: field.as_str() });
        }
    }
    Ok(())
}

impl Store for SqliteStore {
    fn install_info(&self) -> InstallInfo {
        self.info.clone()
    }

    fn add_user(&self, name: &str, is_owner: bool) -> Result<UserRecord, StoreError> {
        validate_user_name(name)?;
        let user =
            UserRecord { user_id: Uuid::new_v4().to_string(), name: name.to_owned(), created_at: db::now(), is_owner };
        let handle = self.with_state(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(self.sqlite())?;
            if let Some(existing) = state::user_by_name(&tx, name).map_err(self.sqlite())? {
                return Err(StoreError::UserExists { name: existing.name });
            }
            if is_owner && let Some(owner) = state::owner(&tx).map_err(self.sqlite())? {
                return Err(StoreError::OwnerExists { name: owner.name });
            }
            state::insert_user(&tx, &user).map_err(|e| {
                if state::is_unique_violation(&e) {
                    StoreError::UserExists { name: name.to_owned() }
                } else {
                    StoreError::sqlite(self.paths.state_db())(e)
                }
            })?;
            // The row commits only once the vault exists; a failure undoes both.
            let undo_dir = || files::remove_dir_if_present(&self.paths.user_dir(&user.user_id));
            let handle = match VaultHandle::create(&self.paths, &user.user_id, self.user_key(&user.user_id)) {
                Ok(handle) => handle,
                Err(e) => {
                    let _ = undo_dir();
                    return Err(e);
                }
            };
            if let Err(e) = tx.commit() {
                drop(handle);
                let _ = undo_dir();
                return Err(StoreError::sqlite(self.paths.state_db())(e));
            }
            Ok(handle)
        })?;
        self.vaults.insert(&user.user_id, handle);
        Ok(user)
    }

    fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.with_state(|conn| state::list_users(conn).map_err(self.sqlite()))
    }

    fn find_user(&self, name_or_id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.with_state(|conn| {
            match Uuid::try_parse(name_or_id) {
                Ok(id) => state::user_by_id(conn, &id.hyphenated().to_string()),
                Err(_) => state::user_by_name(conn, name_or_id),
            }
            .map_err(self.sqlite())
        })
    }

    fn rename_user(&self, user_id: &str, new_name: &str) -> Result<UserRecord, StoreError> {
        validate_user_name(new_name)?;
        let mut user = self.user(user_id)?;
        self.with_state(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(self.sqlite())?;
            if let Some(other) = state::user_by_name(&tx, new_name).map_err(self.sqlite())?
                && other.user_id != user.user_id
            {
                return Err(StoreError::UserExists { name: other.name });
            }
            if state::rename_user(&tx, &user.user_id, new_name).map_err(self.sqlite())? == 0 {
                return Err(StoreError::UnknownUser { user: user_id.to_owned() });
            }
            tx.commit().map_err(self.sqlite())
        })?;
        new_name.clone_into(&mut user.name);
        Ok(user)
    }

    fn remove_user(&self, user_id: &str) -> Result<(), StoreError> {
        let user = self.user(user_id)?;
        if user.is_owner {
            return Err(StoreError::OwnerProtected { name: user.name });
        }
        self.with_state(|conn| {
            let n = state::delete_user(conn, &user.user_id).map_err(self.sqlite())?;
            if n == 0 { Err(StoreError::UnknownUser { user: user_id.to_owned() }) } else { Ok(()) }
        })?;
        self.vaults.remove(&user.user_id);
        files::remove_dir_if_present(&self.paths.user_dir(&user.user_id))
    }

    fn list_connections(&self, user_id: &str) -> Result<Vec<ConnectionRecord>, StoreError> {
        self.vault(user_id)?.list_connections()
    }

    fn put_connection(
        &self,
        user_id: &str,
        record: &ConnectionRecord,
        secrets: &[(SecretField, Secret)],
    ) -> Result<(), StoreError> {
        validate_provider(&record.provider)?;
        check_distinct_fields(secrets)?;
        self.vault(user_id)?.put_connection(record, secrets)
    }

    fn get_secret(&self, user_id: &str, provider: &str, field: SecretField) -> Result<Option<Secret>, StoreError> {
        validate_provider(provider)?;
        self.vault(user_id)?.get_secret(provider, field)
    }

    fn delete_connection(&self, user_id: &str, provider: &str) -> Result<bool, StoreError> {
        validate_provider(provider)?;
        self.vault(user_id)?.delete_connection(provider)
    }

    /// Opens each uncached vault briefly, without disturbing the LRU: cost
    /// grows with the number of users (see `examples/vault_cost.rs`).
    fn count_connections(&self) -> Result<ConnectionCount, StoreError> {
        let mut count = ConnectionCount::default();
        for user in self.list_users()? {
            let counted = match self.vaults.peek(&user.user_id) {
                Some(handle) => handle.count_connections(),
                None => VaultHandle::open(&self.paths, &user.user_id, self.user_key(&user.user_id))
                    .and_then(|vault| vault.count_connections()),
            };
            match counted {
                Ok(n) => count.total += n,
                Err(error) => {
                    tracing::warn!(user_id = %user.user_id, %error, "a vault could not be read while counting connections");
                    count.unreadable.push((user.name.clone(), error.to_string()));
                }
            }
        }
        Ok(count)
    }

    fn purge(&self) -> Result<(), StoreError> {
        // Close the state database first, so no vault can be opened anew.
        let conn = lock(&self.state).take().ok_or(StoreError::Purged)?;
        drop(conn);
        self.vaults.clear();
        tracing::warn!(install_id = %self.info.install_id, "purging the install");
        remove_install(&self.paths, &self.keys, Some((self.info.key_backend, &self.info.install_id)))
    }

    fn put_install_secret(&self, kind: &str, id: &str, value: &Secret) -> Result<(), StoreError> {
        validate_install_secret(kind, id)?;
        let row = seal_row(&self.install_key(kind), &Aad::install(kind, id), value.expose())?;
        self.with_state(|conn| state::put_install_secret(conn, kind, id, &row, db::now()).map_err(self.sqlite()))
    }

    fn get_install_secret(&self, kind: &str, id: &str) -> Result<Option<Secret>, StoreError> {
        validate_install_secret(kind, id)?;
        let row = self.with_state(|conn| state::get_install_secret(conn, kind, id).map_err(self.sqlite()))?;
        let Some(row) = row else { return Ok(None) };
        open_row(&self.install_key(kind), &Aad::install(kind, id), &row).map(Some)
    }

    fn delete_install_secret(&self, kind: &str, id: &str) -> Result<bool, StoreError> {
        validate_install_secret(kind, id)?;
        self.with_state(|conn| Ok(state::delete_install_secret(conn, kind, id).map_err(self.sqlite())? > 0))
    }

    fn list_install_secret_ids(&self, kind: &str) -> Result<Vec<String>, StoreError> {
        validate_install_kind(kind)?;
        self.with_state(|conn| state::list_install_secret_ids(conn, kind).map_err(self.sqlite()))
    }

    fn athlete_settings(&self, user_id: &str) -> Result<Vec<SettingRow>, StoreError> {
        let user = self.user(user_id)?;
        self.with_state(|conn| state::athlete_settings(conn, &user.user_id).map_err(self.sqlite()))
    }

    fn put_athlete_settings(&self, user_id: &str, set: &[SettingRow], clear: &[String]) -> Result<(), StoreError> {
        let user = self.user(user_id)?;
        self.with_state(|conn| state::put_athlete_settings(conn, &user.user_id, set, clear).map_err(self.sqlite()))
    }
}
