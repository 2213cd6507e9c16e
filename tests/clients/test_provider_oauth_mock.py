"""One happy-path `pierre-authd login` against an independent fake provider: the npm
`oauth2-mock-server` (auto-approving /authorize, PKCE-aware /token), standing in for Strava.

The strict fake (`fake-provider`, tests/e2e/provider_connect.rs) covers the refusals; this test shows
the daemon's OAuth client also works against an implementation that is not ours."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import urllib.request

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client


@pytest.fixture
def mock_server(oauth2_mock_server_cli):
    """oauth2-mock-server on a free loopback port; yields its base URL."""
    proc = subprocess.Popen(
        [*oauth2_mock_server_cli, "-a", "127.0.0.1", "-p", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = None
    deadline = time.monotonic() + 20
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if m:
            base = m.group(1)
            break
    if base is None:
        proc.kill()
        pytest.fail("oauth2-mock-server did not report its address; run `bash scripts/setup-test-clients.sh`")
    yield base
    proc.kill()
    proc.wait(timeout=10)


def strava_env(pierre_env: dict[str, str], mock_server: str) -> dict[str, str]:
    """Strava played by the mock; the callback listener on a free port."""
    return {
        **pierre_env,
        "PIERRE_STRAVA_CLIENT_ID": "mock-client",
        "PIERRE_STRAVA_CLIENT_SECRET": "mock-secret-0123456789",
        "PIERRE_STRAVA_AUTH_URL": f"{mock_server}/authorize",
        "PIERRE_STRAVA_TOKEN_URL": f"{mock_server}/token",
        "PIERRE_STRAVA_REVOKE_URL": f"{mock_server}/revoke",
        "PIERRE_CALLBACK_PORT": "0",
    }


def open_like_a_browser(url: str) -> str:
    """GET the sign-in URL, following the provider's 302 to the callback; returns the page."""
    with urllib.request.urlopen(url, timeout=20) as page:
        assert page.status == 200
        return page.read().decode()


