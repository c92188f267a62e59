"""Process channels (PROTOCOL §7.14, §6.3; SEMANTICS §15), stored in PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from pycolonies import Colonies, ColoniesConnectionError

from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.crypto import id_from_private_key, new_private_key
from colonies.db import Database
from colonies.errors import RPCError
from colonies.rpc.envelope import request
from colonies.server.app import create_app
from colonies.server.handlers.channels import RateLimiter
from tests.conftest import COLONY_KEY, Colony, MakeExecutor, spec

APPEND = "channelappendmsg"
READ = "channelreadmsg"
SUBSCRIBE = "subscribechannelmsg"


class Chat:
    """A process with channel "chat", submitted by a user and assigned to the executor."""

    def __init__(self, process_id: str, submitter: str, executor: str) -> None:
        self.process_id = process_id
        self.submitter = submitter
        self.executor = executor

    def msg(self, name: str = "chat", **fields: Any) -> dict[str, Any]:
        return {"processid": self.process_id, "name": name, **fields}


async def _submit(client: ColoniesClient, colony: Colony, assign: bool = True) -> Chat:
    user_key = new_private_key()
    user_id = id_from_private_key(user_key)
    user = {"colonyname": colony.name, "userid": user_id, "name": "u-" + user_id[:8]}
    await client.call("addusermsg", {"user": user}, key=COLONY_KEY)
    p = await client.call("submitfuncspecmsg", {"spec": spec(channels=["chat"])}, key=user_key)
    if assign:
        await client.call(
            "assignprocessmsg", {"colonyname": colony.name, "timeout": -1}, key=colony.executor_key
        )
    return Chat(p["processid"], user_key, colony.executor_key)


@pytest.fixture
async def chat(client: ColoniesClient, colony: Colony) -> Chat:
    return await _submit(client, colony)


async def _error(
    client: ColoniesClient, payload_type: str, data: dict[str, Any], key: str
) -> tuple[int, str]:
    """The status and message of a request that must fail."""
    reply = await client.raw(payload_type, data, key=key)
    assert reply.error
    return (reply.status, reply.message)


async def test_append_and_read_from_both_ends(
    client: ColoniesClient, colony: Colony, chat: Chat
) -> None:
    # The submitter sends bytes as an int array (pycolonies), the executor as base64 (Go).
    assert (
        await client.call(APPEND, chat.msg(sequence=1, payload=list(b"hi")), key=chat.submitter)
        == {}
    )
    reply = await client.raw(
        APPEND,
        chat.msg(
            sequence=1, inreplyto=1, payload=base64.b64encode(b"yo").decode(), payloadtype="end"
        ),
        key=chat.executor,
    )
    assert (reply.status, reply.payload_type, reply.payload) == (200, APPEND, {})
    for key in (chat.submitter, chat.executor):
        entries = await client.call(READ, chat.msg(afterseq=0, limit=10), key=key)
        assert [set(e) for e in entries] == [
            {"sequence", "timestamp", "senderid", "payload", "type"},
            {"sequence", "inreplyto", "timestamp", "senderid", "payload", "type"},
        ]
        first, second = entries
        assert (first["sequence"], first["payload"], first["type"]) == (1, "aGk=", "data")
        assert first["senderid"] == id_from_private_key(chat.submitter)
        assert (second["sequence"], second["inreplyto"], second["payload"]) == (1, 1, "eW8=")
        assert (second["type"], second["senderid"]) == ("end", colony.executor_id)
        t1, t2 = (datetime.fromisoformat(e["timestamp"]) for e in entries)
        assert t1 <= t2 and t1.utcoffset() is not None


async def test_afterseq_is_an_index_and_limit_zero_means_all(
    client: ColoniesClient, chat: Chat
) -> None:
    for seq in range(1, 6):
        await client.call(APPEND, chat.msg(sequence=seq * 10, payload=[seq]), key=chat.executor)

    async def read(afterseq: int, limit: int) -> list[int]:
        entries = await client.call(
            READ, chat.msg(afterseq=afterseq, limit=limit), key=chat.executor
        )
        return [e["sequence"] for e in entries]

    assert await read(0, 0) == [10, 20, 30, 40, 50]
    assert await read(2, 0) == [30, 40, 50]
    assert await read(1, 2) == [20, 30]
    assert await read(-3, 1) == [10]
    assert await read(5, 0) == []
    assert await read(2**40, 0) == []


async def test_missing_process_and_undeclared_channel_are_404(
    client: ColoniesClient, chat: Chat
) -> None:
    with pytest.raises(RPCError) as err:
        await client.call(READ, chat.msg("nochan"), key=chat.executor)
    assert err.value.status == 404
    for payload_type, extra in ((APPEND, {"sequence": 1, "payload": [1]}), (READ, {})):
        missing = {"processid": "nope", "name": "chat", **extra}
        assert await _error(client, payload_type, missing, chat.executor) == (
            404,
            "Process not found",
        )
        assert await _error(client, payload_type, chat.msg("nochan", **extra), chat.executor) == (
            404,
            "Channel not found",
        )


async def test_strangers_and_other_members_are_refused(
    client: ColoniesClient, make_executor: MakeExecutor, chat: Chat
) -> None:
    await client.call(APPEND, chat.msg(sequence=1, payload=[1]), key=chat.submitter)
    stranger = new_private_key()
    other = await make_executor("other-executor")
    not_member = "Access denied, not a member of Colony with name <test>"
    cases: list[tuple[str, dict[str, Any], str]] = [
        (APPEND, {"sequence": 2, "payload": [2]}, "Not authorized to write to channel"),
        (READ, {"afterseq": 0}, "Not authorized to read from channel"),
    ]
    for payload_type, extra, refused in cases:
        assert await _error(client, payload_type, chat.msg(**extra), stranger) == (403, not_member)
        assert await _error(client, payload_type, chat.msg(**extra), other) == (403, refused)
    entries = await client.call(READ, chat.msg(), key=chat.submitter)
    assert [e["sequence"] for e in entries] == [1]


async def test_bad_payloads_are_refused(client: ColoniesClient, chat: Chat) -> None:
    invalid = (400, "Failed to append to channel, invalid JSON")
    for payload in ([256], [1.5], ["a"], "not base64!", {"a": 1}):
        msg = chat.msg(sequence=1, payload=payload)
        assert await _error(client, APPEND, msg, chat.executor) == invalid
    assert await _error(client, APPEND, chat.msg(sequence="1"), chat.executor) == invalid
    assert await _error(client, READ, chat.msg(afterseq=1.5), chat.executor) == (
        400,
        "Failed to read from channel, invalid JSON",
    )
    big = base64.b64encode(bytes(10 * 1024 * 1024 + 1)).decode()
    assert await _error(client, APPEND, chat.msg(sequence=1, payload=big), chat.executor) == (
        500,
        "message payload exceeds maximum size",
    )
    assert await client.call(READ, chat.msg(), key=chat.executor) == []


async def test_finished_process_has_no_channels_and_removal_deletes_entries(
    client: ColoniesClient, colony: Colony, chat: Chat, dsn: str
) -> None:
    await client.call(APPEND, chat.msg(sequence=1, payload=[1]), key=chat.executor)
    await client.call("closesuccessfulmsg", {"processid": chat.process_id}, key=chat.executor)
    gone = (404, "Channel not found")
    assert await _error(client, READ, chat.msg(), chat.executor) == gone
    assert await _error(client, APPEND, chat.msg(sequence=2, payload=[2]), chat.executor) == gone

    failed = await _submit(client, colony)
    await client.call("closefailedmsg", {"processid": failed.process_id}, key=failed.executor)
    assert await _error(client, READ, failed.msg(), failed.submitter) == gone

    await client.call("removeprocessmsg", {"processid": chat.process_id}, key=chat.executor)
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM channel_entries") == 0
        assert await conn.fetchval("SELECT count(*) FROM channels") == 0
    finally:
        await conn.close()


async def test_waiting_process_channel_is_usable_by_the_submitter_only(
    client: ColoniesClient, colony: Colony
) -> None:
    chat = await _submit(client, colony, assign=False)
    await client.call(APPEND, chat.msg(sequence=1, payload=[1]), key=chat.submitter)
    assert await _error(client, READ, chat.msg(), colony.executor_key) == (
        403,
        "Not authorized to read from channel",
    )


async def test_log_is_full_at_the_entry_limit(db: Database, chat: Chat) -> None:
    sender = id_from_private_key(chat.executor)
    results = [
        await db.channels.append(chat.process_id, "chat", sender, i, 0, b"x", "data", 3)
        for i in range(4)
    ]
    assert [(r.opened, r.index) for r in results] == [(True, 0), (True, 1), (True, 2), (True, None)]
    assert len(await db.channels.read(chat.process_id, "chat", 0, 0)) == 3
    closed = await db.channels.append("nope", "chat", sender, 1, 0, b"x", "data", 3)
    assert (closed.opened, closed.index) == (False, None)


async def test_concurrent_appends_get_distinct_gapless_indexes(
    client: ColoniesClient, chat: Chat
) -> None:
    await asyncio.gather(
        *(
            client.call(APPEND, chat.msg(sequence=i, payload=[i]), key=chat.executor)
            for i in range(40)
        )
    )
    entries = await client.call(READ, chat.msg(), key=chat.executor)
    assert sorted(e["sequence"] for e in entries) == list(range(40))


def test_rate_limiter_allows_the_burst_then_the_rate() -> None:
    limiter = RateLimiter(rate=100, burst=500, max_keys=2)
    assert all(limiter.allow("p", now=0.0) for _ in range(500))
    assert not limiter.allow("p", now=0.0)
    assert limiter.allow("q", now=0.0)  # per process
    assert [limiter.allow("p", now=0.05) for _ in range(6)] == [True] * 5 + [False]
    for key in ("a", "b", "c"):
        limiter.allow(key, now=100.0)
    assert limiter.allow("p", now=100.0)  # refilled (and possibly pruned): full burst again
    assert sum(limiter.allow("p", now=100.0) for _ in range(600)) == 499


async def _subscribe(
    server: TestServer, session: aiohttp.ClientSession, data: dict[str, Any], key: str
) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(server.make_url("/pubsub"))
    await ws.send_str(json.dumps(request(SUBSCRIBE, {**data, "msgtype": SUBSCRIBE}, key)))
    return ws


async def _frame(ws: aiohttp.ClientWebSocketResponse) -> tuple[str, Any]:
    frame = await asyncio.wait_for(ws.receive(), 5)
    assert frame.type == aiohttp.WSMsgType.TEXT, frame
    envelope = json.loads(frame.data)
    return envelope["payloadtype"], json.loads(base64.b64decode(envelope["payload"]))


async def test_subscribe_streams_existing_then_new_entries_and_ends_with_empty_frame(
    server: TestServer, client: ColoniesClient, chat: Chat
) -> None:
    for seq in (1, 2):
        await client.call(APPEND, chat.msg(sequence=seq, payload=[seq]), key=chat.submitter)
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as session:
        started = loop.time()
        ws = await _subscribe(server, session, chat.msg(afterseq=1, timeout=1), chat.executor)
        payload_type, entries = await _frame(ws)
        assert payload_type == SUBSCRIBE
        assert [(e["sequence"], e["payload"]) for e in entries] == [(2, "Ag==")]
        for seq in (3, 4):
            await client.call(APPEND, chat.msg(sequence=seq, payload=[seq]), key=chat.executor)
        for seq in (3, 4):
            _, pushed = await _frame(ws)
            assert [e["sequence"] for e in pushed] == [seq]
        assert await _frame(ws) == (SUBSCRIBE, [])
        assert 0.9 <= loop.time() - started < 3
        closing = await asyncio.wait_for(ws.receive(), 5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_subscribe_without_entries_sends_only_the_final_frame(
    server: TestServer, chat: Chat
) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await _subscribe(server, session, chat.msg(timeout=1), chat.submitter)
        assert await _frame(ws) == (SUBSCRIBE, [])


async def test_subscribe_errors_are_error_frames(
    server: TestServer, make_executor: MakeExecutor, chat: Chat
) -> None:
    other = await make_executor("other-executor")
    cases = [
        ({"processid": "nope", "name": "chat"}, chat.executor, 404, "Process not found"),
        (chat.msg("nochan"), chat.executor, 404, "Channel not found"),
        (chat.msg(), other, 403, "Not authorized to subscribe to channel"),
    ]
    async with aiohttp.ClientSession() as session:
        for data, key, status, message in cases:
            ws = await _subscribe(server, session, {**data, "timeout": 1}, key)
            assert await _frame(ws) == ("error", {"status": status, "message": message})


@pytest.fixture
async def second_server(settings: Settings) -> AsyncIterator[TestServer]:
    """Another server process over the same database."""
    srv = TestServer(create_app(settings, background_loops=False), host="127.0.0.1")
    await srv.start_server()
    try:
        yield srv
    finally:
        await srv.close()


async def test_entries_appended_on_another_server_reach_subscribers(
    server: TestServer, second_server: TestServer, chat: Chat
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        ColoniesClient(str(second_server.make_url("")).rstrip("/")) as other,
    ):
        await other.call(APPEND, chat.msg(sequence=6, payload=[6]), key=chat.executor)
        ws = await _subscribe(server, session, chat.msg(timeout=2), chat.submitter)
        _, existing = await _frame(ws)  # once this arrives the subscription is live
        assert [e["sequence"] for e in existing] == [6]
        await other.call(APPEND, chat.msg(sequence=7, payload=[7]), key=chat.executor)
        _, pushed = await _frame(ws)
        assert [(e["sequence"], e["payload"]) for e in pushed] == [(7, "Bw==")]
        await ws.close()


async def test_pycolonies_channel_append_read_and_subscribe(
    server: TestServer, client: ColoniesClient, chat: Chat
) -> None:
    pyc = Colonies("127.0.0.1", server.port)
    await asyncio.to_thread(pyc.channel_append, chat.process_id, "chat", 1, "hi", chat.submitter)
    await asyncio.to_thread(
        pyc.channel_append, chat.process_id, "chat", 1, b"yo", chat.executor, 1, "end"
    )
    entries = await asyncio.to_thread(
        pyc.channel_read, chat.process_id, "chat", 0, 10, chat.executor
    )
    assert [(e["sequence"], e["payload"], e.get("inreplyto", 0)) for e in entries] == [
        (1, b"hi", 0),
        (1, b"yo", 1),
    ]
    assert entries[1]["type"] == "end"

    subscribed = asyncio.create_task(
        asyncio.to_thread(pyc.subscribe_channel, chat.process_id, "chat", chat.submitter, 1, 1)
    )
    await asyncio.sleep(0.3)  # usually pushed live; appended earlier it comes in the first frame
    await asyncio.to_thread(pyc.channel_append, chat.process_id, "chat", 2, "more", chat.executor)
    streamed = await asyncio.wait_for(subscribed, 5)
    assert [(e["sequence"], e["payload"]) for e in streamed] == [(1, b"yo"), (2, b"more")]

    await client.call("closesuccessfulmsg", {"processid": chat.process_id}, key=chat.executor)
    with pytest.raises(ColoniesConnectionError, match="Channel not found"):
        await asyncio.to_thread(pyc.channel_read, chat.process_id, "chat", 0, 10, chat.executor)
