//! Where Pierre keeps things on disk, resolved once at start.
//!
//! `PIERRE_HOME` (or `--home`) puts everything under one directory, which is
//! what tests and side-by-side installs use. Otherwise the XDG locations come
//! from the `directories` crate. Nothing after [`Paths::resolve`] reads the
//! environment for a path.

use std::ffi::OsString;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::platform::{MAX_SOCKET_PATH_BYTES, current_uid, pid_alive};

/// Every path the daemon and pierre-mcp use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `PIERRE_HOME` when set; the daemon exits when it disappears.
    pub home: Option<PathBuf>,
    /// `config.toml`: provider apps, units, time zone, ports.
    pub config_file: PathBuf,
    /// Root of persistent data: the state database, users' vaults, the key file.
    pub data_dir: PathBuf,
    /// Directory for log files (`authd.log`, `mcp.log`).
    pub log_dir: PathBuf,
    /// Private (0700) directory holding the socket and the pid file; one
    /// per install (see [`install_tag`]), so two installs of one uid never
    /// share a socket.
    pub runtime_dir: PathBuf,
    /// The daemon's Unix socket.
    pub socket: PathBuf,
}

/// Why paths could not be resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PathsError {
    #[error("cannot find a home directory for this account; set PIERRE_HOME to a directory Pierre may use")]
    NoHomeDirectory,
    #[error(
        "socket path {path} is {len} bytes, longer than the {max} a Unix socket allows; set PIERRE_HOME or XDG_RUNTIME_DIR to a shorter directory"
    )]
    SocketPathTooLong { path: PathBuf, len: usize, max: usize },
    #[error(
        "{path} must be a directory private to this account (mode 0700, owned by uid {uid}); found mode {mode:o} owned by uid {owner}. Run `chmod 700 {path}` or remove it"
    )]
    InsecureDirectory { path: PathBuf, mode: u32, owner: u32, uid: u32 },
    #[error("cannot create or inspect {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Paths {
    /// Resolves paths from `--home` (if given), else the environment.
    ///
    /// `env` is how the environment is read, so tests need not mutate the
    /// process environment.
    pub fn resolve(home_flag: Option<&Path>, env: impl Fn(&str) -> Option<OsString>) -> Result<Paths, PathsError> {
        let home = home_flag
            .map(Path::to_path_buf)
            .or_else(|| env("PIERRE_HOME").filter(|v| !v.is_empty()).map(PathBuf::from));
        let paths = match home {
            Some(home) => Self::under_home(&absolute(&home)),
            None => Self::from_xdg(&env)?,
        };
        paths.check_socket_len()?;
        Ok(paths)
    }

    /// Everything under one directory: the layout tests rely on.
    pub fn under_home(home: &Path) -> Paths {
        Paths {
            home: Some(home.to_path_buf()),
            config_file: home.join("config.toml"),
            data_dir: home.join("data"),
            log_dir: home.join("logs"),
            runtime_dir: home.join("run"),
            socket: home.join("run").join("authd.sock"),
        }
    }

    fn from_xdg(env: &impl Fn(&str) -> Option<OsString>) -> Result<Paths, PathsError> {
        let dirs = directories::ProjectDirs::from("", "", "pierre").ok_or(PathsError::NoHomeDirectory)?;
        let data_dir = dirs.data_dir().to_path_buf();
        let log_dir = dirs.state_dir().map(|d| d.join("logs")).unwrap_or_else(|| data_dir.join("logs"));
        let runtime_root = crate::platform::runtime_root(env("XDG_RUNTIME_DIR"));
        // Another HOME or XDG_DATA_HOME under the same uid is another
        // install with its own vault: it gets its own socket directory.
        let runtime_dir = runtime_root.join(install_tag(&data_dir));
        Ok(Paths {
            home: None,
            config_file: dirs.config_dir().join("config.toml"),
            data_dir,
            log_dir,
            socket: runtime_dir.join("authd.sock"),
            runtime_dir,
        })
    }

    fn check_socket_len(&self) -> Result<(), PathsError> {
        let len = self.socket.as_os_str().len();
        if len > MAX_SOCKET_PATH_BYTES {
            return Err(PathsError::SocketPathTooLong { path: self.socket.clone(), len, max: MAX_SOCKET_PATH_BYTES });
        }
        Ok(())
    }

    /// The daemon's state database (users, install metadata, AS state).
    pub fn state_db(&self) -> PathBuf {
        self.data_dir.join("authd.sqlite3")
    }

    /// Directory holding every user's private directory.
    pub fn users_dir(&self) -> PathBuf {
        self.data_dir.join("users")
    }

    /// A user's private (0700) directory.
    pub fn user_dir(&self, user_id: &str) -> PathBuf {
        self.users_dir().join(user_id)
    }

    /// A user's encrypted token vault.
    pub fn user_vault(&self, user_id: &str) -> PathBuf {
        self.user_dir(user_id).join("vault.sqlite3")
    }

    /// The fallback master-key file (0600).
    pub fn key_file(&self) -> PathBuf {
        self.data_dir.join("vault.key")
    }

    /// The daemon's lock and record, in the data directory itself: the
    /// daemon holds an exclusive `flock` on it for its whole life and
    /// writes its pid and socket into it ([`DaemonRecord`]), so a second
    /// daemon for the same data refuses whatever its environment, and
    /// clients find the running daemon whatever theirs.
    pub fn daemon_record(&self) -> PathBuf {
        self.data_dir.join("authd.lock")
    }

    /// The socket of the daemon that serves this data directory now: the
    /// one its record names while that daemon lives, else [`Paths::socket`].
    ///
    /// A daemon started from a desktop session binds under
    /// `XDG_RUNTIME_DIR`; a shell without that variable computes another
    /// path, and must still reach the same daemon rather than start a second.
    pub fn live_socket(&self) -> PathBuf {
        DaemonRecord::read(&self.daemon_record())
            .filter(|record| pid_alive(record.pid))
            .map_or_else(|| self.socket.clone(), |record| record.socket)
    }

    /// Directories the daemon creates private (0700) before binding: the
    /// data and log directories, and the runtime directory with, outside
    /// `PIERRE_HOME`, its shared per-uid parent (a parent another account
    /// made could swap the leaf).
    pub fn private_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.data_dir.clone(), self.log_dir.clone()];
        if self.home.is_none() {
            dirs.extend(self.runtime_dir.parent().map(Path::to_path_buf));
        }
        dirs.push(self.runtime_dir.clone());
        dirs
    }

    /// The daemon's pid file, beside the socket.
    pub fn pid_file(&self) -> PathBuf {
        self.runtime_dir.join("authd.pid")
    }

    /// The daemon's log file.
    pub fn authd_log(&self) -> PathBuf {
        self.log_dir.join("authd.log")
    }

    /// pierre-mcp's log file.
    pub fn mcp_log(&self) -> PathBuf {
        self.log_dir.join("mcp.log")
    }
}

