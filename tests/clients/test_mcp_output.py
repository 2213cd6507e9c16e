"""Output modes (issue 23): structured and compact, chosen per session.

Driven by the official MCP Python SDK (and the Inspector CLI for compact mode): in structured
mode every data tool's ``structuredContent`` validates against its ``outputSchema`` and the
text block holds the same JSON; in compact mode ``tools/list`` declares no output schema and
each result is one text block that decodes (TOON through the official ``@toon-format/cli``,
JSON otherwise) to the same data as structured mode. ``auto`` follows the client's
``clientInfo.name``; the SDK's own name (``mcp``) stays structured.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import anyio
import jsonschema
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import Implementation

from mcp_expect import CHART_TOOLS, NOW, SEED, TOOLS
from test_mcp_http import stack  # noqa: F401  (the serve-http fixture)

# Calls whose answers the two modes must agree on (get_activity is added with a listed id).
CALLS = {
    "get_connection_status": {},
    "get_athlete": {},
    "get_activities": {"limit": 20},
    "get_stats": {"period": "month", "count": 2},
    "get_sleep": {},
    "get_recovery": {},
    "get_training_load": {},
    "get_weekly_summary": {},
    "compare_periods": {"from": "2025-11-01", "to": "2025-11-21"},
    "get_personal_records": {},
    "get_trends": {},
}
# Compact tools/list: 12,000 B for the 17 tools of issue 23, inherited per tool.
TOOL_BYTE_BUDGET = 12_000 // 17


def env_for(pierre_env: dict[str, str], **extra: str) -> dict[str, str]:
    return {**pierre_env, "PIERRE_SYNTHETIC_SEED": SEED, "PIERRE_SYNTHETIC_NOW": NOW, **extra}


def session(cmd: str, env: dict[str, str], args: list[str] | None = None, name: str | None = None) -> Client:
    params = StdioServerParameters(command=cmd, args=args or [], env=env)
    info = Implementation(name=name, version="1.0") if name else None
    return Client(stdio_client(params), mode="legacy", client_info=info)


async def answers(c: Client) -> tuple[list, dict]:
    """tools/list and every call in CALLS (plus get_activity), as raw results."""
    tools = (await c.list_tools()).tools
    results = {name: await c.call_tool(name, args) for name, args in CALLS.items()}
    return tools, results


def decode(text: str, toon_cli: list[str]) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        with tempfile.NamedTemporaryFile("w", suffix=".toon", delete=False) as f:
            f.write(text)
        out = subprocess.run(toon_cli + ["--decode", f.name], capture_output=True, text=True, check=True)
        Path(f.name).unlink()
        return json.loads(out.stdout)


def same_data(a: object, b: object) -> bool:
    """Equal as data: numbers by value (TOON writes 5000.0 as 5000), null the same as absent."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        return all(same_data(a.get(k), b.get(k)) for k in keys)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def test_structured_and_compact_carry_the_same_data(pierre_bin, pierre_env, toon_cli):
    cmd = str(pierre_bin("pierre-mcp"))

    async def body():
        async with session(cmd, env_for(pierre_env), ["--output", "structured"]) as c:
            s_tools, structured = await answers(c)
            first = structured["get_activities"].structured_content["activities"][0]["id"]
            structured["get_activity"] = await c.call_tool("get_activity", {"id": first})
        async with session(cmd, env_for(pierre_env), ["--output", "compact"]) as c:
            c_tools, compact = await answers(c)
            compact["get_activity"] = await c.call_tool("get_activity", {"id": first})
            explicit_json = await c.call_tool("get_activities", {"limit": 20, "format": "json"})
        return s_tools, structured, c_tools, compact, explicit_json

    s_tools, structured, c_tools, compact, explicit_json = anyio.run(body)
    schemas = {t.name: t.output_schema for t in s_tools}
    assert {t.name for t in c_tools} == TOOLS
    assert all(t.output_schema is None for t in c_tools)
    assert all(schemas[name] is not None for name in TOOLS - CHART_TOOLS)
    for name, s in structured.items():
        assert not s.is_error and not compact[name].is_error, (name, s, compact[name])
        jsonschema.validate(s.structured_content, schemas[name])
        assert len(s.content) == 1 and json.loads(s.content[0].text) == s.structured_content, name
        c = compact[name]
        assert c.structured_content is None and len(c.content) == 1 and c.content[0].type == "text", name
        assert same_data(decode(c.content[0].text, toon_cli), s.structured_content), name
    # Lists say where they stand.
    for name, items in [("get_activities", "activities"), ("get_sleep", "nights"), ("get_recovery", "days")]:
        data = structured[name].structured_content
        assert data["returned"] == len(data[items]) and data["from"] <= data["to"], name
        assert data["has_more"] == ("next_cursor" in data), name
    # Analyses say in one sentence whether the data suffices.
    for name in ["get_training_load", "get_weekly_summary", "compare_periods", "get_personal_records", "get_trends"]:
        sentence = structured[name].structured_content["sufficiency"]
        assert sentence.startswith(("Enough", "Not enough", "Thin", "Based on")) and sentence.endswith("."), name
    # Lists of records come as TOON tables, single records as compact JSON; `format` still wins.
    assert "\nactivities[20]{" in compact["get_activities"].content[0].text
    assert json.loads(compact["get_athlete"].content[0].text) == structured["get_athlete"].structured_content
    assert json.loads(explicit_json.content[0].text) == structured["get_activities"].structured_content
    # Compact is the smaller; the byte goals themselves are the benchmark's (src/bin/bench-output.rs).
    s_bytes = len(json.dumps(structured["get_activities"].structured_content, separators=(",", ":")))
    assert len(compact["get_activities"].content[0].text.encode()) < 0.5 * s_bytes


