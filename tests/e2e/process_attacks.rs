//! Process-level attacks on a running daemon by a process of the same uid (issue 15).
//!
//! The daemon sets `PR_SET_DUMPABLE=0` (`pierre-authd/src/process.rs`), so another process of
//! its own uid can neither `PTRACE_ATTACH` to it nor open `/proc/<pid>/mem` to read keys and
//! tokens from memory. Root bypasses both (CAP_SYS_PTRACE) and CI runs as root, so the attack
//! runs as an unprivileged account: this test executable is copied where that account can run
//! it and re-run as the hidden `probe` below. The probe starts both targets itself, so even a
//! kernel with Yama `ptrace_scope=1` (descendants only) lets it reach them and the only
//! difference left is dumpability: a plain `sleep` it starts the same way must be attachable
//! and readable (the positive control), the daemon must not.
//!
//! Another uid on the socket is refused by SO_PEERCRED: that is
//! `daemon_socket.rs::another_uid_is_refused_even_with_open_modes_while_the_owner_is_served`.

use crate::common;

use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// Set (to the daemon binary's path) only when this executable runs as the probe.
const PROBE_AUTHD: &str = "PIERRE_PROBE_AUTHD";
/// The probe's `PIERRE_HOME` for its daemon.
const PROBE_HOME: &str = "PIERRE_PROBE_HOME";

/// What one attack on one pid found.
fn attack(pid: i32) -> Value {
    // /proc/<pid>/mem: the open is checked as a ptrace attach (PTRACE_MODE_ATTACH_FSCREDS).
    let mem = match std::fs::File::open(format!("/proc/{pid}/mem")) {
        Err(e) => json!({ "ok": false, "errno": e.raw_os_error() }),
        Ok(file) => {
            // Read 16 bytes at the start of the first readable mapping.
            let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
            let start = maps
                .lines()
                .find(|l| l.split_whitespace().nth(1).is_some_and(|p| p.starts_with('r')))
                .and_then(|l| l.split('-').next())
                .and_then(|a| u64::from_str_radix(a, 16).ok());
            let mut buf = [0u8; 16];
            match start.map(|a| file.read_at(&mut buf, a)) {
                Some(Ok(n)) if n > 0 => json!({ "ok": true, "read": n }),
                Some(Err(e)) => json!({ "ok": false, "errno": e.raw_os_error(), "opened": true }),
                _ => json!({ "ok": false, "errno": null, "opened": true }),
            }
        }
    };
    // SAFETY: ptrace(2) with plain integer arguments on a pid we started.
    let rc = unsafe {
        libc::ptrace(
            libc::PTRACE_ATTACH,
            pid,
            std::ptr::null_mut::<libc::c_void>(),
            std::ptr::null_mut::<libc::c_void>(),
        )
    };
    let attach = if rc == 0 {
        let mut status = 0;
        // SAFETY: waitpid/ptrace on our own traced child; detach leaves it running.
        unsafe {
            libc::waitpid(pid, &mut status, libc::__WALL);
            libc::ptrace(
                libc::PTRACE_DETACH,
                pid,
                std::ptr::null_mut::<libc::c_void>(),
                std::ptr::null_mut::<libc::c_void>(),
            );
        }
        json!({ "ok": true })
    } else {
        json!({ "ok": false, "errno": std::io::Error::last_os_error().raw_os_error() })
    };
    json!({ "mem": mem, "attach": attach })
}

fn stop(mut child: Child) {
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    for _ in 0..250 {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Not a test of its own: the body of the unprivileged probe. Run directly it does nothing.
#[test]
#[ignore = "run by same_uid_processes_can_neither_ptrace_nor_read_the_daemons_memory as another user"]
fn probe() {
    let (Some(authd), Some(home)) = (std::env::var_os(PROBE_AUTHD), std::env::var_os(PROBE_HOME)) else {
        return;
    };
    let daemon = Command::new(&authd)
        .arg("serve")
        .env("PIERRE_HOME", &home)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start the daemon as the probe");
    let socket = Path::new(&home).join("run/authd.sock");
    if let Err(e) = common::wait_for_socket(&socket, Duration::from_secs(15)) {
        let mut daemon = daemon;
        let _ = daemon.kill();
        let mut err = String::new();
        let _ = daemon.stderr.take().unwrap().read_to_string(&mut err);
        panic!("the daemon did not start as the unprivileged user: {e}\n{err}");
    }
    let sleeper = Command::new("sleep").arg("30").spawn().expect("cannot start sleep");
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    let report = json!({
        "uid": uid,
        "daemon": attack(daemon.id() as i32),
        "control": attack(sleeper.id() as i32),
    });
    stop(sleeper);
    stop(daemon);
    println!("\nPIERRE-PROBE-REPORT {report}");
}

/// Guards `process::disable_core_dumps` (PR_SET_DUMPABLE=0): remove the call and the daemon
/// becomes as attachable and readable as the `sleep` control.
#[test]
fn same_uid_processes_can_neither_ptrace_nor_read_the_daemons_memory() {
    let other = common::require_unprivileged_user();
    let me = std::env::current_exe().unwrap();
    let probe = other.copy_binary(&me);
    let authd = other.copy_binary(&common::bin("pierre-authd"));
    let home = other.private_dir();
    let out = common::output_within(
        other
            .command(&probe)
            .args(["--ignored", "--exact", "process_attacks::probe", "--nocapture", "--test-threads", "1"])
            .env(PROBE_AUTHD, &authd)
            .env(PROBE_HOME, &home),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the probe failed:\n{stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("PIERRE-PROBE-REPORT ").map(|(_, r)| r))
        .unwrap_or_else(|| panic!("the probe reported nothing:\n{stdout}\n{stderr}"));
    let report: Value = serde_json::from_str(line).unwrap();
    assert_eq!(report["uid"], json!(other.uid), "the probe must run unprivileged: {report}");

    // Positive control: a dumpable process of the same uid is open to both.
    assert_eq!(report["control"]["attach"]["ok"], true, "control not attachable: {report}");
    assert_eq!(report["control"]["mem"]["ok"], true, "control memory not readable: {report}");

    // The daemon: both refused with EPERM/EACCES, not some other failure.
    let denied = |v: &Value| v["ok"] == false && [libc::EPERM, libc::EACCES].iter().any(|e| v["errno"] == json!(e));
    assert!(denied(&report["daemon"]["attach"]), "PTRACE_ATTACH to the daemon was not refused: {report}");
    assert!(denied(&report["daemon"]["mem"]), "the daemon's /proc/<pid>/mem was not refused: {report}");
}
