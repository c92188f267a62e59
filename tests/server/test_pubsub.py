"""/pubsub: waiting for a process over a websocket, as the Go CLI and pycolonies do."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from pycolonies import Colonies

from colonies.client import ColoniesClient
from colonies.crypto import id_from_private_key, new_private_key
from colonies.rpc.envelope import request
from colonies.server.keys import EVENTS
from tests.conftest import SERVER_KEY, Colony, MakeExecutor, spec


async def subscribe(
    server: TestServer,
    payload_type: str,
    data: dict[str, Any],
    key: str,
    session: aiohttp.ClientSession,
) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(server.make_url("/pubsub"))
    await ws.send_str(json.dumps(request(payload_type, {**data, "msgtype": payload_type}, key)))
    return ws


def decode(frame: aiohttp.WSMessage) -> tuple[str, Any]:
    envelope = json.loads(frame.data)
    return envelope["payloadtype"], json.loads(base64.b64decode(envelope["payload"]))


async def test_subscribe_process_gets_a_frame_when_the_state_is_reached(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    p = await client.call("submitfuncspecmsg", {"spec": spec()}, key=key)
    async with aiohttp.ClientSession() as session:
        ws = await subscribe(
            server,
            "subscribeprocessmsg",
            {"colonyname": "test", "processid": p["processid"], "state": 2, "timeout": 10},
            key,
            session,
        )
        await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
        await client.call("closesuccessfulmsg", {"processid": p["processid"], "out": [7]}, key=key)
        frame = await asyncio.wait_for(ws.receive(), 5)
        payload_type, process = decode(frame)
        assert payload_type == "subscribeprocessmsg"
        assert (process["processid"], process["state"], process["out"]) == (p["processid"], 2, [7])
        await ws.close()


async def test_subscribing_to_a_finished_process_answers_at_once_then_closes_at_timeout(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    p = await client.call("submitfuncspecmsg", {"spec": spec()}, key=key)
    async with aiohttp.ClientSession() as session:
        ws = await subscribe(
            server,
            "subscribeprocessmsg",
            {"processid": p["processid"], "state": 0, "timeout": 1},
            key,
            session,
        )
        _, process = decode(await asyncio.wait_for(ws.receive(), 5))
        assert process["state"] == 0
        closing = await asyncio.wait_for(ws.receive(), 5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_a_late_notification_of_the_state_already_sent_sends_no_second_frame(
    server: TestServer, client: ColoniesClient, colony: Colony, dsn: str
) -> None:
    key = colony.executor_key
    p = await client.call("submitfuncspecmsg", {"spec": spec()}, key=key)
    async with aiohttp.ClientSession() as session:
        ws = await subscribe(
            server,
            "subscribeprocessmsg",
            {"processid": p["processid"], "state": 0, "timeout": 1},
            key,
            session,
        )
        _, process = decode(await asyncio.wait_for(ws.receive(), 5))
        assert process["state"] == 0
        # The submit's own notification, arriving after the subscription read the process.
        event = json.dumps({"c": "test", "t": "cli", "p": p["processid"], "s": 0})
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("SELECT pg_notify('colonies_process', $1)", event)
        finally:
            await conn.close()
        closing = await asyncio.wait_for(ws.receive(), 5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_unknown_process_gets_an_error_frame_and_bad_signature_a_close(
    server: TestServer, colony: Colony
) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await subscribe(
            server,
            "subscribeprocessmsg",
            {"processid": "nope", "state": 2, "timeout": 5},
            colony.executor_key,
            session,
        )
        payload_type, failure = decode(await asyncio.wait_for(ws.receive(), 5))
        assert (payload_type, failure) == (
            "error",
            {"status": 403, "message": "Invalid process with Id nope"},
        )
        ws = await session.ws_connect(server.make_url("/pubsub"))
        await ws.send_str(
            json.dumps(
                {"payloadtype": "subscribeprocessmsg", "payload": "e30=", "signature": "00" * 65}
            )
        )
        closing = await asyncio.wait_for(ws.receive(), 5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_subscribe_processes_round_robin_between_subscribers(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    async with aiohttp.ClientSession() as session:
        sockets = [
            await subscribe(
                server,
                "subscribeprocessesmsg",
                {"colonyname": "test", "executortype": "cli", "state": 0, "timeout": 10},
                key,
                session,
            )
            for _ in range(2)
        ]
        await asyncio.sleep(0.2)  # both subscriptions registered before the submits
        ids = [
            (await client.call("submitfuncspecmsg", {"spec": spec()}, key=key))["processid"]
            for _ in range(2)
        ]
        got = [decode(await asyncio.wait_for(ws.receive(), 5))[1]["processid"] for ws in sockets]
        assert sorted(got) == sorted(ids)
        for ws in sockets:
            await ws.close()


async def test_pycolonies_wait_returns_after_close(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    pyc = Colonies("127.0.0.1", server.port)
    key = colony.executor_key
    p = await client.call("submitfuncspecmsg", {"spec": spec()}, key=key)
    from model import Process

    waiting = asyncio.create_task(asyncio.to_thread(pyc.wait, Process(**p), 10, key))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    await client.call("closesuccessfulmsg", {"processid": p["processid"], "out": ["done"]}, key=key)
    done = await asyncio.wait_for(waiting, 10)
    assert done.state == 2 and done.output == ["done"]


async def test_subscriber_hears_of_a_failure_cascade(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    wf = {
        "colonyname": "test",
        "functionspecs": [
            spec(nodename="a"),
            spec(nodename="b", cond_dependencies=["a"]),
            spec(nodename="c", cond_dependencies=["b"]),
        ],
    }
    g = await client.call("submitworkflowspecmsg", {"spec": wf}, key=key)
    a = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    await client.call("closesuccessfulmsg", {"processid": a["processid"]}, key=key)
    b = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    c_id = next(pid for pid in g["processids"] if pid not in (a["processid"], b["processid"]))
    async with aiohttp.ClientSession() as session:
        ws = await subscribe(
            server,
            "subscribeprocessmsg",
            {"processid": c_id, "state": 3, "timeout": 10},
            key,
            session,
        )
        await asyncio.sleep(0.1)
        await client.call("closefailedmsg", {"processid": b["processid"], "errors": ["x"]}, key=key)
        _, process = decode(await asyncio.wait_for(ws.receive(), 5))
        assert (process["processid"], process["state"]) == (c_id, 3)
        await ws.close()


async def _registered(server: TestServer, count: int) -> None:
    """Wait until ``count`` subscriptions are registered on the server (a condition, not a
    guess of how long the frame takes)."""
    events = server.app[EVENTS]
    for _ in range(500):
        if events.subscriber_count() >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("subscription was never registered")


@pytest.mark.parametrize("named", ["b", ""])
async def test_a_subscriber_of_another_colony_never_gets_its_processes(
    named: str,
    server: TestServer,
    client: ColoniesClient,
    colony: Colony,
    make_executor: MakeExecutor,
) -> None:
    """Two colonies with executors of the same type: B's subscriber hears only B's
    processes, and A's secret kwargs never reach it (naming no colony means its own)."""
    b_owner = new_private_key()
    await client.call(
        "addcolonymsg",
        {"colony": {"colonyid": id_from_private_key(b_owner), "name": "b"}},
        key=SERVER_KEY,
    )
    b_key = new_private_key()
    b_exec = {
        "executorid": id_from_private_key(b_key),
        "executorname": "bx",
        "executortype": "cli",
        "colonyname": "b",
    }
    await client.call("addexecutormsg", {"executor": b_exec}, key=b_owner)
    await client.call("approveexecutormsg", {"colonyname": "b", "executorname": "bx"}, key=b_owner)
    async with aiohttp.ClientSession() as session:
        ws = await subscribe(
            server,
            "subscribeprocessesmsg",
            {"colonyname": named, "executortype": "cli", "state": 0, "timeout": 10},
            b_key,
            session,
        )
        await _registered(server, 1)
        a = spec(kwargs={"secret": "s3cret"})
        await client.call("submitfuncspecmsg", {"spec": a}, key=colony.executor_key)
        b = await client.call("submitfuncspecmsg", {"spec": spec(colony="b")}, key=b_key)
        payload_type, process = decode(await asyncio.wait_for(ws.receive(), 5))
        assert payload_type == "subscribeprocessmsg"
        assert (process["processid"], process["spec"]["conditions"]["colonyname"]) == (
            b["processid"],
            "b",
        )
        await ws.close()


