//! `pierre-mcp call` and `pierre-mcp tools`: the tools from a shell.
//!
//! Both drive the real server in-process through an MCP client over an
//! in-memory pipe, so a tool behaves on the command line exactly as it does
//! for an assistant: same argument checks, same result, same errors.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use pierre_shared::model::settings::SettingField;
use pierre_shared::protocol::{NoParams, SettingsGet};
use rmcp::model::{CallToolRequestParams, JsonObject, Tool};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::{ServiceExt, serve_server};
use serde_json::Value;

use crate::cli::{CallArgs, TextFormat, ToolsArgs};
use crate::config::Config;
use crate::daemon::DaemonLink;
use crate::render;
use crate::server::PierreServer;

/// Why a command could not run (as opposed to a tool answering with an error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    #[error("there is no tool `{name}`; run `pierre-mcp tools` to list them")]
    UnknownTool { name: String },
    #[error("`{arg}` is not KEY=VALUE (for example limit=5)")]
    NotKeyValue { arg: String },
    #[error("the in-process MCP session failed")]
    Session(#[from] ServiceError),
    #[error("the in-process MCP session could not start")]
    Start(#[source] Box<rmcp::service::ClientInitializeError>),
    #[error("the tool's image is not valid base64")]
    Image {
        #[source]
        source: base64::DecodeError,
    },
    #[error("cannot write {path}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl CallError {
    /// Usage mistakes exit 2, failures 1.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CallError::UnknownTool { .. } | CallError::NotKeyValue { .. } => ExitCode::from(2),
            _ => ExitCode::FAILURE,
        }
    }
}

type Client = RunningService<RoleClient, ()>;

/// Starts the server and a client connected to it through an in-memory pipe.
async fn connect(config: &Config) -> Result<Client, CallError> {
    let (client_io, server_io) = tokio::io::duplex(1 << 20);
    let server = PierreServer::new(config);
    tokio::spawn(async move {
        match serve_server(server, server_io).await {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(error) => tracing::error!(%error, "in-process server did not start"),
        }
    });
    ().serve(client_io).await.map_err(|e| CallError::Start(Box::new(e)))
}

/// `pierre-mcp tools [--json]`.
pub async fn tools(args: &ToolsArgs, config: &Config) -> Result<ExitCode, CallError> {
    let client = connect(config).await?;
    let tools = client.list_all_tools().await?;
    let _ = client.cancel().await;
    let text = if args.json {
        let list = serde_json::json!({ "tools": tools });
        format!("{}\n", serde_json::to_string_pretty(&list).unwrap_or_default())
    } else {
        render::tool_list(&tools)
    };
    write_out(&text, None)?;
    Ok(ExitCode::SUCCESS)
}

