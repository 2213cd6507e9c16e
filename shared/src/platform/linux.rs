//! The Linux side of [`crate::platform`]; each item's contract is in the
//! table there.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

/// Longest socket path `sun_path` can hold on Linux (108 bytes with the NUL).
pub const MAX_SOCKET_PATH_BYTES: usize = 107;

/// The real uid of this process.
pub fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// Whether a process with this pid runs. A zombie (exited, not yet reaped by
/// its parent) counts as gone: waiting for its parent to reap it would make
/// `stop` hang for no reason.
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    // SAFETY: signal 0 only checks for existence and permission.
    if pid <= 0 || unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state letter follows the parenthesised command name.
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next()) != Some('Z'),
        Err(_) => true,
    }
}

/// The login name of this process's uid, from the password database.
pub fn os_user_name() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: an all-zero passwd is a valid value for getpwuid_r to fill.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; getpwuid_r writes only into
    // `pwd` and `buf`, and `result` is checked before use.
    let rc = unsafe { libc::getpwuid_r(libc::getuid(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: pw_name points into `buf` and is NUL-terminated.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    name.to_str().ok().map(str::to_owned)
}

/// `$XDG_RUNTIME_DIR/pierre` when the session has one, else a per-uid
/// directory under the temp dir (checked 0700 and ours before use).
pub fn runtime_root(xdg_runtime_dir: Option<OsString>) -> PathBuf {
    match xdg_runtime_dir.filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("pierre"),
        None => std::env::temp_dir().join(format!("pierre-{}", current_uid())),
    }
}

/// Tries to take an exclusive lock on `file` without waiting: `Ok(false)`
/// when another open file description holds it. The kernel drops the lock
/// when the holder dies, so a crash never leaves a stale lock.
pub fn try_lock_exclusive(file: &File) -> io::Result<bool> {
    // SAFETY: flock on a file descriptor `file` owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) { Ok(false) } else { Err(err) }
}

/// Makes the child `command` spawns lead a new session, without the
/// caller's controlling terminal (a daemon outlives the shell that started it).
pub fn detach_session(command: &mut Command) {
    // SAFETY: setsid is async-signal-safe and touches no Rust state.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Restores the default action of SIGPIPE (end the process). Rust ignores
/// it, so `println!` into a closed pipe panics with exit 101 instead of
/// ending quietly as every Unix filter does. For CLI commands only: a server
/// must outlive a client that hangs up (and Rust sets SIGPIPE back to
/// ignored in any program it starts, so a spawned daemon is safe).
pub fn default_sigpipe() {
    // SAFETY: installs the default disposition; no handler runs our code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Makes this process non-dumpable: no core files, and other processes of
/// the same uid cannot ptrace it to read keys from memory.
pub fn disable_core_dumps() -> io::Result<()> {
    // SAFETY: PR_SET_DUMPABLE takes plain integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Caps glibc's malloc arenas at 2. By default glibc gives busy threads
/// their own arenas (up to 8 per core), and memory freed in one is not
/// reused by another: with many users' store calls spread over the blocking
/// pool the daemon kept ~28 MB more resident at 1,000 users (75 → 47 MB,
/// measured with `scripts/bench.sh`'s many-users stage). Call before any
/// thread starts. No-op on other C libraries.
pub fn limit_malloc_arenas() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets an allocator tunable; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zombie_is_not_alive() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        // Give it time to exit without reaping it.
        for _ in 0..200 {
            if !pid_alive(pid) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!pid_alive(pid), "an exited, unreaped child must count as gone");
        child.wait().unwrap();
        assert!(pid_alive(std::process::id()));
        assert!(!pid_alive(0) && !pid_alive(u32::MAX));
    }

    #[test]
    fn a_second_exclusive_lock_is_refused_until_the_first_goes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let first = File::create(&path).unwrap();
        assert!(try_lock_exclusive(&first).unwrap());
        // flock locks belong to open file descriptions: a second open conflicts.
        let second = File::open(&path).unwrap();
        assert!(!try_lock_exclusive(&second).unwrap());
        drop(first);
        assert!(try_lock_exclusive(&second).unwrap());
    }

    #[test]
    fn the_runtime_root_is_the_sessions_else_a_per_uid_temp_dir() {
        assert_eq!(runtime_root(Some("/run/user/7".into())), PathBuf::from("/run/user/7/pierre"));
        let fallback = runtime_root(Some(OsString::new()));
        assert_eq!(fallback, std::env::temp_dir().join(format!("pierre-{}", current_uid())));
        assert_eq!(runtime_root(None), fallback);
    }
}
