//! Tests of the shared test plumbing in `tests/e2e/common/` itself: binary lookup, the scrubbed
//! environment, the daemon guard (against a small stand-in daemon, so these tests do not depend
//! on `pierre-authd`'s features), the raw JSON-RPC client, and the unprivileged user.

use crate::common;

use std::ffi::OsString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

/// A stand-in daemon: binds the socket given as argv[1], writes `authd.pid` beside it, and
/// answers each JSON-RPC line with `{"result": {"method", "params"}}`. Special methods: `notify`
/// sends a notification first, `slow` writes its answer in two halves 300 ms apart, `close`
/// closes the connection. A line that is not JSON gets a -32700 error with a null id.
/// With argv[2] == "ignore-term" it ignores SIGTERM.
const STANDIN: &str = r#"
import json, os, signal, socket, sys, threading, time
path = sys.argv[1]
if len(sys.argv) > 2 and sys.argv[2] == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
with open(os.path.join(os.path.dirname(path), "authd.pid"), "w") as f:
    f.write(f"{os.getpid()}\n")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(16)
print("stand-in listening", file=sys.stderr, flush=True)

def serve(conn):
    buf = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return conn.close()
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                req = json.loads(line)
            except Exception:
                conn.sendall(b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}\n')
                continue
            method = req.get("method")
            if method == "close":
                return conn.close()
            if method == "notify":
                conn.sendall(b'{"jsonrpc":"2.0","method":"event","params":{}}\n')
            out = (json.dumps({"jsonrpc": "2.0", "id": req.get("id"), "result": {"method": method, "params": req.get("params")}}) + "\n").encode()
            if method == "slow":
                conn.sendall(out[:10]); time.sleep(0.3); conn.sendall(out[10:])
            else:
                conn.sendall(out)

while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"#;

fn standin_command(home: &TestHome, extra: &[&str]) -> Command {
    let script = home.path().join("standin.py");
    std::fs::write(&script, STANDIN).unwrap();
    let mut cmd = home.command_at("python3");
    cmd.arg(&script).arg(home.socket_path()).args(extra);
    cmd
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

fn pid_exists(pid: u32) -> bool {
    // SAFETY: signal 0 only checks existence.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

/// Waits up to 5 s for `pid` to exit. A process that is not our child may linger as a zombie
/// until its new parent reaps it; that counts as exited.
fn assert_exits_soon(pid: u32, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let running = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
    };
    while running() {
        assert!(Instant::now() < deadline, "{what}: pid {pid} is still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

// --- binaries and environment -------------------------------------------------------------

#[test]
fn bin_finds_the_root_package_binaries_beside_the_test_executable() {
    assert_eq!(bin("fake-provider"), PathBuf::from(env!("CARGO_BIN_EXE_fake-provider")));
    assert_eq!(target_dir(), PathBuf::from(env!("CARGO_BIN_EXE_fake-provider")).parent().unwrap());
}

#[test]
fn missing_binary_names_the_build_command() {
    let err = try_bin("no-such-pierre-binary").unwrap_err();
    assert!(err.contains("run `cargo build --workspace --bins`"), "{err}");
    assert!(err.contains(&target_dir().join("no-such-pierre-binary").display().to_string()), "{err}");
    let panicked = catch_unwind(|| bin("no-such-pierre-binary")).unwrap_err();
    assert_eq!(panic_message(panicked), err);
}

#[test]
fn scrubbed_env_keeps_only_the_listed_variables() {
    let dirty: Vec<(OsString, OsString)> = [
        ("PATH", "/usr/bin"),
        ("HOME", "/root"),
        ("RUST_LOG", "debug"),
        ("RUST_BACKTRACE", "1"),
        ("XDG_RUNTIME_DIR", "/run/user/0"),
        ("XDG_DATA_HOME", "/root/.local/share"),
        ("PIERRE_HOME", "/root/.pierre"),
        ("PIERRE_TOKEN", "leaked"),
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/0/bus"),
        ("STRAVA_CLIENT_ID", "12345"),
    ]
    .into_iter()
    .map(|(k, v)| (k.into(), v.into()))
    .collect();
    let env = scrubbed_env(dirty, Path::new("/tmp/h"));
    let as_strings: Vec<(String, String)> =
        env.iter().map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned())).collect();
    let expected: Vec<(String, String)> = [
        ("PATH", "/usr/bin"),
        ("HOME", "/root"),
        ("RUST_LOG", "debug"),
        ("RUST_BACKTRACE", "1"),
        ("PIERRE_HOME", "/tmp/h"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(as_strings, expected);
}

#[test]
fn test_home_commands_see_only_the_scrubbed_environment() {
    let home = TestHome::new();
    let out = output_within(home.command_at("sh").args(["-c", "env; echo cwd=$(pwd)"]), Duration::from_secs(10));
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains(&format!("PIERRE_HOME={}\n", home.path().display())), "{stdout}");
    assert!(stdout.contains(&format!("cwd={}\n", home.path().display())), "{stdout}");
    for line in stdout.lines().filter(|l| !l.starts_with("cwd=")) {
        let name = line.split('=').next().unwrap();
        // `sh` itself adds PWD, SHLVL and `_`.
        assert!(
            KEPT_ENV.contains(&name) || ["PIERRE_HOME", "PWD", "SHLVL", "_", "OLDPWD"].contains(&name),
            "unexpected variable in a test child's environment: {line}"
        );
    }
}

#[test]
fn test_home_is_private_short_and_removed_on_drop() {
    let home = TestHome::new();
    let path = home.path().to_path_buf();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o700);
    assert_eq!(home.socket_path(), path.join("run/authd.sock"));
    assert_eq!(home.pid_file(), path.join("run/authd.pid"));
    assert!(home.socket_path().as_os_str().len() <= 107);
    let other = TestHome::new();
    assert_ne!(other.path(), path);
    drop(home);
    assert!(!path.exists());
}

#[test]
fn output_within_kills_a_hung_child_and_shows_its_output() {
    let home = TestHome::new();
    let started = Instant::now();
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        output_within(home.command_at("sh").args(["-c", "echo partial; exec sleep 30"]), Duration::from_millis(300))
    }))
    .unwrap_err();
    let msg = panic_message(panicked);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(msg.contains("still running after"), "{msg}");
    assert!(msg.contains("partial"), "{msg}");
}

