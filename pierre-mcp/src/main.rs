//! pierre-mcp: parse the command line, read the configuration, set up
//! logging, run one command, turn the outcome into an exit code.

mod call;
mod charts;
mod cli;
mod config;
mod daemon;
mod http;
mod logging;
mod remote;
mod render;
mod serve;
mod server;
mod sources;
mod tools;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::config::Config;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::resolve(&cli.global, |name| std::env::var_os(name)) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("pierre-mcp: {}", logging::chain(&error));
            return ExitCode::from(2);
        }
    };
    // The server logs its own lifecycle (not rmcp's per-message chatter);
    // one-shot commands only what went wrong. RUST_LOG overrides both.
    let default_filter = if matches!(cli.command, None | Some(Command::ServeHttp(_))) {
        "warn,pierre_mcp=info"
    } else {
        "warn"
    };
    logging::init(&config.paths, config.log_filter.as_deref(), default_filter);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("pierre-mcp: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        match &cli.command {
            None => match serve::stdio(&config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    tracing::error!("{}", logging::chain(&error));
                    ExitCode::FAILURE
                }
            },
            Some(Command::Call(args)) => report(call::call(args, &config).await),
            Some(Command::Tools(args)) => report(call::tools(args, &config).await),
            Some(Command::ServeHttp(args)) => match http::run(&config, &args.bind).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    tracing::error!("{}", logging::chain(&error));
                    ExitCode::FAILURE
                }
            },
        }
    })
}

fn report(outcome: Result<ExitCode, call::CallError>) -> ExitCode {
    outcome.unwrap_or_else(|error| {
        eprintln!("pierre-mcp: {}", logging::chain(&error));
        error.exit_code()
    })
}
