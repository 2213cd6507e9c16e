"""TEST ONLY: a loopback HTTP proxy that adds ``Authorization: Bearer TOKEN`` to every request,
so a client that cannot sign in (the MCP conformance suite) can reach ``pierre-mcp serve-http``.

Usage: ``BEARER_PROXY_TOKEN=... python bearer_proxy.py UPSTREAM_PORT`` -- listens on 127.0.0.1 on
a free port and prints ``PORT`` alone on stdout's first line. Everything else (``Host``,
``Origin``, the body, SSE streams) passes through unchanged, so the server's own Host/Origin
checks still face what the client sent. One request per connection (``Connection: close``).
"""

from __future__ import annotations

import asyncio
import os
import sys

MAX_HEAD = 64 * 1024


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass


def rewrite(head: bytes, token: str) -> bytes:
    lines = head.decode("latin-1").split("\r\n")
    kept = [lines[0]] + [
        line
        for line in lines[1:]
        if line and line.split(":", 1)[0].strip().lower() not in ("authorization", "connection")
    ]
    kept += [f"Authorization: Bearer {token}", "Connection: close"]
    return ("\r\n".join(kept) + "\r\n\r\n").encode("latin-1")


async def handle(client_r, client_w, upstream_port: int, token: str) -> None:
    try:
        head = await client_r.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEAD:
            raise ValueError("head too long")
        up_r, up_w = await asyncio.open_connection("127.0.0.1", upstream_port)
        up_w.write(rewrite(head[:-4], token))
        await up_w.drain()
        upload = asyncio.create_task(pipe(client_r, up_w))
        await pipe(up_r, client_w)
        upload.cancel()
        up_w.close()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        client_w.close()


async def main(upstream_port: int) -> None:
    token = os.environ["BEARER_PROXY_TOKEN"]
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, upstream_port, token), "127.0.0.1", 0, limit=MAX_HEAD
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
