//! The MCP tools: what every tool shares, and one file per tool group.
//!
//! Each tool takes its arguments as a raw JSON object and parses them here,
//! so a bad argument becomes an `isError` result with one sentence the
//! model can act on (not a JSON-RPC error, which clients hide). Each result
//! is built by [`respond`] for the session's output mode (`crate::output`):
//! `structuredContent` plus exactly one text block holding the same data as
//! compact JSON or TOON, or (compact mode) that one text block alone.

pub mod activities;
pub mod analysis;
mod arguments;
pub mod athlete;
pub mod charts;
pub mod connections;
mod error;
mod listing;
pub mod recovery;
mod respond;
mod run;
mod schema;
mod scoring;
pub mod settings;
mod sign_in;
pub mod sleep;
pub mod stats;
mod sufficiency;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;

pub use self::arguments::{Count, day_range, in_range, parse_args, string_or_integer};
pub use self::error::ToolError;
pub use self::listing::Listing;
pub use self::run::Progress;
pub use self::schema::{input_schema, output_schema};
pub use pierre_shared::catalogue::ProviderName;

/// The text block's format. Undocumented in the schema on purpose: the
/// server's instructions explain it once instead of in every tool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(description = "")]
pub enum Format {
    #[default]
    Json,
    Toon,
}

/// Every tool's arguments carry the text format the caller wants.
pub trait ToolArgs: DeserializeOwned {
    fn format(&self) -> Option<Format>;
}

/// Implements [`ToolArgs`] for argument structs with a `format` field.
macro_rules! tool_args {
    ($($t:ty),+) => {$(
        impl $crate::tools::ToolArgs for $t {
            fn format(&self) -> Option<$crate::tools::Format> {
                self.format
            }
        }
    )+};
}
pub(crate) use tool_args;
