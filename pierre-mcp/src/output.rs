//! Output modes: what a session's results look like, picked per session.
//!
//! - [`Mode::Structured`]: every data tool declares an `outputSchema` and
//!   answers with `structuredContent` plus one text block holding the same
//!   data (JSON unless the call asks for TOON).
//! - [`Mode::Compact`]: no `outputSchema`, no `structuredContent`; one text
//!   block, TOON when the result holds a list of records and compact JSON
//!   otherwise (a call's `format` still wins).
//!
//! Chart tools answer the same in both: a PNG plus a text with the chart's
//! numbers, never `structuredContent`.
//!
//! Why two modes: what reaches the model depends on the client. A client
//! that hands the model only `structuredContent` pays for our schemas in
//! every session and never sees the text block; for it, compact output is
//! the same data in far fewer bytes. The MCP spec ties the two together (a
//! tool that declares an `outputSchema` must return `structuredContent`), so
//! compact mode declares none.
//!
//! The mode is chosen per session, from the configured [`OutputChoice`]
//! and, for `auto`, the `clientInfo.name` the client sent in `initialize`
//! (see [`CLIENTS`]); nothing is stored, so every `serve-http` session gets
//! its own.

use std::str::FromStr;

use rmcp::model::Tool;

/// What the user configured (`--output`, `PIERRE_OUTPUT`, `output` in
/// `config.toml`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputChoice {
    /// By the client's name (see the README's "Output modes").
    #[default]
    Auto,
    /// outputSchema, structuredContent and one text block.
    Structured,
    /// One text block (TOON for lists, compact JSON otherwise).
    Compact,
}

impl FromStr for OutputChoice {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        match value.trim() {
            "auto" => Ok(OutputChoice::Auto),
            "structured" => Ok(OutputChoice::Structured),
            "compact" => Ok(OutputChoice::Compact),
            _ => Err(()),
        }
    }
}

/// A session's output mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Structured,
    Compact,
}

/// The `auto` table: `clientInfo.name` as each client sends it in
/// `initialize`, compared whole and ignoring case (a wrapper whose name
/// merely contains one of these stays structured). Unknown clients get
/// [`Mode::Structured`], the spec's default shape.
///
/// Names, from the clients' own code:
/// - `claude-code`: Claude Code's MCP client is
///   `new Client({name:"claude-code",title:"Claude Code",…})` in the CLI
///   of npm `@anthropic-ai/claude-code` 2.1.337 (the bundled program of
///   `@anthropic-ai/claude-code-linux-x64`).
/// - `Visual Studio Code`, `Visual Studio Code - Insiders`, `Code - OSS`:
///   VS Code sends `clientInfo.name: productService.nameLong`
///   (microsoft/vscode `src/vs/workbench/contrib/mcp/common/mcpServerRequestHandler.ts`);
///   `nameLong` is `Code - OSS` in the repository's `product.json` and the
///   two Microsoft names in its release builds.
///
/// Why compact for them, from their trackers and code:
/// - Claude Code gives the model `JSON.stringify(structuredContent)` and
///   drops the `content` blocks whenever `structuredContent` is present:
///   anthropics/claude-code#55677 (v2.1.126, closed), #79944 (open; on
///   2.1.280 the same whether or not the tool declared an `outputSchema`);
///   image blocks go too (#54737, closed), which is why chart tools never
///   carry `structuredContent`.
/// - VS Code: when `structuredContent` is present, text blocks are not
///   passed to the model and `JSON.stringify(structuredContent)` is added
///   instead; images still are (microsoft/vscode
///   `src/vs/workbench/contrib/mcp/common/mcpLanguageModelToolContribution.ts`,
///   `invoke`, at commit 027907cb). Issue 23 cites microsoft/vscode#290063
///   for this; that thread could not be read here, so the code is what this
///   table relies on.
///
/// For both, structured mode costs the full schemas in `tools/list` and
/// sends the model JSON whatever `format` asks for.
pub const CLIENTS: &[(&str, Mode)] = &[
    ("claude-code", Mode::Compact),
    ("Visual Studio Code", Mode::Compact),
    ("Visual Studio Code - Insiders", Mode::Compact),
    ("Code - OSS", Mode::Compact),
];

/// The mode `auto` picks for a client named `name`.
pub fn for_client(name: &str) -> Mode {
    let name = name.trim();
    CLIENTS.iter().find(|(known, _)| known.eq_ignore_ascii_case(name)).map_or(Mode::Structured, |(_, mode)| *mode)
}

/// The session's mode: the configured choice, or for `auto` the client's
/// entry in [`CLIENTS`] (no `initialize` seen: structured).
pub fn resolve(choice: OutputChoice, client_name: Option<&str>) -> Mode {
    match choice {
        OutputChoice::Structured => Mode::Structured,
        OutputChoice::Compact => Mode::Compact,
        OutputChoice::Auto => client_name.map_or(Mode::Structured, for_client),
    }
}

/// `tools/list` as a session in `mode` sees it: compact mode declares no
/// output schemas, so no tool promises `structuredContent`.
pub fn tool_list(mut tools: Vec<Tool>, mode: Mode) -> Vec<Tool> {
    if mode == Mode::Compact {
        for tool in &mut tools {
            tool.output_schema = None;
        }
    }
    tools
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::PierreServer;

    /// Bytes of compact `tools/list` each tool may use: 12,000 B held the 17
    /// tools of issue 23, so every tool added later inherits this share.
    /// `src/bin/bench-output.rs` asserts the same budget on the wire.
    const TOOL_BYTE_BUDGET: usize = 12_000 / 17;

    #[test]
    fn auto_picks_compact_for_clients_that_read_only_structured_content() {
        for name in ["claude-code", "Visual Studio Code", "Visual Studio Code - Insiders", "Code - OSS", "CLAUDE-CODE"]
        {
            assert_eq!(resolve(OutputChoice::Auto, Some(name)), Mode::Compact, "{name}");
        }
        // The Python SDK's own name, the Inspector's, rmcp's, unknowns and
        // look-alikes stay structured.
        for name in ["mcp", "inspector-client", "rmcp", "claude-code-wrapper", "", "cursor-vscode"] {
            assert_eq!(resolve(OutputChoice::Auto, Some(name)), Mode::Structured, "{name}");
        }
        assert_eq!(resolve(OutputChoice::Auto, None), Mode::Structured);
    }

    #[test]
    fn an_explicit_choice_wins_over_the_client() {
        assert_eq!(resolve(OutputChoice::Structured, Some("claude-code")), Mode::Structured);
        assert_eq!(resolve(OutputChoice::Compact, Some("mcp")), Mode::Compact);
        assert_eq!("compact".parse(), Ok(OutputChoice::Compact));
        assert!("loud".parse::<OutputChoice>().is_err());
    }

    /// A fast guard for the benchmark's goal: compact `tools/list` stays
    /// within [`TOOL_BYTE_BUDGET`] per tool.
    #[test]
    fn compact_tool_list_stays_within_the_per_tool_budget() {
        let tools = tool_list(PierreServer::router().list_all(), Mode::Compact);
        assert!(tools.iter().all(|t| t.output_schema.is_none()));
        let size = serde_json::to_string(&tools).map_or(usize::MAX, |s| s.len());
        let budget = TOOL_BYTE_BUDGET * tools.len();
        assert!(
            size <= budget,
            "compact tools/list is {size} B, over {budget} B ({} tools × {TOOL_BYTE_BUDGET} B)",
            tools.len()
        );
    }
}