def test_login_no_browser_against_oauth2_mock_server(pierre_bin, pierre_env, mock_server):
    env = strava_env(pierre_env, mock_server)
    authd = str(pierre_bin("pierre-authd"))
    started = time.monotonic()
    # `login` starts the daemon itself (which inherits this environment).
    login = subprocess.Popen(
        [authd, "login", "--provider", "strava", "--no-browser"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert login.stdout is not None
    url = login.stdout.readline().strip()
    assert url.startswith(f"{mock_server}/authorize?"), url
    assert "code_challenge_method=S256" in url and "state=" in url
    # A browser: follow the mock's 302 to the daemon's callback listener.
    assert "Connected to Strava" in open_like_a_browser(url)
    out, err = login.communicate(timeout=60)
    assert login.returncode == 0, err
    assert "connected strava" in out
    print(f"login round trip against oauth2-mock-server: {time.monotonic() - started:.2f} s")

    listed = subprocess.run(
        [authd, "connections", "--json"], env=env, capture_output=True, text=True, timeout=30, check=True
    )
    providers = {c["provider"]: c for c in json.loads(listed.stdout)["connections"]}
    assert providers["strava"]["state"] == "connected"
    assert providers["synthetic"]["state"] == "connected"


def test_connect_provider_through_the_python_mcp_client(pierre_bin, pierre_env, mock_server):
    """The MCP tool an assistant uses: the link in the result, or (wait=true) in a progress
    message, then the connection confirmed."""
    env = strava_env(pierre_env, mock_server)
    params = StdioServerParameters(command=str(pierre_bin("pierre-mcp")), args=[], env=env)

    async def body():
        async with Client(stdio_client(params)) as c:
            first = await c.call_tool("connect_provider", {"provider": "strava"})
            assert not first.is_error, first.content
            pending = first.structured_content
            assert pending["status"] == "pending" and pending["authorization_url"].startswith(mock_server)
            assert "open authorization_url" in pending["next_step"]
            page = await anyio.to_thread.run_sync(open_like_a_browser, pending["authorization_url"])
            assert "Connected to Strava" in page
            status = (await c.call_tool("get_connection_status", {})).structured_content
            assert "strava" in {conn["provider"] for conn in status["connections"]}

            # wait=true: the link comes as a progress message; the result once signed in.
            opened: list[threading.Thread] = []

            async def on_progress(progress, total, message):
                m = re.search(r"(http://\S+)", message or "")
                if m and not opened:
                    t = threading.Thread(target=open_like_a_browser, args=(m.group(1),))
                    t.start()
                    opened.append(t)

            waited = await c.call_tool(
                "connect_provider",
                {"provider": "strava", "wait": True, "timeout_secs": 30},
                progress_callback=on_progress,
            )
            assert not waited.is_error, waited.content
            assert waited.structured_content["status"] == "connected"
            assert opened, "the sign-in link was sent as a progress message"
            opened[0].join(timeout=20)

            refused = await c.call_tool("connect_provider", {"provider": "oura"})
            assert refused.is_error
            assert "PIERRE_OURA_CLIENT_ID" in refused.content[0].text

    anyio.run(body)


def test_connect_provider_shows_the_sign_in_through_url_elicitation(pierre_bin, pierre_env, mock_server):
    """A client that declares URL-mode elicitation (VS Code does) is asked to show the sign-in
    itself; once the user agrees, the call waits for the sign-in and answers connected. Declining
    connects nothing. On protocol 2026-07-28 (no server-to-client requests) the link comes back in
    the result, as for any client without the capability."""
    import mcp.types as types

    env = strava_env(pierre_env, mock_server)
    params = StdioServerParameters(command=str(pierre_bin("pierre-mcp")), args=[], env=env)
    asked: list[types.ElicitRequestURLParams] = []
    browsers: list[threading.Thread] = []

    async def accept_and_open(context, request):
        asked.append(request)
        # The user agrees; their browser opens the page (and follows the provider's redirect).
        t = threading.Thread(target=open_like_a_browser, args=(request.url,))
        t.start()
        browsers.append(t)
        return types.ElicitResult(action="accept")

    async def decline(context, request):
        asked.append(request)
        return types.ElicitResult(action="decline")

    progress_messages: list[str] = []

    async def on_progress(progress, total, message):
        progress_messages.append(message or "")

    async def body():
        async with Client(stdio_client(params), mode="legacy", elicitation_callback=decline) as c:
            refused = await c.call_tool("connect_provider", {"provider": "strava"})
            assert not refused.is_error, refused.content
            assert refused.structured_content["status"] == "declined"
            assert "declined" in refused.structured_content["next_step"]
            status = (await c.call_tool("get_connection_status", {})).structured_content
            assert "strava" not in {conn["provider"] for conn in status["connections"]}
        assert len(asked) == 1 and asked[0].mode == "url"
        assert asked[0].url.startswith(f"{mock_server}/authorize?")
        assert "Strava" in asked[0].message and asked[0].elicitation_id

        async with Client(stdio_client(params), elicitation_callback=accept_and_open) as c:
            assert c.protocol_version == "2026-07-28"
            fallback = await c.call_tool("connect_provider", {"provider": "strava"})
            assert fallback.structured_content["status"] == "pending", fallback.content
        assert len(asked) == 1, "no elicitation request on 2026-07-28"

        async with Client(stdio_client(params), mode="legacy", elicitation_callback=accept_and_open) as c:
            done = await c.call_tool(
                "connect_provider", {"provider": "strava", "timeout_secs": 30}, progress_callback=on_progress
            )
            assert not done.is_error, done.content
            assert done.structured_content["status"] == "connected"
            assert any("waiting up to 30 s" in m for m in progress_messages), progress_messages
            status = (await c.call_tool("get_connection_status", {})).structured_content
            assert "strava" in {conn["provider"] for conn in status["connections"]}
        assert len(asked) == 2 and browsers
        browsers[0].join(timeout=20)

    anyio.run(body)
