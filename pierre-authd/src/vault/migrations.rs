//! Schemas of the state database and of a user's vault, as ordered
//! migrations keyed by SQLite's `user_version`.
//!
//! Each migration runs in its own `BEGIN IMMEDIATE` transaction together with
//! the `user_version` bump, so a crash leaves the database at one version or
//! the next, never between. A database with a version newer than this build
//! knows is refused rather than guessed at. Append new migrations; never edit
//! one that has shipped.

use rusqlite::{Connection, TransactionBehavior};

/// One schema step.
#[derive(Debug)]
pub(crate) struct Migration {
    /// The `user_version` after this step; 1, 2, 3, ... without gaps.
    pub version: u32,
    /// The SQL of the step (several statements).
    pub sql: &'static str,
}

/// The daemon's state database (`authd.sqlite3`).
///
/// - `install`: exactly one row, written on the first start: the install id
///   (names the keyring entry), the key backend, the HKDF salt and the key
///   check value (a constant sealed with the install key, which tells a wrong
///   master key apart from damage).
/// - `users`: ids never change; names are unique ignoring ASCII case; at most
///   one owner.
/// - `install_secrets`: install-level secrets (OAuth state, PKCE verifiers,
///   AS signing keys, app client secrets), sealed, with the AAD they were
///   sealed for in `sealed_for`.
/// - `athlete_settings` (version 3): each user's athlete settings.
pub(crate) const STATE: &[Migration] = &[
    Migration {
        version: 1,
        sql: "
        CREATE TABLE install (
            id          INTEGER PRIMARY KEY CHECK (id = 1),
            install_id  TEXT    NOT NULL,
            key_backend TEXT    NOT NULL CHECK (key_backend IN ('env', 'secret-service', 'file')),
            hkdf_salt   BLOB    NOT NULL,
            key_check   BLOB    NOT NULL,
            created_at  INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE users (
            user_id    TEXT    PRIMARY KEY,
            name       TEXT    NOT NULL COLLATE NOCASE UNIQUE,
            created_at INTEGER NOT NULL,
            is_owner   INTEGER NOT NULL CHECK (is_owner IN (0, 1))
        ) STRICT;
        CREATE UNIQUE INDEX users_one_owner ON users (is_owner) WHERE is_owner = 1;
        CREATE TABLE install_secrets (
            kind       TEXT    NOT NULL,
            id         TEXT    NOT NULL,
            sealed_for TEXT    NOT NULL,
            blob       BLOB    NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (kind, id)
        ) STRICT;
    ",
    },
    Migration {
        // The authorization server (oauth/authz/store.rs): public clients
        // registered by RFC 7591, authorization codes and refresh tokens as
        // SHA-256 hashes only, refresh-token families (revoked together on
        // reuse), and the ids of revoked access tokens until they expire.
        version: 2,
        sql: "
        CREATE TABLE as_clients (
            client_id     TEXT    PRIMARY KEY,
            client_name   TEXT    NOT NULL,
            redirect_uris TEXT    NOT NULL,
            created_at    INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE as_codes (
            code_hash      TEXT    PRIMARY KEY,
            client_id      TEXT    NOT NULL REFERENCES as_clients (client_id) ON DELETE CASCADE,
            user_id        TEXT    NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
            redirect_uri   TEXT    NOT NULL,
            code_challenge TEXT    NOT NULL,
            resource       TEXT    NOT NULL,
            scope          TEXT,
            expires_at     INTEGER NOT NULL,
            consumed_at    INTEGER,
            family_id      TEXT
        ) STRICT;
        CREATE TABLE as_refresh_families (
            family_id  TEXT    PRIMARY KEY,
            client_id  TEXT    NOT NULL REFERENCES as_clients (client_id) ON DELETE CASCADE,
            user_id    TEXT    NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
            resource   TEXT    NOT NULL,
            scope      TEXT,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER
        ) STRICT;
        CREATE TABLE as_refresh_tokens (
            token_hash  TEXT    PRIMARY KEY,
            family_id   TEXT    NOT NULL REFERENCES as_refresh_families (family_id) ON DELETE CASCADE,
            created_at  INTEGER NOT NULL,
            expires_at  INTEGER NOT NULL,
            consumed_at INTEGER
        ) STRICT;
        CREATE INDEX as_refresh_tokens_family ON as_refresh_tokens (family_id);
        CREATE TABLE as_revoked_access (
            jti        TEXT    PRIMARY KEY,
            expires_at INTEGER NOT NULL
        ) STRICT;
    ",
    },
    Migration {
        // Athlete settings a person sets (thresholds, zone model, units, time
        // zone): private, not secret, so plain JSON text per (user, field); they
        // go with the user.
        version: 3,
        sql: "
        CREATE TABLE athlete_settings (
            user_id    TEXT    NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
            field      TEXT    NOT NULL,
            value      TEXT    NOT NULL,
            source     TEXT    NOT NULL,
            method     TEXT,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (user_id, field)
        ) STRICT;
    ",
    },
];

/// A user's vault (`users/<user_id>/vault.sqlite3`).
///
/// - `vault`: one row: whose vault this is and the canary (a constant sealed
///   with this user's key), which tells a wrong key or a vault file copied
///   from another user apart from a damaged row.
/// - `connections`: one row per provider, not secret.
/// - `secrets`: sealed secrets of a connection, one per field, with the AAD
///   they were sealed for; deleted with their connection.
pub(crate) const VAULT: &[Migration] = &[Migration {
    version: 1,
    sql: "
        CREATE TABLE vault (
            id                INTEGER PRIMARY KEY CHECK (id = 1),
            user_id           TEXT    NOT NULL,
            canary_sealed_for TEXT    NOT NULL,
            canary            BLOB    NOT NULL,
            created_at        INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE connections (
            provider      TEXT    PRIMARY KEY,
            state         TEXT    NOT NULL CHECK (state IN ('connected', 'needs_reconnect')),
            connection_id TEXT    NOT NULL,
            account_id    TEXT,
            connected_at  INTEGER NOT NULL,
            expires_at    INTEGER,
            scopes        TEXT,
            updated_at    INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE secrets (
            provider   TEXT NOT NULL REFERENCES connections (provider) ON DELETE CASCADE,
            field      TEXT NOT NULL,
            sealed_for TEXT NOT NULL,
            blob       BLOB NOT NULL,
            PRIMARY KEY (provider, field)
        ) STRICT;
    ",
}];

/// The version a fully migrated database has.
pub(crate) fn latest(migrations: &[Migration]) -> u32 {
    migrations.last().map_or(0, |m| m.version)
}

/// The database's `user_version`.
pub(crate) fn schema_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Why migrating failed.
#[derive(Debug)]
pub(crate) enum MigrateError {
    /// The file comes from a newer build.
    TooNew {
        found: u32,
        supported: u32,
    },
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sqlite(e)
    }
}

/// Applies every migration newer than the database, in order.
pub(crate) fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<(), MigrateError> {
    let supported = latest(migrations);
    let found = schema_version(conn)?;
    if found > supported {
        return Err(MigrateError::TooNew { found, supported });
    }
    for step in migrations.iter().filter(|m| m.version > found) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated between the read and the lock.
        if schema_version(&tx)? >= step.version {
            continue;
        }
        tx.execute_batch(step.sql)?;
        tx.pragma_update(None, "user_version", step.version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(migrations: &[Migration]) -> bool {
        migrations.iter().enumerate().all(|(i, m)| m.version as usize == i + 1)
    }

    #[test]
    fn versions_count_up_from_one() {
        assert!(ordered(STATE));
        assert!(ordered(VAULT));
        assert!(!ordered(&[Migration { version: 2, sql: "" }]));
    }

    #[test]
    fn migrating_twice_is_a_no_op_and_sets_user_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, STATE).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), latest(STATE));
        migrate(&mut conn, STATE).unwrap();
        let tables: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table'", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 9, "install, users, install_secrets, 5 authorization-server tables, athlete_settings");
    }

    #[test]
    fn steps_apply_in_order_from_the_current_version() {
        let steps = [
            Migration { version: 1, sql: "CREATE TABLE a (x INTEGER) STRICT;" },
            Migration { version: 2, sql: "INSERT INTO a VALUES (2);" },
            Migration { version: 3, sql: "INSERT INTO a VALUES (3);" },
        ];
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, &steps[..2]).unwrap();
        migrate(&mut conn, &steps).unwrap();
        let rows: Vec<i64> = conn
            .prepare("SELECT x FROM a ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, [2, 3]);
    }

    #[test]
    fn a_failing_step_leaves_the_previous_version() {
        let steps = [
            Migration { version: 1, sql: "CREATE TABLE a (x INTEGER) STRICT;" },
            Migration { version: 2, sql: "CREATE TABLE b (y INTEGER) STRICT; INSERT INTO nowhere VALUES (1);" },
        ];
        let mut conn = Connection::open_in_memory().unwrap();
        assert!(matches!(migrate(&mut conn, &steps), Err(MigrateError::Sqlite(_))));
        assert_eq!(schema_version(&conn).unwrap(), 1);
        let b: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema WHERE name = 'b'", [], |r| r.get(0)).unwrap();
        assert_eq!(b, 0, "half of step 2 was kept");
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(migrate(&mut conn, VAULT), Err(MigrateError::TooNew { found: 99, supported: 1 })));
    }
}