def test_auto_follows_the_client_name(pierre_bin, pierre_env):
    cmd = str(pierre_bin("pierre-mcp"))

    async def shape(name: str | None, args: list[str] | None = None, **env: str) -> tuple[bool, bool]:
        async with session(cmd, env_for(pierre_env, **env), args, name) as c:
            tools = (await c.list_tools()).tools
            r = await c.call_tool("get_athlete", {})
            return any(t.output_schema for t in tools), r.structured_content is not None

    async def body():
        return {
            "sdk default (mcp)": await shape(None),
            "claude-code": await shape("claude-code"),
            "Visual Studio Code": await shape("Visual Studio Code"),
            "claude-code, --output structured": await shape("claude-code", ["--output", "structured"]),
            "mcp, PIERRE_OUTPUT=compact": await shape(None, PIERRE_OUTPUT="compact"),
        }

    seen = anyio.run(body)
    assert seen == {
        "sdk default (mcp)": (True, True),
        "claude-code": (False, False),
        "Visual Studio Code": (False, False),
        "claude-code, --output structured": (True, True),
        "mcp, PIERRE_OUTPUT=compact": (False, False),
    }


def test_config_toml_output_and_the_flag_over_it(pierre_bin, pierre_env, pierre_home):
    cmd = str(pierre_bin("pierre-mcp"))
    (Path(pierre_home) / "config.toml").write_text('output = "compact"\n')

    async def schemas(args: list[str]) -> bool:
        async with session(cmd, env_for(pierre_env), args) as c:
            return any(t.output_schema for t in (await c.list_tools()).tools)

    assert anyio.run(schemas, []) is False
    assert anyio.run(schemas, ["--output", "structured"]) is True


def test_charts_are_an_image_and_numbers_in_both_modes(pierre_bin, pierre_env):
    cmd = str(pierre_bin("pierre-mcp"))

    async def body(mode: str):
        async with session(cmd, env_for(pierre_env), ["--output", mode]) as c:
            return await c.call_tool("chart_weekly_volume", {"weeks": 4})

    for mode in ("structured", "compact"):
        r = anyio.run(body, mode)
        assert not r.is_error and r.structured_content is None, mode
        assert [b.type for b in r.content] == ["image", "text"], mode
        assert any(ch.isdigit() for ch in r.content[1].text), mode


