//! `serve`, `start`, `stop`, `status`.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use pierre_shared::client::ClientError;
use pierre_shared::paths::ensure_private_dir;
use pierre_shared::protocol::{NoParams, Shutdown, Status, StatusResult};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{CliError, EXIT_NOT_RUNNING, connect, probe};
use crate::config::Config;
use crate::daemon::{Daemon, Opened, shutdown};
use crate::process::{DataDirLock, PidLock, process_alive, read_pid};
use crate::socket;
use pierre_shared::platform::{detach_session, disable_core_dumps};

/// Runs the daemon in the foreground until a signal, `daemon.shutdown`, or
/// its home disappearing.
pub async fn serve(config: Config) -> Result<(), CliError> {
    if let Err(err) = disable_core_dumps() {
        tracing::warn!(error = %err, "could not disable core dumps");
    }
    let paths = config.paths.clone();
    for dir in paths.private_dirs() {
        ensure_private_dir(&dir).map_err(socket::BindError::from)?;
    }
    // The data directory first: it is what two daemons must never share.
    let _data_lock = DataDirLock::acquire(&paths.daemon_record(), &paths.socket)?;
    let _lock = PidLock::acquire(&paths.pid_file(), &paths.socket)?;
    let token = CancellationToken::new();
    let Opened { daemon, authz_listener } = Daemon::open(config, token.clone()).await?;
    let listener = socket::bind(&paths.socket)?;
    shutdown::on_signals(token.clone())
        .map_err(|source| CliError::Io { what: "cannot install signal handlers".into(), source })?;
    let mut watched = vec![paths.socket.clone(), paths.data_dir.clone()];
    watched.extend(paths.home.clone());
    shutdown::when_missing(watched, token);
    tracing::info!(
        socket = %paths.socket.display(),
        pid = std::process::id(),
        key_backend = daemon.store.install_info().key_backend.as_str(),
        "pierre-authd listening"
    );
    daemon.serve(listener, authz_listener).await;
    let _ = std::fs::remove_file(&paths.socket);
    tracing::info!("pierre-authd stopped");
    Ok(())
}

/// Starts the daemon in the background unless one already answers.
pub async fn start(config: &Config) -> Result<(), CliError> {
    if let Ok(client) = probe(config).await {
        let status: StatusResult = client.call::<Status>(&NoParams {}).await?;
        println!("pierre-authd is already running (pid {}) on {}", status.pid, status.socket);
        return Ok(());
    }
    let pid = spawn_and_wait(config, Duration::from_secs(5)).await?;
    println!(
        "pierre-authd started (pid {pid}) on {}; log: {}",
        config.paths.live_socket().display(),
        config.paths.authd_log().display()
    );
    Ok(())
}

/// Spawns `pierre-authd serve` detached (new session, stdio to the log
/// file) and waits until it answers hello. Returns its pid.
pub async fn spawn_and_wait(config: &Config, limit: Duration) -> Result<u32, CliError> {
    let paths = &config.paths;
    ensure_private_dir(&paths.log_dir).map_err(socket::BindError::from)?;
    let log_path = paths.authd_log();
    let io = |what: String| move |source| CliError::Io { what, source };
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&log_path)
        .map_err(io(format!("cannot open the log file {}", log_path.display())))?;
    let exe = std::env::current_exe().map_err(io("cannot find the pierre-authd executable".into()))?;
    let mut command = std::process::Command::new(exe);
    if let Some(home) = &paths.home {
        command.arg("--home").arg(home);
    }
    command
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(io("cannot use the log file".into()))?)
        .stderr(log);
    detach_session(&mut command);
    let mut child = command.spawn().map_err(io("cannot start pierre-authd serve".into()))?;
    let pid = child.id();
    let deadline = Instant::now() + limit;
    loop {
        if probe(config).await.is_ok() {
            // Reap the child in the background so it never lingers as a zombie
            // while this process lives on (pierre-mcp does).
            std::thread::spawn(move || child.wait());
            return Ok(pid);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(CliError::StartFailed {
                reason: last_log_line(&log_path).unwrap_or_else(|| status.to_string()),
            });
        }
        if Instant::now() >= deadline {
            return Err(CliError::StartTimeout { secs: limit.as_secs(), log: log_path.display().to_string() });
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The last non-empty line of the log, which holds the daemon's error.
fn last_log_line(path: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().rev().find(|l| !l.trim().is_empty()).map(str::to_owned)
}

/// Stops the running daemon and waits for it to exit.
pub async fn stop(config: &Config) -> Result<(), CliError> {
    let client = match connect(config, None).await {
        Ok(client) => client,
        Err(CliError::Client(ClientError::NotRunning { .. })) => {
            println!("pierre-authd is not running");
            return Ok(());
        }
        Err(other) => return Err(other),
    };
    let status: StatusResult = client.call::<Status>(&NoParams {}).await?;
    client.call::<Shutdown>(&NoParams {}).await?;
    wait_for_exit(status.pid, Duration::from_secs(15)).await?;
    println!("pierre-authd (pid {}) stopped", status.pid);
    Ok(())
}

/// Waits until `pid` is gone.
pub async fn wait_for_exit(pid: u32, limit: Duration) -> Result<(), CliError> {
    let deadline = Instant::now() + limit;
    while process_alive(pid as i32) {
        if Instant::now() >= deadline {
            return Err(CliError::StopTimeout { pid, secs: limit.as_secs() });
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Ok(())
}

/// Prints the daemon's status; exit code 3 when it is not running.
pub async fn status(config: &Config, as_json: bool) -> Result<ExitCode, CliError> {
    let client = match connect(config, None).await {
        Ok(client) => client,
        Err(CliError::Client(ClientError::NotRunning { .. })) => {
            let stale_pid = read_pid(&config.paths.pid_file());
            if as_json {
                println!("{}", json!({ "running": false, "socket": config.paths.socket, "stale_pid": stale_pid }));
            } else {
                println!(
                    "pierre-authd is not running (socket {}); start it with `pierre-authd start`",
                    config.paths.socket.display()
                );
            }
            return Ok(ExitCode::from(EXIT_NOT_RUNNING));
        }
        Err(other) => return Err(other),
    };
    let status: StatusResult = client.call::<Status>(&NoParams {}).await?;
    if as_json {
        let mut value = serde_json::to_value(&status).unwrap_or_default();
        value["running"] = json!(true);
        println!("{value}");
    } else {
        println!("pierre-authd {} running (pid {})", status.daemon_version, status.pid);
        println!("  socket:       {}", status.socket);
        println!("  key backend:  {}", status.key_backend);
        println!("  users:        {}", status.users);
        println!("  connections:  {}", status.connections);
        for v in &status.unreadable_vaults {
            println!("  unreadable vault of {}: {}", v.user, v.error);
        }
        println!("  open sockets: {}", status.open_socket_connections);
        println!("  uptime:       {} s", status.uptime_secs);
        for (purpose, port) in &status.ports {
            println!("  port {purpose}: {port}");
        }
        for b in &status.rate_limits {
            let whose = b.user_id.as_deref().map_or_else(|| "app".to_string(), |u| format!("user {u}"));
            println!(
                "  rate limit {} ({whose}, {} s window): {}/{} used, resets at {}",
                b.provider, b.window_secs, b.used, b.limit, b.resets_at
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