// --- the daemon guard ---------------------------------------------------------------------

#[test]
fn daemon_guard_waits_for_the_socket_and_kills_on_drop() {
    let home = TestHome::new();
    let guard = home.spawn_daemon_with(standin_command(&home, &[]));
    let pid = guard.pid();
    assert!(home.socket_path().exists());
    assert!(guard.stderr().contains("stand-in listening"));
    let mut client = home.connect();
    assert_eq!(client.hello(), json!({ "method": "daemon.hello", "params": hello_params() }));
    drop(guard);
    assert!(!pid_exists(pid), "the daemon (pid {pid}) outlived its guard");
}

#[test]
fn daemon_guard_stop_reports_a_sigterm_exit() {
    let home = TestHome::new();
    let guard = home.spawn_daemon_with(standin_command(&home, &[]));
    let status = guard.stop();
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status}");
}

#[test]
fn daemon_guard_escalates_to_sigkill() {
    let home = TestHome::new();
    let mut guard = home.spawn_daemon_with(standin_command(&home, &["ignore-term"]));
    let started = Instant::now();
    let status = guard.stop_with_grace(Duration::from_millis(300));
    assert_eq!(status.signal(), Some(libc::SIGKILL), "{status}");
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn daemon_that_exits_early_fails_with_its_stderr() {
    let home = TestHome::new();
    let mut cmd = home.command_at("sh");
    cmd.args(["-c", "echo 'cannot open the vault: boom' >&2; exit 3"]);
    let msg = panic_message(catch_unwind(AssertUnwindSafe(|| home.spawn_daemon_with(cmd))).unwrap_err());
    assert!(msg.contains("exited (exit status: 3)"), "{msg}");
    assert!(msg.contains("cannot open the vault: boom"), "{msg}");
}

#[test]
fn daemon_that_never_answers_fails_after_the_timeout_and_is_killed() {
    let home = TestHome::new();
    std::fs::create_dir(home.log_dir()).unwrap();
    let mut cmd = home.command_at("sh");
    cmd.args(["-c", "echo still starting >&2; echo $$ > pid; exec sleep 30"]);
    let started = Instant::now();
    let msg = panic_message(
        catch_unwind(AssertUnwindSafe(|| {
            DaemonGuard::start(cmd, home.socket_path(), &home.log_dir(), Duration::from_millis(500))
        }))
        .unwrap_err(),
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(msg.contains("did not answer"), "{msg}");
    assert!(msg.contains("still starting"), "{msg}");
    let pid: u32 = std::fs::read_to_string(home.path().join("pid")).unwrap().trim().parse().unwrap();
    assert!(!pid_exists(pid), "the hung daemon was left running");
}

#[test]
fn wait_for_socket_times_out_with_the_reason() {
    let home = TestHome::new();
    let err = wait_for_socket(&home.socket_path(), Duration::from_millis(100)).unwrap_err();
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn test_home_drop_stops_a_daemon_it_did_not_spawn() {
    // A daemon that is not our child (as after `pierre-authd start` or pierre-mcp's auto-start):
    // the shell forks it and exits, so it is reparented. It runs as `pierre-authd` (a symlink to
    // python), which is what the teardown checks before it signals a pid from the pid file.
    let home = TestHome::new();
    let script = home.path().join("standin.py");
    std::fs::write(&script, STANDIN).unwrap();
    let python = output_within(
        home.command_at("python3").args(["-c", "import os, sys; print(os.path.realpath(sys.executable))"]),
        Duration::from_secs(10),
    );
    let standin = home.path().join("pierre-authd");
    std::os::unix::fs::symlink(String::from_utf8(python.stdout).unwrap().trim(), &standin).unwrap();
    let launcher = format!(
        "({} {} {} </dev/null >/dev/null 2>&1 &)",
        standin.display(),
        script.display(),
        home.socket_path().display()
    );
    let out = output_within(home.command_at("bash").args(["-c", &launcher]), Duration::from_secs(10));
    assert!(out.status.success());
    wait_for_socket(&home.socket_path(), Duration::from_secs(10)).unwrap();
    let pid: u32 = std::fs::read_to_string(home.pid_file()).unwrap().trim().parse().unwrap();
    assert!(pid_exists(pid));
    let path = home.path().to_path_buf();
    drop(home);
    assert_exits_soon(pid, "the stand-in daemon after its home's drop");
    assert!(!path.exists());
}

// --- the raw JSON-RPC client --------------------------------------------------------------

#[test]
fn rpc_client_sends_raw_bytes_and_reads_the_answer() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon_with(standin_command(&home, &[]));
    let mut client = home.connect();
    client.send_raw(b"{not json\n").unwrap();
    let answer = client.read_json(DEFAULT_READ_TIMEOUT);
    assert_eq!(answer["error"]["code"], -32700);
    assert!(answer["id"].is_null());
    // One request split over two writes is still one line.
    client.send_raw(br#"{"jsonrpc":"2.0","id":7,"#).unwrap();
    client.send_raw(b"\"method\":\"x\"}\n").unwrap();
    assert_eq!(client.read_json(DEFAULT_READ_TIMEOUT)["id"], 7);
}

#[test]
fn rpc_call_sets_aside_lines_for_other_ids() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon_with(standin_command(&home, &[]));
    let mut client = home.connect();
    let first = client.call("notify", json!({ "a": 1 }));
    assert_eq!(first["result"]["params"], json!({ "a": 1 }));
    assert_eq!(client.unmatched, vec![json!({ "jsonrpc": "2.0", "method": "event", "params": {} })]);
    let second = client.call_ok("users.list", json!({}));
    assert_eq!(second["method"], "users.list");
    let third = client.call("x", json!(null));
    assert_eq!(third["id"].as_i64(), first["id"].as_i64().map(|id| id + 2));
}

#[test]
fn rpc_read_timeout_keeps_a_partial_line() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon_with(standin_command(&home, &[]));
    let mut client = home.connect();
    let id = client.request("slow", json!({}));
    let err = client.read_line(Duration::from_millis(100)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    let line = client.read_line(Duration::from_secs(5)).unwrap().unwrap();
    let answer: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(answer["id"], id);
}

#[test]
fn rpc_client_sees_the_daemon_close_the_connection() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon_with(standin_command(&home, &[]));
    let mut client = home.connect();
    assert!(!client.is_closed_within(Duration::from_millis(100)));
    client.request("close", json!({}));
    assert!(client.is_closed_within(Duration::from_secs(5)));
}

// --- the unprivileged user ----------------------------------------------------------------

#[test]
fn unprivileged_user_runs_a_copied_binary_as_itself() {
    let user = require_unprivileged_user();
    assert_ne!(user.uid, 0);
    assert_ne!(user.gid, 0);
    let truth = user.copy_binary(Path::new("/bin/true"));
    assert!(truth.starts_with("/tmp"));
    assert!(output_within(&mut user.command(&truth), Duration::from_secs(10)).status.success());
    // Positive control that privileges really changed: `id` reports the account, not root.
    let id = user.copy_binary(Path::new("/usr/bin/id"));
    let out = output_within(user.command(&id).args(["-u"]), Duration::from_secs(10));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), user.uid.to_string());
    let out = output_within(user.command(&id).args(["-G"]), Duration::from_secs(10));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), user.gid.to_string(), "supplementary groups were kept");
}

