//! Finding the product binaries, and the per-test `PIERRE_HOME` with its scrubbed environment.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::daemon::{DAEMON_STARTUP_TIMEOUT, DaemonGuard, stop_daemon_for_home};
use super::rpc::RpcClient;

/// The command that puts every product binary where [`bin`] looks.
pub const BUILD_HINT: &str = "run `cargo build --workspace --bins`";

/// The only variables a child started through [`TestHome::command`] inherits. Everything else
/// is dropped: `XDG_*`, `PIERRE_*` and `DBUS_SESSION_BUS_ADDRESS` would point it at the
/// developer's real state, bus or keyring, and unprefixed provider variables
/// (`STRAVA_CLIENT_ID`, ...) would change what it does.
pub const KEPT_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    // Coverage runs (cargo llvm-cov) need their children to write profiles too.
    "LLVM_PROFILE_FILE",
];

fn is_scrubbed(name: &OsStr) -> bool {
    let bytes = name.as_encoded_bytes();
    bytes.starts_with(b"XDG_") || bytes.starts_with(b"PIERRE_") || bytes == b"DBUS_SESSION_BUS_ADDRESS"
}

/// The environment a test child gets: the [`KEPT_ENV`] members of `vars` (never an `XDG_*`,
/// `PIERRE_*` or `DBUS_SESSION_BUS_ADDRESS`), plus `PIERRE_HOME=home`.
pub fn scrubbed_env(vars: impl IntoIterator<Item = (OsString, OsString)>, home: &Path) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> =
        vars.into_iter().filter(|(k, _)| !is_scrubbed(k) && KEPT_ENV.iter().any(|kept| k == kept)).collect();
    env.push(("PIERRE_HOME".into(), home.into()));
    env
}

/// The directory holding the product binaries: the test executable lives in
/// `target/<profile>/deps/`, the binaries one level up.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("cannot find the test executable's path");
    let mut dir = exe.parent().expect("the test executable has no parent directory").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

/// Like [`bin`], but returns the error message instead of panicking.
pub fn try_bin(name: &str) -> Result<PathBuf, String> {
    let path = target_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{name} not found at {}: {BUILD_HINT} first (end-to-end tests run the real binaries from the target dir)",
            path.display()
        ))
    }
}

/// Path of product binary `name` (`pierre-mcp`, `pierre-authd`) in the target dir beside the
/// test executable.
///
/// # Panics
///
/// When it is not there, with the command that builds it.
pub fn bin(name: &str) -> PathBuf {
    try_bin(name).unwrap_or_else(|msg| panic!("{msg}"))
}

