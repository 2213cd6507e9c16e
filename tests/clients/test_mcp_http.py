"""``pierre-mcp serve-http``: MCP over Streamable HTTP behind pierre-authd's authorization server.

- the official MCP Python SDK's streamable-HTTP client does the whole OAuth dance on its own
  (401 -> RFC 9728 metadata -> RFC 8414 metadata -> RFC 7591 registration -> PKCE S256 with the
  RFC 8707 resource -> owner consent over the socket with ``pierre-authd approve`` -> token) and
  calls tools;
- two users' tokens on one server each see only their own user and connections, and a session
  opened by one cannot be used with the other's token;
- missing, malformed, expired and wrong-audience tokens get 401 with the RFC 6750 challenge
  naming the metadata; a foreign Host or Origin gets 403; a non-loopback bind is refused;
  SIGTERM stops the server cleanly;
- the MCP conformance suite's server scenarios, through a test-only proxy that adds a bearer token
  (the suite cannot sign in), against the committed baseline ``conformance-baseline.yml``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlencode, urlparse

import anyio
import httpx
import pytest

from pierre_as import AuthServer, running_auth_server

HERE = Path(__file__).resolve().parent
REDIRECT_URI = "http://127.0.0.1:8765/callback"
SCOPE = "fitness:read offline_access"
START_TIMEOUT_S = 20.0
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@dataclass
class HttpServer:
    proc: subprocess.Popen
    url: str  # http://127.0.0.1:PORT/mcp
    log: Path

    @property
    def origin(self) -> str:
        return self.url.rsplit("/mcp", 1)[0]


@contextlib.contextmanager
def serve_http(mcp: Path, env: dict[str, str], home: Path) -> Iterator[HttpServer]:
    """``pierre-mcp serve-http --bind 127.0.0.1:0``; the URL comes from its stderr line."""
    log = home / "serve-http.log"
    out = open(log, "ab")
    proc = subprocess.Popen(
        [str(mcp), "serve-http", "--bind", "127.0.0.1:0"], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        url = None
        while time.monotonic() < deadline and url is None:
            if proc.poll() is not None:
                raise AssertionError(f"serve-http exited ({proc.returncode}): {log.read_text()}")
            found = re.search(r"serving MCP at (http://127\.0\.0\.1:\d+/mcp)", log.read_text())
            url = found.group(1) if found else None
            time.sleep(0.05)
        assert url, f"serve-http did not start within {START_TIMEOUT_S} s: {log.read_text()}"
        yield HttpServer(proc=proc, url=url, log=log)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        out.close()


@pytest.fixture
def stack(pierre_bin, pierre_env, pierre_home):
    """The daemon (authorization server on a free port) and serve-http in front of it."""
    authd = pierre_bin("pierre-authd")
    env = {**pierre_env, "PIERRE_AUTHD_BIN": str(authd)}
    with running_auth_server(authd, env, pierre_home) as auth:
        with serve_http(pierre_bin("pierre-mcp"), env, pierre_home) as http:
            yield auth, http


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def access_token(auth: AuthServer, resource: str, *approve_args: str) -> str:
    """A plain code flow (DCR, PKCE, resource, owner consent), as any client would do it."""
    client_id = auth.register(REDIRECT_URI, "serve-http-test")
    verifier, challenge = pkce()
    state = secrets.token_urlsafe(16)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": state,
            "resource": resource,
            "scope": SCOPE,
        }
    )
    back = auth.consent(f"{auth.issuer}/authorize?{query}", *approve_args)
    params = parse_qs(urlparse(back).query)
    assert params["state"] == [state]
    r = httpx.post(
        f"{auth.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"][0],
            "redirect_uri": REDIRECT_URI,
            "client_id": client_id,
            "code_verifier": verifier,
            "resource": resource,
        },
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def post(url: str, body: dict, token: str | None = None, **headers: str) -> httpx.Response:
    h = dict(MCP_HEADERS)
    if token:
        h["Authorization"] = f"Bearer {token}"
    h.update(headers)
    return httpx.post(url, json=body, headers=h, timeout=20)


def sse_json(response: httpx.Response) -> dict:
    """The JSON-RPC message of a response, SSE or plain JSON."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    for line in response.text.splitlines():
        if line.startswith("data:") and line[5:].strip():
            return json.loads(line[5:])
    raise AssertionError(f"no message in {response.text[:300]!r}")


