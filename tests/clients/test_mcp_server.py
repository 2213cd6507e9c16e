"""pierre-mcp over stdio, driven by clients nobody here wrote.

The official MCP Python SDK (PyPI ``mcp``) connects in each of its modes ("auto" probes
``server/discover``, "legacy" does the ``initialize`` handshake, "2026-07-28" adopts that version
with no handshake); every handshake-era protocol version is also exercised on the raw wire.
Schemas are checked by ``jsonschema``, TOON text by the official ``@toon-format/cli``.

Every test runs against the synthetic provider with a fixed seed and clock, in its own
``PIERRE_HOME``; pierre-mcp starts the daemon itself, as it does for a real user.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_expect import CHART_TOOLS, NOW, SEED, TOOLS
# Every protocol version rmcp 3.11 knows. The handshake-era ones are negotiated by `initialize`;
# 2026-07-28 is reached only through `server/discover` and per-request `_meta`.
HANDSHAKE_VERSIONS = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]
MODERN_VERSION = "2026-07-28"
# tools/list goes into every assistant session; keep it from growing unnoticed.
# 16,000 held the eight data and connection tools; the five analysis tools (issue 17:
# training load, weekly summary, compare, records, trends) add ~10.7 KB of typed schemas
# and disconnect_provider ~1.1 KB: 28 KB, plus 2 KB of headroom. The three chart tools
# (issue 18) add ~1.7 KB: 30.6 KB, under 31,000. Issue 23 adds returned/has_more/from/to to
# the three lists (~0.7 KB): under 32,000 for 17 tools, which every later tool inherits per
# tool (issue 25's three settings and zone tools: 35.3 KB for 20, under 20 x 1,882). This is
# structured mode (the SDK's client name); compact mode's budget is checked in test_mcp_output.py.
TOOLS_LIST_BUDGET_BYTES_PER_TOOL = 32_000 // 17


@pytest.fixture
def mcp_env(pierre_env: dict[str, str]) -> dict[str, str]:
    return {**pierre_env, "PIERRE_SYNTHETIC_SEED": SEED, "PIERRE_SYNTHETIC_NOW": NOW}


@pytest.fixture
def server_cmd(pierre_bin) -> str:
    return str(pierre_bin("pierre-mcp"))


def client(cmd: str, env: dict[str, str], mode: str = "legacy", errlog=None, **kwargs: Any) -> Client:
    params = StdioServerParameters(command=cmd, args=[], env=env)
    transport = stdio_client(params, errlog=errlog) if errlog is not None else stdio_client(params)
    return Client(transport, mode=mode, **kwargs)


def run(fn, *args):
    """Runs an async test body on anyio's default backend."""
    return anyio.run(fn, *args)


def text_of(result) -> str:
    assert len(result.content) == 1, result.content
    assert result.content[0].type == "text"
    return result.content[0].text


def pierre_version(cmd: str) -> str:
    out = subprocess.run([cmd, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split()[-1]


# --- lifecycle and protocol versions ------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, expected_version",
    [("auto", MODERN_VERSION), ("legacy", "2025-11-25"), (MODERN_VERSION, MODERN_VERSION)],
)
def test_sdk_connects_in_every_mode(server_cmd, mcp_env, mode, expected_version):
    async def body():
        async with client(server_cmd, mcp_env, mode=mode) as c:
            assert c.protocol_version == expected_version
            if mode != MODERN_VERSION:  # a version pin skips discovery, so there is no server info
                assert c.server_info.name == "pierre-mcp"
                assert c.server_info.version == pierre_version(server_cmd)
                caps = c.server_capabilities
                assert caps.tools is not None
                # Advertise only what is served: tools, prompts, resources (not subscriptions).
                assert caps.resources is not None and caps.prompts is not None
                assert not caps.resources.subscribe
                assert caps.logging is None and caps.completions is None
            tools = await c.list_tools()
            assert {t.name for t in tools.tools} == TOOLS
            r = await c.call_tool("get_athlete", {})
            assert not r.is_error, r
            assert r.structured_content["provider"] == "synthetic"

    run(body)


class RawSession:
    """Newline-delimited JSON-RPC to a pierre-mcp child, for what no SDK mode sends."""

    def __init__(self, cmd: str, env: dict[str, str]):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [cmd], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True
        )
        self.next_id = 1

    def send(self, message: dict) -> None:
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict | None = None) -> dict:
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        while True:
            line = self.proc.stdout.readline()
            assert line, f"pierre-mcp closed stdout; stderr: {self.stderr_text()}"
            frame = json.loads(line)
            if frame.get("id") == rid:
                return frame

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def close(self) -> tuple[str, str]:
        """Closes stdin (the client leaving) and returns the rest of stdout and all of stderr."""
        rest, _ = self.proc.communicate(timeout=30)
        return rest, self.stderr_text()


