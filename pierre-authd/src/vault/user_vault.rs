//! One user's vault file, and the bounded LRU of open ones.
//!
//! A [`VaultHandle`] owns one SQLite connection and the user's derived key;
//! it is opened lazily, on a user's first use, through [`VaultPool`]. The pool
//! keeps at most `capacity` handles so 10,000 users need no more than
//! `capacity` (plus in-flight) file descriptors; an evicted handle closes when
//! its last in-flight user drops it.
//!
//! Opening checks the canary: a constant sealed with this user's key for
//! `<user_id>|#vault|canary`. A canary sealed for another user means the file
//! was moved; one that does not open means the key is wrong (a vault copied
//! from another install). After that, a row that does not open was changed.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use lru::LruCache;
use pierre_shared::Secret;
use pierre_shared::paths::{Paths, check_private_dir};
use pierre_shared::protocol::ConnectionState;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::crypto::{self, Aad, OpenError, SealKey, SecretField};
use super::db;
use super::error::{FileKind, StoreError};
use super::files;
use super::migrations;
use super::sealed::{SealedRow, open_row, seal_row};
use super::store::ConnectionRecord;

/// The canary's plaintext.
const CANARY: &[u8] = b"pierre vault canary v1";

/// Locks, recovering from a poisoned mutex: every mutation under these locks
/// is a SQLite transaction (rolled back on unwind) or a cache update, so the
/// data is consistent even after a panic elsewhere.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An open vault.
pub(crate) struct VaultHandle {
    user_id: String,
    path: PathBuf,
    key: SealKey,
    conn: Mutex<Connection>,
}

impl VaultHandle {
    /// Creates the user's 0700 directory and 0600 vault with its canary. The
    /// directory must not exist yet.
    pub(crate) fn create(paths: &Paths, user_id: &str, key: SealKey) -> Result<VaultHandle, StoreError> {
        let dir = paths.user_dir(user_id);
        files::create_private_dir(&dir).map_err(StoreError::io("create", &dir))?;
        let path = paths.user_vault(user_id);
        let mut conn = db::open(&path, FileKind::Vault, true)?;
        db::migrate(&mut conn, &path, migrations::VAULT)?;
        let canary = seal_row(&key, &Aad::vault_canary(user_id), CANARY)?;
        conn.execute(
            "INSERT INTO vault (id, user_id, canary_sealed_for, canary, created_at) VALUES (1, ?1, ?2, ?3, ?4)",
            params![user_id, canary.sealed_for, canary.blob, db::now()],
        )
        .map_err(StoreError::sqlite(&path))?;
        files::sync_dir(&paths.users_dir()).map_err(StoreError::io("flush", paths.users_dir()))?;
        Ok(VaultHandle { user_id: user_id.to_owned(), path, key, conn: Mutex::new(conn) })
    }

    /// Opens an existing vault and checks its canary.
    pub(crate) fn open(paths: &Paths, user_id: &str, key: SealKey) -> Result<VaultHandle, StoreError> {
        let path = paths.user_vault(user_id);
        let dir = paths.user_dir(user_id);
        if !dir.exists() || !path.exists() {
            return Err(StoreError::VaultMissing { user_id: user_id.to_owned(), path });
        }
        check_private_dir(&dir)?;
        let mut conn = db::open(&path, FileKind::Vault, false)?;
        db::migrate(&mut conn, &path, migrations::VAULT)?;
        check_canary(&conn, &path, user_id, &key)?;
        Ok(VaultHandle { user_id: user_id.to_owned(), path, key, conn: Mutex::new(conn) })
    }

