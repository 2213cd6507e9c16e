//! Everything Pierre asks of the operating system, in one place.
//!
//! Only Linux is implemented ([`linux`]); building for anything else stops
//! with a compile error that points here. A port (macOS first) is one file
//! beside `linux.rs` that provides the same items with the same contract:
//!
//! | item | contract | Linux |
//! | --- | --- | --- |
//! | [`current_uid`] | the real uid, which owns every private file and socket | `getuid` |
//! | [`pid_alive`] | a process with this pid runs (a zombie does not) | `kill(pid, 0)` + `/proc/<pid>/stat` |
//! | [`os_user_name`] | the login name of the uid, to name the owner user | `getpwuid_r` |
//! | [`MAX_SOCKET_PATH_BYTES`] | the longest Unix socket path `sun_path` holds | 107 (macOS: 103) |
//! | [`runtime_root`] | where sockets live: a per-session dir, else a per-uid dir under the temp dir | `$XDG_RUNTIME_DIR/pierre`, else `$TMPDIR/pierre-<uid>` (macOS: `$TMPDIR` is already per user) |
//! | [`try_lock_exclusive`] | a non-blocking exclusive lock on an open file, released by the kernel when the process dies | `flock(LOCK_EX | LOCK_NB)` |
//! | [`detach_session`] | a spawned daemon leaves the caller's session and terminal | `setsid` in `pre_exec` |
//! | [`default_sigpipe`] | a CLI command ends quietly when its reader goes | `SIGPIPE` → `SIG_DFL` |
//! | [`disable_core_dumps`] | no core file, and other processes of the uid cannot read the daemon's memory | `prctl(PR_SET_DUMPABLE, 0)` (macOS: `PT_DENY_ATTACH` + `RLIMIT_CORE` 0) |
//! | [`limit_malloc_arenas`] | keep the allocator from holding memory per thread (a tuning, may do nothing) | glibc `M_ARENA_MAX` = 2 |
//!
//! Two more OS services are reached through portable crates and need no code
//! here, only a check on a port: the socket's peer credentials (tokio's
//! `UnixStream::peer_cred`, which covers macOS's `getpeereid`) and the
//! master-key store (a `keyring-core` store: the zbus Secret Service on
//! Linux, `apple-native-keyring-store` on macOS; chosen in `pierre-authd`'s
//! `vault/keys.rs`). A LaunchAgent stands in for the systemd unit
//! (`examples/launchd/`). Nothing of this is claimed to work on macOS until a
//! port is built and tested there.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(not(target_os = "linux"))]
compile_error!(
    "Pierre local runs on Linux only for now; a port provides the items listed in shared/src/platform/mod.rs"
);
