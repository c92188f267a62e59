"""Replay protection against real servers: require refuses, warn counts, off checks nothing.

The fixtures' server runs with COLONIES_REPLAY_PROTECTION=require here (the ``settings``
override below); ``start`` adds servers in other modes on the same database.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from model import Conditions, FuncSpec
from pycolonies import Colonies, ColoniesConnectionError

from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.core import Colony as ColonyModel, ExecutorState, ProcessState, User, utc_now
from colonies.crypto import id_from_private_key, new_private_key
from colonies.db import Database
from colonies.errors import Forbidden
from colonies.executor_sdk import Executor
from colonies.rpc import MESSAGES
from colonies.rpc.envelope import NONCE, SIGNED_AT, request, stamped
from colonies.server import replay
from colonies.server.app import create_app
from colonies.server.keys import REPLAY
from colonies.server.replay import NS, NonceBatcher, nonce_key
from tests.cli.conftest import client_env, run_cli
from tests.conftest import (
    COLONY,
    COLONY_KEY,
    EXECUTOR_KEY,
    SERVER_KEY,
    Colony,
    MakeExecutor,
    spec as make_spec,
)
from tests.sdk.util import attach, submit

USED = "Request refused by replay protection: its nonce was used before (a replayed request)"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, replay_protection="require")


class Recorder(ColoniesClient):
    """Our client, keeping every body it posts: what an eavesdropper on plain HTTP sees."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.sent: list[str | bytes] = []

    async def post_envelope(self, body: str | bytes, read_timeout: float | None = None) -> Any:
        self.sent.append(body)
        return await super().post_envelope(body, read_timeout)


Start = Callable[[str], Awaitable[tuple[TestServer, ColoniesClient]]]


@pytest.fixture
async def start(settings: Settings) -> AsyncIterator[Start]:
    """``await start(mode)``: another server on the test database, and a client for it."""
    servers: list[tuple[TestServer, ColoniesClient]] = []

    async def run(mode: str) -> tuple[TestServer, ColoniesClient]:
        app = create_app(replace(settings, replay_protection=mode), background_loops=False)
        srv = TestServer(app, host="127.0.0.1")
        await srv.start_server()
        servers.append((srv, ColoniesClient(str(srv.make_url("")).rstrip("/"))))
        return servers[-1]

    yield run
    for srv, client in servers:
        await client.close()
        await srv.close()


@pytest.fixture
async def recorder(server: TestServer) -> AsyncIterator[Recorder]:
    rec = Recorder(str(server.make_url("")).rstrip("/"))
    yield rec
    await rec.close()


def envelope(payload_type: str, data: dict[str, Any], key: str, **fields: Any) -> str:
    """A signed envelope with exactly these payload fields (no stamp unless given)."""
    return json.dumps(request(payload_type, {**data, "msgtype": payload_type, **fields}, key))


def fresh(payload_type: str, data: dict[str, Any], key: str) -> str:
    """A signed envelope as our client builds it (stamped)."""
    return json.dumps(request(payload_type, stamped({**data, "msgtype": payload_type}), key))


def new_colony(name: str) -> dict[str, Any]:
    return {"colony": {"colonyid": id_from_private_key(new_private_key()), "name": name}}


def submit_data() -> dict[str, Any]:
    return {"spec": make_spec()}


async def colony_names(client: ColoniesClient) -> list[str]:
    return sorted(c.name for c in await client.get_colonies(key=SERVER_KEY))


async def waiting(client: ColoniesClient) -> int:
    return len(
        await client.get_processes(ProcessState.WAITING, 100, colony=COLONY, key=EXECUTOR_KEY)
    )


async def detected(server: TestServer) -> dict[tuple[str, str], float]:
    """colonies_replay_detected_total by (reason, action), as GET /metrics shows it."""
    async with aiohttp.ClientSession() as session, session.get(server.make_url("/metrics")) as r:
        text = await r.text()
    found = {}
    for labels, n in re.findall(r"colonies_replay_detected_total\{(.*?)\} ([0-9.]+)", text):
        label = dict(re.findall(r'(\w+)="(\w+)"', labels))
        found[label["reason"], label["action"]] = float(n)
    return found


