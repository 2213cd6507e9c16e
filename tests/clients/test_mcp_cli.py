"""`pierre-mcp call` and `pierre-mcp tools`: the command lines scripts and the README rely on."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from mcp_expect import CHART_TOOLS, NOW, TOOLS


@pytest.fixture
def mcp(pierre_bin, pierre_env):
    """Runs pierre-mcp with the test's env (plus `extra`); returns the CompletedProcess."""
    binary = str(pierre_bin("pierre-mcp"))

    def run(*args: str, extra: dict[str, str] | None = None, env: dict[str, str] | None = None):
        return subprocess.run(
            [binary, *args],
            env={**(env or pierre_env), **(extra or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


FIXED = {"PIERRE_SYNTHETIC_NOW": NOW}


def test_version_and_help_on_every_command(mcp):
    for command in ([], ["call"], ["tools"]):
        version = mcp(*command, "--version")
        assert version.returncode == 0 and re.fullmatch(r"pierre-mcp(-\w+)? \d+\.\d+\.\d+\n", version.stdout), version
        helped = mcp(*command, "--help")
        assert helped.returncode == 0 and "--home" in helped.stdout, helped


def test_readme_main_job_line(mcp):
    # The README's line, on the default seed and the real clock.
    done = mcp("call", "get_activities", "limit=5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["START", "SPORT", "DISTANCE"]
    rows = [line for line in lines[1:] if re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", line)]
    assert len(rows) == 5, done.stdout
    assert any(" km " in row for row in rows)
    assert lines[-1].startswith("More: add cursor=")


def test_json_is_the_structured_content_an_mcp_client_gets(mcp, pierre_bin, pierre_env):
    done = mcp("call", "get_activities", "limit=5", "sport=run", "--json", extra=FIXED)
    assert done.returncode == 0, done.stderr
    from_cli = json.loads(done.stdout)

    async def from_sdk():
        params = StdioServerParameters(command=str(pierre_bin("pierre-mcp")), env={**pierre_env, **FIXED})
        async with Client(params, mode="legacy") as c:
            r = await c.call_tool("get_activities", {"limit": 5, "sport": "run"})
            return r.structured_content

    assert from_cli == anyio.run(from_sdk)
    assert [a["sport"] for a in from_cli["activities"]] == ["run"] * 5


def test_every_tool_renders_for_people(mcp):
    activity_id = json.loads(mcp("call", "get_activities", "limit=1", "--json", extra=FIXED).stdout)[
        "activities"
    ][0]["id"]
    expectations = {
        ("get_connection_status",): "synthetic",
        ("get_athlete",): "threshold pace",
        ("get_activity", f"id={activity_id}"): activity_id,
        ("get_stats", "period=week", "count=4"): "ACTIVITIES",
        ("get_sleep",): "EFFICIENCY",
        ("get_recovery",): "RESTING HR",
    }
    for args, fragment in expectations.items():
        done = mcp("call", *args, extra=FIXED)
        assert done.returncode == 0, (args, done.stderr)
        assert fragment in done.stdout, (args, done.stdout)
        assert not done.stdout.lstrip().startswith("{"), "readable, not JSON"


def test_toon_format_and_out_file(mcp, toon_cli, tmp_path):
    out = tmp_path / "stats.toon"
    done = mcp("call", "get_stats", "period=month", "count=2", "--format", "toon", "--out", str(out), extra=FIXED)
    assert done.returncode == 0 and done.stdout == "", done
    decoded = subprocess.run(toon_cli + ["--decode", str(out)], capture_output=True, text=True, timeout=60)
    assert decoded.returncode == 0, decoded.stderr
    as_json = json.loads(mcp("call", "get_stats", "period=month", "count=2", "--json", extra=FIXED).stdout)
    assert json.loads(decoded.stdout) == as_json


def test_a_tool_error_exits_1_with_its_sentence_on_stderr(mcp):
    done = mcp("call", "get_activity", "id=does-not-exist", extra=FIXED)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines()[-1] == (
        "No synthetic activity has id `does-not-exist`; call get_activities to find the id."
    )


def test_usage_mistakes_exit_2(mcp):
    unknown = mcp("call", "get_everything")
    assert unknown.returncode == 2 and "run `pierre-mcp tools`" in unknown.stderr
    not_pair = mcp("call", "get_activities", "limit")
    assert not_pair.returncode == 2 and "is not KEY=VALUE" in not_pair.stderr
    bad_seed = mcp("call", "get_athlete", extra={"PIERRE_SYNTHETIC_SEED": "forty-two"})
    assert bad_seed.returncode == 2 and "PIERRE_SYNTHETIC_SEED must be a whole number" in bad_seed.stderr
    bad_now = mcp("tools", extra={"PIERRE_SYNTHETIC_NOW": "tomorrow"})
    assert bad_now.returncode == 2 and "RFC 3339" in bad_now.stderr
    assert mcp("call").returncode == 2  # clap: the tool is required


def test_tools_lists_every_tool(mcp):
    plain = mcp("tools")
    assert plain.returncode == 0
    assert {line.split()[0] for line in plain.stdout.splitlines()[1:]} == TOOLS
    as_json = json.loads(mcp("tools", "--json").stdout)
    assert {t["name"] for t in as_json["tools"]} == TOOLS
    assert all(t["outputSchema"]["type"] == "object" for t in as_json["tools"] if t["name"] not in CHART_TOOLS)


def test_home_flag_works_like_pierre_home(mcp, pierre_env, pierre_home):
    env = {k: v for k, v in pierre_env.items() if k != "PIERRE_HOME"}
    done = mcp("--home", str(pierre_home), "call", "get_athlete", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["provider"] == "synthetic"
    assert (pierre_home / "logs" / "mcp.log").is_file()
    assert (pierre_home / "run" / "authd.sock").exists(), "the daemon was started under --home"


def test_stdout_stays_clean_at_trace(mcp):
    done = mcp("call", "get_athlete", "--json", extra={**FIXED, "RUST_LOG": "trace"})
    assert done.returncode == 0
    json.loads(done.stdout)
    assert "TRACE" in done.stderr


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    "config", ["claude-code/.mcp.json", "cursor/.cursor/mcp.json", "claude-desktop/claude_desktop_config.json"]
)
def test_example_client_configs_start_a_working_server(config, pierre_bin, pierre_env):
    entry = json.loads((EXAMPLES / config).read_text())["mcpServers"]["pierre"]
    assert entry["command"] == "pierre-mcp" and entry["args"] == []
    # Launch it the way the assistant would: the command exactly as the example names it, found
    # on PATH, where the README's `cargo install` step puts both binaries (this build stands in).
    path = f"{pierre_bin('pierre-mcp').parent}{os.pathsep}{pierre_env['PATH']}"
    params = StdioServerParameters(
        command=entry["command"], args=entry["args"], env={**pierre_env, **entry["env"], **FIXED, "PATH": path}
    )

    async def body():
        async with Client(params, mode="legacy") as c:
            assert c.server_info.name == "pierre-mcp"
            r = await c.call_tool("get_connection_status", {})
            assert not r.is_error and r.structured_content["connections"][0]["provider"] == "synthetic"

    anyio.run(body)