/// What the daemon that holds [`Paths::daemon_record`] wrote into it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DaemonRecord {
    pub pid: u32,
    pub socket: PathBuf,
}

impl DaemonRecord {
    /// The record at `path`; `None` when absent, empty (no daemon since the
    /// last one stopped) or unreadable.
    pub fn read(path: &Path) -> Option<DaemonRecord> {
        let text = std::fs::read_to_string(path).ok()?;
        serde_json::from_str(text.trim()).ok()
    }
}

/// A short, stable name for one data directory: the first 8 bytes of the
/// SHA-256 of its path, in hex. It names the per-install runtime directory.
pub fn install_tag(data_dir: &Path) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    hex::encode(&digest[..8])
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Creates `dir` (and parents) with mode 0700 if missing, then checks that it
/// is a directory owned by this uid with no group or other bits.
///
/// # Errors
/// [`PathsError::InsecureDirectory`] names the `chmod` that fixes a wider mode.
pub fn ensure_private_dir(dir: &Path) -> Result<(), PathsError> {
    let io_err = |source| PathsError::Io { path: dir.to_path_buf(), source };
    if !dir.exists() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io_err)?;
        // `recursive` applies the mode to every created level, but a umask
        // could still narrow it; set it exactly on the leaf.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io_err)?;
    }
    check_private_dir(dir)
}