def session(url: str, token: str) -> tuple[str, dict]:
    """initialize + initialized: the session id and the initialize result."""
    r = post(url, INIT, token)
    assert r.status_code == 200, (r.status_code, r.text)
    sid = r.headers["mcp-session-id"]
    done = post(url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, token, **{"Mcp-Session-Id": sid})
    assert done.status_code == 202, done.status_code
    return sid, sse_json(r)["result"]


def call_tool(url: str, token: str, sid: str, name: str, args: dict | None = None) -> tuple[int, dict | None]:
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": name, "arguments": args or {}}}
    r = post(url, body, token, **{"Mcp-Session-Id": sid})
    return r.status_code, (sse_json(r) if r.status_code == 200 else None)


def assert_challenge(r: httpx.Response, http: HttpServer, error: bool) -> None:
    assert r.status_code == 401, (r.status_code, r.text)
    value = r.headers["www-authenticate"]
    assert value.startswith("Bearer "), value
    assert f'resource_metadata="{http.origin}/.well-known/oauth-protected-resource/mcp"' in value, value
    assert ('error="invalid_token"' in value) == error, value


# --- authentication --------------------------------------------------------------------------


def test_metadata_names_the_daemons_authorization_server(stack):
    auth, http = stack
    for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
        r = httpx.get(http.origin + path, timeout=10)
        assert r.status_code == 200, (path, r.status_code)
        prm = r.json()
        assert prm["resource"] == http.url
        assert prm["authorization_servers"] == [auth.issuer]
        assert prm["bearer_methods_supported"] == ["header"]
    md = httpx.get(f"{auth.issuer}/.well-known/oauth-authorization-server", timeout=10).json()
    assert md["issuer"] == auth.issuer