/// `pierre-mcp call TOOL [KEY=VALUE ...]`.
pub async fn call(args: &CallArgs, config: &Config) -> Result<ExitCode, CallError> {
    let client = connect(config).await?;
    let tools = client.list_all_tools().await?;
    let tool =
        tools.iter().find(|t| t.name == args.tool).ok_or_else(|| CallError::UnknownTool { name: args.tool.clone() })?;
    let mut arguments = parse_arguments(&args.args, tool)?;
    if let Some(format) = args.format {
        let name = match format {
            TextFormat::Json => "json",
            TextFormat::Toon => "toon",
        };
        arguments.insert("format".into(), Value::String(name.into()));
    }
    let request = CallToolRequestParams::new(tool.name.clone()).with_arguments(arguments);
    let result = client.call_tool(request).await;
    // The readable output follows the athlete's `units` setting.
    let readable = !args.json && args.format.is_none();
    let units = match &result {
        Ok(answer) if readable && answer.is_error != Some(true) => units(config).await,
        _ => render::Units::Metric,
    };
    let _ = client.cancel().await;
    let result = result?;
    let text = result.content.iter().find_map(|c| c.as_text()).map(|t| t.text.clone()).unwrap_or_default();
    if result.is_error == Some(true) {
        to_stderr(&text);
        return Ok(ExitCode::FAILURE);
    }
    if let Some(image) = result.content.iter().find_map(|c| c.as_image()) {
        save_image(&image.data, &image.mime_type, &text, args.out.as_deref())?;
        return Ok(ExitCode::SUCCESS);
    }
    // Compact mode (`--output compact`) sends the data only as text.
    let structured = result.structured_content.unwrap_or_else(|| decode_text(&text));
    let output = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&structured).unwrap_or_default())
    } else if args.format.is_some() {
        format!("{text}\n")
    } else {
        render::result(&tool.name, &structured, units)
    };
    write_out(&output, args.out.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// The athlete's `units` setting, read from the daemon (`settings.get`: one
/// socket call, no provider request); metric when it cannot be read, since
/// a failure here must not hide the answer itself.
async fn units(config: &Config) -> render::Units {
    let link = DaemonLink::new(config.link.clone());
    let Ok(got) = link.call::<SettingsGet>(NoParams {}).await else { return render::Units::Metric };
    render::Units::from_setting(got.settings.get(&SettingField::Units).and_then(|s| s.value.as_str()))
}

/// The data of a compact-mode text block (JSON or TOON); text that is
/// neither stays a string.
fn decode_text(text: &str) -> Value {
    serde_json::from_str(text)
        .or_else(|_| toon_format::decode_default(text))
        .unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// A chart tool's result: the image goes to `--out` (never to a terminal
/// as binary), the summary to stdout.
fn save_image(base64_data: &str, mime_type: &str, text: &str, path: Option<&Path>) -> Result<(), CallError> {
    use base64::Engine as _;
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(base64_data).map_err(|source| CallError::Image { source })?;
    let note = match path {
        Some(path) => {
            std::fs::write(path, &bytes)
                .map_err(|source| CallError::Write { path: path.display().to_string(), source })?;
            format!("Saved the image ({mime_type}, {} bytes) to {}.", bytes.len(), path.display())
        }
        None => format!("The result is an image ({mime_type}, {} bytes); pass --out FILE to save it.", bytes.len()),
    };
    write_out(&format!("{text}\n{note}\n"), None)
}

/// Writes a command's output to `path`, or to stdout.
///
/// A closed stdout (`pierre-mcp tools | head -1`, the reader gone before
/// the output is written) is not an error: whoever reads has all they
/// wanted, so the command ends quietly with 0, as `cat` or `ls` do. Rust
/// ignores SIGPIPE, so without this the write fails with EPIPE (and
/// `println!` would panic with exit 101). Only the CLI commands write here;
/// the stdio server's stdout is the protocol and is left to rmcp.
fn write_out(text: &str, path: Option<&Path>) -> Result<(), CallError> {
    let (result, shown) = match path {
        Some(path) => (std::fs::write(path, text), path.display().to_string()),
        None => {
            let mut stdout = std::io::stdout().lock();
            let written = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
            let reader_gone = matches!(&written, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe);
            (if reader_gone { Ok(()) } else { written }, "stdout".to_owned())
        }
    };
    result.map_err(|source| CallError::Write { path: shown, source })
}

/// Writes one line to stderr. Unlike `eprintln!`, a closed stderr is
/// ignored instead of panicking: there is no one left to tell.
pub fn to_stderr(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Turns `key=value` words into tool arguments, typed by the tool's input
/// schema: a value the schema accepts as a string stays a string (so
/// `id=123` is the id "123"); anything else is read as JSON when it parses
/// (`limit=5` is the number 5) and left a string otherwise, for the server
/// to judge.
pub fn parse_arguments(pairs: &[String], tool: &Tool) -> Result<JsonObject, CallError> {
    let schema = Value::Object(tool.input_schema.as_ref().clone());
    let mut arguments = JsonObject::new();
    for pair in pairs {
        let (key, raw) = pair.split_once('=').ok_or_else(|| CallError::NotKeyValue { arg: pair.clone() })?;
        let property = schema.get("properties").and_then(|p| p.get(key));
        let value = match property {
            Some(p) if accepts_string(p, &schema, 0) => Value::String(raw.to_owned()),
            _ => serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned())),
        };
        arguments.insert(key.to_owned(), value);
    }
    Ok(arguments)
}

/// Whether `node` (resolved against `root`'s `$defs`) accepts a JSON string.
fn accepts_string(node: &Value, root: &Value, depth: u32) -> bool {
    if depth > 8 {
        return false;
    }
    let is_string_type = match node.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    let string_const = node.get("const").is_some_and(Value::is_string)
        || node.get("enum").and_then(Value::as_array).is_some_and(|e| e.iter().any(Value::is_string));
    let referenced = node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| root.get("$defs")?.get(name))
        .is_some_and(|def| accepts_string(def, root, depth + 1));
    let alternatives = ["anyOf", "oneOf"].iter().any(|k| {
        node.get(*k)
            .and_then(Value::as_array)
            .is_some_and(|alts| alts.iter().any(|alt| accepts_string(alt, root, depth + 1)))
    });
    is_string_type || string_const || referenced || alternatives
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(name: &str) -> Tool {
        PierreServer::router().list_all().into_iter().find(|t| t.name == name).unwrap()
    }

    #[test]
    fn values_are_typed_by_the_schema() {
        let args: Vec<String> = ["limit=5", "sport=run", "from=2025-01-01", "cursor=123"].map(String::from).into();
        let parsed = parse_arguments(&args, &tool("get_activities")).unwrap();
        assert_eq!(Value::Object(parsed), json!({"limit": 5, "sport": "run", "from": "2025-01-01", "cursor": "123"}));
        let parsed = parse_arguments(&["id=12345".to_owned()], &tool("get_activity")).unwrap();
        assert_eq!(parsed["id"], json!("12345"), "an all-digit id stays a string");
        let parsed = parse_arguments(&["period=week".to_owned(), "count=4".to_owned()], &tool("get_stats")).unwrap();
        assert_eq!(Value::Object(parsed), json!({"period": "week", "count": 4}));
    }

    #[test]
    fn an_image_is_saved_as_bytes_and_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.png");
        // "iVBORw==" is the PNG signature's first four bytes.
        save_image("iVBORw==", "image/png", "Summary.", Some(&path)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"\x89PNG");
        let err = save_image("not base64!", "image/png", "", Some(&path)).unwrap_err();
        assert!(matches!(err, CallError::Image { .. }));
    }

    #[test]
    fn compact_text_decodes_to_the_data() {
        assert_eq!(decode_text(r#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(decode_text("rows[2]{id}:\n  \"1\"\n  \"2\""), json!({"rows": [{"id": "1"}, {"id": "2"}]}));
    }

    #[test]
    fn a_word_without_equals_is_a_usage_error() {
        let err = parse_arguments(&["limit".to_owned()], &tool("get_activities")).unwrap_err();
        assert!(matches!(err, CallError::NotKeyValue { .. }));
    }
}