    fn sqlite(&self) -> impl FnOnce(rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path)
    }

    /// Every connection, by provider.
    pub(crate) fn list_connections(&self) -> Result<Vec<ConnectionRecord>, StoreError> {
        let conn = lock(&self.conn);
        let read = || -> rusqlite::Result<Vec<ConnectionRecord>> {
            let mut stmt = conn.prepare_cached(
                "SELECT provider, state, connection_id, account_id, connected_at, expires_at, scopes
                 FROM connections ORDER BY provider",
            )?;
            stmt.query_map([], |row| {
                let state: String = row.get(1)?;
                Ok(ConnectionRecord {
                    provider: row.get(0)?,
                    state: parse_state(&state).ok_or_else(|| {
                        rusqlite::Error::FromSqlConversionFailure(
                            1,
                            rusqlite::types::Type::Text,
                            "unknown state".into(),
                        )
                    })?,
                    connection_id: row.get(2)?,
                    account_id: row.get(3)?,
                    connected_at: row.get(4)?,
                    expires_at: row.get(5)?,
                    scopes: row.get(6)?,
                })
            })?
            .collect()
        };
        read().map_err(self.sqlite())
    }

    /// Upserts the connection and replaces its secrets, in one transaction.
    /// Sealing happens before the lock is taken.
    pub(crate) fn put_connection(
        &self,
        record: &ConnectionRecord,
        secrets: &[(SecretField, Secret)],
    ) -> Result<(), StoreError> {
        let sealed = secrets
            .iter()
            .map(|(field, value)| {
                let aad = Aad::user_secret(&self.user_id, &record.provider, *field);
                Ok((*field, seal_row(&self.key, &aad, value.expose())?))
            })
            .collect::<Result<Vec<(SecretField, SealedRow)>, StoreError>>()?;
        let mut conn = lock(&self.conn);
        let write = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO connections
                     (provider, state, connection_id, account_id, connected_at, expires_at, scopes, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (provider) DO UPDATE SET
                     state = excluded.state, connection_id = excluded.connection_id,
                     account_id = excluded.account_id, connected_at = excluded.connected_at,
                     expires_at = excluded.expires_at, scopes = excluded.scopes, updated_at = excluded.updated_at",
                params![
                    record.provider,
                    state_str(record.state),
                    record.connection_id,
                    record.account_id,
                    record.connected_at,
                    record.expires_at,
                    record.scopes,
                    db::now()
                ],
            )?;
            tx.execute("DELETE FROM secrets WHERE provider = ?1", [&record.provider])?;
            for (field, row) in &sealed {
                tx.execute(
                    "INSERT INTO secrets (provider, field, sealed_for, blob) VALUES (?1, ?2, ?3, ?4)",
                    params![record.provider, field.as_str(), row.sealed_for, row.blob],
                )?;
            }
            tx.commit()
        };
        write(&mut conn).map_err(self.sqlite())
    }

    /// One secret, checked as `sealed.rs` describes.
    pub(crate) fn get_secret(&self, provider: &str, field: SecretField) -> Result<Option<Secret>, StoreError> {
        let row = {
            let conn = lock(&self.conn);
            let read = || -> rusqlite::Result<Option<SealedRow>> {
                let mut stmt =
                    conn.prepare_cached("SELECT sealed_for, blob FROM secrets WHERE provider = ?1 AND field = ?2")?;
                stmt.query_row([provider, field.as_str()], |row| {
                    Ok(SealedRow { sealed_for: row.get(0)?, blob: row.get(1)? })
                })
                .optional()
            };
            read().map_err(self.sqlite())?
        };
        let Some(row) = row else { return Ok(None) };
        open_row(&self.key, &Aad::user_secret(&self.user_id, provider, field), &row).map(Some)
    }

    /// Deletes a connection; its secrets go with it (foreign key cascade).
    pub(crate) fn delete_connection(&self, provider: &str) -> Result<bool, StoreError> {
        let conn = lock(&self.conn);
        let n = conn.execute("DELETE FROM connections WHERE provider = ?1", [provider]).map_err(self.sqlite())?;
        Ok(n > 0)
    }

    pub(crate) fn count_connections(&self) -> Result<u64, StoreError> {
        let conn = lock(&self.conn);
        let n = conn
            .query_row("SELECT count(*) FROM connections", [], |row| row.get::<_, i64>(0))
            .map_err(self.sqlite())?;
        Ok(n.unsigned_abs())
    }
}

