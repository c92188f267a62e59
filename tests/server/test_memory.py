"""Hostile requests cannot grow the server's memory without bound: ``colonies server start``
runs in a process of its own and its peak resident set (VmHWM, reset before each attack) is
read from /proc while the attack runs."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import asyncpg
import pytest

from colonies.client import ColoniesClient
from colonies.crypto import id_from_private_key, sign
from colonies.localpg import free_port
from tests.conftest import SERVER_KEY, Colony, spec

MIB = 1024 * 1024
LIMITS = {"COLONIES_MAX_REQUEST_BODY": str(8 * MIB), "COLONIES_BODY_BUDGET": str(32 * MIB)}
GROWTH_BOUND = 64 * MIB


@dataclass
class Served:
    url: str
    pid: int

    def status(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise KeyError(field)

    def start_measuring(self) -> int:
        """Reset the peak to now; the resident set now."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        return self.status("VmRSS")

    def peak(self) -> int:
        return self.status("VmHWM")


def server_env(dsn: str, port: int) -> dict[str, str]:
    parts = urlsplit(dsn)
    query = parse_qs(parts.query)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLONIES_")}
    return {
        **env,
        "COLONIES_DB_HOST": query.get("host", [parts.hostname or "localhost"])[0],
        "COLONIES_DB_PORT": query.get("port", [str(parts.port or 5432)])[0],
        "COLONIES_DB_USER": parts.username or "postgres",
        "COLONIES_DB_NAME": parts.path.lstrip("/"),
        "COLONIES_SERVER_ID": id_from_private_key(SERVER_KEY),
        "COLONIES_SERVER_HTTP_PORT": str(port),
        **LIMITS,
    }


@pytest.fixture
async def served(dsn: str, colony: Colony) -> AsyncIterator[Served]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from colonies.cli.main import main; main()",
        "server",
        "start",
        env=server_env(dsn, port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(1000):
                try:
                    async with session.get(url + "/health") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.01)
        yield Served(url, proc.pid)
    finally:
        proc.terminate()
        _, stderr = await asyncio.wait_for(proc.communicate(), 20)
        assert b"Traceback" not in stderr, stderr.decode()[-3000:]


async def post(session: aiohttp.ClientSession, url: str, data: Any) -> int:
    async with session.post(url + "/api", data=data) as resp:
        await resp.read()
        return resp.status


async def test_eight_concurrent_oversized_bodies_keep_memory_flat(served: Served) -> None:
    body = b'{"payloadtype":"getcoloniesmsg","signature":"00","payload":"' + b"A" * (60 * MIB)

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length
        for start in range(0, len(body), MIB):
            yield body[start : start + MIB]

    async with aiohttp.ClientSession() as session:
        await post(session, served.url, b"{}")  # warm up
        before = served.start_measuring()
        sized = [post(session, served.url, body) for _ in range(8)]
        chunked = [post(session, served.url, streamed()) for _ in range(8)]
        statuses = await asyncio.gather(*sized, *chunked)
    assert statuses[:8] == [413] * 8
    assert set(statuses[8:]) <= {413, 503} and 413 in statuses[8:]
    print("GROWTH", (served.peak() - before) / MIB, before / MIB)
    assert served.peak() - before < GROWTH_BOUND


async def test_deep_json_is_refused_cheaply(served: Served, colony: Colony) -> None:
    deep_envelope = b"[" * (3 * MIB) + b"]" * (3 * MIB)
    text = '{"msgtype":"submitfuncspecmsg","spec":{"kwargs":{"x":' + "[" * MIB + "]" * MIB + "}}}"
    payload = base64.b64encode(text.encode()).decode()
    signature = sign(payload, colony.executor_key)
    deep_payload = json.dumps(
        {"payloadtype": "submitfuncspecmsg", "payload": payload, "signature": signature}
    )
    async with aiohttp.ClientSession() as session:
        await post(session, served.url, b"[[]]")  # warm up
        before = served.start_measuring()
        started = asyncio.get_running_loop().time()
        statuses = await asyncio.gather(
            *(post(session, served.url, deep_envelope) for _ in range(4)),
            *(post(session, served.url, deep_payload) for _ in range(4)),
        )
        seconds = asyncio.get_running_loop().time() - started
    assert statuses == [400] * 8
    print("GROWTH", (served.peak() - before) / MIB, before / MIB)
    assert served.peak() - before < GROWTH_BOUND
    assert seconds < 10


async def test_reading_a_process_with_much_log_returns_pages(
    served: Served, client: ColoniesClient, colony: Colony, dsn: str
) -> None:
    key = colony.executor_key
    p = await client.call("submitfuncspecmsg", {"spec": spec()}, key=key)
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    conn = await asyncpg.connect(dsn)
    try:  # 42 MB of log lines just under the 64 KiB line limit, as the server stores them
        await conn.execute(
            "INSERT INTO logs (colony_name, process_id, executor_name, message, ts, added) "
            "SELECT 'test', $1, 'test-executor', g::text || repeat('x', 60000), g, now() "
            "FROM generate_series(1, 700) g",
            p["processid"],
        )
    finally:
        await conn.close()
    async with ColoniesClient(served.url) as reader:
        await reader.get_logs(process_id=p["processid"], count=1, colony="test", key=key)  # warm up
        before = served.start_measuring()
        pages = await asyncio.gather(
            *(
                reader.get_logs(process_id=p["processid"], count=500, colony="test", key=key)
                for _ in range(4)
            ),
            *(
                reader.get_logs(
                    process_id=p["processid"], count=500, latest=True, colony="test", key=key
                )
                for _ in range(4)
            ),
        )
    print("GROWTH", (served.peak() - before) / MIB, before / MIB)
    assert served.peak() - before < GROWTH_BOUND
    for page in pages:
        assert 0 < len(page) < 500
        assert sum(len(entry.message) for entry in page) <= MIB + 60_010
