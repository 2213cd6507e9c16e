//! `pierre-mcp`: the MCP server an assistant starts, as a library with a thin
//! binary (`main.rs`) on top, so tests and benchmarks can use its parts.
//!
//! # Module map, from the edge inwards
//! - [`cli`], [`config`]: clap types; the checked configuration (flags >
//!   environment > `config.toml`).
//! - [`serve`]: MCP over stdio; [`http`]: MCP over streamable HTTP behind the
//!   daemon's authorization server (`serve-http`); [`call`]: the one-shot
//!   `call` and `tools` commands.
//! - [`server`]: the rmcp handler (initialize, instructions, the tool router)
//!   and [`output`]: the session's output mode (structured or compact).
//! - [`tools`]: one file per tool family; arguments, running a call
//!   (progress, cancellation) and building the answer or the error.
//! - [`sources`]: which provider a call reads from and its data, keyed by
//!   connection id; [`remote`]: provider API requests with a token from the
//!   daemon ([`daemon`]: the socket link, starting the daemon when needed).
//! - [`prompts`], [`resources`]: the reviews a user picks from the prompt
//!   menu, and the athlete and this week as attachable context.
//! - [`render`], [`charts`]: text tables and PNG charts for the human side.
//! - [`logging`]: stderr/file logs; stdout is the protocol's alone.
//!
//! stdout belongs to the MCP protocol (rmcp writes the frames): a stray
//! `println!` would corrupt a session, so printing to stdout is a compile
//! error here; the CLI commands write through `call::write_output` only.

#![deny(clippy::print_stdout)]

pub mod call;
pub mod charts;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod http;
pub mod logging;
pub mod output;
pub mod prompts;
pub mod remote;
pub mod render;
pub mod resources;
pub mod serve;
pub mod server;
pub mod sources;
pub mod tools;
