//! Command-line types (clap derive) and nothing else: `config.rs` turns
//! them into a checked [`crate::config::Config`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::OutputChoice;

/// Pierre's MCP server: your fitness data for AI assistants, over stdio.
///
/// Without a command it serves MCP on stdin/stdout; an assistant (Claude
/// Code, Cursor, Claude Desktop) starts it that way.
#[derive(Debug, Parser)]
#[command(name = "pierre-mcp", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Keep config, data, logs and the socket under DIR (same as PIERRE_HOME)
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Act for this Pierre user (same as PIERRE_USER)
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Result shape: structured (outputSchema + structuredContent + text),
    /// compact (one text block), or auto: by the client's name (same as
    /// PIERRE_OUTPUT; default auto)
    #[arg(long, global = true, value_enum, value_name = "MODE")]
    pub output: Option<OutputChoice>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one tool and print its result
    Call(CallArgs),
    /// List the tools this server offers
    Tools(ToolsArgs),
    /// Serve MCP over Streamable HTTP at /mcp, for clients that sign in
    /// with pierre-authd's authorization server (loopback only)
    ServeHttp(ServeHttpArgs),
}

/// `pierre-mcp serve-http --bind 127.0.0.1:PORT`.
#[derive(Debug, Args)]
#[command(
    after_help = "Clients connect to http://127.0.0.1:PORT/mcp and sign in through pierre-authd (approve with `pierre-authd approve CODE`)."
)]
pub struct ServeHttpArgs {
    /// Loopback address and port to listen on (port 0 picks a free one)
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8090")]
    pub bind: String,
}

/// `pierre-mcp call TOOL [KEY=VALUE ...]`.
#[derive(Debug, Args)]
#[command(after_help = "Example: pierre-mcp call get_activities limit=5 sport=run")]
pub struct CallArgs {
    /// The tool, e.g. get_activities (see `pierre-mcp tools`)
    pub tool: String,
    /// Tool arguments, e.g. limit=5 from=2025-01-01
    #[arg(value_name = "KEY=VALUE")]
    pub args: Vec<String>,
    /// Print the structured result as JSON instead of a readable summary
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Print the tool's own text block in this format
    #[arg(long, value_enum)]
    pub format: Option<TextFormat>,
    /// Write the output to FILE instead of stdout (for a chart tool: the
    /// PNG image; its summary still goes to stdout)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `pierre-mcp tools`.
#[derive(Debug, Args)]
pub struct ToolsArgs {
    /// Print the full tools/list result (schemas included) as JSON
    #[arg(long)]
    pub json: bool,
}

/// The text formats a tool can answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    Json,
    Toon,
}
