//! Process-level protections and the daemon's two locks: one per data
//! directory (the one that matters: a vault is refreshed by one daemon) and
//! one per socket (the pid file beside it).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use pierre_shared::paths::{pid_alive, DaemonRecord};

/// Caps glibc's malloc arenas at 2. By default glibc gives busy threads
/// their own arenas (up to 8 per core), and memory freed in one is not
/// reused by another: with many users' store calls spread over the blocking
/// pool the daemon kept ~28 MB more resident at 1,000 users (75 → 47 MB,
/// measured with `scripts/bench.sh`'s many-users stage). Call before any
/// thread starts. No-op elsewhere than glibc.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator tunable; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Restores the default action of SIGPIPE (end the process) for CLI
/// commands: Rust ignores it, so `println!` into a closed pipe
/// (`pierre-authd users list | head -1`) panics with exit 101 instead of
/// ending quietly as every Unix filter does. Never for `serve`: the daemon
/// must outlive a client that hangs up (and Rust sets it back to ignored in
/// any child it execs, so a spawned daemon is safe).
pub fn default_sigpipe() {
    // SAFETY: installs the default disposition; no handler runs our code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Makes this process non-dumpable: no core files, and other processes of
/// the same uid cannot ptrace it to read keys from memory.
pub fn disable_core_dumps() -> std::io::Result<()> {
    // SAFETY: PR_SET_DUMPABLE takes plain integer arguments.
    let rc = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// An exclusive `flock` on the pid file, held for the daemon's life. The
/// kernel drops it when the process dies, so a crash never leaves a stale lock.
#[derive(Debug)]
pub struct PidLock {
    file: File,
    path: PathBuf,
}

/// Why the pid lock was not taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PidLockError {
    #[error("pierre-authd is already running (pid {pid}) on {socket}; stop it with `pierre-authd stop` or use it as it is")]
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
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(path).map_err(io)?;
        // SAFETY: flock on a file descriptor we own.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = pid.trim();
            return Err(PidLockError::AlreadyRunning {
                pid: if pid.is_empty() { "unknown".into() } else { pid.to_string() },
                socket: socket.to_path_buf(),
            });
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(PidLock { file, path: path.to_path_buf() })
    }
}

impl Drop for PidLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = &self.file;
    }
}

/// An exclusive `flock` on the data directory's record file, held for the
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
    file: File,
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
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(record).map_err(io)?;
        // SAFETY: flock on a file descriptor we own.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let held = DaemonRecord::read(record);
            return Err(DataDirLockError::AlreadyServing {
                pid: held.as_ref().map_or_else(|| "unknown".into(), |r| r.pid.to_string()),
                socket: held.map_or_else(|| "an unknown socket".into(), |r| r.socket.display().to_string()),
                data_dir: record.parent().map(Path::to_path_buf).unwrap_or_default(),
            });
        }
        let line = serde_json::to_string(&DaemonRecord { pid: std::process::id(), socket: socket.to_path_buf() })
            .map_err(|e| io(e.into()))?;
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{line}").map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(DataDirLock { file })
    }
}

impl Drop for DataDirLock {
    fn drop(&mut self) {
        // Emptied, not removed: see the type's doc.
        let _ = self.file.set_len(0);
    }
}

/// Reads the pid recorded in a pid file, if any.
pub fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Whether a process with this pid exists and has not exited. A zombie
/// (exited, not yet reaped by its parent) counts as gone: waiting for its
/// parent to reap it would make `stop` hang for no reason.
pub fn process_alive(pid: i32) -> bool {
    u32::try_from(pid).is_ok_and(pid_alive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zombie_is_not_alive() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        // Give it time to exit without reaping it.
        for _ in 0..200 {
            if !process_alive(pid) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!process_alive(pid), "an exited, unreaped child must count as gone");
        child.wait().unwrap();
        assert!(process_alive(std::process::id() as i32));
    }

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
