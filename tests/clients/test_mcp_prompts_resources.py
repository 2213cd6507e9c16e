"""pierre-mcp's prompts and resources, through the official MCP Python SDK.

A prompt is one user message naming the tools to call; the test checks that every tool it names
exists and that required arguments are enforced with a sentence. A resource is read fresh and must
carry the same data as the tool that answers the same question (get_athlete, get_weekly_summary
for this week), so attaching it gives the model nothing the tools would contradict.
"""

from __future__ import annotations

import json
import re

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

from mcp_expect import NOW, SEED, TOOLS

PROMPTS = {"weekly_review", "race_week_check", "training_since"}
RESOURCES = {"pierre://athlete", "pierre://week/current"}


@pytest.fixture
def session_args(pierre_bin, pierre_env):
    env = {**pierre_env, "PIERRE_SYNTHETIC_SEED": SEED, "PIERRE_SYNTHETIC_NOW": NOW}
    return StdioServerParameters(command=str(pierre_bin("pierre-mcp")), args=[], env=env)


def connect(params: StdioServerParameters) -> Client:
    return Client(stdio_client(params), mode="legacy")


def named_tools(text: str) -> set[str]:
    return set(re.findall(r"\b(?:get|compare|chart)_[a-z_]+", text))


def test_prompts_are_listed_with_their_arguments_and_name_only_real_tools(session_args):
    async def body():
        async with connect(session_args) as c:
            listed = (await c.list_prompts()).prompts
            assert {p.name for p in listed} == PROMPTS
            by_name = {p.name: p for p in listed}
            required = {a.name for a in by_name["race_week_check"].arguments if a.required}
            assert required == {"race_date"}
            assert [a.name for a in by_name["training_since"].arguments] == ["date"]
            arguments = {
                "weekly_review": None,
                "race_week_check": {"race_date": "2026-05-17", "race": "half marathon"},
                "training_since": {"date": "2026-01-05"},
            }
            for name, args in arguments.items():
                got = await c.get_prompt(name, args)
                assert len(got.messages) == 1 and got.messages[0].role == "user"
                text = got.messages[0].content.text
                tools = named_tools(text)
                assert tools and tools <= TOOLS, (name, tools - TOOLS)
            race = (await c.get_prompt("race_week_check", arguments["race_week_check"])).messages[0].content.text
            assert "half marathon on 2026-05-17" in race

    anyio.run(body)


def test_a_prompt_without_its_date_or_with_a_bad_one_says_what_to_send(session_args):
    async def body():
        async with connect(session_args) as c:
            with pytest.raises(MCPError) as missing:
                await c.get_prompt("training_since", {})
            assert missing.value.code == -32602
            assert "YYYY-MM-DD" in missing.value.message
            with pytest.raises(MCPError) as bad:
                await c.get_prompt("race_week_check", {"race_date": "next sunday"})
            assert "next sunday" in bad.value.message
            with pytest.raises(MCPError) as unknown:
                await c.get_prompt("weekly", None)
            assert "weekly_review" in unknown.value.message

    anyio.run(body)


def test_resources_carry_the_same_data_as_the_tools(session_args):
    async def body():
        async with connect(session_args) as c:
            listed = (await c.list_resources()).resources
            assert {str(r.uri) for r in listed} == RESOURCES
            assert all(r.mime_type == "application/json" for r in listed)

            athlete = (await c.read_resource("pierre://athlete")).contents
            assert len(athlete) == 1 and athlete[0].mime_type == "application/json"
            tool = await c.call_tool("get_athlete", {})
            assert json.loads(athlete[0].text) == tool.structured_content

            week = json.loads((await c.read_resource("pierre://week/current")).contents[0].text)
            tool = await c.call_tool("get_weekly_summary", {"weeks": 1})
            assert week == tool.structured_content
            assert len(week["weeks"]) == 1 and week["provider"] == "synthetic"

            with pytest.raises(MCPError) as unknown:
                await c.read_resource("pierre://nothing")
            assert "pierre://athlete" in unknown.value.message

    anyio.run(body)
