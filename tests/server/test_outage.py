"""PostgreSQL restarted under load: /health says 503 while it is down and 200 when it is
back, requests meanwhile get 503 "database unavailable" (never a 500 or a traceback), and
the server serves again without a restart."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.crypto import id_from_private_key
from colonies.localpg import FAST_SETTINGS, LocalPostgres, free_port
from colonies.server.app import serve
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY, spec


@pytest.fixture
def own_pg() -> Iterator[LocalPostgres]:
    """A cluster of this test's own, which it may stop and start."""
    root = tempfile.mkdtemp(prefix="colonies-outage-")
    os.chmod(root, 0o755)
    pg = LocalPostgres(Path(root) / "data", settings=FAST_SETTINGS)
    pg.init()
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def url(own_pg: LocalPostgres) -> AsyncIterator[str]:
    port = free_port()
    settings = Settings(
        db_dsn=own_pg.dsn,
        server_id=id_from_private_key(SERVER_KEY),
        host="127.0.0.1",
        port=port,
        health_cache_s=0.1,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(replace(settings), stop))
    address = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        for _ in range(1000):
            try:
                async with session.get(address + "/health"):
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.01)
    try:
        yield address
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def health(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url + "/health") as resp:
        return resp.status


async def until_health(session: aiohttp.ClientSession, url: str, status: int) -> None:
    for _ in range(200):
        if await health(session, url) == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"/health never answered {status}")


async def test_a_postgres_restart_under_load(
    url: str, own_pg: LocalPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with ColoniesClient(url) as client, aiohttp.ClientSession() as session:
        colony = {"colonyid": id_from_private_key(COLONY_KEY), "name": "test"}
        await client.call("addcolonymsg", {"colony": colony}, key=SERVER_KEY)
        executor = {
            "executorid": id_from_private_key(EXECUTOR_KEY),
            "executorname": "e",
            "executortype": "cli",
            "colonyname": "test",
        }
        await client.call("addexecutormsg", {"executor": executor}, key=COLONY_KEY)
        await client.call(
            "approveexecutormsg", {"colonyname": "test", "executorname": "e"}, key=COLONY_KEY
        )
        statuses: list[tuple[int, str]] = []
        running = True

        async def load() -> None:
            while running:
                for reply in (
                    await client.raw("submitfuncspecmsg", {"spec": spec()}, key=EXECUTOR_KEY),
                    await client.raw("getcoloniesmsg", {}, key=SERVER_KEY),
                ):
                    statuses.append((reply.status, reply.message if reply.error else ""))
                await asyncio.sleep(0.01)

        loader = asyncio.create_task(load())
        await asyncio.sleep(0.2)
        assert await health(session, url) == 200
        await asyncio.to_thread(own_pg.stop)
        await until_health(session, url, 503)
        outage_start = len(statuses)
        await asyncio.sleep(0.5)
        during = statuses[outage_start:]
        await asyncio.to_thread(own_pg.start)
        await until_health(session, url, 200)
        recovered = len(statuses)
        await asyncio.sleep(0.5)
        running = False
        await loader
    assert during and all(s == (503, "database unavailable") for s in during)
    assert {s for s, _ in statuses} <= {200, 503}
    after = statuses[recovered:]
    assert after and all(s == 200 for s, _ in after)
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    outages = [r for r in caplog.records if r.getMessage().startswith("database unavailable")]
    assert len(outages) == 1
    assert any(r.getMessage().startswith("database available again") for r in caplog.records)
