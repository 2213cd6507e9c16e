//! The daemon's two locks: one per data directory (the one that matters: a
//! vault is refreshed by one daemon) and one per socket (the pid file beside
//! it). Both are a [`LockedFile`]; the OS primitives live in
//! [`pierre_shared::platform`].

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use pierre_shared::paths::DaemonRecord;
use pierre_shared::platform::{pid_alive, try_lock_exclusive};

/// A 0600 file this process holds an exclusive lock on, its contents this
/// process's record. The kernel drops the lock when the process dies, so a
/// crash never leaves a stale lock.
#[derive(Debug)]
struct LockedFile {
    file: File,
}

impl LockedFile {
    /// Opens (creating) and locks `path`; `Ok(None)` when another process
    /// holds the lock.
    fn try_acquire(path: &Path) -> std::io::Result<Option<LockedFile>> {
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(path)?;
        Ok(try_lock_exclusive(&file)?.then_some(LockedFile { file }))
    }

    /// Replaces the contents with `line` and makes it durable.
    fn record(&mut self, line: &str) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.file.rewind()?;
        writeln!(self.file, "{line}")?;
        self.file.sync_all()
    }
}

/// An exclusive lock on the pid file beside the socket, held for the
/// daemon's life, holding its pid; the file is removed on exit.
#[derive(Debug)]
pub struct PidLock {
    held: LockedFile,
    path: PathBuf,
}

/// Why the pid lock was not taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PidLockError {
    #[error(
        "pierre-authd is already running (pid {pid}) on {socket}; stop it with `pierre-authd stop` or use it as it is"
    )]
    AlreadyRunning { pid: String, socket: PathBuf },
    #[error("cannot open the pid file {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl PidLock {
    /// Takes the lock and writes this process's pid.
    pub fn acquire(path: &Path, socket: &Path) -> Result<PidLock, PidLockError> {
        let io = |source| PidLockError::Io { path: path.to_path_buf(), source };
        let Some(mut held) = LockedFile::try_acquire(path).map_err(io)? else {
            let mut pid = String::new();
            let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut pid));
            let pid = pid.trim();
            return Err(PidLockError::AlreadyRunning {
                pid: if pid.is_empty() { "unknown".into() } else { pid.to_string() },
                socket: socket.to_path_buf(),
            });
        };
        held.record(&std::process::id().to_string()).map_err(io)?;
        Ok(PidLock { held, path: path.to_path_buf() })
    }
}

impl Drop for PidLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = &self.held;
    }
}

/// An exclusive lock on the data directory's record file, held for the
/// daemon's whole life, with the daemon's pid and socket written into it.
///
/// Two daemons started with different environments (one with
/// `XDG_RUNTIME_DIR`, one without) compute different sockets but share the
/// data directory: without this lock both would refresh the same rotating
/// tokens, and one would end in `needs_reconnect`. The file is never
/// unlinked (a starter waiting on the old inode would then lock a file
/// nobody else sees); on exit it is emptied, and a crash leaves a record
/// whose pid is gone, which clients ignore.
#[derive(Debug)]
pub struct DataDirLock {
    held: LockedFile,
}

/// Why the data-directory lock was not taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataDirLockError {
    #[error(
        "pierre-authd is already running (pid {pid}) for the data directory {data_dir}, on {socket}; use it as it is, or stop it with `pierre-authd stop` before starting another"
    )]
    AlreadyServing { pid: String, socket: String, data_dir: PathBuf },
    #[error("cannot open or write the daemon record {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl DataDirLock {
    /// Takes the lock on `record` and writes this process's pid and `socket`.
    pub fn acquire(record: &Path, socket: &Path) -> Result<DataDirLock, DataDirLockError> {
        let io = |source| DataDirLockError::Io { path: record.to_path_buf(), source };
        let Some(mut held) = LockedFile::try_acquire(record).map_err(io)? else {
            let holder = DaemonRecord::read(record);
            return Err(DataDirLockError::AlreadyServing {
                pid: holder.as_ref().map_or_else(|| "unknown".into(), |r| r.pid.to_string()),
                socket: holder.map_or_else(|| "an unknown socket".into(), |r| r.socket.display().to_string()),
                data_dir: record.parent().map(Path::to_path_buf).unwrap_or_default(),
            });
        };
        let line = serde_json::to_string(&DaemonRecord { pid: std::process::id(), socket: socket.to_path_buf() })
            .map_err(|e| io(e.into()))?;
        held.record(&line).map_err(io)?;
        Ok(DataDirLock { held })
    }
}

impl Drop for DataDirLock {
    fn drop(&mut self) {
        // Emptied, not removed: see the type's doc.
        let _ = self.held.file.set_len(0);
    }
}

/// Reads the pid recorded in a pid file, if any.
pub fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Whether a process with this pid runs (see [`pid_alive`]).
pub fn process_alive(pid: i32) -> bool {
    u32::try_from(pid).is_ok_and(pid_alive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_names_the_first_pid() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("authd.pid");
        let _first = PidLock::acquire(&pid_file, Path::new("/s")).unwrap();
        // flock locks are per open file description, so a second open in
        // the same process conflicts too.
        let err = PidLock::acquire(&pid_file, Path::new("/s")).unwrap_err();
        assert!(err.to_string().contains(&std::process::id().to_string()), "{err}");
    }

    #[test]
    fn second_data_dir_lock_names_the_holder_and_its_socket() {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("authd.lock");
        let first = DataDirLock::acquire(&record, Path::new("/run/a/authd.sock")).unwrap();
        assert_eq!(DaemonRecord::read(&record).unwrap().socket, Path::new("/run/a/authd.sock"));
        let err = DataDirLock::acquire(&record, Path::new("/tmp/b/authd.sock")).unwrap_err().to_string();
        assert!(err.contains(&std::process::id().to_string()) && err.contains("/run/a/authd.sock"), "{err}");
        drop(first);
        assert_eq!(DaemonRecord::read(&record), None, "a stopped daemon leaves no record");
        assert!(record.exists(), "the lock file stays so that no starter locks a vanished inode");
        DataDirLock::acquire(&record, Path::new("/tmp/b/authd.sock")).unwrap();
    }
}
