"""Connections that idle, drip their headers or their body are closed after the timeouts,
by the server as ``serve`` (``colonies server start``) runs it; raw sockets, short limits."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest

from colonies.config import Settings
from colonies.localpg import free_port
from colonies.server.app import serve

TIMEOUT = 0.5
Address = tuple[str, int]


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[Address]:
    port = free_port()
    short = replace(
        settings,
        port=port,
        idle_timeout_s=TIMEOUT,
        body_timeout_s=TIMEOUT,
        subscribe_timeout_s=TIMEOUT,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(short, stop))
    async with aiohttp.ClientSession() as session:
        for _ in range(500):
            try:
                async with session.get(f"http://127.0.0.1:{port}/health") as resp:
                    assert resp.status == 200
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.01)
    try:
        yield "127.0.0.1", port
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def closed_after(
    reader: asyncio.StreamReader, started: float | None = None
) -> tuple[float, bytes]:
    """Seconds until the server hangs up (since ``started``, else now), and what it sent."""
    loop = asyncio.get_running_loop()
    started = loop.time() if started is None else started
    data = await asyncio.wait_for(reader.read(), 5)
    return loop.time() - started, data


async def drip(writer: asyncio.StreamWriter, piece: bytes) -> None:
    """Send ``piece`` every 50 ms until the server hangs up."""
    try:
        while True:
            await asyncio.sleep(0.05)
            writer.write(piece)
            await writer.drain()
    except ConnectionError:
        pass


async def test_idle_connections_are_closed_after_the_idle_timeout(served: Address) -> None:
    loop = asyncio.get_running_loop()
    connections, watches = [], []
    for _ in range(200):  # each timed from its own opening: opening 200 takes a while
        opened = loop.time()
        reader, writer = await asyncio.open_connection(*served)
        connections.append((reader, writer, opened))
        watches.append(asyncio.create_task(closed_after(reader, opened)))
    waited = await asyncio.gather(*watches)
    for seconds, data in waited:
        assert data == b""
        assert seconds < TIMEOUT + 1.5
    assert max(seconds for seconds, _ in waited) >= TIMEOUT * 0.8
    for _, writer, _ in connections:
        writer.close()


async def test_a_kept_alive_connection_is_closed_when_it_idles(served: Address) -> None:
    reader, writer = await asyncio.open_connection(*served)
    writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200")
    seconds, data = await closed_after(reader)
    assert data == b"" and TIMEOUT * 0.8 <= seconds < TIMEOUT + 1.5
    writer.close()


async def test_a_client_dripping_its_headers_is_cut_off(served: Address) -> None:
    reader, writer = await asyncio.open_connection(*served)
    writer.write(b"GET /health HTTP/1.1\r\n")
    dripping = asyncio.create_task(drip(writer, b"X-A: b\r\n"))
    seconds, data = await closed_after(reader)
    dripping.cancel()
    assert data == b"" and seconds < TIMEOUT + 1.5
    writer.close()


async def test_a_client_dripping_its_body_gets_408_and_is_cut_off(
    served: Address, caplog: pytest.LogCaptureFixture
) -> None:
    reader, writer = await asyncio.open_connection(*served)
    writer.write(b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
    dripping = asyncio.create_task(drip(writer, b" "))
    seconds, data = await closed_after(reader)
    dripping.cancel()
    assert TIMEOUT * 0.8 <= seconds < TIMEOUT + 1.5
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 Request Timeout")
    failure = json.loads(base64.b64decode(json.loads(body)["payload"]))
    assert failure == {
        "status": 408,
        "message": "Request body not received within 0.5 s (COLONIES_BODY_TIMEOUT)",
    }
    writer.close()
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING] == []
