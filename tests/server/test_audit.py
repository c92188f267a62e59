"""The audit log: state-changing requests (refusals too) are recorded, reads are not; who may
read which entries; paging; retention; append-only; the writer's buffer and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.core import utc_now
from colonies.core.audit import AuditEntry
from colonies.crypto import id_from_private_key, new_private_key
from colonies.db import Database
from colonies.errors import RPCError
from colonies.rpc.envelope import request
from colonies.server import background, keys
from colonies.server.app import create_app
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY, Colony, MakeExecutor, spec

EXECUTOR_ID = id_from_private_key(EXECUTOR_KEY)


async def audit(
    server: TestServer,
    client: ColoniesClient,
    colony: str = "test",
    key: str = COLONY_KEY,
    **kw: Any,
) -> list[AuditEntry]:
    """What the audit log holds once the writer has written its buffer."""
    await server.app[keys.AUDIT].flush()
    return await client.get_audit(colony=colony, key=key, **kw)


def summary(entries: list[AuditEntry]) -> list[tuple[str, str, str, str, str, str, int]]:
    return [
        (
            e.caller_id,
            e.caller_role,
            e.caller_name,
            e.payload_type,
            e.colony_name,
            e.target,
            e.status,
        )
        for e in entries
    ]


async def test_a_state_changing_request_is_recorded_with_caller_target_colony_and_status(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    submitted = await client.call("submitfuncspecmsg", {"spec": spec()}, key=EXECUTOR_KEY)
    stranger = new_private_key()
    refused = await client.raw(
        "removeprocessmsg", {"processid": submitted["processid"]}, key=stranger
    )
    assert refused.status == 403
    entries = await audit(server, client, count=2)
    assert summary(entries) == [
        (
            id_from_private_key(stranger),
            "",
            "",
            "removeprocessmsg",
            "test",
            submitted["processid"],
            403,
        ),
        (
            EXECUTOR_ID,
            "executor",
            "test-executor",
            "submitfuncspecmsg",
            "test",
            submitted["processid"],
            200,
        ),
    ]
    assert entries[0].seq > entries[1].seq
    assert abs((utc_now() - entries[0].time).total_seconds()) < 60


async def test_owner_requests_name_their_role_and_object(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    await make_executor("worker-2", approve=False)
    await client.call(
        "rejectexecutormsg", {"colonyname": "test", "executorname": "worker-2"}, key=COLONY_KEY
    )
    entries = await audit(server, client, colony="", key=SERVER_KEY, count=5)
    assert summary(entries)[:2] == [
        (
            id_from_private_key(COLONY_KEY),
            "colony owner",
            "",
            "rejectexecutormsg",
            "test",
            "worker-2",
            200,
        ),
        (
            id_from_private_key(COLONY_KEY),
            "colony owner",
            "",
            "addexecutormsg",
            "test",
            "worker-2",
            200,
        ),
    ]
    added = [e for e in entries if e.payload_type == "addcolonymsg"]
    assert summary(added) == [
        (id_from_private_key(SERVER_KEY), "server owner", "", "addcolonymsg", "test", "test", 200)
    ]


async def test_reads_are_not_recorded(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    process = await client.call("submitfuncspecmsg", {"spec": spec()}, key=EXECUTOR_KEY)
    before = await audit(server, client)
    await client.call("getprocessmsg", {"processid": process["processid"]}, key=EXECUTOR_KEY)
    await client.call("getprocessesmsg", {"colonyname": "test", "count": 5}, key=EXECUTOR_KEY)
    await client.call("getcolonymsg", {"colonyname": "test"}, key=EXECUTOR_KEY)
    await client.call("getexecutorsmsg", {"colonyname": "test"}, key=EXECUTOR_KEY)
    await client.raw("getprocessmsg", {"processid": process["processid"]}, key=new_private_key())
    # An assign that found nothing changed nothing either.
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=EXECUTOR_KEY)
    none_left = await client.raw(
        "assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=EXECUTOR_KEY
    )
    assert none_left.status == 404
    after = await audit(server, client)
    assert [e.payload_type for e in after] == ["assignprocessmsg"] + [
        e.payload_type for e in before
    ]
    assert after[0].target == process["processid"]


async def test_a_colony_owner_reads_only_their_colony_and_the_server_owner_all(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    other_owner = new_private_key()
    other = {"colonyid": id_from_private_key(other_owner), "name": "other"}
    await client.call("addcolonymsg", {"colony": other}, key=SERVER_KEY)
    await client.call(
        "addlocationmsg", {"location": {"name": "a", "colonyname": "other"}}, key=other_owner
    )
    await client.call(
        "addlocationmsg", {"location": {"name": "b", "colonyname": "test"}}, key=COLONY_KEY
    )

    mine = await audit(server, client)
    assert {e.colony_name for e in mine} == {"test"}
    assert "b" in {e.target for e in mine} and "a" not in {e.target for e in mine}
    theirs = await audit(server, client, colony="other", key=other_owner)
    assert {e.colony_name for e in theirs} == {"other"}

    everything = await audit(server, client, colony="", key=SERVER_KEY, count=500)
    assert {e.colony_name for e in everything} == {"test", "other"}
    assert len(everything) == len(mine) + len(theirs)
    assert await audit(server, client, key=SERVER_KEY) == mine

    for colony_name, key in [
        ("other", COLONY_KEY),  # another colony's owner
        ("test", EXECUTOR_KEY),  # a member
        ("test", new_private_key()),  # a stranger
        ("", COLONY_KEY),  # every colony: the server owner only
        ("", EXECUTOR_KEY),
    ]:
        with pytest.raises(RPCError) as refused:
            await client.get_audit(colony=colony_name, key=key)
        assert refused.value.status == 403, (colony_name, key)


async def test_pages_follow_each_other_and_filters_apply(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    for _ in range(4):
        await client.call("submitfuncspecmsg", {"spec": spec()}, key=EXECUTOR_KEY)
    middle = utc_now()
    for _ in range(3):
        await client.call("submitfuncspecmsg", {"spec": spec()}, key=EXECUTOR_KEY)
    everything = await audit(server, client, count=500)
    pages: list[AuditEntry] = []
    before = 0
    for _ in range(len(everything)):
        page = await client.get_audit(count=3, before=before, colony="test", key=COLONY_KEY)
        if not page:
            break
        assert len(page) <= 3
        pages += page
        before = page[-1].seq
    assert pages == everything
    assert [e.seq for e in everything] == sorted((e.seq for e in everything), reverse=True)

    recent = await client.get_audit(since=middle, colony="test", key=COLONY_KEY)
    assert len(recent) == 3 and all(e.time >= middle for e in recent)
    submits = await client.get_audit(
        payload_type="submitfuncspecmsg", colony="test", key=COLONY_KEY
    )
    assert len(submits) == 7
    assert {e.payload_type for e in submits} == {"submitfuncspecmsg"}
    for bad in ({"count": 501}, {"count": -1}, {"before": -5}):
        reply = await client.raw("getauditmsg", {"colonyname": "test", **bad}, key=COLONY_KEY)
        assert reply.status == 400, bad


async def test_retention_deletes_old_audit_entries_only(
    server: TestServer, client: ColoniesClient, colony: Colony, db: Database
) -> None:
    await client.call("submitfuncspecmsg", {"spec": spec()}, key=EXECUTOR_KEY)
    kept = await audit(server, client)
    assert kept
    assert await background.apply_retention(db, 3600, utc_now()) is True
    assert await audit(server, client) == kept
    await background.apply_retention(db, 3600, utc_now() + timedelta(hours=2))
    assert await audit(server, client) == []


async def test_the_table_refuses_update_delete_and_truncate(
    server: TestServer, client: ColoniesClient, colony: Colony, dsn: str
) -> None:
    entries = await audit(server, client)
    assert entries
    conn = await asyncpg.connect(dsn)
    try:
        for statement in (
            "UPDATE audit_log SET status = 200",
            "UPDATE audit_log SET caller_id = 'x' WHERE false",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
    finally:
        await conn.close()
    assert await audit(server, client) == entries


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[TestServer, ColoniesClient]]:
    srv = TestServer(create_app(settings, background_loops=False), host="127.0.0.1")
    await srv.start_server()
    try:
        async with ColoniesClient(str(srv.make_url("")).rstrip("/")) as c:
            yield srv, c
    finally:
        await srv.close()


async def count_rows(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        n: int = await conn.fetchval("SELECT count(*) FROM audit_log")
        return n
    finally:
        await conn.close()


async def test_a_clean_stop_writes_what_is_buffered(settings: Settings, dsn: str) -> None:
    # The writer's own loop would wait an hour: only the stop can write these entries.
    async with serving(replace(settings, audit_flush_ms=3_600_000)) as (_, c):
        owner = {"colonyid": id_from_private_key(COLONY_KEY), "name": "test"}
        await c.call("addcolonymsg", {"colony": owner}, key=SERVER_KEY)
        await c.raw("removecolonymsg", {"colonyname": "test"}, key=COLONY_KEY)
        assert await count_rows(dsn) == 0
    assert await count_rows(dsn) == 2


async def metric(srv: TestServer, reason: str) -> float:
    async with aiohttp.ClientSession() as session, session.get(srv.make_url("/metrics")) as r:
        text = await r.text()
    line = f'colonies_audit_dropped_total{{reason="{reason}"}} '
    found = [ln for ln in text.splitlines() if ln.startswith(line)]
    return float(found[0].removeprefix(line)) if found else 0.0


async def test_refusals_of_callers_without_a_role_are_kept_within_a_budget(
    settings: Settings, dsn: str
) -> None:
    async with serving(replace(settings, audit_anonymous_rate=3)) as (srv, c):
        owner = {"colonyid": id_from_private_key(COLONY_KEY), "name": "test"}
        await c.call("addcolonymsg", {"colony": owner}, key=SERVER_KEY)
        for _ in range(10):  # a fresh key each time: anyone can sign
            reply = await c.raw("removecolonymsg", {"colonyname": "test"}, key=new_private_key())
            assert reply.status == 403
        # A caller who passed a role check is always recorded.
        await c.call(
            "addusermsg",
            {"user": {"colonyname": "test", "userid": "a" * 64, "name": "u"}},
            key=COLONY_KEY,
        )
        refused = await c.raw(
            "removeusermsg", {"colonyname": "test", "name": "nobody"}, key=COLONY_KEY
        )
        assert refused.status == 400
        entries = await audit(srv, c, colony="", key=SERVER_KEY, count=500)
        statuses = [(e.payload_type, e.status) for e in entries]
        # the seconds may turn once while the ten go by: 3 or up to 6 kept
        assert 3 <= statuses.count(("removecolonymsg", 403)) <= 6
        assert ("removeusermsg", 400) in statuses
        assert await metric(srv, "anonymous") == 10 - statuses.count(("removecolonymsg", 403))


async def test_a_full_buffer_drops_new_entries_and_counts_them(
    settings: Settings, dsn: str
) -> None:
    quiet = replace(settings, audit_buffer=2, audit_flush_ms=3_600_000)
    async with serving(quiet) as (srv, c):
        owner = {"colonyid": id_from_private_key(COLONY_KEY), "name": "test"}
        await c.call("addcolonymsg", {"colony": owner}, key=SERVER_KEY)
        for name in ("a", "b", "c", "d"):
            location = {"name": name, "colonyname": "test"}
            await c.call("addlocationmsg", {"location": location}, key=COLONY_KEY)
        assert await metric(srv, "buffer full") == 3
        entries = await audit(srv, c, count=10)
        assert [e.target for e in entries] == ["a", "test"]


async def until(condition: Callable[[], Awaitable[Any]], limit_s: float = 10.0) -> None:
    """Poll a condition (a state we wait for, not a duration), failing after ``limit_s``."""
    async with asyncio.timeout(limit_s):
        while not await condition():
            await asyncio.sleep(0.01)


async def test_a_request_whose_caller_left_is_recorded_as_499(
    colony: Colony, settings: Settings, dsn: str
) -> None:
    """The server cancels the handler of a caller that disconnected (as ``serve`` does):
    what it may have done is still on the record."""
    app = create_app(settings, background_loops=False)
    srv = TestServer(app, host="127.0.0.1", handler_cancellation=True)
    await srv.start_server()
    blocker = await asyncpg.connect(dsn)
    try:
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("LOCK TABLE processes IN SHARE MODE")  # submits wait for it
        body = request(
            "submitfuncspecmsg", {"msgtype": "submitfuncspecmsg", "spec": spec()}, EXECUTOR_KEY
        )
        async with aiohttp.ClientSession() as session:
            post = asyncio.create_task(session.post(srv.make_url("/api"), json=body))
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            await until(lambda: blocker.fetchval(waiting))
            post.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await post

        async def noticed() -> bool:  # the server sees the disconnect and cancels
            return app[keys.AUDIT].pending > 0

        await until(noticed)
        await tx.rollback()
        await app[keys.AUDIT].flush()
        async with ColoniesClient(str(srv.make_url("")).rstrip("/")) as c:
            entries = await c.get_audit(count=1, colony="test", key=COLONY_KEY)
        assert summary(entries) == [
            (EXECUTOR_ID, "executor", "test-executor", "submitfuncspecmsg", "test", "", 499)
        ]
    finally:
        await blocker.close()
        await srv.close()


async def test_the_audit_can_be_switched_off(settings: Settings, dsn: str) -> None:
    async with serving(replace(settings, audit=False)) as (srv, c):
        owner = {"colonyid": id_from_private_key(COLONY_KEY), "name": "test"}
        await c.call("addcolonymsg", {"colony": owner}, key=SERVER_KEY)
        await c.raw("removecolonymsg", {"colonyname": "test"}, key=COLONY_KEY)
        assert await audit(srv, c) == []
    assert await count_rows(dsn) == 0


async def test_entries_the_database_refuses_stay_buffered_until_it_takes_them(
    server: TestServer, client: ColoniesClient, colony: Colony, dsn: str
) -> None:
    writer = server.app[keys.AUDIT]
    await writer.flush()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$;"
            "CREATE TRIGGER refuse BEFORE INSERT ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse()"
        )
        location = {"name": "lab", "colonyname": "test"}
        await client.call("addlocationmsg", {"location": location}, key=COLONY_KEY)
        assert await writer.flush() is False
        assert writer.pending == 1
        await conn.execute("DROP TRIGGER refuse ON audit_log")
    finally:
        await conn.close()
    assert await writer.flush() is True
    entries = await audit(server, client, count=1)
    assert [(e.payload_type, e.target) for e in entries] == [("addlocationmsg", "lab")]
