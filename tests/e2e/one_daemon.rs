//! One daemon per data directory, one socket per install, outside `PIERRE_HOME`: the layout a
//! real user has. A daemon started from a desktop session (`XDG_RUNTIME_DIR` set) must answer a
//! shell without that variable instead of a second daemon starting beside it; two installs of
//! one uid (two `HOME`s, no `XDG_RUNTIME_DIR`) must never answer each other's clients.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::{KEPT_ENV, TestHome, bin, output_within};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(30);

/// One install: its own `HOME` (so its own XDG data directory), a `TMPDIR` inside the test's
/// directory (where the per-uid socket directory goes without `XDG_RUNTIME_DIR`), and,
/// optionally, an `XDG_RUNTIME_DIR`.
struct Install {
    home: PathBuf,
    tmp: PathBuf,
}

impl Install {
    fn new(root: &Path, name: &str, tmp: &Path) -> Install {
        let home = root.join(name);
        std::fs::create_dir_all(&home).unwrap();
        Install { home, tmp: tmp.to_path_buf() }
    }

    /// `program` with only [`KEPT_ENV`] inherited, no `PIERRE_HOME` and no `XDG_*`, this
    /// install's `HOME` and `TMPDIR` (plus `XDG_RUNTIME_DIR` when given), and port 0 for the
    /// daemon's listeners.
    fn command(&self, program: &str, runtime_dir: Option<&Path>) -> Command {
        let mut cmd = Command::new(bin(program));
        cmd.env_clear()
            .envs(
                std::env::vars_os()
                    .filter(|(k, _)| KEPT_ENV.iter().any(|kept| k == kept) && k != "HOME" && k != "TMPDIR"),
            )
            .env("HOME", &self.home)
            .env("TMPDIR", &self.tmp)
            // Free ports, as every test uses: these daemons run beside others.
            .env("PIERRE_CALLBACK_PORT", "0")
            .env("PIERRE_AS_PORT", "0")
            .current_dir(&self.home);
        if let Some(dir) = runtime_dir {
            cmd.env("XDG_RUNTIME_DIR", dir);
        }
        cmd
    }

    fn run(&self, runtime_dir: Option<&Path>, args: &[&str]) -> Output {
        let program = args[0];
        output_within(self.command(program, runtime_dir).args(&args[1..]), LIMIT)
    }

    fn status(&self, runtime_dir: Option<&Path>) -> Value {
        let out = self.run(runtime_dir, &["pierre-authd", "status", "--json"]);
        assert!(out.status.success(), "status: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Install {
    fn drop(&mut self) {
        let _ = self.run(None, &["pierre-authd", "stop"]);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The pierre-authd processes (not zombies) whose `HOME` is `home`.
fn daemons_of(home: &Path) -> Vec<u32> {
    let exe = bin("pierre-authd");
    let wanted = [b"HOME=".as_slice(), home.as_os_str().as_encoded_bytes()].concat();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                let stat = String::from_utf8_lossy(&stat).into_owned();
                stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
            })
        })
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == wanted.as_slice()))
        })
        .collect()
}

#[test]
fn a_shell_without_xdg_runtime_dir_reaches_the_session_daemon() {
    let root = TestHome::new();
    let tmp = root.path().join("tmp");
    let runtime = root.path().join("runtime");
    for dir in [&tmp, &runtime] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let install = Install::new(root.path(), "alice", &tmp);

    // The desktop session (or the systemd unit) starts it with XDG_RUNTIME_DIR.
    let started = install.run(Some(&runtime), &["pierre-authd", "start"]);
    assert!(started.status.success(), "start: {}", text(&started.stderr));
    let session = install.status(Some(&runtime));
    let socket = session["socket"].as_str().unwrap().to_string();
    assert!(socket.starts_with(runtime.to_str().unwrap()), "{socket}");

    // A shell without it: the MCP server, the status command, and a direct `serve`.
    let call = install.run(None, &["pierre-mcp", "call", "get_activities", "limit=1"]);
    assert!(call.status.success(), "pierre-mcp call: {}", text(&call.stderr));
    let shell = install.status(None);
    assert_eq!(shell["pid"], session["pid"], "the shell's status is answered by the session's daemon");
    assert_eq!(shell["socket"].as_str(), Some(socket.as_str()));
    let second = install.run(None, &["pierre-authd", "serve"]);
    assert!(!second.status.success(), "a second daemon for the same data directory must refuse");
    let refusal = text(&second.stderr);
    assert!(
        refusal.contains(&session["pid"].to_string()) && refusal.contains(&socket),
        "the refusal names the running daemon's pid and socket: {refusal}"
    );
    assert_eq!(daemons_of(&install.home).len(), 1, "exactly one daemon serves this install");

    // And the shell can stop it.
    let stopped = install.run(None, &["pierre-authd", "stop"]);
    assert!(stopped.status.success(), "stop: {}", text(&stopped.stderr));
    assert!(daemons_of(&install.home).is_empty());
}

#[test]
fn two_installs_without_xdg_runtime_dir_keep_their_own_daemons() {
    let root = TestHome::new();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let first = Install::new(root.path(), "first", &tmp);
    let second = Install::new(root.path(), "second", &tmp);

    for install in [&first, &second] {
        let call = install.run(None, &["pierre-mcp", "call", "get_athlete"]);
        assert!(call.status.success(), "pierre-mcp call: {}", text(&call.stderr));
    }
    let (a, b) = (first.status(None), second.status(None));
    assert_ne!(a["socket"], b["socket"], "each install has its own socket");
    assert_ne!(a["pid"], b["pid"], "each install has its own daemon");
    assert_eq!(daemons_of(&first.home), vec![a["pid"].as_u64().unwrap() as u32]);
    assert_eq!(daemons_of(&second.home), vec![b["pid"].as_u64().unwrap() as u32]);

    // A user added in one install is not seen by the other's clients.
    let added = first.run(None, &["pierre-authd", "users", "add", "bob"]);
    assert!(added.status.success(), "users add: {}", text(&added.stderr));
    let listed = second.run(None, &["pierre-authd", "users", "list"]);
    assert!(listed.status.success(), "users list: {}", text(&listed.stderr));
    assert!(!text(&listed.stdout).contains("bob"), "{}", text(&listed.stdout));
    assert!(text(&first.run(None, &["pierre-authd", "users", "list"]).stdout).contains("bob"));
}