async def nonce_rows(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        rows: int = await conn.fetchval("SELECT count(*) FROM replay_nonces")
        return rows
    finally:
        await conn.close()


async def subscribe(server: TestServer, body: str) -> tuple[str, dict[str, Any]]:
    """Send one subscription frame; the first reply frame's type and payload."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(server.make_url("/pubsub")) as ws,
    ):
        await ws.send_str(body)
        frame = await ws.receive(timeout=10)
    assert frame.type == aiohttp.WSMsgType.TEXT, frame
    env = json.loads(frame.data)
    return env["payloadtype"], json.loads(base64.b64decode(env["payload"]))


# require: the findings, refused -------------------------------------------------------


async def test_replayed_approval_does_not_reapprove_a_rejected_executor(
    client: ColoniesClient, recorder: Recorder, colony: Colony, make_executor: MakeExecutor
) -> None:
    await make_executor("worker", approve=False)
    await recorder.approve_executor("worker", colony=COLONY, key=COLONY_KEY)
    approval = recorder.sent[-1]
    await client.reject_executor("worker", colony=COLONY, key=COLONY_KEY)
    reply = await client.post_envelope(approval)
    assert (reply.status, reply.error, reply.message) == (403, True, USED)
    executor = await client.get_executor("worker", colony=COLONY, key=EXECUTOR_KEY)
    assert executor.state == ExecutorState.REJECTED


async def test_replayed_add_user_does_not_restore_a_removed_user(
    client: ColoniesClient, recorder: Recorder, colony: Colony
) -> None:
    user_id = id_from_private_key(new_private_key())
    await recorder.add_user(User(colony_name=COLONY, user_id=user_id, name="eve"), key=COLONY_KEY)
    added = recorder.sent[-1]
    await client.remove_user("eve", colony=COLONY, key=COLONY_KEY)
    reply = await client.post_envelope(added)
    assert (reply.status, reply.message) == (403, USED)
    assert [u.name for u in await client.get_users(colony=COLONY, key=EXECUTOR_KEY)] == []


async def test_replayed_remove_colony_does_not_delete_a_new_colony_of_that_name(
    client: ColoniesClient, recorder: Recorder, colony: Colony
) -> None:
    await recorder.remove_colony(colony=COLONY, key=SERVER_KEY)
    removal = recorder.sent[-1]
    new = ColonyModel(colony_id=id_from_private_key(new_private_key()), name=COLONY)
    await client.add_colony(new, key=SERVER_KEY)
    reply = await client.post_envelope(removal)
    assert (reply.status, reply.message) == (403, USED)
    assert [c.colony_id for c in await client.get_colonies(key=SERVER_KEY)] == [new.colony_id]


async def test_stale_future_and_unstamped_requests_are_refused_and_change_nothing(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    now = time.time_ns()
    cases: dict[str, tuple[dict[str, Any], str]] = {
        "old": ({NONCE: secrets.token_hex(16), SIGNED_AT: now - 301 * NS}, "older than the 300"),
        "ahead": ({NONCE: secrets.token_hex(16), SIGNED_AT: now + 60 * NS}, "in the future"),
        "bare": ({}, "lacks nonce"),
        "no-time": ({NONCE: secrets.token_hex(16)}, "lacks nonce"),
        "text-time": ({NONCE: secrets.token_hex(16), SIGNED_AT: str(now)}, "lacks nonce"),
    }
    for name, (fields, why) in cases.items():
        reply = await client.post_envelope(
            envelope("addcolonymsg", new_colony(name), SERVER_KEY, **fields)
        )
        assert (reply.status, reply.error) == (403, True), name
        assert reply.message.startswith("Request refused by replay protection: "), name
        assert why in reply.message, (name, reply.message)
    assert await colony_names(client) == [COLONY]
    assert await detected(server) == {
        ("stale", "refused"): 1,
        ("future", "refused"): 1,
        ("missing", "refused"): 3,
    }
    # Unsigned payload types (version, server info) are exempt: there is no signer.
    assert (await client.post_envelope(envelope("versionmsg", {}, ""))).status == 200


async def test_copies_sent_at_once_to_one_server_are_served_once(
    client: ColoniesClient, colony: Colony
) -> None:
    body = fresh("submitfuncspecmsg", submit_data(), EXECUTOR_KEY)
    replies = await asyncio.gather(*(client.post_envelope(body) for _ in range(8)))
    assert sorted(r.status for r in replies) == [200] + [403] * 7
    assert await waiting(client) == 1


async def test_a_replay_to_another_server_on_the_database_is_refused(
    client: ColoniesClient, colony: Colony, start: Start
) -> None:
    _, other = await start("require")
    body = fresh("submitfuncspecmsg", submit_data(), EXECUTOR_KEY)
    assert (await client.post_envelope(body)).status == 200
    reply = await other.post_envelope(body)
    assert (reply.status, reply.message) == (403, USED)
    # One new request sent to both servers at the same moment: exactly one serves it.
    for _ in range(5):
        body = fresh("submitfuncspecmsg", submit_data(), EXECUTOR_KEY)
        replies = await asyncio.gather(client.post_envelope(body), other.post_envelope(body))
        assert sorted(r.status for r in replies) == [200, 403]
    assert await waiting(client) == 6


async def test_subscriptions_unstamped_or_replayed_get_a_403_frame(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    process = await client.call("submitfuncspecmsg", submit_data(), key=EXECUTOR_KEY)
    data = {
        "processid": process["processid"],
        "executortype": "cli",
        "state": ProcessState.WAITING,
        "timeout": 5,
        "colonyname": COLONY,
    }
    kind, payload = await subscribe(server, envelope("subscribeprocessmsg", data, EXECUTOR_KEY))
    assert (kind, payload["status"]) == ("error", 403)
    assert "lacks nonce" in payload["message"]
    body = fresh("subscribeprocessmsg", data, EXECUTOR_KEY)
    kind, payload = await subscribe(server, body)
    assert (kind, payload["processid"]) == ("subscribeprocessmsg", process["processid"])
    kind, payload = await subscribe(server, body)
    assert (kind, payload["status"], payload["message"]) == ("error", 403, USED)


async def test_our_client_sdk_and_cli_pass_require(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    ex = attach(Executor("replay-sdk"), client)

    @ex.function()
    def double(x: int) -> int:
        return 2 * x

    p = await submit(client, "double", 21, executor_type="replay-sdk")
    await ex.run(burst=True)
    done = await client.wait(p, ProcessState.SUCCESS, 5, key=EXECUTOR_KEY)
    assert done is not None and done.output == [42]
    assert server.port is not None
    result = await asyncio.to_thread(run_cli, ["colony", "ls", "--json"], client_env(server.port))
    assert result.exit_code == 0, result.output
    assert [c["name"] for c in json.loads(result.stdout)] == [COLONY]
    assert await detected(server) == {}


# nonces in the database ---------------------------------------------------------------------


async def test_one_batch_marks_only_the_first_copy_of_a_nonce_new(db: Database) -> None:
    batcher = NonceBatcher(db)
    a, b = nonce_key("caller", "a" * 32), nonce_key("caller", "b" * 32)
    now = time.time_ns()
    futures = [batcher.record(now, a), batcher.record(now, a), batcher.record(now, b)]
    assert await asyncio.gather(*futures) == [True, False, True]
    assert await batcher.record(now, b) is False
    await batcher.close()


async def test_lingering_nonces_are_written_together_and_at_close(db: Database, dsn: str) -> None:
    batcher = NonceBatcher(db, linger_s=3600)
    now = time.time_ns()
    keys = [nonce_key("caller", secrets.token_hex(16)) for _ in range(3)]
    futures = [batcher.record(now, key) for key in keys + keys[:1]]
    await asyncio.sleep(0)
    assert not any(f.done() for f in futures) and await nonce_rows(dsn) == 0
    await batcher.close()
    assert [f.result() for f in futures] == [True, True, True, False]
    assert await nonce_rows(dsn) == 3


async def test_a_request_cancelled_while_writing_its_nonce_leaves_the_batcher_usable(
    db: Database,
) -> None:
    batcher = NonceBatcher(db)
    now = time.time_ns()
    assert await batcher.first_use(now, nonce_key("caller", "f" * 32)) is True
    for _ in range(3):  # the caller goes away with its INSERT in flight (aiohttp cancels it)
        writing = asyncio.create_task(
            batcher.first_use(now, nonce_key("caller", secrets.token_hex(16)))
        )
        follower = asyncio.create_task(
            batcher.first_use(now, nonce_key("caller", secrets.token_hex(16)))
        )
        await asyncio.sleep(0)
        writing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await writing
        assert await follower is True
    assert await batcher.first_use(now, nonce_key("caller", "f" * 32)) is False
    await batcher.close()


async def test_a_failed_batch_fails_its_requests_and_the_next_batch_tries_again(
    db: Database, dsn: str
) -> None:
    batcher = NonceBatcher(db)
    now = time.time_ns()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("ALTER TABLE replay_nonces RENAME TO gone")
        first = batcher.record(now, nonce_key("caller", "c" * 32))
        with pytest.raises(asyncpg.UndefinedTableError):
            await first
        await conn.execute("ALTER TABLE gone RENAME TO replay_nonces")
        assert await batcher.record(now, nonce_key("caller", "c" * 32)) is True
        # The connection the batcher holds dies: one batch fails, the next gets a new one.
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'colonies' AND datname = current_database()"
        )
        dead = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError)
        with pytest.raises(dead):
            await batcher.record(now, nonce_key("caller", "e" * 32))
        assert await batcher.record(now, nonce_key("caller", "e" * 32)) is True
    finally:
        await conn.close()
    await batcher.close()  # gives its connection back
    assert db.pool is not None
    await db.pool.close()
    with pytest.raises(asyncpg.InterfaceError, match="pool is closed"):
        await batcher.record(now, nonce_key("caller", "d" * 32))


async def test_expired_nonces_are_pruned_and_their_requests_stay_refused_as_stale(
    client: ColoniesClient, colony: Colony, server: TestServer, db: Database, dsn: str
) -> None:
    guard = server.app[REPLAY]
    msg_class = MESSAGES["getcolonymsg"]
    caller = id_from_private_key(EXECUTOR_KEY)
    payload = json.dumps(stamped({"msgtype": "getcolonymsg", "colonyname": COLONY}))
    signed_at = json.loads(payload)[SIGNED_AT]
    await guard.check(msg_class, caller, payload, now_ns=signed_at)
    with pytest.raises(Forbidden, match="nonce was used before"):
        await guard.check(msg_class, caller, payload, now_ns=signed_at + NS)
    stored = await nonce_rows(dsn)
    assert stored >= 1
    now = utc_now()
    assert await replay.run_once(guard, db, now) == 0
    assert await replay.run_once(guard, db, now + timedelta(seconds=301)) == stored
    assert await nonce_rows(dsn) == 0
    with pytest.raises(Forbidden, match="older than the 300 s window"):
        await guard.check(msg_class, caller, payload, now_ns=signed_at + 301 * NS)


# warn and off -------------------------------------------------------------------------------


async def test_warn_serves_replayed_stale_future_and_unstamped_requests_and_counts_them(
    client: ColoniesClient,
    colony: Colony,
    make_executor: MakeExecutor,
    start: Start,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, warn = await start("warn")
    await make_executor("worker", approve=False)
    approval = fresh(
        "approveexecutormsg", {"colonyname": COLONY, "executorname": "worker"}, COLONY_KEY
    )
    assert (await warn.post_envelope(approval)).status == 200
    await warn.reject_executor("worker", colony=COLONY, key=COLONY_KEY)
    caplog.set_level(logging.WARNING, logger="colonies.server.replay")
    assert (await warn.post_envelope(approval)).status == 200  # served, as the reference would
    assert (
        await warn.get_executor("worker", colony=COLONY, key=EXECUTOR_KEY)
    ).state == ExecutorState.APPROVED
    now = time.time_ns()
    for name, fields in {
        "old": {NONCE: secrets.token_hex(16), SIGNED_AT: now - 301 * NS},
        "ahead": {NONCE: secrets.token_hex(16), SIGNED_AT: now + 60 * NS},
        "bare": {},
    }.items():
        reply = await warn.post_envelope(
            envelope("addcolonymsg", new_colony(name), SERVER_KEY, **fields)
        )
        assert reply.status == 200, reply
    assert await colony_names(client) == sorted([COLONY, "old", "ahead", "bare"])
    assert await detected(server) == {
        ("replayed", "accepted"): 1,
        ("stale", "accepted"): 1,
        ("future", "accepted"): 1,
        ("missing", "accepted"): 1,
    }
    # One summary line, not one per request (the first detection is logged at once).
    lines = [r.getMessage() for r in caplog.records if r.name == "colonies.server.replay"]
    assert len(lines) == 1 and lines[0].startswith("replay protection (warn): 1 replayed")
    server.app[REPLAY].flush_log(force=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "colonies.server.replay"]
    assert len(lines) == 2 and "1 future accepted, 1 stale accepted" in lines[1]


async def test_warn_counts_a_replay_another_server_saw_first(
    client: ColoniesClient, colony: Colony, start: Start
) -> None:
    first_server, first = await start("warn")
    second_server, second = await start("warn")
    body = fresh("submitfuncspecmsg", submit_data(), EXECUTOR_KEY)
    assert (await first.post_envelope(body)).status == 200
    await first_server.app[REPLAY].stop()  # its nonce is in the database
    assert (await second.post_envelope(body)).status == 200
    await second_server.app[REPLAY].stop()
    assert await detected(second_server) == {("replayed", "accepted"): 1}
    assert await detected(first_server) == {}
    assert await waiting(client) == 2


async def test_off_checks_and_records_nothing(
    client: ColoniesClient, colony: Colony, start: Start, dsn: str
) -> None:
    server, off = await start("off")
    before = await nonce_rows(dsn)
    body = fresh("submitfuncspecmsg", submit_data(), EXECUTOR_KEY)
    stale = envelope("submitfuncspecmsg", submit_data(), EXECUTOR_KEY, nonce="x" * 32, signedat=1)
    for reply in [await off.post_envelope(b) for b in (body, body, stale, stale)]:
        assert reply.status == 200
    assert (
        await off.post_envelope(envelope("submitfuncspecmsg", submit_data(), EXECUTOR_KEY))
    ).status == 200
    assert await nonce_rows(dsn) == before
    assert await detected(server) == {}
    assert await waiting(client) == 5


# other clients ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["warn", "off"])
async def test_pycolonies_and_unstamped_clients_keep_working(
    mode: str, client: ColoniesClient, colony: Colony, start: Start
) -> None:
    server, other = await start(mode)
    pyc = Colonies("127.0.0.1", server.port)
    p = await asyncio.to_thread(pyc.submit_func_spec, pyc_spec(), EXECUTOR_KEY)
    assigned = await asyncio.to_thread(pyc.assign, COLONY, 5, EXECUTOR_KEY)
    assert assigned.processid == p.processid
    await asyncio.to_thread(pyc.close, p.processid, ["ok"], EXECUTOR_KEY)
    done = await asyncio.to_thread(pyc.wait, assigned, 5, EXECUTOR_KEY)
    assert done.state == ProcessState.SUCCESS and done.output == ["ok"]
    raw = envelope("getcolonymsg", {"colonyname": COLONY}, EXECUTOR_KEY)
    assert (await other.post_envelope(raw)).status == 200
    assert (await other.post_envelope(raw)).status == 200  # the same bytes again


async def test_require_refuses_pycolonies_with_the_reason(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    pyc = Colonies("127.0.0.1", server.port)
    with pytest.raises(ColoniesConnectionError, match="lacks nonce"):
        await asyncio.to_thread(pyc.submit_func_spec, pyc_spec(), EXECUTOR_KEY)
    assert await waiting(client) == 0


def pyc_spec() -> Any:
    return FuncSpec(
        funcname="echo",
        maxexectime=-1,
        conditions=Conditions(colonyname=COLONY, executortype="cli"),
    )
