"""Helpers for the suites that drive pierre-authd's authorization server with third-party
clients (authlib, the MCP conformance suite).

- ``running_auth_server(authd, env, home)``: a context manager that runs ``pierre-authd serve``
  with the authorization server on a free port and yields an :class:`AuthServer`.
- :meth:`AuthServer.consent`: stands in for the person at the browser and the terminal: opens
  the authorization URL, reads the short code off the consent page, runs
  ``pierre-authd approve CODE``, then follows ``/authorize/continue`` to the client's redirect.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin

import httpx

START_TIMEOUT_S = 20.0


@dataclass
class AuthServer:
    authd: Path
    env: dict[str, str]
    port: int

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.authd), *args], env=self.env, capture_output=True, text=True, timeout=60
        )

    def register(self, redirect_uri: str, name: str) -> str:
        """RFC 7591 registration of a public client; returns its client_id."""
        r = httpx.post(
            f"{self.issuer}/register",
            json={
                "client_name": name,
                "redirect_uris": [redirect_uri],
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "application_type": "native",
            },
            timeout=10,
        )
        assert r.status_code == 201, r.text
        return r.json()["client_id"]

    def consent(self, authorize_url: str, *approve_args: str) -> str:
        """Plays the browser and the owner: returns the URL the client is sent back to."""
        with httpx.Client(timeout=10, follow_redirects=False) as browser:
            page = browser.get(authorize_url)
            assert page.status_code == 200, (page.status_code, page.text[:500])
            assert page.headers["x-frame-options"] == "DENY"
            code = re.search(r'data-code="([A-Z]{4}-[0-9]{4})"', page.text)
            link = re.search(r'href="(/authorize/continue\?req=[A-Za-z0-9_-]+)"', page.text)
            assert code and link, page.text[:1000]
            continue_url = urljoin(self.issuer, link.group(1))
            pending = browser.get(continue_url)
            assert pending.status_code == 409, (pending.status_code, pending.text[:300])
            approved = self.cli("approve", code.group(1), *approve_args)
            assert approved.returncode == 0, approved.stderr
            done = browser.get(continue_url)
            assert done.status_code == 302, (done.status_code, done.text[:300])
            return done.headers["location"]


def _status(authd: Path, env: dict[str, str]) -> dict | None:
    out = subprocess.run(
        [str(authd), "status", "--json"], env=env, capture_output=True, text=True, timeout=30
    )
    if out.returncode != 0:
        return None
    try:
        return json.loads(out.stdout)
    except ValueError:
        return None


@contextlib.contextmanager
def running_auth_server(
    authd: Path, env: dict[str, str], home: Path, extra: dict[str, str] | None = None
) -> Iterator[AuthServer]:
    """``pierre-authd serve`` on port 0 for the AS and the callback listener, with rate limits
    raised (every test client is 127.0.0.1); stopped and reaped on exit."""
    daemon_env = {
        **env,
        "PIERRE_AS_PORT": "0",
        "PIERRE_CALLBACK_PORT": "0",
        "PIERRE_AS_RATE_AUTHORIZE": "1000",
        "PIERRE_AS_RATE_TOKEN": "1000",
        "PIERRE_AS_RATE_REGISTER": "1000",
        **(extra or {}),
    }
    log = open(home / "serve.log", "ab")
    proc = subprocess.Popen(
        [str(authd), "serve"], env=daemon_env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        port = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(
                    f"pierre-authd serve exited ({proc.returncode}): {(home / 'serve.log').read_text()}"
                )
            status = _status(authd, env)
            if status and status.get("ports", {}).get("authorization_server"):
                port = int(status["ports"]["authorization_server"])
                break
            time.sleep(0.1)
        assert port, f"no authorization_server port within {START_TIMEOUT_S} s"
        yield AuthServer(authd=authd, env=env, port=port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def daemon_log(home: Path) -> str:
    """Everything the daemon wrote (stdio and its log file), to check nothing secret is in it."""
    text = (home / "serve.log").read_text(errors="replace") if (home / "serve.log").exists() else ""
    for path in sorted((home / "logs").glob("*")) if (home / "logs").is_dir() else []:
        text += path.read_text(errors="replace")
    return text