/// Runs `cmd` (stdin closed, stdout and stderr captured) and returns its output.
///
/// # Panics
///
/// When it cannot start, or is still running after `timeout` (it is killed first, and the
/// panic shows what it printed so far).
pub fn output_within(cmd: &mut Command, timeout: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let output = |stdout: std::thread::JoinHandle<Vec<u8>>, stderr: std::thread::JoinHandle<Vec<u8>>| {
        // Only what a finished reader holds: a grandchild may keep a pipe open indefinitely.
        let take = |h: std::thread::JoinHandle<Vec<u8>>| {
            if h.is_finished() { h.join().unwrap_or_default() } else { Vec::new() }
        };
        (String::from_utf8_lossy(&take(stdout)).into_owned(), String::from_utf8_lossy(&take(stderr)).into_owned())
    };
    let status = loop {
        if let Some(status) = child.try_wait().expect("cannot wait for a child") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let (out, err) = output(stdout, stderr);
            panic!("{cmd:?} still running after {timeout:?}; killed it.\n--- stdout ---\n{out}\n--- stderr ---\n{err}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // It exited; its output ends when every process holding the pipes is done too.
    while !(stdout.is_finished() && stderr.is_finished()) {
        if Instant::now() >= deadline {
            let (out, err) = output(stdout, stderr);
            panic!(
                "{cmd:?} exited ({status}) but something it started still holds its stdout or stderr open after {timeout:?}.\n--- stdout ---\n{out}\n--- stderr ---\n{err}"
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Output {
        status,
        stdout: stdout.join().expect("stdout reader panicked"),
        stderr: stderr.join().expect("stderr reader panicked"),
    }
}

/// A temporary `PIERRE_HOME` for one test.
///
/// Dropping it stops any daemon still serving it (one started with `start`, or auto-started by
/// `pierre-mcp`, is not a [`DaemonGuard`]'s child), then removes the directory.
#[derive(Debug)]
pub struct TestHome {
    dir: tempfile::TempDir,
}

impl Default for TestHome {
    fn default() -> Self {
        Self::new()
    }
}

impl TestHome {
    /// A fresh 0700 directory under the temp dir (or `/tmp` when `TMPDIR` is so long that
    /// `<home>/run/authd.sock` would not fit in a socket address).
    pub fn new() -> TestHome {
        let mut base = std::env::temp_dir();
        if base.as_os_str().len() > 60 {
            base = PathBuf::from("/tmp");
        }
        let dir = tempfile::Builder::new()
            .prefix("pierre-t")
            .tempdir_in(&base)
            .unwrap_or_else(|e| panic!("cannot create a temp dir under {}: {e}", base.display()));
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("cannot chmod the test home");
        TestHome { dir }
    }

    /// The home directory itself.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `<home>/run/authd.sock`, where `pierre-authd` listens.
    pub fn socket_path(&self) -> PathBuf {
        self.path().join("run").join("authd.sock")
    }

    /// `<home>/run/authd.pid`, the daemon's pid file.
    pub fn pid_file(&self) -> PathBuf {
        self.path().join("run").join("authd.pid")
    }

    /// `<home>/logs`, where the daemon logs and [`DaemonGuard`] puts `serve`'s stdout/stderr.
    pub fn log_dir(&self) -> PathBuf {
        self.path().join("logs")
    }

    /// A [`Command`] for product binary `name` (see [`bin`]) with the scrubbed environment
    /// (see [`KEPT_ENV`]), `PIERRE_HOME` set to this home, and the home as working directory.
    pub fn command(&self, name: &str) -> Command {
        self.command_at(bin(name))
    }

    /// Like [`TestHome::command`] for any program (the fake provider, a script, `env`).
    pub fn command_at(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear().envs(scrubbed_env(std::env::vars_os(), self.path())).current_dir(self.path());
        cmd
    }

    /// Starts `pierre-authd serve` for this home and waits until its socket answers.
    ///
    /// # Panics
    ///
    /// When the binary is missing, or the daemon exits or does not answer within
    /// [`DAEMON_STARTUP_TIMEOUT`] (the panic includes its stderr).
    pub fn spawn_daemon(&self) -> DaemonGuard {
        let mut cmd = self.command("pierre-authd");
        cmd.arg("serve");
        self.spawn_daemon_with(cmd)
    }

    /// Like [`TestHome::spawn_daemon`] with a command of the caller's (extra flags or
    /// variables, or a stand-in daemon).
    pub fn spawn_daemon_with(&self, cmd: Command) -> DaemonGuard {
        let log_dir = self.log_dir();
        if !log_dir.exists() {
            std::fs::DirBuilder::new()
                .mode(0o700)
                .create(&log_dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_dir.display()));
        }
        DaemonGuard::start(cmd, self.socket_path(), &log_dir, DAEMON_STARTUP_TIMEOUT)
    }

    /// A connection to this home's daemon socket, before `daemon.hello`.
    pub fn connect(&self) -> RpcClient {
        let path = self.socket_path();
        RpcClient::connect(&path).unwrap_or_else(|e| panic!("cannot connect to {}: {e}", path.display()))
    }

    /// A connection that has completed the standard `daemon.hello` as the owner.
    pub fn connect_hello(&self) -> RpcClient {
        self.connect_as(None)
    }

    /// A connection that has said `daemon.hello` acting for `user` (the owner when `None`).
    pub fn connect_as(&self, user: Option<&str>) -> RpcClient {
        let mut client = self.connect();
        client.hello_as(user);
        client
    }

    /// Opens the home, `run/` and the socket to other uids (0711, 0711, 0666), so a test can show
    /// that the daemon itself refuses another uid (SO_PEERCRED) rather than the file modes.
    /// Call it after the daemon is up; it checks modes when it starts.
    pub fn allow_other_users(&self) {
        for (path, mode) in
            [(self.path().to_path_buf(), 0o711), (self.path().join("run"), 0o711), (self.socket_path(), 0o666)]
        {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                .unwrap_or_else(|e| panic!("cannot chmod {:o} {}: {e}", mode, path.display()));
        }
    }
}

impl Drop for TestHome {
    fn drop(&mut self) {
        stop_daemon_for_home(self.path());
    }
}
