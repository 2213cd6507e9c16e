"""Tests of the shared fixtures in conftest.py themselves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import conftest


def test_pierre_env_is_scrubbed(monkeypatch, request, pierre_home):
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/4242")
    monkeypatch.setenv("XDG_DATA_HOME", "/home/someone/.local/share")
    monkeypatch.setenv("PIERRE_TOKEN", "leaked")
    monkeypatch.setenv("PIERRE_HOME", "/home/someone/.pierre")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/4242/bus")
    monkeypatch.setenv("PIERRE_PLUMBING_KEEP_ME_NOT", "x")
    monkeypatch.setenv("UNRELATED_PLUMBING_VAR", "kept")
    env = request.getfixturevalue("pierre_env")  # built after the dirty environment
    assert env["PIERRE_HOME"] == str(pierre_home)
    assert not [k for k in env if k.startswith(("XDG_", "PIERRE_")) and k != "PIERRE_HOME"]
    assert "DBUS_SESSION_BUS_ADDRESS" not in env
    assert env["UNRELATED_PLUMBING_VAR"] == "kept"
    assert env["PATH"] == os.environ["PATH"]
    # And a real child sees exactly that.
    out = subprocess.run(["env"], env=env, capture_output=True, text=True, check=True).stdout
    assert f"PIERRE_HOME={pierre_home}\n" in out
    assert "XDG_" not in out and "DBUS_SESSION_BUS_ADDRESS" not in out and "leaked" not in out


def test_pierre_home_is_private_and_short(pierre_home):
    assert pierre_home.is_dir()
    assert oct(pierre_home.stat().st_mode & 0o777) == "0o700"
    assert len(str(pierre_home / "run" / "authd.sock")) <= 107


_homes_seen: list[Path] = []


@pytest.mark.parametrize("run", [0, 1])
def test_each_test_gets_a_new_home_and_the_last_one_is_gone(run, pierre_home):
    assert list(pierre_home.iterdir()) == []
    (pierre_home / "run").mkdir()
    (pierre_home / "run" / "leftover").write_text("x")
    _homes_seen.append(pierre_home)
    if run == 1:
        first, second = _homes_seen[-2:]
        assert first != second
        assert not first.exists(), "the previous test's home was not removed at teardown"


def test_pierre_bin_finds_a_binary(pierre_bin):
    path = pierre_bin("pierre-authd")
    assert path == conftest.target_bin_dir() / "pierre-authd"
    assert os.access(path, os.X_OK)


def test_pierre_bin_fails_with_the_build_command(pierre_bin):
    with pytest.raises(pytest.fail.Exception, match=r"run `cargo build --workspace --bins`"):
        pierre_bin("no-such-pierre-binary")


def test_pierre_bin_honours_pierre_target_dir(monkeypatch, tmp_path, pierre_bin):
    fake = tmp_path / "pierre-mcp"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PIERRE_TARGET_DIR", str(tmp_path))
    assert pierre_bin("pierre-mcp") == fake


def test_teardown_stops_the_daemon_named_in_the_pid_file(tmp_path):
    """What pierre_home's teardown does, on a stand-in daemon: a copy of `sleep` named
    pierre-authd, found through the pid file and stopped, after which the dir can go."""
    home = tmp_path / "home"
    (home / "run").mkdir(parents=True)
    standin = tmp_path / "pierre-authd"
    shutil.copy2(shutil.which("sleep"), standin)
    proc = subprocess.Popen([str(standin), "300"])
    try:
        (home / "run" / "authd.pid").write_text(f"{proc.pid}\n")
        conftest.stop_daemon_for_home(home, conftest.scrub_env(os.environ, home))
        assert proc.wait(timeout=5) == -15  # SIGTERM
    finally:
        proc.kill()
        proc.wait()


def test_teardown_leaves_an_unrelated_pid_alone(tmp_path):
    """A stale pid file whose pid now belongs to some other program must not kill it."""
    home = tmp_path / "home"
    (home / "run").mkdir(parents=True)
    proc = subprocess.Popen(["sleep", "300"])
    try:
        (home / "run" / "authd.pid").write_text(f"{proc.pid}\n")
        conftest.stop_daemon_for_home(home, conftest.scrub_env(os.environ, home))
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_node22_is_node_22(node22):
    out = subprocess.run([str(node22), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("v22."), out.stdout


def test_inspector_cli_help_runs(inspector_cli):
    out = subprocess.run(inspector_cli + ["--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "--method" in out.stdout


def test_inspector_cli_drives_a_stdio_server(inspector_cli, tmp_path, pierre_env):
    """The documented shape, `inspector_cli + [server, '--method', ...]`, against a tiny MCP
    server made with the Python SDK (so this needs no Pierre binary)."""
    server = tmp_path / "echo_server.py"
    server.write_text(
        textwrap.dedent(
            """
            from mcp.server.mcpserver import MCPServer

            app = MCPServer("plumbing-echo")

            @app.tool()
            def echo(text: str) -> str:
                \"\"\"Echo the text back.\"\"\"
                return text

            app.run()
            """
        )
    )
    base = inspector_cli + [sys.executable, str(server)]
    listed = subprocess.run(base + ["--method", "tools/list"], capture_output=True, text=True, timeout=60, env=pierre_env)
    assert listed.returncode == 0, listed.stderr
    assert [t["name"] for t in json.loads(listed.stdout)["tools"]] == ["echo"]
    called = subprocess.run(
        base + ["--method", "tools/call", "--tool-name", "echo", "--tool-arg", "text=hello"],
        capture_output=True,
        text=True,
        timeout=60,
        env=pierre_env,
    )
    assert called.returncode == 0, called.stderr
    assert json.loads(called.stdout)["structuredContent"] == {"result": "hello"}


def test_toon_cli_decodes_toon(toon_cli, tmp_path):
    doc = tmp_path / "doc.toon"
    doc.write_text("users[2]{id,name}:\n  1,Ada\n  2,Bob\n")
    out = subprocess.run(toon_cli + ["--decode", str(doc)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"users": [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Bob"}]}


def test_conformance_cli_runs_under_node22(conformance_cli):
    # It fails to even load on Node 20 (fs.globSync), so listing scenarios proves Node 22 is used.
    out = subprocess.run(conformance_cli + ["list"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "server-initialize" in out.stdout


def test_oauth2_mock_server_cli_help_runs(oauth2_mock_server_cli):
    out = subprocess.run(oauth2_mock_server_cli + ["--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Usage: oauth2-mock-server" in out.stdout


def test_teardown_stops_a_real_daemon_started_with_start(pierre_bin, pierre_home, pierre_env):
    """pierre_home's teardown on the real thing: `pierre-authd start` daemonises (not our child),
    and the teardown stops it."""
    authd = pierre_bin("pierre-authd")
    started = subprocess.run([str(authd), "start"], env=pierre_env, capture_output=True, text=True, timeout=30)
    assert started.returncode == 0, started.stderr
    pid = int((pierre_home / "run" / "authd.pid").read_text().strip())
    assert conftest._pid_alive(pid)
    conftest.stop_daemon_for_home(pierre_home, pierre_env)
    assert not conftest._pid_alive(pid)