#[test]
fn unprivileged_user_cannot_read_a_private_file_that_root_can() {
    let user = require_unprivileged_user();
    let home = TestHome::new();
    let secret = home.path().join("secret");
    std::fs::write(&secret, "s3cret").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cat = user.copy_binary(Path::new("/bin/cat"));
    // Control: the same copied binary, run as root, reads it.
    let as_root = output_within(Command::new(&cat).arg(&secret), Duration::from_secs(10));
    assert_eq!(as_root.stdout, b"s3cret");
    let as_user = output_within(user.command(&cat).arg(&secret), Duration::from_secs(10));
    assert!(!as_user.status.success());
    assert!(as_user.stdout.is_empty());
}

#[test]
fn unprivileged_user_gets_a_private_dir_of_its_own() {
    let user = require_unprivileged_user();
    let dir = user.private_dir();
    let meta = std::fs::metadata(&dir).unwrap();
    assert_eq!((meta.uid(), meta.gid(), meta.mode() & 0o777), (user.uid, user.gid, 0o700));
    let touch = user.copy_binary(Path::new("/usr/bin/touch"));
    let out = output_within(user.command(&touch).arg(dir.join("f")), Duration::from_secs(10));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn creating_the_unprivileged_user_is_idempotent() {
    let a = require_unprivileged_user();
    let b = require_unprivileged_user();
    assert_eq!((a.uid, a.gid, &a.name), (b.uid, b.gid, &b.name));
    let out = output_within(Command::new("id").args(["-u", UNPRIV_USER_NAME]), Duration::from_secs(10));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), a.uid.to_string());
}

// --- the real daemon ----------------------------------------------------------------------

#[test]
fn spawn_daemon_runs_the_real_daemon_and_it_answers_hello() {
    let home = TestHome::new();
    let daemon = home.spawn_daemon();
    let pid: u32 = std::fs::read_to_string(home.pid_file()).unwrap().trim().parse().unwrap();
    assert_eq!(pid, daemon.pid(), "the pid file names another process");
    let hello = home.connect().hello();
    assert_eq!(hello["protocol_version"], 1, "{hello}");
    let status = daemon.stop();
    assert!(status.success(), "pierre-authd serve did not exit cleanly on SIGTERM: {status}");
}

#[test]
fn test_home_drop_stops_a_daemon_started_with_start() {
    let home = TestHome::new();
    let out = output_within(home.command("pierre-authd").arg("start"), Duration::from_secs(30));
    assert!(out.status.success(), "pierre-authd start failed: {}", String::from_utf8_lossy(&out.stderr));
    let pid: u32 = std::fs::read_to_string(home.pid_file()).unwrap().trim().parse().unwrap();
    assert!(pid_exists(pid));
    drop(home);
    assert_exits_soon(pid, "pierre-authd after its home's drop");
}
