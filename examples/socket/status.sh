#!/usr/bin/env bash
# Talk to pierre-authd's socket with socat: hello, then daemon.status and
# connections.list on the same connection. Needs `socat` (apt-get install socat).
#
# Usage: bash examples/socket/status.sh            (default paths)
#        PIERRE_HOME=/tmp/p bash examples/socket/status.sh
set -euo pipefail
# The running daemon records its pid and socket in <data dir>/authd.lock.
if [ -n "${PIERRE_HOME:-}" ]; then
  record="$PIERRE_HOME/data/authd.lock"
else
  record="${XDG_DATA_HOME:-$HOME/.local/share}/pierre/authd.lock"
fi
sock=$(sed -n 's/.*"socket":"\([^"]*\)".*/\1/p' "$record" 2>/dev/null || true)
if [ -z "$sock" ]; then
  echo "pierre-authd is not running (no record in $record); start it with \`pierre-authd start\`" >&2
  exit 3
fi
{
  echo '{"jsonrpc":"2.0","id":1,"method":"daemon.hello","params":{"protocol_versions":[1],"client":{"name":"socat-example","version":"1"}}}'
  echo '{"jsonrpc":"2.0","id":2,"method":"daemon.status"}'
  echo '{"jsonrpc":"2.0","id":3,"method":"connections.list"}'
  sleep 0.5
} | socat - "UNIX-CONNECT:$sock"
