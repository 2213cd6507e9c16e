#!/usr/bin/env bash
# Every benchmark, each against its floor measured in the same run, printed as
# a Markdown table and written to BENCHMARKS.md. Issues add their rows here.
#
# Usage: bash scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
echo "bench: building release binaries" >&2
# A package another change has broken must not stop the benchmarks of the
# rest: fall back to the packages and binaries measured here.
if ! cargo build --release --workspace --bins >&2; then
  echo "bench: the workspace build failed; building only what bench.sh runs" >&2
  cargo build --release -p pierre-authd -p pierre-mcp --bins >&2
  cargo build --release -p pierre-local --bin bench-socket --bin bench-mcp --bin fake-provider >&2
fi
bin=target/release

# The floor for the MCP rows: a bare rmcp stdio server with one trivial tool,
# same rmcp version and features and the same release profile as pierre-mcp,
# resolved from the workspace's Cargo.lock (same registry, same versions).
floor_dir=target/bench-floor
mkdir -p "$floor_dir/src"
# Rewritten only when the text changes: a new mtime would relink it (~1 min).
write_if_changed() {
  local tmp; tmp=$(mktemp "$1.XXXXXX"); cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}
write_if_changed "$floor_dir/Cargo.toml" <<'EOF'
[package]
name = "bench-floor"
version = "0.0.0"
edition = "2024"
publish = false

# Not a member of the pierre-local workspace above it.
[workspace]

[dependencies]
rmcp = { version = "=3.11.0", default-features = false, features = ["server", "macros", "transport-io"] }
tokio = { version = "1.54", features = ["rt-multi-thread", "macros", "io-std"] }
serde = { version = "1", features = ["derive"] }
schemars = "1"

[profile.release]
strip = true
lto = "thin"
codegen-units = 4
EOF
write_if_changed "$floor_dir/src/main.rs" <<'EOF'
//! The floor for pierre-mcp's benchmarks: a bare rmcp stdio server with one
//! trivial tool returning a fixed small JSON. Written by scripts/bench.sh.
use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{Json, ServerHandler, ServiceExt, schemars, tool, tool_handler, tool_router};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct PingArgs {
    /// Ignored.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Pong {
    pub ok: bool,
    pub items: Vec<u32>,
}

#[derive(Clone)]
pub struct Floor {
    tool_router: ToolRouter<Floor>,
}

#[tool_router]
impl Floor {
    fn new() -> Self {
        Self { tool_router: Self::tool_router() }
    }

    #[tool(description = "Return a fixed small JSON object")]
    async fn ping(&self, Parameters(_a): Parameters<PingArgs>) -> Json<Pong> {
        Json(Pong { ok: true, items: vec![1, 2, 3] })
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Floor {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("bench-floor", "0.0.0"))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let running = Floor::new().serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
EOF
[ -f "$floor_dir/Cargo.lock" ] || cp Cargo.lock "$floor_dir/Cargo.lock"
echo "bench: building the bare rmcp floor in $floor_dir" >&2
floor_build() { (cd "$floor_dir" && CARGO_TARGET_DIR=target cargo build --release "$@" >&2); }
floor_build --offline || floor_build
floor_bin="$floor_dir/target/release/bench-floor"

home=$(mktemp -d /tmp/pierre-bench.XXXXXX)
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$home"
}
trap cleanup EXIT

# A clean environment: a temp home, the file key backend, no session bus.
export PIERRE_HOME="$home"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR PIERRE_USER PIERRE_TOKEN RUST_LOG || true
# Reproducible synthetic data for the MCP rows.
export PIERRE_SYNTHETIC_SEED=42 PIERRE_SYNTHETIC_NOW=2026-11-23T12:00:00Z

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

"$bin/pierre-authd" serve 2>"$home/authd.stderr" &
daemon_pid=$!
for _ in $(seq 1 200); do [ -S "$home/run/authd.sock" ] && break; sleep 0.05; done
[ -S "$home/run/authd.sock" ] || { echo "bench: pierre-authd did not start:" >&2; cat "$home/authd.stderr" >&2; exit 1; }
sleep 0.5
daemon_idle_rss=$(rss_kib "$daemon_pid")

rows=()
while IFS= read -r row; do rows+=("$row"); done < <("$bin/bench-socket" "$home/run/authd.sock" 4000 3)

# Floor for memory: the same echo-server shape would be ~ a bare tokio
# process; report the daemon's absolute RSS until that floor is built.
rows+=("| pierre-authd idle RSS (1 user) | ${daemon_idle_rss} KiB | — | — |")

# pierre-mcp against the bare rmcp floor, interleaved; the daemon above is
# already running, so cold start measures pierre-mcp alone.
echo "bench: pierre-mcp vs the bare rmcp floor" >&2
mcp_rows=$("$bin/bench-mcp" "$bin/pierre-mcp" "$floor_bin" 20 50) || {
  echo "bench: bench-mcp failed; pierre-mcp's log:" >&2; tail -n 20 "$home/logs/mcp.log" >&2 || true; exit 1; }
while IFS= read -r row; do rows+=("$row"); done <<< "$mcp_rows"

# Single-flight refresh (issue 8): its own daemon and home, against the strict fake provider.
echo "bench: refresh storm against the fake provider" >&2
refresh_row=$(bash scripts/bench-refresh.sh "$bin") || refresh_row="| provider refreshes per 100 concurrent tokens.get (expiring token) | failed (see stderr) | 1 | — |"
rows+=("$refresh_row")

table=$(
  echo "| measure | pierre | floor | ratio |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
)

machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
{
  echo "# Benchmarks"
  echo
  echo "Command: \`bash scripts/bench.sh\` · machine: $machine · date: $(date -u +%Y-%m-%d)"
  echo
  echo "Each figure is measured interleaved with its floor in the same run; ratios are pierre / floor."
  echo
  echo "Floors: socket rows, a raw Unix-socket line echo; MCP rows, a bare rmcp 3.11 stdio server with one trivial tool"
  echo "(written and built by the script in \`target/bench-floor/\`), spawned alternately with pierre-mcp in each round."
  echo "pierre-mcp runs against an already running pierre-authd, on synthetic data (seed 42, fixed clock)."
  echo
  echo "$table"
} > BENCHMARKS.md
echo "$table"
echo "bench: wrote BENCHMARKS.md in $(( $(date +%s) - started )) s" >&2
