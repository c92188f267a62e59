"""Hostile inputs against a real server with small limits: the right status and a clear
error envelope, nothing stored, no traceback in the log."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.core import utc_now
from colonies.crypto import id_from_private_key, sign
from colonies.db import Database
from colonies.rpc.envelope import request
from colonies.server import background, keys
from tests.conftest import SERVER_KEY, Colony, spec

MAX_BODY = 160 * 1024
BUDGET = 200 * 1024
LINE = 1000
VOLUME = 20_000
PAGE = 3000


@pytest.fixture
def settings(dsn: str) -> Settings:
    return Settings(
        db_dsn=dsn,
        server_id=id_from_private_key(SERVER_KEY),
        host="127.0.0.1",
        max_body=MAX_BODY,
        body_budget=BUDGET,
        max_log_line=LINE,
        max_log_volume=VOLUME,
        log_page=PAGE,
        subscribe_timeout_s=0.3,
        ws_max_frame=4096,
    )


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def post(server: TestServer, body: Any, **kw: Any) -> tuple[int, dict[str, Any]]:
    """POST /api; the status and the decoded error payload (or reply payload)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.make_url("/api"), data=body, **kw) as resp,
    ):
        envelope = json.loads(await resp.text())
    return resp.status, json.loads(base64.b64decode(envelope["payload"]))


def signed(payload_type: str, data: dict[str, Any], key: str) -> str:
    return json.dumps(request(payload_type, {**data, "msgtype": payload_type}, key))


def signed_text(payload_type: str, text: str, key: str) -> str:
    payload = base64.b64encode(text.encode()).decode()
    return json.dumps(
        {"payloadtype": payload_type, "payload": payload, "signature": sign(payload, key)}
    )


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


async def waiting(client: ColoniesClient, key: str) -> int:
    stats = await client.call("getcolonystatsmsg", {"colonyname": "test"}, key=key)
    return int(stats["waitingprocesses"])


async def test_body_over_the_limit_is_413_from_content_length_and_stores_nothing(
    server: TestServer, client: ColoniesClient, colony: Colony, caplog: pytest.LogCaptureFixture
) -> None:
    big = signed(
        "submitfuncspecmsg", {"spec": spec(kwargs={"x": "y" * MAX_BODY})}, colony.executor_key
    )
    status, error = await post(server, big)
    assert status == 413 and error["status"] == 413
    assert "Request body too large" in error["message"]
    assert await waiting(client, colony.executor_key) == 0
    assert tracebacks(caplog) == []


async def test_streamed_body_is_cut_off_at_the_limit(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):  # 2.5 MiB in chunks, no Content-Length
            yield b" " * 65536

    status, error = await post(server, chunks())
    assert status == 413 and "Request body too large" in error["message"]
    assert server.app[keys.BODIES].in_flight == 0


