//! Starting `pierre-authd serve` for a test and making sure it is gone afterwards.

use std::fs::File;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::home::{scrubbed_env, try_bin};

/// How long [`DaemonGuard::start`] waits for the socket to answer. Generous: a debug build on
/// a loaded 2-core CI machine opens its database and key store first.
pub const DAEMON_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a daemon gets between SIGTERM and SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

const POLL: Duration = Duration::from_millis(20);

/// Waits until `path` exists and a connection to it succeeds.
///
/// # Errors
///
/// After `timeout`, with what the last attempt saw.
pub fn wait_for_socket(path: &Path, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        let last = match UnixStream::connect(path) {
            Ok(_) => return Ok(()),
            Err(e) if !path.exists() => format!("{} does not exist ({e})", path.display()),
            Err(e) => format!("{} exists but connect failed: {e}", path.display()),
        };
        if Instant::now() >= deadline {
            return Err(format!("socket not ready after {timeout:?}: {last}"));
        }
        std::thread::sleep(POLL);
    }
}

/// A daemon process owned by one test: killed (SIGTERM, then SIGKILL after [`STOP_GRACE`]) and
/// reaped when dropped, so no test leaves one behind, even when it panics.
#[derive(Debug)]
pub struct DaemonGuard {
    child: Option<Child>,
    socket: PathBuf,
    stdout_path: PathBuf,
    stderr_path: PathBuf,
}

impl DaemonGuard {
    /// Spawns `cmd` with stdin closed and stdout/stderr appended to `serve.stdout` /
    /// `serve.stderr` in `log_dir`, then waits until `socket` answers a connect.
    ///
    /// # Panics
    ///
    /// When the process cannot start, exits before the socket answers, or the socket does not
    /// answer within `timeout`; the panic includes the daemon's stderr.
    pub fn start(mut cmd: Command, socket: PathBuf, log_dir: &Path, timeout: Duration) -> DaemonGuard {
        let open = |name: &str| {
            let path = log_dir.join(name);
            let file = File::options()
                .create(true)
                .append(true)
                .open(&path)
                .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
            (path, file)
        };
        let (stdout_path, stdout) = open("serve.stdout");
        let (stderr_path, stderr) = open("serve.stderr");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the daemon {cmd:?}: {e}"));
        let mut guard = DaemonGuard { child: Some(child), socket, stdout_path, stderr_path };
        guard.wait_ready(&cmd, timeout);
        guard
    }

    fn wait_ready(&mut self, cmd: &Command, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if UnixStream::connect(&self.socket).is_ok() {
                return;
            }
            if let Some(status) = self.child_mut().try_wait().expect("cannot wait for the daemon") {
                panic!(
                    "the daemon {cmd:?} exited ({status}) before {} answered.\n--- its stderr ---\n{}",
                    self.socket.display(),
                    self.stderr()
                );
            }
            if Instant::now() >= deadline {
                let status = self.kill();
                panic!(
                    "the daemon {cmd:?} did not answer on {} within {timeout:?} (killed it: {status}).\n--- its stderr ---\n{}",
                    self.socket.display(),
                    self.stderr()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    fn child_mut(&mut self) -> &mut Child {
        self.child.as_mut().expect("the daemon was already stopped")
    }

    /// The daemon's pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the daemon was already stopped").id()
    }

    /// The socket it serves.
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// Everything the daemon wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Everything the daemon wrote to stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout_path).unwrap_or_default()
    }

    /// Its exit status if it has exited (and reaps it), without waiting.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child_mut().try_wait().expect("cannot wait for the daemon")
    }

    /// Waits up to `timeout` for it to exit by itself (after `daemon.shutdown`, say).
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        wait_child(self.child_mut(), timeout)
    }

    /// Sends `signal` (e.g. `libc::SIGHUP`) without waiting.
    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        unsafe { libc::kill(self.pid() as libc::pid_t, signal) };
    }

    /// Stops it as Drop does (SIGTERM, then SIGKILL after [`STOP_GRACE`]) and returns how it
    /// exited, so a test can assert a clean shutdown.
    pub fn stop(mut self) -> ExitStatus {
        self.stop_with_grace(STOP_GRACE)
    }

    /// Like [`DaemonGuard::stop`] with another grace period.
    pub fn stop_with_grace(&mut self, grace: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("the daemon was already stopped");
        terminate(&mut child, grace)
    }

    fn kill(&mut self) -> ExitStatus {
        self.stop_with_grace(Duration::ZERO)
    }
}