def test_compact_tools_list_stays_within_the_per_tool_budget(pierre_bin, pierre_env):
    cmd = str(pierre_bin("pierre-mcp"))
    out = subprocess.run([cmd, "--output", "compact", "tools", "--json"], env=env_for(pierre_env),
                         capture_output=True, text=True, check=True, timeout=60).stdout
    tools = json.loads(out)["tools"]
    size = len(json.dumps(tools, separators=(",", ":"), ensure_ascii=False).encode())
    assert size <= TOOL_BYTE_BUDGET * len(tools), size


def test_the_inspector_sees_compact_results(inspector_cli, pierre_bin, pierre_env, toon_cli):
    server = str(pierre_bin("pierre-mcp"))
    flags = ["-e", f"PIERRE_HOME={pierre_env['PIERRE_HOME']}", "-e", f"PIERRE_SYNTHETIC_SEED={SEED}",
             "-e", f"PIERRE_SYNTHETIC_NOW={NOW}", "-e", "PIERRE_OUTPUT=compact"]

    def inspect(*args: str) -> dict:
        done = subprocess.run(inspector_cli + flags + [server] + list(args), env=pierre_env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)

    tools = inspect("--method", "tools/list")["tools"]
    assert tools and all("outputSchema" not in t for t in tools)
    r = inspect("--method", "tools/call", "--tool-name", "get_activities", "--tool-arg", "limit=5")
    assert "structuredContent" not in r and len(r["content"]) == 1
    data = decode(r["content"][0]["text"], toon_cli)
    assert len(data["activities"]) == 5 and data["provider"] == "synthetic"


def test_serve_http_sessions_each_pick_their_own_mode(stack):
    """Two sessions of one serve-http (one user, one server) named differently get different modes."""
    from test_mcp_http import INIT, access_token, post, sse_json

    auth, http = stack
    token = access_token(auth, http.url)
    seen = {}
    for name in ("claude-code", "mcp"):
        init = {**INIT, "params": {**INIT["params"], "clientInfo": {"name": name, "version": "1"}}}
        r = post(http.url, init, token)
        assert r.status_code == 200, r.text
        sid = r.headers["mcp-session-id"]
        assert post(http.url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, token,
                    **{"Mcp-Session-Id": sid}).status_code == 202
        listed = sse_json(post(http.url, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, token,
                               **{"Mcp-Session-Id": sid}))["result"]["tools"]
        called = sse_json(post(http.url, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                          "params": {"name": "get_athlete", "arguments": {}}}, token,
                               **{"Mcp-Session-Id": sid}))["result"]
        seen[name] = (any("outputSchema" in t for t in listed), "structuredContent" in called)
    assert seen == {"claude-code": (False, False), "mcp": (True, True)}


def test_the_cli_honours_output(pierre_bin, pierre_env):
    """`pierre-mcp --output compact call` still renders a readable table (decoded from the TOON
    text), `--format toon` prints what the model gets, and `tools --json` lists no schemas."""
    cmd = str(pierre_bin("pierre-mcp"))

    def run(*args: str) -> str:
        return subprocess.run([cmd, *args], env=env_for(pierre_env), capture_output=True, text=True,
                              check=True, timeout=60).stdout

    structured = run("call", "get_activities", "limit=3")
    assert run("--output", "compact", "call", "get_activities", "limit=3") == structured
    assert structured.startswith("START ")
    assert "\nactivities[3]{" in run("--output", "compact", "call", "get_activities", "limit=3", "--format", "toon")
    as_json = json.loads(run("--output", "compact", "call", "get_athlete", "--json"))
    assert as_json == json.loads(run("call", "get_athlete", "--json"))
    assert all("outputSchema" not in t for t in json.loads(run("--output", "compact", "tools", "--json"))["tools"])
