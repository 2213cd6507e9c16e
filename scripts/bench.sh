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
  cargo build --release -p pierre-local --bin bench-socket --bin bench-mcp --bin bench-load \
    --bin bench-users --bin fake-provider >&2
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
fake_pid=""
echo_pid=""
many_pid=""
cleanup() {
  for pid in $many_pid $daemon_pid $echo_pid $fake_pid; do
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  rm -rf "$home"
}
trap cleanup EXIT

# A clean environment: a temp home, the file key backend, no session bus.
export PIERRE_HOME="$home"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR PIERRE_USER PIERRE_TOKEN RUST_LOG || true
# Reproducible synthetic data for the MCP rows.
export PIERRE_SYNTHETIC_SEED=42 PIERRE_SYNTHETIC_NOW=2026-11-23T12:00:00Z

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# The strict fake provider plays Strava for the tokens.get and load rows
# (its own state dir beside the home, so it is not counted in any disk row).
fake_dir=$(mktemp -d /tmp/pierre-bench-fake.XXXXXX)
"$bin/fake-provider" --bind 127.0.0.1:0 --provider strava --client-id bench-client \
  --client-secret bench-secret --account 134815 >"$fake_dir/out" 2>"$fake_dir/err" &
fake_pid=$!
for _ in $(seq 1 100); do [ -s "$fake_dir/out" ] && break; sleep 0.05; done
fake=$(head -n 1 "$fake_dir/out")
rm -rf "$fake_dir"
[ -n "$fake" ] || { echo "bench: fake-provider did not start" >&2; exit 1; }
# The daemon's Strava settings pointing at the fake (as tests/e2e/common/fake.rs provider_env).
export PIERRE_STRAVA_CLIENT_ID=bench-client PIERRE_STRAVA_CLIENT_SECRET=bench-secret \
  PIERRE_STRAVA_AUTH_URL="$fake/oauth/authorize" PIERRE_STRAVA_TOKEN_URL="$fake/oauth/token" \
  PIERRE_STRAVA_REVOKE_URL="$fake/oauth/revoke" PIERRE_STRAVA_API_BASE="$fake/api/v3" PIERRE_CALLBACK_PORT=0

"$bin/pierre-authd" serve 2>"$home/authd.stderr" &
daemon_pid=$!
for _ in $(seq 1 200); do [ -S "$home/run/authd.sock" ] && break; sleep 0.05; done
[ -S "$home/run/authd.sock" ] || { echo "bench: pierre-authd did not start:" >&2; cat "$home/authd.stderr" >&2; exit 1; }
# The floor for the daemon's RSS: a bare tokio process serving a Unix-socket line echo.
"$bin/bench-socket" --serve-echo "$home/echo-floor.sock" &
echo_pid=$!
sleep 0.5
daemon_idle_rss=$(rss_kib "$daemon_pid")
echo_idle_rss=$(rss_kib "$echo_pid")

