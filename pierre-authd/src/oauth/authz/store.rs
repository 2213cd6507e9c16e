//! The authorization server's rows in the state database (`authd.sqlite3`):
//! registered clients, authorization codes, refresh-token families and
//! revoked access-token ids. The schema is a state migration
//! (`vault/migrations.rs`); this store opens its own connection to the same
//! file with the same settings (WAL, `synchronous=FULL`, foreign keys).
//!
//! Codes and refresh tokens are stored as SHA-256 hashes only. Redeeming a
//! code and rotating a refresh token are atomic check-and-consume
//! (`UPDATE ... WHERE consumed_at IS NULL RETURNING`), so two concurrent
//! redemptions cannot both win. Blocking: call from `spawn_blocking`.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use crate::vault::StoreError;

/// A registered client (RFC 7591), always public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRecord {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    pub created_at: i64,
}

/// What an authorization code was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub resource: String,
    pub scope: Option<String>,
    pub expires_at: i64,
}

/// A refresh-token family: every token rotated from one authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyRecord {
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    pub resource: String,
    pub scope: Option<String>,
}

/// The outcome of redeeming a code.
#[derive(Debug, PartialEq, Eq)]
pub enum Redeemed {
    /// First use, still valid: the code is now consumed.
    Fresh(CodeRecord),
    /// Already used: the family it started (if any) has been revoked.
    Reused,
    /// Past its life (now consumed too).
    Expired,
    Unknown,
}

/// The outcome of presenting a refresh token.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotated {
    /// Consumed; the new token is stored in the same family.
    Fresh(FamilyRecord),
    /// An already rotated token: the whole family is now revoked.
    Reused,
    Expired,
    /// The family was revoked before.
    Revoked,
    /// Issued to another client; nothing changed.
    WrongClient,
    /// A `resource` other than the one authorized; nothing changed.
    WrongResource,
    Unknown,
}

/// SHA-256 of a code or refresh token, hex: what the database keeps.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The authorization server's database handle.
pub struct AsStore {
    conn: Mutex<Connection>,
    path: std::path::PathBuf,
}

impl std::fmt::Debug for AsStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl AsStore {
    /// Opens the state database the vault already created and migrated.
    ///
    /// # Errors
    /// SQLite errors (the file missing, locked past the busy timeout).
    pub fn open(path: &Path) -> Result<AsStore, StoreError> {
        let sqlite = |source| StoreError::Sqlite { path: path.to_path_buf(), source };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(sqlite)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(sqlite)?;
        conn.pragma_update(None, "secure_delete", "ON").map_err(sqlite)?;
        conn.pragma_update(None, "trusted_schema", "OFF").map_err(sqlite)?;
        Ok(AsStore { conn: Mutex::new(conn), path: path.to_path_buf() })
    }

    fn with<T>(&self, op: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        op(&mut conn).map_err(StoreError::sqlite(&self.path))
    }