def test_missing_invalid_expired_and_foreign_tokens_get_401_with_the_challenge(stack):
    auth, http = stack
    assert_challenge(post(http.url, INIT), http, error=False)
    assert_challenge(httpx.get(http.url, timeout=10), http, error=False)
    assert_challenge(post(http.url, INIT, "not-a-jwt"), http, error=True)
    # A socket token (audience urn:pierre:authd) is not for this server ...
    socket_token = auth.cli("token", "--ttl", "1h")
    assert socket_token.returncode == 0, socket_token.stderr
    assert_challenge(post(http.url, INIT, socket_token.stdout.strip()), http, error=True)
    # ... nor is an HTTP token issued for another resource ...
    other = access_token(auth, "https://mcp.example.com/mcp")
    assert_challenge(post(http.url, INIT, other), http, error=True)
    # ... nor an expired one (verified before its audience).
    short = auth.cli("token", "--ttl", "1s")
    assert short.returncode == 0, short.stderr
    time.sleep(2.1)
    assert_challenge(post(http.url, INIT, short.stdout.strip()), http, error=True)
    # A tampered signature.
    good = access_token(auth, http.url)
    head, body, sig = good.split(".")
    tampered = ".".join([head, body, sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")])
    assert_challenge(post(http.url, INIT, tampered), http, error=True)
    # The real thing passes, as a header only: never from the query string.
    assert post(http.url, INIT, good).status_code == 200
    assert_challenge(httpx.post(f"{http.url}?access_token={good}", json=INIT, headers=MCP_HEADERS, timeout=10), http, False)
    assert good not in http.log.read_text(), "a token reached serve-http's output"


def test_foreign_host_and_origin_are_refused(stack):
    auth, http = stack
    token = access_token(auth, http.url)
    port = urlparse(http.url).port
    assert post(http.url, INIT, token, Host="evil.example.com").status_code == 403
    assert post(http.url, INIT, token, Host=f"evil.example.com:{port}").status_code == 403
    assert post(http.url, INIT, token, Origin="http://evil.example.com").status_code == 403
    assert post(http.url, INIT, token, Origin="null").status_code == 403
    # Before authentication: a rebinding page learns nothing, not even the challenge.
    assert post(http.url, INIT, Host="evil.example.com").status_code == 403
    assert httpx.get(
        http.origin + "/.well-known/oauth-protected-resource", headers={"Host": "evil.example.com"}, timeout=10
    ).status_code == 403
    ok = post(http.url, INIT, token, Origin=f"http://localhost:{port}", Host=f"localhost:{port}")
    assert ok.status_code == 200, ok.text


def test_non_loopback_binds_are_refused(pierre_bin, pierre_env):
    for bind in ("0.0.0.0:0", "192.0.2.1:8090", "[::]:0"):
        r = subprocess.run(
            [str(pierre_bin("pierre-mcp")), "serve-http", "--bind", bind],
            env=pierre_env, capture_output=True, text=True, timeout=30,
        )
        assert r.returncode != 0, bind
        assert "loopback" in r.stderr and "127.0.0.1" in r.stderr, r.stderr
    r = subprocess.run(
        [str(pierre_bin("pierre-mcp")), "serve-http", "--help"], env=pierre_env, capture_output=True, text=True
    )
    assert r.returncode == 0 and "--bind" in r.stdout
    assert not re.search(r"--(no-auth|insecure|allow-remote|disable)", r.stdout), "no switch turns auth off"


def test_sigterm_stops_the_server_cleanly(stack):
    auth, http = stack
    token = access_token(auth, http.url)
    session(http.url, token)
    http.proc.send_signal(signal.SIGTERM)
    assert http.proc.wait(timeout=10) == 0, http.log.read_text()
    assert "HTTP server stopped" in http.log.read_text()


# --- users -----------------------------------------------------------------------------------


def test_two_users_see_only_their_own_data(stack):
    auth, http = stack
    owner = json.loads(auth.cli("users", "list", "--json").stdout)[0]["name"]
    for args in (("users", "add", "bob"), ("connect", "synthetic", "--user", "bob")):
        done = auth.cli(*args)
        assert done.returncode == 0, (args, done.stderr)
    connections = json.loads(auth.cli("connections", "--json").stdout)
    bobs = json.loads(auth.cli("connections", "--json", "--user", "bob").stdout)

    owner_token = access_token(auth, http.url)
    bob_token = access_token(auth, http.url, "--user", "bob")
    owner_sid, _ = session(http.url, owner_token)
    bob_sid, _ = session(http.url, bob_token)

    seen = {}
    for who, token, sid in (("owner", owner_token, owner_sid), ("bob", bob_token, bob_sid)):
        status, reply = call_tool(http.url, token, sid, "get_connection_status")
        assert status == 200 and not reply["result"].get("isError"), reply
        seen[who] = reply["result"]["structuredContent"]
    assert seen["owner"]["user"] == owner
    assert seen["bob"]["user"] == "bob"
    assert seen["owner"] != seen["bob"]
    # Each sees exactly its own connections: the synthetic account id carries the user's id.
    accounts = lambda listed: sorted(c.get("account_id") for c in listed)
    assert accounts(seen["bob"]["connections"]) == accounts(bobs["connections"])
    assert accounts(seen["owner"]["connections"]) == accounts(connections["connections"])
    assert accounts(seen["bob"]["connections"]) == [f"synthetic-{bobs['user_id'][:8]}"]
    assert not set(accounts(seen["bob"]["connections"])) & set(accounts(seen["owner"]["connections"]))
    # Interleaved calls keep their users.
    for _ in range(3):
        for who, token, sid in (("bob", bob_token, bob_sid), ("owner", owner_token, owner_sid)):
            _, reply = call_tool(http.url, token, sid, "get_connection_status")
            assert reply["result"]["structuredContent"]["user"] == seen[who]["user"]
    # A session cannot change hands: bob's token does not reach the owner's session.
    status, _ = call_tool(http.url, bob_token, owner_sid, "get_connection_status")
    assert status == 404, status
    status, _ = call_tool(http.url, owner_token, bob_sid, "get_connection_status")
    assert status == 404, status


# --- the official Python SDK ----------------------------------------------------------------


def test_python_sdk_signs_in_with_oauth_and_calls_tools(stack):
    import httpx2
    from mcp import Client
    from mcp.client.auth import OAuthClientProvider
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

    auth, http = stack
    seen: dict[str, object] = {}

    class Memory:
        def __init__(self):
            self.tokens = None
            self.client = None

        async def get_tokens(self):
            return self.tokens

        async def set_tokens(self, tokens: OAuthToken):
            self.tokens = tokens

        async def get_client_info(self):
            return self.client

        async def set_client_info(self, info: OAuthClientInformationFull):
            self.client = info

    async def on_redirect(url: str) -> None:
        seen["authorize_url"] = url
        # The person at the browser and the terminal: consent runs `pierre-authd approve`.
        seen["back"] = await anyio.to_thread.run_sync(auth.consent, url)

    async def on_callback() -> AuthorizationCodeResult:
        q = parse_qs(urlparse(seen["back"]).query)
        return AuthorizationCodeResult(code=q["code"][0], state=q["state"][0], iss=q.get("iss", [None])[0])

    storage = Memory()
    provider = OAuthClientProvider(
        server_url=http.url,
        client_metadata=OAuthClientMetadata(
            client_name="mcp-python-sdk",
            redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
            scope=SCOPE,
        ),
        storage=storage,
        redirect_handler=on_redirect,
        callback_handler=on_callback,
    )

    async def body():
        async with httpx2.AsyncClient(auth=provider, timeout=60) as client:
            async with Client(streamable_http_client(http.url, http_client=client), mode="legacy") as c:
                tools = await c.list_tools()
                names = {t.name for t in tools.tools}
                assert {"get_connection_status", "get_activities", "get_athlete"} <= names, names
                status = await c.call_tool("get_connection_status", {})
                assert not status.is_error, status
                acts = await c.call_tool("get_activities", {"limit": 3})
                assert not acts.is_error, acts
                return status.structured_content, acts.structured_content

    status, acts = anyio.run(body)
    owner = json.loads(auth.cli("users", "list", "--json").stdout)[0]["name"]
    assert status["user"] == owner
    assert len(acts["activities"]) == 3
    query = parse_qs(urlparse(str(seen["authorize_url"])).query)
    assert query["resource"] == [http.url], "RFC 8707 resource = this server"
    assert query["code_challenge_method"] == ["S256"]
    assert storage.client is not None, "the SDK registered itself (RFC 7591)"
    assert storage.tokens is not None and storage.tokens.access_token not in http.log.read_text()


# --- the conformance suite -------------------------------------------------------------------


@contextlib.contextmanager
def bearer_proxy(upstream_port: int, token: str) -> Iterator[int]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "bearer_proxy.py"), str(upstream_port)],
        env={**os.environ, "BEARER_PROXY_TOKEN": token},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(proc.stdout.readline().strip())
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# The active suite (every spec version's scenarios), then the 2026-07-28 wire (no handshake:
# server/discover and per-request _meta, served statelessly).
@pytest.mark.parametrize("spec", [None, "2026-07-28"], ids=["active", "2026-07-28"])
def test_conformance_server_scenarios_through_a_bearer_proxy(stack, conformance_cli, pierre_home, spec):
    auth, http = stack
    token = access_token(auth, http.url)
    results = pierre_home / "conformance"
    with bearer_proxy(urlparse(http.url).port, token) as port:
        run = subprocess.run(
            [
                *conformance_cli, "server",
                "--url", f"http://127.0.0.1:{port}/mcp",
                *(["--spec-version", spec] if spec else []),
                "--expected-failures", str(HERE / "conformance-baseline.yml"),
                "-o", str(results),
            ],
            capture_output=True, text=True, timeout=280, cwd=pierre_home,
        )
    out = run.stdout + run.stderr
    # Not the suite's own "Total: N passed, M failed" line as our last line (CI reads that format).
    print(re.sub(r"(?m)^Total:", "conformance total:", out))
    failures = []
    for checks in sorted(results.glob("*/checks.json")):
        for check in json.loads(checks.read_text()):
            if check["status"] in ("FAILURE", "WARNING"):
                scenario = re.sub(r"^server-|-\d{4}-\d{2}-\d{2}T.*$", "", checks.parent.name)
                failures.append(f"{scenario}:{check['id']}: {check.get('errorMessage')}")
    print("\n".join(failures))
    assert run.returncode == 0, out[-3000:] + "\n" + "\n".join(failures)
    assert "Baseline check passed" in out, out[-2000:]