impl Drop for DaemonGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child, STOP_GRACE);
        }
    }
}

fn wait_child(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
            _ => return None,
        }
    }
}

/// SIGTERM, up to `grace` to exit, then SIGKILL; always reaps.
fn terminate(child: &mut Child, grace: Duration) -> ExitStatus {
    if let Ok(Some(status)) = child.try_wait() {
        return status;
    }
    if !grace.is_zero() {
        // SAFETY: kill(2) on our own, not yet reaped, child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        if let Some(status) = wait_child(child, grace) {
            return status;
        }
    }
    let _ = child.kill();
    child.wait().expect("cannot reap the daemon")
}

/// Whether `pid` is running: a zombie answers `kill(pid, 0)` but has exited.
fn pid_alive(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks existence and permission.
    let exists =
        unsafe { libc::kill(pid, 0) } == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    exists && proc_stat_field(pid, 0).is_some_and(|state| state != "Z")
}

/// Field `n` after the command name in `/proc/<pid>/stat` (0 = state, 1 = ppid).
fn proc_stat_field(pid: libc::pid_t, n: usize) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is parenthesised and may itself hold spaces or parentheses.
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(n).map(str::to_owned)
}

/// A stale pid file may name a pid the kernel has given to another process since: only signal a
/// process whose executable or argv[0] is pierre-authd.
fn looks_like_authd(pid: libc::pid_t) -> bool {
    let base = |p: &Path| p.file_name().map(|n| n.to_string_lossy().starts_with("pierre-authd")).unwrap_or(false);
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| base(&p));
    let argv0 = std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
        let first = c.split(|b| *b == 0).next().unwrap_or_default();
        base(Path::new(&*String::from_utf8_lossy(first)))
    });
    exe || argv0
}

fn wait_gone(pid: libc::pid_t, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while pid_alive(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL);
    }
    true
}

/// Stops whatever daemon still serves `home`, however it was started, using the pid in
/// `<home>/run/authd.pid`. A daemon this process spawned itself gets SIGTERM directly
/// (`pierre-authd stop` waits for the pid to vanish, and our unreaped child stays a zombie until
/// we wait for it); any other is asked with `pierre-authd --home <home> stop` first. Whatever
/// still runs then gets SIGTERM, and SIGKILL after [`STOP_GRACE`].
pub fn stop_daemon_for_home(home: &Path) {
    let Some(pid) = std::fs::read_to_string(home.join("run").join("authd.pid"))
        .ok()
        .and_then(|s| s.trim().parse::<libc::pid_t>().ok())
    else {
        return;
    };
    if pid <= 1 || !pid_alive(pid) {
        return;
    }
    let ours = proc_stat_field(pid, 1).and_then(|p| p.parse::<u32>().ok()) == Some(std::process::id());
    if !ours && let Ok(authd) = try_bin("pierre-authd") {
        let mut cmd = Command::new(authd);
        cmd.env_clear()
            .envs(scrubbed_env(std::env::vars_os(), home))
            .arg("--home")
            .arg(home)
            .arg("stop")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Ok(mut child) = cmd.spawn()
            && wait_child(&mut child, Duration::from_secs(10)).is_none()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
        if !pid_alive(pid) {
            return;
        }
    }
    if !looks_like_authd(pid) {
        return;
    }
    for (signal, wait) in [(libc::SIGTERM, STOP_GRACE), (libc::SIGKILL, Duration::from_secs(5))] {
        // SAFETY: kill(2) on a pid checked above to be a pierre-authd.
        unsafe { libc::kill(pid, signal) };
        if wait_gone(pid, wait) {
            return;
        }
    }
}