async def test_a_pending_executor_of_the_colony_is_refused_before_any_frame(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    pending = await make_executor("pending", approve=False)
    async with aiohttp.ClientSession() as session:
        ws = await subscribe(
            server,
            "subscribeprocessesmsg",
            {"colonyname": "test", "executortype": "cli", "state": 0, "timeout": 10},
            pending,
            session,
        )
        payload_type, failure = decode(await asyncio.wait_for(ws.receive(), 5))
        assert (payload_type, failure["status"]) == ("error", 403)
        assert "not a member" in failure["message"]
        closing = await asyncio.wait_for(ws.receive(), 5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_a_stranger_cannot_watch_a_process_of_a_colony(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    p = await client.call("submitfuncspecmsg", {"spec": spec()}, key=colony.executor_key)
    async with aiohttp.ClientSession() as session:
        ws = await subscribe(
            server,
            "subscribeprocessmsg",
            {"processid": p["processid"], "state": 0, "timeout": 5},
            new_private_key(),
            session,
        )
        payload_type, failure = decode(await asyncio.wait_for(ws.receive(), 5))
        assert (payload_type, failure) == (
            "error",
            {"status": 403, "message": "Access denied, not a member of Colony with name <test>"},
        )
        closing = await asyncio.wait_for(ws.receive(), 5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
