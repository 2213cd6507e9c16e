#!/usr/bin/env python3
"""Script pierre-authd over its Unix socket with nothing but the standard library.

Usage: python3 examples/socket/client.py [METHOD [JSON_PARAMS]]
       python3 examples/socket/client.py users.list
       python3 examples/socket/client.py connections.list '{"user": "alice"}'

The socket speaks newline-delimited JSON-RPC 2.0; the first request on a
connection must be daemon.hello. Errors carry data.code (a stable snake_case
code) and a message saying what to do.
"""
import json
import os
import socket
import sys


def socket_path() -> str:
    """The running daemon's socket, from the record it keeps in its data directory.

    The daemon writes {"pid": ..., "socket": ...} into <data dir>/authd.lock while it runs, so
    this finds it whatever XDG_RUNTIME_DIR the daemon was started with.
    """
    home = os.environ.get("PIERRE_HOME")
    if home:
        data = os.path.join(home, "data")
    else:
        xdg_data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
        data = os.path.join(xdg_data, "pierre")
    record = os.path.join(data, "authd.lock")
    try:
        with open(record, encoding="utf-8") as f:
            return json.loads(f.read())["socket"]
    except (OSError, ValueError, KeyError):
        sys.exit(f"pierre-authd is not running (no record in {record}); start it with `pierre-authd start`")


class Daemon:
    def __init__(self, path: str):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.reader = self.sock.makefile("r", encoding="utf-8")
        self.next_id = 1
        self.hello = self.call("daemon.hello", {
            "protocol_versions": [1],
            "client": {"name": "example-client.py", "version": "1"},
        })

    def call(self, method: str, params: dict | None = None):
        request_id = self.next_id
        self.next_id += 1
        line = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}})
        self.sock.sendall(line.encode() + b"\n")
        while True:
            answer = json.loads(self.reader.readline())
            if answer.get("id") != request_id:
                continue  # an event notification or another request's answer
            if "error" in answer:
                err = answer["error"]
                raise RuntimeError(f"{err['data']['code']}: {err['message']}")
            return answer["result"]


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 else "daemon.status"
    params = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    daemon = Daemon(socket_path())
    print(f"connected as {daemon.hello['user_name']} ({daemon.hello['user_id']})", file=sys.stderr)
    print(json.dumps(daemon.call(method, params), indent=2))
