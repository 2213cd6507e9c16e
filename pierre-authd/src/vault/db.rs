//! Opening a SQLite file the way every vault database is opened.
//!
//! The file is created by us (0600, `O_EXCL`) and then opened without
//! `SQLITE_OPEN_CREATE`, so SQLite never creates a database with the
//! process umask. SQLite gives its `-wal` and `-shm` files the mode of the
//! database file, so they are 0600 too (tested in `sqlite.rs`).
//!
//! Settings, per connection:
//! - `journal_mode=WAL`: readers do not block the writer;
//! - `synchronous=FULL`: a committed rotation of a refresh token survives a
//!   power cut (these databases write little, so the fsync cost is fine);
//! - `foreign_keys=ON`: a connection's secrets go with it;
//! - `busy_timeout=5s`: a second process waits instead of failing at once;
//! - `secure_delete=ON`: deleted rows (sealed blobs) are overwritten;
//! - `trusted_schema=OFF`: the schema cannot call functions with side effects.

use std::io;
use std::path::Path;
use std::time::Duration;

use pierre_shared::platform::current_uid;
use rusqlite::{Connection, OpenFlags};

use super::error::{FileKind, StoreError};
use super::files::{self, CheckError};
use super::migrations::{self, MigrateError, Migration};

/// How long a connection waits for another's lock.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the database at `path`, creating an empty 0600 file first when
/// `create` is set and none exists; checks owner and mode; applies the
/// settings. Does not migrate: see [`migrate`].
pub(crate) fn open(path: &Path, what: FileKind, create: bool) -> Result<Connection, StoreError> {
    if create {
        match files::create_private_file(path) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::io("create", path)(e)),
        }
    }
    match files::check_private_file(path, what, current_uid()) {
        Ok(()) => {}
        Err(CheckError::Insecure(err)) => return Err(err),
        Err(CheckError::Io(e)) => return Err(StoreError::io("open", path)(e)),
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(StoreError::sqlite(path))?;
    configure(&conn).map_err(StoreError::sqlite(path))?;
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        let code = rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR);
        return Err(rusqlite::Error::SqliteFailure(code, Some(format!("journal_mode stayed {mode}; WAL is required"))));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "trusted_schema", "OFF")?;
    Ok(())
}

/// Brings the database to the newest schema of `list`.
pub(crate) fn migrate(conn: &mut Connection, path: &Path, list: &[Migration]) -> Result<(), StoreError> {
    migrations::migrate(conn, list).map_err(|e| match e {
        MigrateError::TooNew { found, supported } => {
            StoreError::SchemaTooNew { path: path.to_path_buf(), found, supported }
        }
        MigrateError::Sqlite(source) => StoreError::Sqlite { path: path.to_path_buf(), source },
    })
}

/// Current seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    #[test]
    fn settings_are_applied() {
        let tmp = tempfile::tempdir().unwrap();
        let conn = open(&tmp.path().join("x.sqlite3"), FileKind::StateDb, true).unwrap();
        let get = |name: &str| -> String {
            conn.pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
                .map(|v| match v {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
                .unwrap()
        };
        assert_eq!(get("journal_mode"), "wal");
        assert_eq!(get("synchronous"), "2", "FULL");
        assert_eq!(get("foreign_keys"), "1");
        assert_eq!(get("busy_timeout"), "5000");
        assert_eq!(get("secure_delete"), "1");
        assert_eq!(get("trusted_schema"), "0");
    }

    #[test]
    fn created_file_is_0600_and_missing_file_is_not_created() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.sqlite3");
        assert!(matches!(open(&path, FileKind::Vault, false), Err(StoreError::Io { .. })));
        assert!(!path.exists(), "SQLite created the file");
        let conn = open(&path, FileKind::Vault, true).unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);").unwrap();
        for p in [path.clone(), tmp.path().join("x.sqlite3-wal"), tmp.path().join("x.sqlite3-shm")] {
            assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o777, 0o600, "{}", p.display());
        }
    }

    #[test]
    fn wide_mode_is_refused_before_sqlite_opens_it() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.sqlite3");
        drop(open(&path, FileKind::StateDb, true).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = open(&path, FileKind::StateDb, false).unwrap_err();
        assert!(matches!(err, StoreError::FileMode { what: FileKind::StateDb, mode: 0o644, .. }), "{err:?}");
    }

    #[test]
    fn too_new_schema_names_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.sqlite3");
        let mut conn = open(&path, FileKind::StateDb, true).unwrap();
        conn.pragma_update(None, "user_version", 42).unwrap();
        let err = migrate(&mut conn, &path, migrations::STATE).unwrap_err();
        assert!(matches!(err, StoreError::SchemaTooNew { found: 42, .. }), "{err:?}");
        assert!(err.to_string().contains("upgrade pierre-authd"));
    }
}