# A user with a real Strava connection (the fake approves and redirects to the callback).
port=$("$bin/pierre-authd" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ports"]["oauth_callback"])')
curl -fsS -X POST -H 'Content-Type: application/json' "$fake/__fake/config" \
  -d "{\"redirect_uri\":\"http://127.0.0.1:$port/api/oauth/callback/strava\"}"
"$bin/pierre-authd" users add tok >/dev/null
"$bin/pierre-authd" connect strava --no-browser --user tok >"$home/connect.out" 2>"$home/connect.err" &
connect_pid=$!
for _ in $(seq 1 100); do [ -s "$home/connect.out" ] && break; sleep 0.05; done
location=$(curl -fsS -o /dev/null -w '%{redirect_url}' "$(head -n 1 "$home/connect.out")")
curl -fsS -o /dev/null "$location"
wait "$connect_pid" || { echo "bench: connect strava failed:" >&2; cat "$home/connect.err" >&2; exit 1; }

rows=()
echo "bench: socket daemon.status and tokens.get vs a raw echo" >&2
while IFS= read -r row; do rows+=("$row"); done < <("$bin/bench-socket" "$home/run/authd.sock" 4000 3)
while IFS= read -r row; do rows+=("$row"); done < <(
  "$bin/bench-socket" "$home/run/authd.sock" 4000 3 tokens.get '{"provider":"strava"}' tok)

rows+=("| pierre-authd idle RSS (owner + 1 user with a Strava connection) | ${daemon_idle_rss} KiB | bare tokio echo process ${echo_idle_rss} KiB | ×$(awk -v a="$daemon_idle_rss" -v b="$echo_idle_rss" 'BEGIN {printf "%.1f", a/b}') |")

# pierre-mcp against the bare rmcp floor, interleaved; the daemon above is
# already running, so cold start measures pierre-mcp alone.
echo "bench: pierre-mcp vs the bare rmcp floor" >&2
mcp_rows=$("$bin/bench-mcp" "$bin/pierre-mcp" "$floor_bin" 20 50) || {
  echo "bench: bench-mcp failed; pierre-mcp's log:" >&2; tail -n 20 "$home/logs/mcp.log" >&2 || true; exit 1; }
while IFS= read -r row; do rows+=("$row"); done <<< "$mcp_rows"

# What the model receives per tool and output mode (issue 23): compact against
# structured mode in the same run, bytes and o200k token estimates; exits
# non-zero when a byte goal is missed. Built here: it needs the bench-only
# tokenizer feature, which the workspace build above leaves out.
echo "bench: pierre-mcp output modes, what the model receives" >&2
cargo build --release -p pierre-local --bin bench-output --features bench-tokens >&2
output_rows=$("$bin/bench-output" "$bin/pierre-mcp") || {
  echo "bench: bench-output failed (a byte goal missed, or a tool failed)" >&2; exit 1; }
while IFS= read -r row; do rows+=("$row"); done <<< "$output_rows"

# Single-flight refresh (issue 8): its own daemon and home, against the strict fake provider.
echo "bench: refresh storm against the fake provider" >&2
refresh_row=$(bash scripts/bench-refresh.sh "$bin") || refresh_row="| provider refreshes per 100 concurrent tokens.get (expiring token) | failed (see stderr) | 1 | — |"
rows+=("$refresh_row")

# 100 users × 20 concurrent get_activities through pierre-mcp, Strava played
# by the fake with a fixed latency, against the same requests sent straight
# to the fake (same daemon as above; its users are added by bench-load).
echo "bench: 100 users × 20 concurrent tool calls through pierre-mcp vs straight to the fake" >&2
while IFS= read -r row; do rows+=("$row"); done < <(
  "$bin/bench-load" "$home/run/authd.sock" "$fake" "$bin/pierre-mcp" 100 20 3 20)

# Many users: a second daemon with its own home, so only its users count.
echo "bench: pierre-authd with 1,000 and 10,000 users" >&2
many="$home/many"
mkdir -p "$many"
PIERRE_HOME="$many" "$bin/pierre-authd" serve 2>"$home/many.stderr" &
many_pid=$!
for _ in $(seq 1 200); do [ -S "$many/run/authd.sock" ] && break; sleep 0.05; done
[ -S "$many/run/authd.sock" ] || { echo "bench: the second pierre-authd did not start:" >&2; cat "$home/many.stderr" >&2; exit 1; }
sleep 0.5
rows+=("| pierre-authd idle RSS · disk, fresh home (owner only) | $(rss_kib "$many_pid") KiB · $(du -sk "$many" | cut -f1) KiB | bare tokio echo process $(rss_kib "$echo_pid") KiB | ×$(awk -v a="$(rss_kib "$many_pid")" -v b="$(rss_kib "$echo_pid")" 'BEGIN {printf "%.1f", a/b}') |")
while IFS= read -r row; do rows+=("$row"); done < <(
  "$bin/bench-users" "$many/run/authd.sock" "$many_pid" "$many" "$echo_pid" 1000 10000)

# Binary sizes: the release profile strips symbols (strip = true) for both.
size_kib() { echo $(( $(stat -c %s "$1") / 1024 )); }
floor_size=$(size_kib "$floor_bin")
for b in pierre-mcp pierre-authd; do
  s=$(size_kib "$bin/$b")
  rows+=("| \`$b\` binary size (release, stripped) | $s KiB | bare rmcp server (release, stripped) $floor_size KiB | ×$(awk -v a="$s" -v b="$floor_size" 'BEGIN {printf "%.1f", a/b}') |")
done

table=$(
  echo "| measure | pierre | floor | ratio |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
)

# The hand-written analysis ("## What dominates" to the end) is kept across runs.
notes=""
if [ -f BENCHMARKS.md ]; then notes=$(sed -n '/^## What dominates/,$p' BENCHMARKS.md); fi
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
{
  echo "# Benchmarks"
  echo
  echo "Command: \`bash scripts/bench.sh\` · machine: $machine · date: $(date -u +%Y-%m-%d)"
  echo
  echo "Each figure is measured interleaved with its floor in the same run; ratios are pierre / floor."
  echo
  echo "Floors: socket rows, a raw Unix-socket line echo (the same request lines); MCP rows, a bare rmcp 3.11 stdio server with one trivial tool"
  echo "(written and built by the script in \`target/bench-floor/\`), spawned alternately with pierre-mcp in each round;"
  echo "daemon memory, a bare tokio process serving the echo; load rows, the same provider requests sent straight to the"
  echo "strict fake provider (\`fake-provider\`, playing Strava) with the same bearer tokens, alternately with pierre-mcp's bursts."
  echo "pierre-mcp runs against an already running pierre-authd; the single-session MCP rows use synthetic data (seed 42, fixed clock)."
  echo "The load rows: each user its own pierre-mcp process (\`PIERRE_USER\`); \"first calls\" are the first burst of fresh processes"
  echo "(every call reaches the fake), \"repeated calls\" the same burst again within 60 s (answered from pierre-mcp's answer cache)."
  echo "Output rows (issue 23): bytes the model receives per tool, \`--output compact\` against \`--output structured\` in the same run, as Claude Code"
  echo "and VS Code hand results to the model (structured: \`JSON.stringify(structuredContent)\`, text dropped; compact: the one text block;"
  echo "charts: the text, PNG counted apart); tokens ≈ OpenAI o200k_base (tiktoken-rs), an approximation: Claude's tokenizer is not public."
  echo
  echo "$table"
  if [ -n "$notes" ]; then echo; echo "$notes"; fi
} > BENCHMARKS.md
echo "$table"
echo "bench: wrote BENCHMARKS.md in $(( $(date +%s) - started )) s" >&2
