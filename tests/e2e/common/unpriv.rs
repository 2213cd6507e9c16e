//! An unprivileged OS account for tests about other uids: socket peers refused by
//! SO_PEERCRED, files another account must not read, ptrace. CI runs as root, so it can make one.

use std::ffi::{CStr, CString, OsStr};
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::home::scrubbed_env;

/// The account the helpers create (a system user without a home directory or login shell).
pub const UNPRIV_USER_NAME: &str = "pierre-test-nobody";

/// Serialises `useradd` across test processes (nextest, or two suites at once).
const USERADD_LOCK: &str = "/tmp/pierre-test-useradd.lock";

/// An unprivileged account, plus a private scratch area this test's copies of binaries live in
/// (removed when the value is dropped).
#[derive(Debug)]
pub struct UnprivUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    bin_dir: tempfile::TempDir,
}

/// The unprivileged account, created on first use (idempotent, safe across threads and
/// processes), or `None` when this process is not root and so cannot create it or act as it.
pub fn unprivileged_user() -> Option<UnprivUser> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    static IDS: OnceLock<(u32, u32)> = OnceLock::new();
    let &(uid, gid) = IDS.get_or_init(|| ensure_user(UNPRIV_USER_NAME));
    Some(with_bin_dir(UNPRIV_USER_NAME, uid, gid))
}

/// Another unprivileged account named `name` (created on first use), for
/// tests that need two accounts neither of which is root.
///
/// # Panics
///
/// When not running as root, or `useradd` fails.
pub fn require_unprivileged_user_named(name: &str) -> UnprivUser {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        require_unprivileged_user();
    }
    let (uid, gid) = ensure_user(name);
    with_bin_dir(name, uid, gid)
}

fn with_bin_dir(name: &str, uid: u32, gid: u32) -> UnprivUser {
    // /tmp, not TMPDIR: every ancestor of the copied binaries must be searchable by the account.
    let bin_dir = tempfile::Builder::new()
        .prefix("pierre-unpriv-")
        .tempdir_in("/tmp")
        .expect("cannot create a temp dir under /tmp");
    std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).expect("cannot chmod the bin dir");
    UnprivUser { name: name.to_owned(), uid, gid, bin_dir }
}

/// Like [`unprivileged_user`], for a test that cannot prove its point without one.
///
/// # Panics
///
/// When not running as root: the test fails rather than skips.
pub fn require_unprivileged_user() -> UnprivUser {
    unprivileged_user().unwrap_or_else(|| {
        panic!(
            "this test must run as root (CI does) to create an unprivileged user; run it as root, e.g. `sudo -E cargo test --test e2e <module>::`"
        )
    })
}

fn lookup(name: &str) -> Option<(u32, u32)> {
    let cname = CString::new(name).expect("user name has a NUL");
    // SAFETY: passwd is a plain C struct of integers and pointers; all-zero is a valid value.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0u8; 16 * 1024];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; getpwnam_r is the thread-safe variant.
    let rc = unsafe { libc::getpwnam_r(cname.as_ptr(), &mut pwd, buf.as_mut_ptr().cast(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points into `buf`, which is alive.
    debug_assert_eq!(unsafe { CStr::from_ptr(pwd.pw_name) }.to_str().ok(), Some(name));
    Some((pwd.pw_uid, pwd.pw_gid))
}

fn ensure_user(name: &str) -> (u32, u32) {
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(USERADD_LOCK)
        .unwrap_or_else(|e| panic!("cannot open {USERADD_LOCK}: {e}"));
    // SAFETY: flock on a file descriptor we own; released when `lock` is dropped.
    if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) } != 0 {
        panic!("cannot lock {USERADD_LOCK}: {}", std::io::Error::last_os_error());
    }
    if let Some(ids) = lookup(name) {
        return ids;
    }
    let output = Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--user-group",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
        ])
        .arg(name)
        .output()
        .unwrap_or_else(|e| panic!("cannot run useradd ({e}); install it with `apt-get install -y passwd`"));
    // 9 = the name exists (another process won a race the lock did not cover, e.g. a different
    // lock file path); fine as long as the lookup below finds it.
    if !output.status.success() && output.status.code() != Some(9) {
        panic!("useradd {name} failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim());
    }
    lookup(name).unwrap_or_else(|| panic!("useradd {name} succeeded but the user cannot be looked up"))
}

impl UnprivUser {
    /// Copies `src` (a product binary, say) into a fresh 0755 directory under `/tmp` that this
    /// account can reach, as a 0755 file, and returns the copy's path. The copy lives as long as
    /// this value.
    ///
    /// # Panics
    ///
    /// When the copy fails.
    pub fn copy_binary(&self, src: &Path) -> PathBuf {
        let name = src.file_name().unwrap_or_else(|| panic!("{} has no file name", src.display()));
        let dest = self.bin_dir.path().join(name);
        // `cp` in its own process, not std::fs::copy: a write handle open in this (threaded)
        // test process would be inherited by any child another test forks at that moment,
        // and exec of the copy then fails with "Text file busy" (ETXTBSY).
        let copied = std::process::Command::new("cp")
            .arg(src)
            .arg(&dest)
            .status()
            .unwrap_or_else(|e| panic!("cannot run cp to copy {}: {e}", src.display()));
        assert!(copied.success(), "cp {} {} failed", src.display(), dest.display());
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("cannot chmod {}: {e}", dest.display()));
        dest
    }

    /// A fresh directory owned by this account, mode 0700, for its own `PIERRE_HOME`. Removed
    /// when this value is dropped.
    pub fn private_dir(&self) -> PathBuf {
        let dir = tempfile::Builder::new()
            .prefix("home-")
            .tempdir_in(self.bin_dir.path())
            .expect("cannot create a dir for the unprivileged user")
            .keep();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("cannot chmod");
        chown(&dir, Some(self.uid), Some(self.gid)).unwrap_or_else(|e| panic!("cannot chown {}: {e}", dir.display()));
        dir
    }

    /// A [`Command`] that runs `program` as this account (uid, gid, no supplementary groups),
    /// with the scrubbed environment of the tests ([`super::KEPT_ENV`]), `HOME=/nonexistent`, no
    /// `PIERRE_HOME`, and `/` as working directory. Set `PIERRE_HOME` (e.g. to
    /// [`UnprivUser::private_dir`]) when it runs a Pierre binary.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        let env = scrubbed_env(std::env::vars_os(), Path::new("/nonexistent"))
            .into_iter()
            .filter(|(k, _)| k != "PIERRE_HOME" && k != "HOME" && k != "USER" && k != "LOGNAME");
        cmd.env_clear()
            .envs(env)
            .env("HOME", "/nonexistent")
            .env("USER", &self.name)
            .env("LOGNAME", &self.name)
            .current_dir("/")
            // std drops supplementary groups (setgroups(0)) when root sets a uid.
            .uid(self.uid)
            .gid(self.gid);
        cmd
    }
}
