//! pierre-authd: parse, set up logging, run one command, map the result to
//! an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;
use pierre_authd::cli::{Cli, Command};
use pierre_authd::commands;
use pierre_authd::config::Config;

/// Most store calls that run at once (see `main`).
const MAX_BLOCKING_THREADS: usize = 32;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let is_daemon = matches!(cli.command, Command::Serve);
    pierre_shared::platform::limit_malloc_arenas();
    if !is_daemon {
        pierre_shared::platform::default_sigpipe();
    }
    pierre_authd::logging::init(is_daemon);
    let config = match Config::load(cli.home.as_deref(), |name| std::env::var_os(name)) {
        Ok(config) => config,
        Err(err) => return report(&err.into()),
    };
    // Store calls (SQLite, fsync) run on the blocking pool; tokio's default
    // cap of 512 threads let a burst of requests from many users park
    // hundreds of idle threads, each keeping its stack (measured: 515
    // threads after adding 1,000 users). A personal daemon gains nothing
    // from more than a few dozen concurrent store calls: the rest queue.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("pierre-authd: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli.command, config)) {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

/// Prints the error and its causes on stderr, then picks the exit code.
fn report(err: &commands::CliError) -> ExitCode {
    eprintln!("pierre-authd: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    err.exit_code()
}
