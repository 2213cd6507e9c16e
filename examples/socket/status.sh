#!/usr/bin/env bash
# Talk to pierre-authd's socket with socat: hello, then daemon.status and
# connections.list on the same connection. Needs `socat` (apt-get install socat).
#
# Usage: bash examples/socket/status.sh            (default paths)
#        PIERRE_HOME=/tmp/p bash examples/socket/status.sh
set -euo pipefail
if [ -n "${PIERRE_HOME:-}" ]; then
  sock="$PIERRE_HOME/run/authd.sock"
elif [ -n "${XDG_RUNTIME_DIR:-}" ]; then
  sock="$XDG_RUNTIME_DIR/pierre/authd.sock"
else
  sock="${TMPDIR:-/tmp}/pierre-$(id -u)/authd.sock"
fi
{
  echo '{"jsonrpc":"2.0","id":1,"method":"daemon.hello","params":{"protocol_versions":[1],"client":{"name":"socat-example","version":"1"}}}'
  echo '{"jsonrpc":"2.0","id":2,"method":"daemon.status"}'
  echo '{"jsonrpc":"2.0","id":3,"method":"connections.list"}'
  sleep 0.5
} | socat - "UNIX-CONNECT:$sock"
