"""pierre-mcp driven by the MCP Inspector CLI (npm ``@modelcontextprotocol/inspector``, on Node 22).

The Inspector starts the server itself with a minimal environment, so every variable the test
needs (above all ``PIERRE_HOME``, so nothing touches the real home) is passed with ``-e``.
"""

from __future__ import annotations

import json
import subprocess

import jsonschema
import pytest

from mcp_expect import CHART_TOOLS, NOW, TOOLS


@pytest.fixture
def inspect(inspector_cli, pierre_bin, pierre_env):
    """Runs one Inspector CLI method against a fresh pierre-mcp; returns (exit code, stdout)."""
    server = str(pierre_bin("pierre-mcp"))
    env_flags = []
    for key, value in {
        "PIERRE_HOME": pierre_env["PIERRE_HOME"],
        "PIERRE_SYNTHETIC_SEED": "42",
        "PIERRE_SYNTHETIC_NOW": NOW,
    }.items():
        env_flags += ["-e", f"{key}={value}"]

    def run(*args: str) -> tuple[int, str]:
        done = subprocess.run(
            inspector_cli + env_flags + [server] + list(args),
            env=pierre_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.returncode, done.stdout

    return run


def call(inspect, tool: str, **args) -> dict:
    argv = ["--method", "tools/call", "--tool-name", tool]
    for key, value in args.items():
        argv += ["--tool-arg", f"{key}={value}"]
    code, out = inspect(*argv)
    assert code == 0, out
    return json.loads(out)


def test_tools_list_passes_the_strict_lint(inspect):
    code, out = inspect("--method", "tools/list", "--strict")
    assert code == 0, out
    tools = json.loads(out)["tools"]
    assert {t["name"] for t in tools} == TOOLS
    for t in tools:
        jsonschema.Draft202012Validator.check_schema(t["inputSchema"])
        if t["name"] not in CHART_TOOLS:
            jsonschema.Draft202012Validator.check_schema(t["outputSchema"])


def test_every_tool_through_the_inspector(inspect):
    _, out = inspect("--method", "tools/list")
    schemas = {t["name"]: t.get("outputSchema") for t in json.loads(out)["tools"]}
    listed = call(inspect, "get_activities", limit=3, sport="run")
    activity = listed["structuredContent"]["activities"][0]
    results = {
        "get_connection_status": call(inspect, "get_connection_status"),
        "get_athlete": call(inspect, "get_athlete"),
        "get_activities": listed,
        "get_activity": call(inspect, "get_activity", id=activity["id"]),
        "get_stats": call(inspect, "get_stats", period="month", count=2),
        "get_sleep": call(inspect, "get_sleep", **{"from": "2025-11-20"}),
        "get_recovery": call(inspect, "get_recovery"),
    }
    for name, r in results.items():
        assert r.get("isError") is False, (name, r)
        jsonschema.validate(r["structuredContent"], schemas[name])
        assert len(r["content"]) == 1 and r["content"][0]["type"] == "text"
        assert json.loads(r["content"][0]["text"]) == r["structuredContent"], name
    assert results["get_activity"]["structuredContent"]["activity"]["id"] == activity["id"]
    assert len(results["get_sleep"]["structuredContent"]["nights"]) == 4


def test_inspector_sees_tool_errors_and_unknown_tools(inspect):
    code, out = inspect("--method", "tools/call", "--tool-name", "get_activity", "--tool-arg", "id=nope")
    result = json.loads(out)
    assert code != 0 and result["isError"] is True
    assert "call get_activities to find the id" in result["content"][0]["text"]
    code, out = inspect("--method", "tools/call", "--tool-name", "get_everything")
    assert code == 5, (code, out)  # the Inspector's "tool not found"


def test_numeric_ids_from_the_inspector_are_accepted(inspect):
    # `--tool-arg id=101...` reaches the server as a JSON integer; ids are strings, but a
    # client (or a model) that sends the number still gets the activity.
    listed = call(inspect, "get_activities", limit=1)
    activity_id = listed["structuredContent"]["activities"][0]["id"]
    assert activity_id.isdigit()
    detail = call(inspect, "get_activity", id=activity_id)
    assert detail["structuredContent"]["activity"]["id"] == activity_id
