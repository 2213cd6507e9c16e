"""pierre-mcp's link to pierre-authd, as an MCP client sees it: the daemon is
started on demand, a daemon that cannot start gives a tool error a person can
act on, and a daemon that dies or restarts mid-session is reached again."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_expect import NOW, SEED


def session(pierre_bin, env: dict[str, str]) -> Client:
    params = StdioServerParameters(command=str(pierre_bin("pierre-mcp")), args=[], env=env)
    return Client(stdio_client(params), mode="legacy")


def status_of(result) -> dict:
    assert not result.is_error, result.content
    return result.structured_content


def daemon_pid(home: Path) -> int:
    return int((home / "run" / "authd.pid").read_text().strip())


def wait_gone(pid: int, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state == "Z":
            return
        time.sleep(0.05)
    raise AssertionError(f"pierre-authd {pid} still running")


def test_a_missing_daemon_is_started_by_the_first_tool_call(pierre_bin, pierre_env, pierre_home):
    env = {**pierre_env, "PIERRE_SYNTHETIC_SEED": SEED, "PIERRE_SYNTHETIC_NOW": NOW}
    assert not (pierre_home / "run" / "authd.sock").exists()

    async def body():
        async with session(pierre_bin, env) as c:
            return status_of(await c.call_tool("get_connection_status", {}))

    status = anyio.run(body)
    assert any(c["provider"] == "synthetic" for c in status["connections"]), status
    running = subprocess.run(
        [str(pierre_bin("pierre-authd")), "status", "--json"], env=env, capture_output=True, text=True, timeout=30
    )
    assert running.returncode == 0, running.stdout + running.stderr


def test_an_unstartable_daemon_is_a_tool_error_saying_what_to_do(pierre_bin, pierre_env, pierre_home):
    for bad in (str(pierre_home / "no-such-pierre-authd"), "/bin/false"):
        env = {**pierre_env, "PIERRE_AUTHD_BIN": bad}

        async def body():
            async with session(pierre_bin, env) as c:
                return await c.call_tool("get_activities", {"limit": 1})

        result = anyio.run(body)
        assert result.is_error, result
        text = result.content[0].text
        assert "pierre-authd is not running and could not be started" in text, text
        # What happened, then the command that shows why and every fix (never a destructive one).
        assert "`pierre-authd doctor`" in text and "purge" not in text, text
        assert bad in text, text


def test_a_killed_daemon_is_restarted_and_the_session_goes_on(pierre_bin, pierre_env, pierre_home):
    env = {**pierre_env, "PIERRE_SYNTHETIC_SEED": SEED, "PIERRE_SYNTHETIC_NOW": NOW}

    async def body():
        async with session(pierre_bin, env) as c:
            before = status_of(await c.call_tool("get_connection_status", {}))
            first = daemon_pid(pierre_home)
            os.kill(first, signal.SIGKILL)
            wait_gone(first)
            after_kill = status_of(await c.call_tool("get_connection_status", {}))
            second = daemon_pid(pierre_home)
            # An orderly restart between calls: the link re-hellos on a new connection.
            stopped = subprocess.run(
                [str(pierre_bin("pierre-authd")), "stop"], env=env, capture_output=True, text=True, timeout=30
            )
            assert stopped.returncode == 0, stopped.stderr
            after_stop = status_of(await c.call_tool("get_connection_status", {}))
            third = daemon_pid(pierre_home)
            listed = await c.call_tool("get_activities", {"limit": 2})
            assert not listed.is_error, listed.content
            return before, after_kill, after_stop, (first, second, third)

    before, after_kill, after_stop, pids = anyio.run(body)
    assert len(set(pids)) == 3, f"the daemon was not restarted each time: {pids}"
    # Same user, same stored connection: nothing was lost across the restarts.
    assert before["connections"] == after_kill["connections"] == after_stop["connections"], (before, after_kill, after_stop)