fn check_canary(conn: &Connection, path: &Path, user_id: &str, key: &SealKey) -> Result<(), StoreError> {
    let expected = Aad::vault_canary(user_id);
    let row = conn
        .query_row("SELECT canary_sealed_for, canary FROM vault WHERE id = 1", [], |row| {
            Ok(SealedRow { sealed_for: row.get(0)?, blob: row.get(1)? })
        })
        .optional()
        .map_err(StoreError::sqlite(path))?;
    let Some(row) = row else {
        return Err(StoreError::SecretTampered { location: expected.to_string() });
    };
    if row.sealed_for != expected.as_str() {
        return Err(StoreError::VaultMoved {
            path: path.to_path_buf(),
            sealed_for: row.sealed_for,
            found_at: expected.to_string(),
        });
    }
    match crypto::open(key, &expected, &row.blob) {
        Ok(plain) if plain.expose() == CANARY => Ok(()),
        Err(OpenError::UnknownVersion(version)) => {
            Err(StoreError::UnknownFormatVersion { location: expected.to_string(), version })
        }
        Ok(_) | Err(_) => Err(StoreError::VaultWrongKey { path: path.to_path_buf() }),
    }
}

fn state_str(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::Connected => "connected",
        ConnectionState::NeedsReconnect => "needs_reconnect",
    }
}

fn parse_state(s: &str) -> Option<ConnectionState> {
    [ConnectionState::Connected, ConnectionState::NeedsReconnect].into_iter().find(|state| state_str(*state) == s)
}

/// The bounded cache of open vaults, keyed by user id.
pub(crate) struct VaultPool {
    cache: Mutex<LruCache<String, Arc<VaultHandle>>>,
}

impl VaultPool {
    pub(crate) fn new(capacity: NonZeroUsize) -> VaultPool {
        VaultPool { cache: Mutex::new(LruCache::new(capacity)) }
    }

    /// The cached handle (now most recently used), or `open()`'s, cached.
    /// Opening under the cache lock means one user's vault is never opened
    /// twice at once; an open takes well under a millisecond.
    pub(crate) fn get_or_open(
        &self,
        user_id: &str,
        open: impl FnOnce() -> Result<VaultHandle, StoreError>,
    ) -> Result<Arc<VaultHandle>, StoreError> {
        let mut cache = lock(&self.cache);
        if let Some(handle) = cache.get(user_id) {
            return Ok(handle.clone());
        }
        let handle = Arc::new(open()?);
        cache.put(user_id.to_owned(), handle.clone());
        Ok(handle)
    }

    /// Adds a freshly created handle.
    pub(crate) fn insert(&self, user_id: &str, handle: VaultHandle) {
        lock(&self.cache).put(user_id.to_owned(), Arc::new(handle));
    }

    /// The cached handle without changing the eviction order.
    pub(crate) fn peek(&self, user_id: &str) -> Option<Arc<VaultHandle>> {
        lock(&self.cache).peek(user_id).cloned()
    }

    /// Drops a user's handle (remove, purge).
    pub(crate) fn remove(&self, user_id: &str) -> Option<Arc<VaultHandle>> {
        lock(&self.cache).pop(user_id)
    }

    pub(crate) fn clear(&self) {
        lock(&self.cache).clear();
    }

