"""The MCP conformance suite's ``authorization`` scenarios (``@modelcontextprotocol/conformance``,
pinned in package.json, Node 22) against pierre-authd's authorization server.

``authorization-server-metadata-endpoint`` reads the RFC 8414 document.
``authorization-code-grant`` prints an authorization URL and waits for its own callback on
``127.0.0.1:<port>/callback``; the test plays the browser and the owner (``pierre-authd
approve``), follows ``/authorize/continue`` to that callback, and the suite then redeems the
code (PKCE S256, ``resource``, ``iss`` check, token response headers).
"""

from __future__ import annotations

import queue
import re
import socket
import subprocess
import threading
import time

import httpx
import pytest

from pierre_as import running_auth_server

RESOURCE = "http://127.0.0.1:7777/mcp"
SCENARIOS = ("authorization-server-metadata-endpoint", "authorization-code-grant")
RUN_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_conformance_authorization_scenarios(conformance_cli, pierre_bin, pierre_env, pierre_home, tmp_path):
    with running_auth_server(pierre_bin("pierre-authd"), pierre_env, pierre_home) as server:
        port = free_port()
        client_id = server.register(f"http://127.0.0.1:{port}/callback", "MCP conformance suite")
        argv = conformance_cli + [
            "authorization",
            "--url", server.issuer,
            "--client-id", client_id,
            "--resource", RESOURCE,
            "-p", str(port),
            "-o", str(tmp_path / "results"),
        ]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=pierre_env)
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        output: list[str] = []
        deadline = time.monotonic() + RUN_TIMEOUT_S
        try:
            consented = False
            while time.monotonic() < deadline:
                try:
                    line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if line is None:
                    break
                output.append(line)
                url = line.strip()
                if not consented and url.startswith(f"{server.issuer}/authorize?"):
                    back = server.consent(url)
                    assert back.startswith(f"http://127.0.0.1:{port}/callback?"), back
                    # Deliver the redirect to the suite's own callback listener (it may
                    # still be starting: retry a refused connection briefly).
                    for attempt in range(50):
                        try:
                            httpx.get(back, timeout=10)
                            break
                        except httpx.ConnectError:
                            if attempt == 49:
                                raise
                            time.sleep(0.1)
                    consented = True
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        text = "".join(output)
        print(text)
        assert consented, f"the suite never printed an authorization URL:\n{text}"
        for scenario in SCENARIOS:
            verdict = re.search(rf"([✓✗])\s*{re.escape(scenario)}: (\d+) passed, (\d+) failed", text)
            assert verdict, f"no verdict for {scenario}:\n{text}"
            assert verdict.group(1) == "✓" and verdict.group(3) == "0", f"{scenario} failed:\n{text}"
        assert proc.returncode == 0, text
