//! The client configs and the systemd unit in `examples/` work as copied: no machine-specific
//! path, the tool count the docs state is the build's, and the unit runs the binary from where
//! the README installs it.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{TestHome, output_within};
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    let path = repo().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The README's install step, which every example relies on.
const INSTALL: &str = "cargo install --locked --path pierre-mcp && cargo install --locked --path pierre-authd";

#[test]
fn client_configs_name_the_command_not_a_path_on_one_machine() {
    for rel in [
        "examples/claude-code/.mcp.json",
        "examples/cursor/.cursor/mcp.json",
        "examples/claude-desktop/claude_desktop_config.json",
    ] {
        let config: Value = serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let command = config["mcpServers"]["pierre"]["command"].as_str().unwrap_or_else(|| panic!("{rel}: no command"));
        assert_eq!(command, "pierre-mcp", "{rel} must use the binary on PATH, not {command}");
    }
    assert!(read("README.md").contains(INSTALL), "the README must give the install step the examples rely on");
    for rel in ["examples/claude-code/README.md", "examples/cursor/README.md", "examples/claude-desktop/README.md"] {
        let text = read(rel);
        assert!(text.contains(INSTALL), "{rel} must give the install step");
        assert!(!text.contains("/path/to/"), "{rel} still has a placeholder path");
    }
}

#[test]
fn claude_desktop_example_covers_linux() {
    let text = read("examples/claude-desktop/README.md");
    assert!(text.contains("Linux: `~/.config/Claude/claude_desktop_config.json`"), "{text}");
}

#[test]
fn the_cursor_example_states_the_builds_tool_count() {
    let home = TestHome::new();
    let out = output_within(home.command("pierre-mcp").args(["tools", "--json"]), Duration::from_secs(60));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let count = listed["tools"].as_array().unwrap().len();
    let text = read("examples/cursor/README.md");
    assert!(
        text.contains(&format!("its {count} tools")),
        "examples/cursor/README.md must say `its {count} tools`: {text}"
    );
}

#[test]
fn the_systemd_unit_runs_the_installed_daemon() {
    let unit = read("examples/systemd/pierre-authd.service");
    let exec = unit.lines().find_map(|l| l.strip_prefix("ExecStart=")).expect("no ExecStart");
    // `cargo install` puts binaries in ~/.cargo/bin (%h is the user's home in a user unit).
    assert_eq!(exec, "%h/.cargo/bin/pierre-authd serve");
    assert!(unit.contains(INSTALL), "the unit says how its binary gets there");
    assert!(Path::new(&repo()).join("pierre-authd/Cargo.toml").exists());
}

/// Runs an example script from the repository root with the test home's environment.
fn run_example(home: &TestHome, program: &str, args: &[&str]) -> std::process::Output {
    let mut cmd = home.command_at(program);
    cmd.current_dir(repo()).args(args);
    output_within(&mut cmd, Duration::from_secs(30))
}

#[test]
fn the_socket_examples_find_the_running_daemon_from_its_record() {
    let home = TestHome::new();
    let _daemon = home.spawn_daemon();
    let python = run_example(&home, "python3", &["examples/socket/client.py", "users.list"]);
    assert!(python.status.success(), "client.py: {}", String::from_utf8_lossy(&python.stderr));
    let users: Value = serde_json::from_slice(&python.stdout).unwrap();
    assert_eq!(users["users"].as_array().map(Vec::len), Some(1), "{users}");

    assert!(
        std::process::Command::new("socat").arg("-V").output().is_ok(),
        "socat is missing: `apt-get install socat` (.ci/run installs it)"
    );
    let socat = run_example(&home, "bash", &["examples/socket/status.sh"]);
    assert!(socat.status.success(), "status.sh: {}", String::from_utf8_lossy(&socat.stderr));
    let lines = String::from_utf8_lossy(&socat.stdout).into_owned();
    assert!(lines.contains("\"id\":2") && lines.contains("\"pid\""), "{lines}");
    assert!(lines.contains("\"id\":3") && lines.contains("\"connections\""), "{lines}");
}
