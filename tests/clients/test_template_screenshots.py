"""scripts/screenshot-templates.sh renders the OAuth pages with headless chromium; the PNGs must
decode and show something (not one flat colour)."""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "target" / "screenshots"


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB or RGBA PNG (what chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = bit_depth = colour = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            width, height, bit_depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert bit_depth == 8 and colour in (2, 6), f"unexpected PNG format {bit_depth}/{colour}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        filt = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if filt == 1:
                line[i] = (line[i] + a) & 0xFF
            elif filt == 2:
                line[i] = (line[i] + b) & 0xFF
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def test_screenshots_decode_and_are_not_blank():
    run = subprocess.run(
        ["bash", str(REPO / "scripts" / "screenshot-templates.sh")], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    for page in ("oauth_success", "oauth_error"):
        for label, width in (("phone", 390), ("desktop", 1280)):
            png = SHOTS / f"{page}-{label}.png"
            w, h, rows = decode_png(png.read_bytes())
            assert w == width and h > 500, (png, w, h)
            bpp = len(rows[0]) // w
            colours = set()
            for row in rows[::7]:
                for x in range(0, len(row), bpp * 5):
                    colours.add(row[x : x + 3])
            # A blank page is one colour; the card, the badge and the text give many.
            assert len(colours) > 20, (png, len(colours))
