//! The `pierre-mcp` binary: parse the command line, read the configuration,
//! set up logging, run one command, turn the outcome into an exit code.
//! Everything else is the `pierre_mcp` library (see its module map).
//!
//! stdout belongs to the MCP protocol (rmcp writes the frames): a stray
//! `println!` would corrupt a session, so printing to stdout is a compile
//! error here; the CLI commands write through `call::write_output` only.

#![deny(clippy::print_stdout)]

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use pierre_mcp::cli::{Cli, Command};
use pierre_mcp::config::Config;
use pierre_mcp::{call, http, logging, serve};

/// What `pierre-mcp` without a command says when a person, not an MCP
/// client, started it: stdin is a terminal. Serving would sit silently
/// waiting for JSON-RPC that nobody at a terminal types.
const AT_A_TERMINAL: &str = "\
pierre-mcp: without a command this is an MCP server that speaks JSON-RPC on stdin/stdout; \
MCP clients (Claude Code, Cursor, Claude Desktop) start it with stdin as a pipe.
At a terminal, try:
  pierre-mcp tools                           list the tools
  pierre-mcp call get_activities limit=5     run one tool (KEY=VALUE arguments)
  pierre-mcp --help                          every command and option";

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.is_none() && std::io::stdin().is_terminal() {
        call::to_stderr(AT_A_TERMINAL);
        return ExitCode::from(2);
    }
    let config = match Config::resolve(&cli.global, |name| std::env::var_os(name)) {
        Ok(config) => config,
        Err(error) => {
            call::to_stderr(&format!("pierre-mcp: {}", logging::chain(&error)));
            return ExitCode::from(2);
        }
    };
    // The server logs its own lifecycle (not rmcp's per-message chatter);
    // one-shot commands only what went wrong. RUST_LOG overrides both.
    let default_filter =
        if matches!(cli.command, None | Some(Command::ServeHttp(_))) { "warn,pierre_mcp=info" } else { "warn" };
    logging::init(&config.paths, config.log_filter.as_deref(), default_filter);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            call::to_stderr(&format!("pierre-mcp: cannot start the async runtime: {error}"));
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
        call::to_stderr(&format!("pierre-mcp: {}", logging::chain(&error)));
        error.exit_code()
    })
}