/// Checks an existing directory is owned by this uid with mode 0700 or
/// narrower.
pub fn check_private_dir(dir: &Path) -> Result<(), PathsError> {
    let meta = std::fs::symlink_metadata(dir).map_err(|source| PathsError::Io { path: dir.to_path_buf(), source })?;
    let uid = current_uid();
    let mode = meta.mode() & 0o7777;
    if !meta.is_dir() || meta.uid() != uid || mode & 0o077 != 0 {
        return Err(PathsError::InsecureDirectory { path: dir.to_path_buf(), mode, owner: meta.uid(), uid });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    #[test]
    fn home_flag_puts_everything_under_it() {
        let p = Paths::resolve(Some(Path::new("/tmp/ph")), no_env).unwrap();
        assert_eq!(p.socket, PathBuf::from("/tmp/ph/run/authd.sock"));
        assert_eq!(p.state_db(), PathBuf::from("/tmp/ph/data/authd.sqlite3"));
        assert_eq!(p.user_vault("u1"), PathBuf::from("/tmp/ph/data/users/u1/vault.sqlite3"));
        assert_eq!(p.key_file(), PathBuf::from("/tmp/ph/data/vault.key"));
        assert_eq!(p.config_file, PathBuf::from("/tmp/ph/config.toml"));
    }

    #[test]
    fn pierre_home_env_is_used_when_no_flag() {
        let env = |k: &str| (k == "PIERRE_HOME").then(|| OsString::from("/tmp/envhome"));
        let p = Paths::resolve(None, env).unwrap();
        assert_eq!(p.home.as_deref(), Some(Path::new("/tmp/envhome")));
        // The flag wins over the environment.
        let p = Paths::resolve(Some(Path::new("/tmp/flag")), env).unwrap();
        assert_eq!(p.home.as_deref(), Some(Path::new("/tmp/flag")));
    }

    #[test]
    fn long_socket_path_is_refused_with_advice() {
        let long = format!("/tmp/{}", "x".repeat(120));
        let err = Paths::resolve(Some(Path::new(&long)), no_env).unwrap_err();
        assert!(matches!(err, PathsError::SocketPathTooLong { .. }));
        assert!(err.to_string().contains("shorter directory"));
    }

    #[test]
    fn runtime_dir_follows_xdg_runtime_dir() {
        let env = |k: &str| (k == "XDG_RUNTIME_DIR").then(|| OsString::from("/run/user/1234"));
        let p = Paths::resolve(None, env).unwrap();
        let tag = install_tag(&p.data_dir);
        assert_eq!(p.socket, PathBuf::from(format!("/run/user/1234/pierre/{tag}/authd.sock")));
        assert_eq!(p.private_dirs().last(), Some(&PathBuf::from(format!("/run/user/1234/pierre/{tag}"))));
    }

    #[test]
    fn two_data_directories_never_share_a_socket() {
        let a = install_tag(Path::new("/home/a/.local/share/pierre"));
        let b = install_tag(Path::new("/home/b/.local/share/pierre"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
        assert_eq!(a, install_tag(Path::new("/home/a/.local/share/pierre")));
    }

    #[test]
    fn live_socket_is_the_recorded_one_while_its_daemon_lives() {
        let tmp = tempfile::tempdir().unwrap();
        let p = Paths::under_home(tmp.path());
        assert_eq!(p.live_socket(), p.socket, "no record: the computed socket");
        std::fs::create_dir_all(&p.data_dir).unwrap();
        let record =
            |pid: u32| serde_json::to_string(&DaemonRecord { pid, socket: "/elsewhere/authd.sock".into() }).unwrap();
        std::fs::write(p.daemon_record(), record(std::process::id())).unwrap();
        assert_eq!(p.live_socket(), PathBuf::from("/elsewhere/authd.sock"));
        // A record left by a dead daemon (a pid that cannot exist) is ignored.
        std::fs::write(p.daemon_record(), record(u32::MAX - 1)).unwrap();
        assert_eq!(p.live_socket(), p.socket);
        std::fs::write(p.daemon_record(), "").unwrap();
        assert_eq!(p.live_socket(), p.socket);
    }

    #[test]
    fn private_dir_is_created_0700_and_wider_modes_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        ensure_private_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = check_private_dir(&dir).unwrap_err();
        assert!(err.to_string().contains("chmod 700"), "{err}");
    }
}
