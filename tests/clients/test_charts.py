"""The chart tools (issue 18) through the official MCP Python SDK: each answers with an
image content block (a PNG, checked here with the standard library only) and a text summary,
and with no structuredContent, which some clients would show instead of the image.

Every test runs against the synthetic provider with a fixed seed and clock, in its own
``PIERRE_HOME``; pierre-mcp starts the daemon itself, as it does for a real user.
"""

from __future__ import annotations

import base64
import struct
import subprocess
import zlib

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_expect import NOW, SEED

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH, HEIGHT = 1000, 560
CHARTS = [
    ("chart_training_load", {}, "Training load"),
    ("chart_training_load", {"from": "2025-01-01", "to": "2025-06-30"}, "Training load 2025-01-01 to 2025-06-30"),
    ("chart_weekly_volume", {"weeks": 8}, "8 weeks"),
    ("chart_sleep_recovery", {"from": "2025-11-01"}, "Sleep and recovery 2025-11-01 to 2025-11-23"),
]


@pytest.fixture
def mcp_env(pierre_env: dict[str, str]) -> dict[str, str]:
    return {**pierre_env, "PIERRE_SYNTHETIC_SEED": SEED, "PIERRE_SYNTHETIC_NOW": NOW}


def client(pierre_bin, env: dict[str, str]) -> Client:
    params = StdioServerParameters(command=str(pierre_bin("pierre-mcp")), args=[], env=env)
    return Client(stdio_client(params), mode="legacy")


def png_chunks(data: bytes) -> dict[bytes, bytes]:
    """The PNG's chunks by type (IDAT concatenated), each CRC checked."""
    assert data[:8] == PNG_SIGNATURE, data[:8]
    chunks: dict[bytes, bytes] = {}
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + length
    assert b"IEND" in chunks, "truncated PNG"
    return chunks


def check_png(data: bytes) -> None:
    chunks = png_chunks(data)
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (width, height) == (WIDTH, HEIGHT)
    # Indexed colour with a palette: the small encoding the server chose.
    assert colour == 3 and depth in (1, 2, 4, 8) and b"PLTE" in chunks
    pixels = zlib.decompress(chunks[b"IDAT"])
    row = (width * depth + 7) // 8
    assert len(pixels) == height * (1 + row), "every row decodes"
    # Not blank: more than a handful of distinct palette indices across the rows.
    assert len(set(pixels)) > 4


@pytest.mark.parametrize("name, args, expected", CHARTS)
def test_a_chart_is_a_png_image_and_a_summary(pierre_bin, mcp_env, name, args, expected):
    async def body():
        async with client(pierre_bin, mcp_env) as c:
            return await c.call_tool(name, args)

    r = anyio.run(body)
    assert not r.is_error, r.content
    assert r.structured_content is None
    assert [block.type for block in r.content] == ["image", "text"]
    image, text = r.content
    assert image.mime_type == "image/png"
    data = base64.b64decode(image.data, validate=True)
    check_png(data)
    assert len(data) < 60_000, len(data)
    assert expected in text.text, text.text
    assert f"{len(data)} bytes" in text.text, text.text


def test_tools_list_offers_the_charts_without_output_schemas(pierre_bin, mcp_env):
    async def body():
        async with client(pierre_bin, mcp_env) as c:
            return (await c.list_tools()).tools

    charts = {t.name: t for t in anyio.run(body) if t.name.startswith("chart_")}
    assert set(charts) == {"chart_training_load", "chart_weekly_volume", "chart_sleep_recovery"}
    for tool in charts.values():
        assert tool.output_schema is None, tool.name
        assert tool.annotations.read_only_hint is True, tool.name


def test_no_data_and_bad_arguments_are_one_sentence_errors(pierre_bin, mcp_env):
    async def body():
        async with client(pierre_bin, mcp_env) as c:
            empty = await c.call_tool("chart_sleep_recovery", {"from": "2020-01-01", "to": "2020-01-07"})
            weeks = await c.call_tool("chart_weekly_volume", {"weeks": 60})
            return empty, weeks

    empty, weeks = anyio.run(body)
    for r in (empty, weeks):
        assert r.is_error
        assert [block.type for block in r.content] == ["text"]
    assert "nothing to chart" in empty.content[0].text
    assert empty.content[0].text.endswith(".")
    assert "`weeks` must be from 1 to 52" in weeks.content[0].text


def test_call_out_saves_the_png(pierre_bin, mcp_env, tmp_path):
    out = tmp_path / "load.png"
    done = subprocess.run(
        [str(pierre_bin("pierre-mcp")), "call", "chart_weekly_volume", "weeks=4", "--out", str(out)],
        env=mcp_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    check_png(data)
    assert f"Saved the image (image/png, {len(data)} bytes)" in done.stdout, done.stdout
    assert "4 weeks" in done.stdout
