#!/usr/bin/env bash
# The refresh-storm row of scripts/bench.sh: provider refresh requests caused
# by 100 concurrent `tokens.get` on an expiring Strava token (against the
# strict fake provider). Single-flight refresh makes it exactly 1.
#
# Usage: bash scripts/bench-refresh.sh BIN_DIR   (prints one Markdown row)
set -euo pipefail
bin=$1
home=$(mktemp -d /tmp/pierre-bench-refresh.XXXXXX)
fake_pid=""
daemon_pid=""
cleanup() {
  for pid in $daemon_pid $fake_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$home"
}
trap cleanup EXIT

"$bin/fake-provider" --bind 127.0.0.1:0 --provider strava --client-id bench-client \
  --client-secret bench-secret --account 134815 >"$home/fake.out" 2>"$home/fake.err" &
fake_pid=$!
for _ in $(seq 1 100); do [ -s "$home/fake.out" ] && break; sleep 0.05; done
fake=$(head -n 1 "$home/fake.out")

export PIERRE_HOME="$home/pierre"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR PIERRE_USER PIERRE_TOKEN RUST_LOG || true
export PIERRE_STRAVA_CLIENT_ID=bench-client PIERRE_STRAVA_CLIENT_SECRET=bench-secret \
  PIERRE_STRAVA_AUTH_URL="$fake/oauth/authorize" PIERRE_STRAVA_TOKEN_URL="$fake/oauth/token" \
  PIERRE_STRAVA_REVOKE_URL="$fake/oauth/revoke" PIERRE_STRAVA_API_BASE="$fake/api/v3" PIERRE_CALLBACK_PORT=0
mkdir -p "$PIERRE_HOME"
"$bin/pierre-authd" serve 2>"$home/authd.err" &
daemon_pid=$!
sock="$PIERRE_HOME/run/authd.sock"
for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
port=$("$bin/pierre-authd" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ports"]["oauth_callback"])')
# Tokens that expire within the refresh margin at first, then 6 h ones.
curl -fsS -X POST -H 'Content-Type: application/json' "$fake/__fake/config" \
  -d "{\"redirect_uri\":\"http://127.0.0.1:$port/api/oauth/callback/strava\",\"access_ttl_secs\":60}"
"$bin/pierre-authd" connect strava --no-browser >"$home/connect.out" 2>"$home/connect.err" &
connect_pid=$!
for _ in $(seq 1 100); do [ -s "$home/connect.out" ] && break; sleep 0.05; done
location=$(curl -fsS -o /dev/null -w '%{redirect_url}' "$(head -n 1 "$home/connect.out")")
curl -fsS -o /dev/null "$location"
wait "$connect_pid"
curl -fsS -X POST -H 'Content-Type: application/json' "$fake/__fake/config" -d '{"access_ttl_secs":21600}'

refreshes() { curl -fsS "$fake/__fake/counters" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["refresh"])'; }
before=$(refreshes)
python3 - "$sock" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
hello = {"protocol_versions": [1], "client": {"name": "bench-refresh", "version": "0"}}
lines = [{"jsonrpc": "2.0", "id": 0, "method": "daemon.hello", "params": hello}]
lines += [{"jsonrpc": "2.0", "id": i, "method": "tokens.get", "params": {"provider": "strava"}} for i in range(1, 101)]
s.sendall("".join(json.dumps(l) + "\n" for l in lines).encode())
f = s.makefile()
answers = [json.loads(f.readline()) for _ in lines]
ok = sum(1 for a in answers[1:] if "result" in a and "access_token" in a["result"])
if ok != 100:
    sys.exit(f"only {ok} of 100 tokens.get answered with a token")
EOF
after=$(refreshes)
echo "| provider refreshes per 100 concurrent tokens.get (expiring token) | $((after - before)) | 1 | $((after - before)).00 |"