    /// Stores a newly registered client.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn put_client(&self, client: &ClientRecord) -> Result<(), StoreError> {
        let uris = serde_json::to_string(&client.redirect_uris).unwrap_or_else(|_| "[]".into());
        self.with(|c| {
            c.execute(
                "INSERT INTO as_clients (client_id, client_name, redirect_uris, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![client.client_id, client.client_name, uris, client.created_at],
            )
            .map(|_| ())
        })
    }

    /// A client by id.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn client(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT client_id, client_name, redirect_uris, created_at FROM as_clients WHERE client_id = ?1",
                [client_id],
                |row| {
                    let uris: String = row.get(2)?;
                    Ok(ClientRecord {
                        client_id: row.get(0)?,
                        client_name: row.get(1)?,
                        redirect_uris: serde_json::from_str(&uris).unwrap_or_default(),
                        created_at: row.get(3)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Stores a code (by hash) for an approved authorization.
    ///
    /// # Errors
    /// SQLite errors (a user removed meanwhile fails the foreign key).
    pub fn put_code(&self, code: &str, record: &CodeRecord) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO as_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, resource, scope, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    token_hash(code),
                    record.client_id,
                    record.user_id,
                    record.redirect_uri,
                    record.code_challenge,
                    record.resource,
                    record.scope,
                    record.expires_at
                ],
            )
            .map(|_| ())
        })
    }

    /// Consumes a code: at most one caller ever gets [`Redeemed::Fresh`].
    /// A second use revokes the refresh family the first one started
    /// (RFC 6749 §4.1.2: a code used twice means it leaked).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn redeem_code(&self, code: &str, now: i64) -> Result<Redeemed, StoreError> {
        let hash = token_hash(code);
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let fresh = tx
                .query_row(
                    "UPDATE as_codes SET consumed_at = ?2 WHERE code_hash = ?1 AND consumed_at IS NULL
                     RETURNING client_id, user_id, redirect_uri, code_challenge, resource, scope, expires_at",
                    params![hash, now],
                    |row| {
                        Ok(CodeRecord {
                            client_id: row.get(0)?,
                            user_id: row.get(1)?,
                            redirect_uri: row.get(2)?,
                            code_challenge: row.get(3)?,
                            resource: row.get(4)?,
                            scope: row.get(5)?,
                            expires_at: row.get(6)?,
                        })
                    },
                )
                .optional()?;
            let outcome = match fresh {
                Some(record) if record.expires_at <= now => Redeemed::Expired,
                Some(record) => Redeemed::Fresh(record),
                None => {
                    let family: Option<Option<String>> = tx
                        .query_row("SELECT family_id FROM as_codes WHERE code_hash = ?1", [&hash], |row| row.get(0))
                        .optional()?;
                    match family {
                        None => Redeemed::Unknown,
                        Some(family) => {
                            if let Some(family) = family {
                                tx.execute(
                                    "UPDATE as_refresh_families SET revoked_at = ?2 WHERE family_id = ?1 AND revoked_at IS NULL",
                                    params![family, now],
                                )?;
                            }
                            Redeemed::Reused
                        }
                    }
                }
            };
            tx.commit()?;
            Ok(outcome)
        })
    }

    /// Starts a refresh family for a redeemed code, with its first token.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn start_family(
        &self,
        code: &str,
        family: &FamilyRecord,
        refresh_token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO as_refresh_families (family_id, client_id, user_id, resource, scope, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![family.family_id, family.client_id, family.user_id, family.resource, family.scope, now],
            )?;
            tx.execute(
                "INSERT INTO as_refresh_tokens (token_hash, family_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash(refresh_token), family.family_id, now, expires_at],
            )?;
            tx.execute(
                "UPDATE as_codes SET family_id = ?2 WHERE code_hash = ?1",
                params![token_hash(code), family.family_id],
            )?;
            tx.commit()
        })
    }

    /// Rotates a refresh token (RFC 9700 §4.14.2): consumes `presented` and
    /// stores `next` in its family, in one transaction. Presenting a token
    /// that was already rotated revokes the whole family.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn rotate_refresh(
        &self,
        presented: &str,
        client_id: &str,
        resource: Option<&str>,
        next: &str,
        now: i64,
        next_expires_at: i64,
    ) -> Result<Rotated, StoreError> {
        let hash = token_hash(presented);
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row: Option<(String, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT family_id, expires_at, consumed_at FROM as_refresh_tokens WHERE token_hash = ?1",
                    [&hash],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let Some((family_id, expires_at, consumed_at)) = row else { return Ok(Rotated::Unknown) };
            let (family, revoked_at) = tx.query_row(
                "SELECT family_id, client_id, user_id, resource, scope, revoked_at FROM as_refresh_families WHERE family_id = ?1",
                [&family_id],
                |row| {
                    Ok((
                        FamilyRecord {
                            family_id: row.get(0)?,
                            client_id: row.get(1)?,
                            user_id: row.get(2)?,
                            resource: row.get(3)?,
                            scope: row.get(4)?,
                        },
                        row.get::<_, Option<i64>>(5)?,
                    ))
                },
            )?;
            if family.client_id != client_id {
                return Ok(Rotated::WrongClient);
            }
            if resource.is_some_and(|r| r != family.resource) {
                return Ok(Rotated::WrongResource);
            }
            if revoked_at.is_some() {
                return Ok(Rotated::Revoked);
            }
            if consumed_at.is_some() {
                tx.execute("UPDATE as_refresh_families SET revoked_at = ?2 WHERE family_id = ?1", params![family_id, now])?;
                tx.commit()?;
                return Ok(Rotated::Reused);
            }
            if expires_at <= now {
                return Ok(Rotated::Expired);
            }
            let consumed = tx.execute(
                "UPDATE as_refresh_tokens SET consumed_at = ?2 WHERE token_hash = ?1 AND consumed_at IS NULL",
                params![hash, now],
            )?;
            if consumed != 1 {
                return Ok(Rotated::Unknown);
            }
            tx.execute(
                "INSERT INTO as_refresh_tokens (token_hash, family_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash(next), family_id, now, next_expires_at],
            )?;
            tx.commit()?;
            Ok(Rotated::Fresh(family))
        })
    }

    /// Revokes the family of a refresh token (RFC 7009); `false` when the
    /// token is unknown or belongs to another client.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn revoke_refresh(&self, token: &str, client_id: &str, now: i64) -> Result<bool, StoreError> {
        let hash = token_hash(token);
        self.with(|c| {
            let changed = c.execute(
                "UPDATE as_refresh_families SET revoked_at = coalesce(revoked_at, ?3)
                 WHERE client_id = ?2 AND family_id = (SELECT family_id FROM as_refresh_tokens WHERE token_hash = ?1)",
                params![hash, client_id, now],
            )?;
            Ok(changed > 0)
        })
    }

    /// Records a revoked access token until it would have expired anyway.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn revoke_access(&self, jti: &str, expires_at: i64) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT OR IGNORE INTO as_revoked_access (jti, expires_at) VALUES (?1, ?2)",
                params![jti, expires_at],
            )
            .map(|_| ())
        })
    }

    /// Whether an access token id was revoked.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn access_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        self.with(|c| {
            c.query_row("SELECT 1 FROM as_revoked_access WHERE jti = ?1", [jti], |_| Ok(()))
                .optional()
                .map(|found| found.is_some())
        })
    }

    /// Deletes codes, refresh tokens and revocations that can no longer
    /// matter; families go once none of their tokens is left.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn prune(&self, now: i64) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM as_codes WHERE expires_at <= ?1", [now])?;
            tx.execute("DELETE FROM as_refresh_tokens WHERE expires_at <= ?1", [now])?;
            tx.execute(
                "DELETE FROM as_refresh_families WHERE NOT EXISTS
                 (SELECT 1 FROM as_refresh_tokens t WHERE t.family_id = as_refresh_families.family_id)",
                [],
            )?;
            tx.execute("DELETE FROM as_revoked_access WHERE expires_at <= ?1", [now])?;
            tx.commit()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::TestStore;
    use super::*;

    fn setup() -> (TestStore, AsStore, String) {
        let test = TestStore::new();
        let user = test.store().list_users().unwrap();
        let user_id = match user.first() {
            Some(u) => u.user_id.clone(),
            None => test.store().add_user("alice", true).unwrap().user_id,
        };
        let store = AsStore::open(&test.paths.state_db()).unwrap();
        store
            .put_client(&ClientRecord {
                client_id: "c1".into(),
                client_name: "Test".into(),
                redirect_uris: vec!["http://127.0.0.1:1/cb".into()],
                created_at: 1,
            })
            .unwrap();
        (test, store, user_id)
    }

    fn code_record(user_id: &str, expires_at: i64) -> CodeRecord {
        CodeRecord {
            client_id: "c1".into(),
            user_id: user_id.into(),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            code_challenge: "x".into(),
            resource: "http://127.0.0.1:2/mcp".into(),
            scope: None,
            expires_at,
        }
    }

    fn family(user_id: &str) -> FamilyRecord {
        FamilyRecord {
            family_id: "f1".into(),
            client_id: "c1".into(),
            user_id: user_id.into(),
            resource: "http://127.0.0.1:2/mcp".into(),
            scope: None,
        }
    }

    #[test]
    fn clients_round_trip() {
        let (_t, store, _) = setup();
        let client = store.client("c1").unwrap().unwrap();
        assert_eq!(client.redirect_uris, ["http://127.0.0.1:1/cb"]);
        assert!(store.client("nope").unwrap().is_none());
    }

    #[test]
    fn a_code_redeems_once_and_reuse_revokes_its_family() {
        let (_t, store, user) = setup();
        store.put_code("code-1", &code_record(&user, 100)).unwrap();
        assert!(matches!(store.redeem_code("code-1", 10).unwrap(), Redeemed::Fresh(_)));
        store.start_family("code-1", &family(&user), "rt-1", 10, 1000).unwrap();
        assert_eq!(store.redeem_code("code-1", 11).unwrap(), Redeemed::Reused);
        assert_eq!(store.rotate_refresh("rt-1", "c1", None, "rt-2", 12, 1000).unwrap(), Rotated::Revoked);
        assert_eq!(store.redeem_code("other", 11).unwrap(), Redeemed::Unknown);
    }

    #[test]
    fn concurrent_redemptions_on_separate_connections_have_one_winner() {
        let (t, store, user) = setup();
        store.put_code("contested", &code_record(&user, 100)).unwrap();
        let path = t.paths.state_db();
        let winners: usize = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..8)
                .map(|_| {
                    let path = path.clone();
                    scope.spawn(move || {
                        let own = AsStore::open(&path).unwrap();
                        matches!(own.redeem_code("contested", 10).unwrap(), Redeemed::Fresh(_))
                    })
                })
                .collect();
            racers.into_iter().map(|r| usize::from(r.join().unwrap())).sum()
        });
        assert_eq!(winners, 1);
    }

    #[test]
    fn an_expired_code_is_refused() {
        let (_t, store, user) = setup();
        store.put_code("code-1", &code_record(&user, 100)).unwrap();
        assert_eq!(store.redeem_code("code-1", 100).unwrap(), Redeemed::Expired);
    }

    #[test]
    fn refresh_rotates_and_an_old_token_revokes_the_family() {
        let (_t, store, user) = setup();
        store.put_code("code-1", &code_record(&user, 100)).unwrap();
        store.redeem_code("code-1", 10).unwrap();
        store.start_family("code-1", &family(&user), "rt-1", 10, 1000).unwrap();
        assert_eq!(store.rotate_refresh("rt-1", "other-client", None, "rt-x", 11, 1000).unwrap(), Rotated::WrongClient);
        let elsewhere = Some("http://127.0.0.1:2/other");
        assert_eq!(store.rotate_refresh("rt-1", "c1", elsewhere, "rt-x", 11, 1000).unwrap(), Rotated::WrongResource);
        assert!(matches!(store.rotate_refresh("rt-1", "c1", None, "rt-2", 11, 1000).unwrap(), Rotated::Fresh(_)));
        assert_eq!(store.rotate_refresh("rt-1", "c1", None, "rt-3", 12, 1000).unwrap(), Rotated::Reused);
        assert_eq!(store.rotate_refresh("rt-2", "c1", None, "rt-4", 13, 1000).unwrap(), Rotated::Revoked);
        assert_eq!(store.rotate_refresh("never", "c1", None, "rt-5", 13, 1000).unwrap(), Rotated::Unknown);
    }

    #[test]
    fn revocation_ends_the_family_and_access_ids_are_remembered() {
        let (_t, store, user) = setup();
        store.put_code("code-1", &code_record(&user, 100)).unwrap();
        store.redeem_code("code-1", 10).unwrap();
        store.start_family("code-1", &family(&user), "rt-1", 10, 1000).unwrap();
        assert!(!store.revoke_refresh("rt-1", "other-client", 11).unwrap());
        assert!(store.revoke_refresh("rt-1", "c1", 11).unwrap());
        assert_eq!(store.rotate_refresh("rt-1", "c1", None, "rt-2", 12, 1000).unwrap(), Rotated::Revoked);
        store.revoke_access("jti-1", 50).unwrap();
        assert!(store.access_revoked("jti-1").unwrap());
        store.prune(60).unwrap();
        assert!(!store.access_revoked("jti-1").unwrap());
    }

    #[test]
    fn only_hashes_are_stored() {
        let (t, store, user) = setup();
        store.put_code("plain-code-value", &code_record(&user, 100)).unwrap();
        drop(store);
        let bytes = std::fs::read(t.paths.state_db()).unwrap();
        let wal = std::fs::read(t.paths.state_db().with_extension("sqlite3-wal")).unwrap_or_default();
        let needle = b"plain-code-value";
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
        assert!(!wal.windows(needle.len()).any(|w| w == needle));
    }
}
