//! Queries on the daemon's state database (schema in `migrations.rs`):
//! the install row, users and install-level sealed secrets. Plain functions
//! over a `Connection` or `Transaction`; the caller owns locking and
//! transactions.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::keys::KeyBackend;
use super::sealed::SealedRow;
use super::store::{SettingRow, UserRecord};

/// The single `install` row.
pub(crate) struct InstallRow {
    pub install_id: String,
    pub key_backend: KeyBackend,
    pub hkdf_salt: Vec<u8>,
    pub key_check: Vec<u8>,
    pub created_at: i64,
}

/// The install row, if the first start got that far.
pub(crate) fn read_install(conn: &Connection) -> rusqlite::Result<Option<InstallRow>> {
    conn.query_row(
        "SELECT install_id, key_backend, hkdf_salt, key_check, created_at FROM install WHERE id = 1",
        [],
        |row| {
            let backend: String = row.get(1)?;
            let key_backend = KeyBackend::parse(&backend).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, "unknown key backend".into())
            })?;
            Ok(InstallRow {
                install_id: row.get(0)?,
                key_backend,
                hkdf_salt: row.get(2)?,
                key_check: row.get(3)?,
                created_at: row.get(4)?,
            })
        },
    )
    .optional()
}

pub(crate) fn insert_install(conn: &Connection, row: &InstallRow) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO install (id, install_id, key_backend, hkdf_salt, key_check, created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
        params![row.install_id, row.key_backend.as_str(), row.hkdf_salt, row.key_check, row.created_at],
    )?;
    Ok(())
}

const USER_COLUMNS: &str = "user_id, name, created_at, is_owner";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord { user_id: row.get(0)?, name: row.get(1)?, created_at: row.get(2)?, is_owner: row.get(3)? })
}

pub(crate) fn insert_user(conn: &Connection, user: &UserRecord) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO users (user_id, name, created_at, is_owner) VALUES (?1, ?2, ?3, ?4)",
        params![user.user_id, user.name, user.created_at, user.is_owner],
    )?;
    Ok(())
}

pub(crate) fn list_users(conn: &Connection) -> rusqlite::Result<Vec<UserRecord>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, rowid"))?;
    stmt.query_map([], user_from_row)?.collect()
}

pub(crate) fn user_by_id(conn: &Connection, user_id: &str) -> rusqlite::Result<Option<UserRecord>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE user_id = ?1"))?;
    stmt.query_row([user_id], user_from_row).optional()
}

/// Case-insensitive (the column is `COLLATE NOCASE`).
pub(crate) fn user_by_name(conn: &Connection, name: &str) -> rusqlite::Result<Option<UserRecord>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"))?;
    stmt.query_row([name], user_from_row).optional()
}

pub(crate) fn owner(conn: &Connection) -> rusqlite::Result<Option<UserRecord>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE is_owner = 1"))?;
    stmt.query_row([], user_from_row).optional()
}

/// Number of rows changed (0: no such user).
pub(crate) fn rename_user(conn: &Connection, user_id: &str, name: &str) -> rusqlite::Result<usize> {
    conn.execute("UPDATE users SET name = ?2 WHERE user_id = ?1", params![user_id, name])
}

pub(crate) fn delete_user(conn: &Connection, user_id: &str) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM users WHERE user_id = ?1", [user_id])
}

pub(crate) fn put_install_secret(
    conn: &Connection,
    kind: &str,
    id: &str,
    sealed: &SealedRow,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO install_secrets (kind, id, sealed_for, blob, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (kind, id) DO UPDATE SET sealed_for = excluded.sealed_for, blob = excluded.blob,
                                              updated_at = excluded.updated_at",
        params![kind, id, sealed.sealed_for, sealed.blob, now],
    )?;
    Ok(())
}

pub(crate) fn get_install_secret(conn: &Connection, kind: &str, id: &str) -> rusqlite::Result<Option<SealedRow>> {
    let mut stmt = conn.prepare_cached("SELECT sealed_for, blob FROM install_secrets WHERE kind = ?1 AND id = ?2")?;
    stmt.query_row([kind, id], |row| Ok(SealedRow { sealed_for: row.get(0)?, blob: row.get(1)? })).optional()
}

pub(crate) fn delete_install_secret(conn: &Connection, kind: &str, id: &str) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM install_secrets WHERE kind = ?1 AND id = ?2", [kind, id])
}

pub(crate) fn list_install_secret_ids(conn: &Connection, kind: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM install_secrets WHERE kind = ?1 ORDER BY id")?;
    stmt.query_map([kind], |row| row.get(0))?.collect()
}

pub(crate) fn athlete_settings(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<SettingRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT field, value, source, method, updated_at FROM athlete_settings WHERE user_id = ?1 ORDER BY field",
    )?;
    stmt.query_map([user_id], |row| {
        Ok(SettingRow {
            field: row.get(0)?,
            value_json: row.get(1)?,
            source: row.get(2)?,
            method: row.get(3)?,
            updated_at: row.get(4)?,
        })
    })?
    .collect()
}

/// Upserts `set` and deletes `clear`, for one user, in one transaction.
pub(crate) fn put_athlete_settings(
    conn: &mut Connection,
    user_id: &str,
    set: &[SettingRow],
    clear: &[String],
) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for row in set {
        tx.execute(
            "INSERT INTO athlete_settings (user_id, field, value, source, method, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (user_id, field) DO UPDATE SET value = excluded.value, source = excluded.source,
                                                       method = excluded.method, updated_at = excluded.updated_at",
            params![user_id, row.field, row.value_json, row.source, row.method, row.updated_at],
        )?;
    }
    for field in clear {
        tx.execute("DELETE FROM athlete_settings WHERE user_id = ?1 AND field = ?2", params![user_id, field])?;
    }
    tx.commit()
}

/// Whether `err` is a UNIQUE or PRIMARY KEY violation.
pub(crate) fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}
