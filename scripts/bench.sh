#!/usr/bin/env bash
# Every benchmark, each against its floor measured in the same run, printed as
# a Markdown table and written to BENCHMARKS.md. Issues add their rows here.
#
# Usage: bash scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "bench: building release binaries" >&2
cargo build --release --workspace --bins >&2
bin=target/release

home=$(mktemp -d /tmp/pierre-bench.XXXXXX)
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$home"
}
trap cleanup EXIT

# A clean environment: a temp home, the file key backend, no session bus.
export PIERRE_HOME="$home"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR PIERRE_USER PIERRE_TOKEN || true

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
  echo "$table"
} > BENCHMARKS.md
echo "$table"
echo "bench: wrote BENCHMARKS.md" >&2