def initialize(session: RawSession, version: str) -> dict:
    reply = session.request(
        "initialize",
        {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw-test", "version": "1"}},
    )
    session.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    return reply


@pytest.mark.parametrize("version", HANDSHAKE_VERSIONS + ["1999-01-01"])
def test_initialize_answers_every_handshake_version(server_cmd, mcp_env, version):
    s = RawSession(server_cmd, mcp_env)
    try:
        reply = initialize(s, version)["result"]
        # A known version is echoed; an unknown one gets the newest handshake version.
        assert reply["protocolVersion"] == (version if version in HANDSHAKE_VERSIONS else "2025-11-25")
        assert reply["serverInfo"]["name"] == "pierre-mcp"
        assert set(reply["capabilities"]) == {"tools", "prompts", "resources"}
        listed = s.request("tools/list")["result"]["tools"]
        assert {t["name"] for t in listed} == TOOLS
        called = s.request("tools/call", {"name": "get_stats", "arguments": {"period": "week"}})["result"]
        assert called.get("isError") is not True
        assert called["structuredContent"]["period"] == "week"
        # What is not advertised is not served.
        assert len(s.request("prompts/list")["result"]["prompts"]) == 3
        assert len(s.request("resources/list")["result"]["resources"]) == 2
        for method, params in [
            ("resources/subscribe", {"uri": "pierre://athlete"}),
            ("logging/setLevel", {"level": "debug"}),
            ("completion/complete", {"ref": {"type": "ref/prompt", "name": "x"}, "argument": {"name": "a", "value": ""}}),
        ]:
            assert s.request(method, params)["error"]["code"] == -32601, method
    finally:
        s.close()


def test_server_discover_lists_every_version(server_cmd, mcp_env):
    s = RawSession(server_cmd, mcp_env)
    try:
        meta = {
            "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
            "io.modelcontextprotocol/clientInfo": {"name": "raw-test", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {},
        }
        found = s.request("server/discover", {"_meta": meta})["result"]
        assert set(HANDSHAKE_VERSIONS + [MODERN_VERSION]) <= set(found["supportedVersions"])
        assert found["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "pierre-mcp"
        assert set(found["capabilities"]) == {"tools", "prompts", "resources"}
        # Stateless 2026-07-28 call: every request carries the metadata, no handshake.
        called = s.request("tools/call", {"name": "get_athlete", "arguments": {}, "_meta": meta})["result"]
        assert called["structuredContent"]["athlete"]["thresholds"]["ftp_w"] > 0
    finally:
        s.close()


# --- tools/list ----------------------------------------------------------------------------------


def test_tools_list_is_small_typed_and_valid(server_cmd, mcp_env):
    async def body():
        async with client(server_cmd, mcp_env) as c:
            return await c.list_tools()

    listed = run(body)
    raw = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools]
    size = len(json.dumps({"tools": raw}, separators=(",", ":")))
    print(f"tools/list: {len(raw)} tools, {size} bytes")
    assert size <= TOOLS_LIST_BUDGET_BYTES_PER_TOOL * len(raw), f"tools/list is {size} bytes for {len(raw)} tools"
    for tool in raw:
        name = tool["name"]
        assert 20 <= len(tool["description"]) <= 160, name
        # Chart tools answer with an image and carry no output schema (test_charts.py).
        for key in ("inputSchema",) if name in CHART_TOOLS else ("inputSchema", "outputSchema"):
            schema = tool[key]
            jsonschema.Draft202012Validator.check_schema(schema)
            assert schema["type"] == "object", (name, key)
        assert tool["inputSchema"].get("additionalProperties") is False, name
        ann = tool["annotations"]
        # connect_provider starts a sign-in (not read-only, not idempotent); disconnect_provider
        # deletes tokens (destructive, idempotent); set_athlete_settings writes Pierre's own
        # settings (local, reversible, idempotent); the rest only read.
        if name == "disconnect_provider":
            assert ann["readOnlyHint"] is False and ann["destructiveHint"] is True, name
            assert ann["idempotentHint"] is True, name
        elif name == "set_athlete_settings":
            assert ann["readOnlyHint"] is False and ann["destructiveHint"] is False, name
            assert ann["idempotentHint"] is True and ann["openWorldHint"] is False, name
            continue
        else:
            reads_only = name != "connect_provider"
            assert ann["readOnlyHint"] is reads_only and ann["destructiveHint"] is False, name
            assert ann["idempotentHint"] is reads_only, name
        # Data tools reach providers' APIs; the connection list is local.
        assert ann["openWorldHint"] is (name != "get_connection_status"), name
    by_name = {t["name"]: t for t in raw}
    # Typed inputs: enums for sports, periods, formats and providers.
    activities = by_name["get_activities"]["inputSchema"]["properties"]
    assert "run" in activities["sport"]["enum"] and "swim" in activities["sport"]["enum"]
    assert activities["format"]["enum"] == ["json", "toon"]
    assert "synthetic" in activities["provider"]["enum"]
    assert activities["limit"]["maximum"] == 100
    assert by_name["get_stats"]["inputSchema"]["properties"]["period"]["enum"] == ["week", "month", "year"]
    assert by_name["get_activity"]["inputSchema"]["required"] == ["id"]


# --- every tool on synthetic ---------------------------------------------------------------------


def first_activity_id(structured: dict) -> str:
    return structured["activities"][0]["id"]


CALLS = [
    ("connect_provider", {"provider": "synthetic"}),
    ("get_connection_status", {}),
    ("get_athlete", {}),
    ("get_activities", {"limit": 5}),
    ("get_activities", {"sport": "ride", "from": "2025-06-01", "to": "2025-08-31", "limit": 3}),
    ("get_activity", None),  # id taken from get_activities
    ("get_stats", {"period": "month", "count": 3}),
    ("get_stats", {"period": "week", "sport": "run"}),
    ("get_sleep", {}),
    ("get_sleep", {"from": "2025-11-01", "to": "2025-11-03"}),
    ("get_recovery", {"from": "2025-10-01", "to": "2025-10-14"}),
    ("get_training_load", {}),
    ("get_training_load", {"from": "2025-06-01", "to": "2025-06-30"}),
    ("get_weekly_summary", {"weeks": 3}),
    ("compare_periods", {"from": "2025-11-01", "to": "2025-11-23"}),
    ("compare_periods", {"from": "2025-10-01", "to": "2025-10-31", "baseline_from": "2025-09-01", "baseline_to": "2025-09-30"}),
    ("get_personal_records", {"sport": "run", "from": "2025-09-01"}),
    ("get_trends", {}),
    ("get_trends", {"sport": "ride", "weeks": 8}),
    ("get_athlete_settings", {}),
    ("set_athlete_settings", {"values": {"hr_zone_model": "heart_rate_reserve", "time_zone": "Europe/Zurich"}}),
    ("get_zones", {}),
    ("get_zones", {"kind": "power"}),
    # Last: Strava is not connected, so this changes nothing (disconnected=false).
    ("disconnect_provider", {"provider": "strava"}),
]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_every_tool_answers_with_valid_structured_content(server_cmd, mcp_env, mode):
    async def body():
        async with client(server_cmd, mcp_env, mode=mode) as c:
            schemas = {t.name: t.output_schema for t in (await c.list_tools()).tools}
            listed = await c.call_tool("get_activities", {"limit": 1})
            activity_id = first_activity_id(listed.structured_content)
            seen = set()
            for name, args in CALLS:
                args = {"id": activity_id} if args is None else args
                r = await c.call_tool(name, args)
                assert not r.is_error, (name, text_of(r))
                jsonschema.validate(r.structured_content, schemas[name])
                # Exactly one text block: the same result as compact JSON.
                text = text_of(r)
                assert json.loads(text) == r.structured_content
                assert "\n" not in text and ": " not in text, "compact JSON"
                seen.add(name)
            assert seen == TOOLS - CHART_TOOLS, "test_charts.py calls the charts"

    run(body)


def test_results_are_realistic_and_si(server_cmd, mcp_env):
    async def body():
        async with client(server_cmd, mcp_env) as c:
            acts = (await c.call_tool("get_activities", {"limit": 100, "sport": "run"})).structured_content
            run_ = acts["activities"][0]
            assert 3_000 < run_["distance_m"] < 30_000
            assert 2.0 < run_["average_speed_mps"] < 5.5
            assert run_["start_time"].endswith("+01:00"), "local time with offset"
            assert 100 < run_["average_heartrate_bpm"] < 190
            detail = (await c.call_tool("get_activity", {"id": run_["id"]})).structured_content["activity"]
            assert detail["splits"] and detail["best_efforts"] and detail["laps"]
            assert all(0.9 < s["distance_m"] / 1000 <= 1.0 for s in detail["splits"][:-1])
            for stream in detail["streams"]:
                assert "zones" not in stream or all(z["time_s"] >= 0 for z in stream["zones"])
                # Summaries, never raw points.
                assert set(stream) <= {"kind", "samples", "min", "mean", "max", "zones"}
            nights = (await c.call_tool("get_sleep", {})).structured_content["nights"]
            assert len(nights) == 7 and nights[0]["date"] == "2025-11-23"
            assert all(4 * 3600 < n["asleep_s"] < 11 * 3600 and 0 < n["efficiency"] <= 1 for n in nights)
            days = (await c.call_tool("get_recovery", {})).structured_content["days"]
            assert all(0 <= d["score"] <= 100 and d["hrv_ms"] > 0 for d in days)

    run(body)


# --- errors ---------------------------------------------------------------------------------------


def test_tool_errors_are_one_actionable_sentence(server_cmd, mcp_env):
    cases = [
        ("get_activities", {"sport": "hiking"}, "unknown variant `hiking`"),
        ("get_activities", {"limit": 1000}, "`limit` must be from 1 to 100"),
        ("get_activities", {"sprot": "run"}, "unknown field `sprot`"),
        ("get_activities", {"from": "2025-11-10", "to": "2025-11-01"}, "swap them"),
        ("get_activities", {"cursor": "garbage"}, "without a cursor"),
        ("get_activity", {"id": "nope"}, "call get_activities to find the id"),
        ("get_activity", {}, "missing field `id`"),
        ("get_stats", {"period": "fortnight"}, "unknown variant `fortnight`"),
        ("get_sleep", {"from": "2024-01-01", "to": "2025-01-01"}, "at most 92 days"),
        ("get_recovery", {"to": "2025-13-01"}, "YYYY-MM-DD"),
        ("get_athlete", {"provider": "strava"}, "pierre-authd connect strava"),
        ("compare_periods", {"from": "2025-11-10", "to": "2025-11-01"}, "swap them"),
        ("compare_periods", {"to": "2025-11-01"}, "missing field `from`"),
        ("get_trends", {"weeks": 1}, "`weeks` must be from 3 to 52"),
        ("get_training_load", {"from": "2023-01-01"}, "at most 366 days"),
    ]

    async def body():
        async with client(server_cmd, mcp_env) as c:
            for name, args, fragment in cases:
                r = await c.call_tool(name, args)
                assert r.is_error, (name, args)
                text = text_of(r)
                assert fragment in text, (name, args, text)
                assert text.endswith(".") and text.count("\n") == 0, text
                assert r.structured_content is None
            # An unknown tool is a protocol error, which the SDK raises.
            with pytest.raises(Exception):
                await c.call_tool("get_everything", {})

    run(body)


# --- consistency ---------------------------------------------------------------------------------


async def all_activities(c, **args) -> list[dict]:
    out, cursor = [], None
    while True:
        page_args = dict(args, limit=100)
        if cursor:
            page_args["cursor"] = cursor
        page = (await c.call_tool("get_activities", page_args)).structured_content
        out.extend(page["activities"])
        cursor = page.get("next_cursor")
        if not cursor:
            return out


def test_stats_are_the_sum_of_the_listed_activities(server_cmd, mcp_env):
    async def body():
        async with client(server_cmd, mcp_env) as c:
            for period, count in (("week", 6), ("month", 4)):
                stats = (await c.call_tool("get_stats", {"period": period, "count": count})).structured_content
                assert len(stats["periods"]) == count
                for p in stats["periods"]:
                    acts = await all_activities(c, **{"from": p["start"], "to": p["end"]})
                    t = p["totals"]
                    assert t["activities"] == len(acts)
                    assert t["moving_time_s"] == sum(a["moving_time_s"] for a in acts)
                    assert abs(t["distance_m"] - sum(a.get("distance_m", 0) for a in acts)) < 0.5
                    assert abs(t["elevation_gain_m"] - sum(a.get("elevation_gain_m", 0) for a in acts)) < 0.5
                    assert sum(s["activities"] for s in p["by_sport"]) == len(acts)

    run(body)


def test_analysis_tools_agree_with_each_other(server_cmd, mcp_env):
    async def body():
        async with client(server_cmd, mcp_env) as c:
            async def call(name, args):
                r = await c.call_tool(name, args)
                assert not r.is_error, text_of(r)
                return r.structured_content

            load = await call("get_training_load", {"from": "2025-11-17", "to": "2025-11-23"})
            assert load["latest"] == load["days"][-1] and load["latest"]["date"] == "2025-11-23"
            assert all(a["load"] >= 0 and a["method"] in {"power", "pace", "heart_rate", "none"} for a in load["activities"])
            for day in load["days"]:
                assert abs(day["load"] - sum(a["load"] for a in load["activities"] if a["date"] == day["date"])) < 0.2
            week = (await call("get_weekly_summary", {"weeks": 1}))["weeks"][0]
            assert (week["from"], week["to"]) == ("2025-11-17", "2025-11-23")
            assert abs(week["load"] - sum(a["load"] for a in load["activities"])) < 0.5
            assert (week["fitness"], week["fatigue"], week["form"]) == tuple(load["latest"][k] for k in ("fitness", "fatigue", "form"))
            same = await call("compare_periods", {"from": "2025-10-01", "to": "2025-10-31", "baseline_from": "2025-10-01", "baseline_to": "2025-10-31"})
            assert same["period"] == same["baseline"]
            assert all(c["distance_m"] == 0 and c["load"] == 0 and c.get("load_pct", 0) == 0 for c in same["change"])
            stats = (await c.call_tool("get_stats", {"period": "week"})).structured_content["periods"][0]
            assert week["activities"] == stats["totals"]["activities"]
            records = (await call("get_personal_records", {"sport": "run"}))["records"]
            five = next(r for r in records if r["name"] == "5k")
            ten = next(r for r in records if r["name"] == "10k")
            assert five["source"] == "best_effort" and not five["approximate"]
            assert 12 * 60 < five["time_s"] < 40 * 60 and ten["time_s"] > 2 * five["time_s"] * 0.95
            trends = await call("get_trends", {"weeks": 8})
            assert len(trends["weeks"]) == 8 and trends["weeks"][-1]["start"] == "2025-11-17"
            assert any(t["metric"] == "easy_efficiency" and "at the same heart rate" in t["reading"] for t in trends["trends"])

    run(body)


def test_get_activity_returns_the_listed_activity(server_cmd, mcp_env):
    async def body():
        async with client(server_cmd, mcp_env) as c:
            listed = (await c.call_tool("get_activities", {"limit": 12})).structured_content["activities"]
            for summary in listed:
                full = (await c.call_tool("get_activity", {"id": summary["id"]})).structured_content["activity"]
                assert {k: full[k] for k in summary} == summary
                assert sum(lap["elapsed_time_s"] for lap in full["laps"]) == summary["elapsed_time_s"]

    run(body)


def test_pages_are_stable_and_complete(server_cmd, mcp_env):
    async def body():
        async with client(server_cmd, mcp_env) as c:
            everything = await all_activities(c, **{"from": "2025-01-01", "to": "2025-03-31"})
            small = []
            cursor = None
            while True:
                args = {"from": "2025-01-01", "to": "2025-03-31", "limit": 7}
                if cursor:
                    args["cursor"] = cursor
                page = (await c.call_tool("get_activities", args)).structured_content
                assert len(page["activities"]) <= 7
                small.extend(page["activities"])
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            assert [a["id"] for a in small] == [a["id"] for a in everything]
            starts = [a["start_time"] for a in everything]
            assert len(set(a["id"] for a in everything)) == len(everything)
            assert all("2025-01-01" <= s[:10] <= "2025-03-31" for s in starts)

    run(body)


def test_same_seed_same_data_other_seed_other_data(server_cmd, mcp_env):
    async def fetch(env):
        async with client(server_cmd, env) as c:
            r = await c.call_tool("get_activities", {"limit": 20})
            return r.structured_content

    a = run(fetch, mcp_env)
    b = run(fetch, dict(mcp_env))
    other = run(fetch, {**mcp_env, "PIERRE_SYNTHETIC_SEED": "7"})
    assert a == b
    assert a["activities"] != other["activities"]


# --- TOON ----------------------------------------------------------------------------------------


def test_toon_text_decodes_to_the_structured_content(server_cmd, mcp_env, toon_cli, tmp_path):
    async def body():
        async with client(server_cmd, mcp_env) as c:
            listed = await c.call_tool("get_activities", {"limit": 1})
            activity_id = first_activity_id(listed.structured_content)
            results = []
            for name, args in CALLS:
                args = {"id": activity_id} if args is None else args
                r = await c.call_tool(name, {**args, "format": "toon"})
                assert not r.is_error, text_of(r)
                results.append((name, text_of(r), r.structured_content))
            return results

    for i, (name, text, structured) in enumerate(run(body)):
        assert not text.lstrip().startswith("{"), f"{name}: TOON, not JSON"
        src = tmp_path / f"{i}-{name}.toon"
        src.write_text(text)
        decoded = subprocess.run(
            toon_cli + ["--decode", str(src)], capture_output=True, text=True, timeout=60
        )
        assert decoded.returncode == 0, decoded.stderr
        # The TOON text gives list rows one set of keys (so they form a table);
        # a member null there may be absent from structuredContent.
        assert without_nulls(json.loads(decoded.stdout)) == without_nulls(structured), name


def without_nulls(value):
    """The value with every null object member dropped."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


# --- stdout hygiene ------------------------------------------------------------------------------


def test_only_mcp_frames_on_stdout_at_trace(server_cmd, mcp_env):
    s = RawSession(server_cmd, {**mcp_env, "RUST_LOG": "trace"})
    frames = []
    try:
        frames.append(initialize(s, "2025-11-25"))
        frames.append(s.request("tools/list"))
        frames.append(s.request("tools/call", {"name": "get_activities", "arguments": {"limit": 3}}))
        frames.append(s.request("tools/call", {"name": "get_activity", "arguments": {"id": "nope"}}))
        frames.append(s.request("ping"))
    finally:
        rest, stderr = s.close()
    for line in rest.splitlines():
        frames.append(json.loads(line))  # anything else on stdout fails here
    assert all(f.get("jsonrpc") == "2.0" for f in frames)
    assert s.proc.returncode == 0, stderr
    # The logs went to stderr instead, at trace level.
    assert re.search(r"\bTRACE\b", stderr) and re.search(r"\bDEBUG\b", stderr)


def test_logs_reach_the_log_file(server_cmd, mcp_env):
    s = RawSession(server_cmd, mcp_env)
    try:
        initialize(s, "2025-11-25")
        s.request("tools/call", {"name": "get_athlete", "arguments": {}})
    finally:
        s.close()
    log_dir = Path(mcp_env["PIERRE_HOME"]) / "logs"
    assert oct(log_dir.stat().st_mode & 0o777) == "0o700"
    log = log_dir / "mcp.log"
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    assert "serving MCP on stdio" in log.read_text()


# --- concurrency, cancellation, progress ---------------------------------------------------------


@pytest.mark.filterwarnings("ignore:ping is removed")
def test_a_slow_call_blocks_neither_ping_nor_another_call(server_cmd, mcp_env):
    env = {**mcp_env, "PIERRE_TEST_SLOW_MS": "2000"}

    async def body():
        async with client(server_cmd, env) as c:
            await c.call_tool("get_athlete", {})  # start the daemon and warm the cache
            done: dict[str, float] = {}
            t0 = time.monotonic()

            async def call(name, args, key):
                r = await c.call_tool(name, args)
                assert not r.is_error, text_of(r)
                done[key] = time.monotonic() - t0

            async with anyio.create_task_group() as tg:
                tg.start_soon(call, "get_activities", {"limit": 5}, "slow")
                await anyio.sleep(0.3)
                p0 = time.monotonic()
                await c.send_ping()
                ping_s = time.monotonic() - p0
                tg.start_soon(call, "get_stats", {"period": "week"}, "second")
            assert ping_s < 0.5, f"ping waited {ping_s:.2f}s behind a slow call"
            # Each call takes ~2 s; run one after the other they would end at ~4.3 s.
            assert done["slow"] < 3.0 and done["second"] < 3.3, done

    run(body)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_cancellation_stops_the_work(server_cmd, mcp_env, mode, tmp_path):
    env = {**mcp_env, "PIERRE_TEST_SLOW_MS": "5000"}
    errlog_path = tmp_path / "stderr.txt"

    async def body(errlog):
        async with client(server_cmd, env, mode=mode, errlog=errlog) as c:
            t0 = time.monotonic()
            with anyio.move_on_after(0.7) as scope:
                await c.call_tool("get_activities", {"limit": 5})
            assert scope.cancelled_caught, "the slow call finished before it was cancelled"
            # The session goes on at once (tools/list is not slowed down).
            t1 = time.monotonic()
            listed = await c.list_tools(cache_mode="bypass")
            assert len(listed.tools) == len(TOOLS) and time.monotonic() - t1 < 1.0
            await anyio.sleep(0.3)  # let the server write its log line
            return time.monotonic() - t0

    with open(errlog_path, "w") as errlog:
        elapsed = run(body, errlog)
    stderr = errlog_path.read_text()
    assert "tool call cancelled by the client; work stopped" in stderr, stderr[-2000:]
    log = (Path(env["PIERRE_HOME"]) / "logs" / "mcp.log").read_text()
    assert "tool call cancelled by the client" in log
    assert elapsed < 4.5, "the cancelled call held the session up"


def test_progress_is_reported_when_asked(server_cmd, mcp_env):
    env = {**mcp_env, "PIERRE_TEST_SLOW_MS": "300"}

    async def body():
        async with client(server_cmd, env) as c:
            seen: list[tuple[float, float | None, str | None]] = []

            async def on_progress(progress, total, message):
                seen.append((progress, total, message))

            r = await c.call_tool("get_activities", {"limit": 2}, progress_callback=on_progress)
            assert not r.is_error
            quiet = await c.call_tool("get_activities", {"limit": 2})
            assert not quiet.is_error
            return seen

    seen = run(body)
    values = [p for p, _, _ in seen]
    assert len(seen) >= 3, seen
    assert values == sorted(values) and len(set(values)) == len(values), "progress only grows"
    assert seen[-1][0] == seen[-1][1], "the last notification completes the total"
    assert any("synthetic data ready" in (m or "") for _, _, m in seen), seen