    pub(crate) fn len(&self) -> usize {
        lock(&self.cache).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::testing::TestHome;
    use pierre_shared::paths::ensure_private_dir;
    use zeroize::Zeroizing;

    fn key(byte: u8) -> SealKey {
        SealKey::from_bytes(&Zeroizing::new([byte; 32]))
    }

    fn home() -> TestHome {
        let home = TestHome::new();
        ensure_private_dir(&home.paths.users_dir()).unwrap();
        home
    }

    fn record(provider: &str) -> ConnectionRecord {
        ConnectionRecord {
            provider: provider.into(),
            state: ConnectionState::Connected,
            connection_id: "c1".into(),
            account_id: Some("acct".into()),
            connected_at: 100,
            expires_at: Some(200),
            scopes: Some("read".into()),
        }
    }

    #[test]
    fn a_vault_opened_with_another_key_is_refused_by_its_canary() {
        let home = home();
        VaultHandle::create(&home.paths, "u1", key(1)).unwrap();
        let err = VaultHandle::open(&home.paths, "u1", key(2)).err().unwrap();
        assert!(matches!(err, StoreError::VaultWrongKey { .. }), "{err:?}");
        assert_eq!(err.code(), pierre_shared::ErrorCode::VaultCorrupt);
        VaultHandle::open(&home.paths, "u1", key(1)).unwrap();
    }

    #[test]
    fn a_vault_file_moved_to_another_user_is_reported_as_moved() {
        let home = home();
        drop(VaultHandle::create(&home.paths, "u1", key(1)).unwrap());
        drop(VaultHandle::create(&home.paths, "u2", key(1)).unwrap());
        std::fs::copy(home.paths.user_vault("u1"), home.paths.user_vault("u2")).unwrap();
        let err = VaultHandle::open(&home.paths, "u2", key(1)).err().unwrap();
        assert!(
            matches!(&err, StoreError::VaultMoved { sealed_for, found_at, .. }
                if sealed_for == "u1|#vault|canary" && found_at == "u2|#vault|canary"),
            "{err:?}"
        );
    }

    #[test]
    fn a_missing_vault_is_named() {
        let home = home();
        let err = VaultHandle::open(&home.paths, "nobody", key(1)).err().unwrap();
        assert!(matches!(err, StoreError::VaultMissing { .. }), "{err:?}");
        assert!(err.to_string().contains("users remove nobody"), "{err}");
    }

    #[test]
    fn connections_round_trip_and_cascade() {
        let home = home();
        let vault = VaultHandle::create(&home.paths, "u1", key(1)).unwrap();
        let secrets = [(SecretField::AccessToken, Secret::from_string("at".into()))];
        vault.put_connection(&record("strava"), &secrets).unwrap();
        let mut needs = record("fitbit");
        needs.state = ConnectionState::NeedsReconnect;
        needs.account_id = None;
        vault.put_connection(&needs, &[]).unwrap();
        assert_eq!(vault.list_connections().unwrap(), vec![needs, record("strava")]);
        assert_eq!(vault.count_connections().unwrap(), 2);
        assert!(vault.delete_connection("strava").unwrap());
        assert!(!vault.delete_connection("strava").unwrap());
        let orphans: i64 = lock(&vault.conn).query_row("SELECT count(*) FROM secrets", [], |r| r.get(0)).unwrap();
        assert_eq!(orphans, 0, "secrets outlived their connection");
    }

    #[test]
    fn the_pool_keeps_at_most_capacity_handles() {
        let home = home();
        for id in ["a", "b", "c"] {
            drop(VaultHandle::create(&home.paths, id, key(1)).unwrap());
        }
        let pool = VaultPool::new(NonZeroUsize::new(2).unwrap());
        let mut opens = 0;
        for id in ["a", "b", "a", "c", "a", "b"] {
            pool.get_or_open(id, || {
                opens += 1;
                VaultHandle::open(&home.paths, id, key(1))
            })
            .unwrap();
            assert!(pool.len() <= 2);
        }
        // a, b open; a hit; c evicts b; a hit; b evicts c.
        assert_eq!(opens, 4);
        assert!(pool.peek("a").is_some() && pool.peek("b").is_some() && pool.peek("c").is_none());
        assert!(pool.remove("a").is_some());
        assert_eq!(pool.len(), 1);
    }
}