async def test_large_bodies_beyond_the_budget_get_503_while_small_ones_pass(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    # One client holds 150 KiB of a 160 KiB body in the server's budget and stops sending.
    _, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 163840\r\n\r\n" + b" " * 153600)
    await writer.drain()
    bodies = server.app[keys.BODIES]
    for _ in range(200):
        if bodies.in_flight >= 153600:
            break
        await asyncio.sleep(0.01)
    assert bodies.in_flight == 153600
    mid = signed(
        "submitfuncspecmsg", {"spec": spec(kwargs={"x": "y" * 100_000})}, colony.executor_key
    )
    status, error = await post(server, mid)
    assert status == 503 and "Server busy" in error["message"]
    assert await waiting(client, colony.executor_key) == 0
    assert await client.call("getcoloniesmsg", {}, key=SERVER_KEY)  # small bodies still pass
    writer.close()
    for _ in range(200):
        if bodies.in_flight == 0:
            break
        await asyncio.sleep(0.01)
    assert bodies.in_flight == 0  # given back when the request ends
    status, _ = await post(server, mid)
    assert status == 200


@pytest.mark.parametrize("depth", [65, 500, 5000])
async def test_deep_kwargs_are_400_and_store_nothing(
    server: TestServer,
    client: ColoniesClient,
    colony: Colony,
    caplog: pytest.LogCaptureFixture,
    depth: int,
) -> None:
    text = json.dumps({"msgtype": "submitfuncspecmsg", "spec": spec(kwargs={"x": "DEEP"})})
    deep = text.replace('"DEEP"', '{"a":' * depth + "1" + "}" * depth)
    status, error = await post(server, signed_text("submitfuncspecmsg", deep, colony.executor_key))
    assert status == 400
    assert error["message"] == (
        "Failed to submit function spec, invalid JSON: nested deeper than 64 levels"
    )
    assert await waiting(client, colony.executor_key) == 0
    assert tracebacks(caplog) == []


async def test_kwargs_nested_up_to_the_limit_are_accepted(
    client: ColoniesClient, colony: Colony
) -> None:
    # payload → spec → kwargs → x + 60 = 64 levels
    p = await client.call(
        "submitfuncspecmsg", {"spec": spec(kwargs={"x": nested(60)})}, key=colony.executor_key
    )
    assert p["spec"]["kwargs"]["x"] == nested(60)


async def test_a_deep_envelope_is_400_without_a_traceback(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    status, error = await post(server, "[" * 50_000 + "]" * 50_000)
    assert status == 400 and error["message"] == "invalid JSON: nested deeper than 64 levels"
    assert tracebacks(caplog) == []


async def test_a_cron_whose_workflow_spec_nests_too_deep_is_400(
    client: ColoniesClient, colony: Colony, caplog: pytest.LogCaptureFixture
) -> None:
    workflow = json.dumps({"colonyname": "test", "functionspecs": [spec(nodename="a")]})
    deep = workflow[:-1] + ',"x":' + "[" * 50_000 + "]" * 50_000 + "}"
    cron = {"name": "c", "colonyname": "test", "interval": 60, "workflowspec": deep}
    reply = await client.raw("addcronmsg", {"cron": cron}, key=colony.executor_key)
    assert reply.status == 400 and "invalid workflow spec" in reply.message
    assert (
        await client.call(
            "getcronsmsg", {"colonyname": "test", "count": 10}, key=colony.executor_key
        )
        == []
    )
    assert tracebacks(caplog) == []


async def running(client: ColoniesClient, key: str) -> str:
    p = await client.call("submitfuncspecmsg", {"spec": spec()}, key=key)
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    return str(p["processid"])


async def add_log(client: ColoniesClient, key: str, pid: str, message: str) -> None:
    await client.call("addlogmsg", {"processid": pid, "message": message}, key=key)


async def test_a_long_log_line_is_stored_cut_with_a_note(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    pid = await running(client, key)
    await add_log(client, key, pid, "é" * 5000 + "\n")  # 10,001 bytes
    [entry] = await client.get_logs(process_id=pid, count=10, colony="test", key=key)
    assert len(entry.message.encode()) <= LINE
    assert entry.message.startswith("é" * 400)
    assert entry.message.endswith(" [truncated 10001 bytes to 1000]\n")


async def test_past_its_volume_a_process_loses_its_oldest_lines(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    pid = await running(client, key)
    for i in range(60):
        await add_log(client, key, pid, f"{i:03d}" + "x" * 497)  # 500 bytes each, 30,000 in all
    seen: list[str] = []
    since = 0
    while logs := await client.get_logs(
        process_id=pid, count=500, since=since, colony="test", key=key
    ):
        seen += [entry.message[:3] for entry in logs]
        since = logs[-1].timestamp
    assert seen[-1] == "059"  # the newest stays
    assert seen == [f"{i:03d}" for i in range(60 - len(seen), 60)]  # a tail, in order
    assert 0.5 * VOLUME <= 500 * len(seen) <= VOLUME


async def test_past_its_volume_an_executor_loses_its_oldest_own_lines(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    for i in range(60):
        await client.call(
            "addexecutorlogmsg",
            {
                "colonyname": "test",
                "executorname": colony.executor_name,
                "message": f"{i:03d}" + "x" * 497,
            },
            key=key,
        )
    logs = await client.get_logs(
        executor_name=colony.executor_name, count=500, latest=True, colony="test", key=key
    )
    assert logs[-1].message.startswith("059")
    total = await client.get_logs(
        executor_name=colony.executor_name, count=500, colony="test", key=key
    )
    assert total[0].message[:3] != "000"


async def test_log_reads_return_a_page_of_bounded_bytes_and_read_on_with_since(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    pid = await running(client, key)
    for i in range(20):
        await add_log(client, key, pid, f"{i:02d}" + "y" * 798)  # 800 bytes each
    first = await client.get_logs(process_id=pid, count=100, since=1, colony="test", key=key)
    # entries are returned until PAGE bytes are reached: 4 x 800 = 3200 (the fourth crosses)
    assert [e.message[:2] for e in first] == ["00", "01", "02", "03"]
    latest = await client.get_logs(process_id=pid, count=100, latest=True, colony="test", key=key)
    assert [e.message[:2] for e in latest] == ["16", "17", "18", "19"]
    assert (
        len(await client.get_logs(process_id=pid, count=2, colony="test", key=key)) == 2
    )  # count still rules
    found = await client.call(
        "searchlogsmsg", {"colonyname": "test", "text": "yyy", "days": 1, "count": 100}, key=key
    )
    assert len(found) == 4


async def ws_handshake(server: TestServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            "GET /pubsub HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 101")
    return reader, writer


def close_code(frame: bytes) -> int:
    assert frame[0] == 0x88  # FIN + close
    return int.from_bytes(frame[2:4], "big")


async def test_an_unmasked_client_frame_closes_the_socket_with_1002(server: TestServer) -> None:
    reader, writer = await ws_handshake(server)
    text = b'{"payloadtype":"x"}'
    writer.write(bytes([0x81, len(text)]) + text)  # FIN + text, no mask bit
    frame = await asyncio.wait_for(reader.read(64), 5)
    assert close_code(frame) == 1002
    assert await asyncio.wait_for(reader.read(), 5) == b""  # and the server hangs up
    writer.close()


async def test_a_websocket_that_sends_no_subscription_is_closed_after_the_deadline(
    server: TestServer,
) -> None:
    reader, writer = await ws_handshake(server)
    started = asyncio.get_running_loop().time()
    frame = await asyncio.wait_for(reader.read(64), 5)
    assert close_code(frame) == 1000
    assert 0.25 <= asyncio.get_running_loop().time() - started < 2
    writer.close()


async def test_a_websocket_frame_over_the_limit_closes_the_socket_with_1009(
    server: TestServer,
) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(server.make_url("/pubsub"))
        await ws.send_str("x" * 5000)
        frame = await asyncio.wait_for(ws.receive(), 5)
        assert frame.type == aiohttp.WSMsgType.CLOSE and frame.data == 1009


async def test_retention_forgets_the_volumes_of_the_logs_it_removed(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    pid = await running(client, key)
    await add_log(client, key, pid, "line\n")
    assert db.pool is not None
    assert await db.pool.fetchval("SELECT bytes FROM log_volumes WHERE process_id = $1", pid) == 5
    await background.apply_retention(db, 3600, utc_now() + timedelta(hours=2))
    assert await db.pool.fetchval("SELECT count(*) FROM log_volumes") == 0
