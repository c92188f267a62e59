"""The processes trigger announces every change of a process's state, once, at commit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest

from colonies.core import FunctionSpec, Process, ProcessGraph, ProcessState, utc_now
from colonies.core.function_spec import normalise
from colonies.db import Database

Heard = list[tuple[str, int, str]]  # (process id, state, executor type) in arrival order


class Listener:
    def __init__(self, conn: asyncpg.Connection[Any], writer: asyncpg.Connection[Any]) -> None:
        self.conn, self.writer = conn, writer
        self.heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.markers = 0

    def on_notification(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        self.heard.put_nowait(json.loads(str(payload)))

    async def since_last(self) -> Heard:
        """What was announced since the last call: a marker committed now arrives after every
        notification committed before it."""
        self.markers += 1
        marker = json.dumps({"marker": self.markers})
        await self.writer.execute("SELECT pg_notify('colonies_process', $1)", marker)
        heard: Heard = []
        while True:
            event = await asyncio.wait_for(self.heard.get(), 10)
            if event.get("marker") == self.markers:
                return heard
            heard.append((event["p"], event["s"], event["t"]))


@pytest.fixture
async def listener(dsn: str) -> AsyncIterator[Listener]:
    conn = await asyncpg.connect(dsn)
    writer = await asyncpg.connect(dsn)
    await writer.execute("INSERT INTO colonies (name, colony_id) VALUES ('c', 'x')")
    heard = Listener(conn, writer)
    await conn.add_listener("colonies_process", heard.on_notification)
    try:
        yield heard
    finally:
        await conn.close()
        await writer.close()


async def add(
    db: Database,
    pid: str,
    graph: str = "",
    parents: list[str] | None = None,
    executor_type: str = "cli",
    max_wait_time: int = 0,
) -> Process:
    spec = FunctionSpec.model_validate(
        {
            "funcname": "f",
            "maxexectime": 5,
            "maxwaittime": max_wait_time,
            "conditions": {"colonyname": "c", "executortype": executor_type},
        }
    )
    req = normalise(spec)
    now = utc_now()
    process = Process(
        process_id=pid,
        priority_time=len(pid),
        submission_time=now,
        wait_deadline=now + timedelta(seconds=max_wait_time),
        spec=spec,
        process_graph_id=graph,
        wait_for_parents=bool(parents),
        parents=parents or [],
    )
    assert await db.processes.add(process, req)
    return process


async def claim(db: Database, executor_id: str = "e1") -> Process | None:
    big = 2**62
    return await db.processes.assign("c", "cli", "w", executor_id, big, big, "", None, utc_now())


async def close(db: Database, process_id: str, output: list[str], now: datetime) -> bool:
    """Close as executor e1 (named w) of colony c, as closesuccessfulmsg does."""
    return bool(
        await db.processes.close_many([(process_id, False, output, [])], "e1", "w", "c", now)
    )


async def test_each_change_of_state_is_announced_once(db: Database, listener: Listener) -> None:
    await add(db, "p1")
    assert await listener.since_last() == [("p1", 0, "cli")]
    assert (p := await claim(db)) is not None and p.process_id == "p1"
    assert p.state == ProcessState.RUNNING and p.attributes == []
    await db.processes.set_output("p1", "e1", ["half way"])  # not a change of state
    assert await listener.since_last() == [("p1", 1, "cli")]
    assert await close(db, "p1", ["done"], utc_now())
    assert await close(db, "p1", ["again"], utc_now())
    # closed again (the SDK retries a close): announced again, as before the trigger
    assert await listener.since_last() == [("p1", 2, "cli"), ("p1", 2, "cli")]
    await add(db, "p2")
    assert await db.processes.mark_cancelled("p2", utc_now())
    assert await listener.since_last() == [("p2", 0, "cli"), ("p2", 4, "cli")]


async def test_workflow_nodes_are_announced_when_their_parents_release_them(
    db: Database, listener: Listener
) -> None:
    now = utc_now()
    graph = ProcessGraph(process_graph_id="g", colony_name="c", submission_time=now)
    assert await db.graphs.add(graph)
    await add(db, "root", graph="g")
    await add(db, "child", graph="g", parents=["root"])  # held by its parent: not announced
    assert await listener.since_last() == [("root", 0, "cli")]
    assert await claim(db) is not None
    assert await close(db, "root", ["x"], now)
    await db.graphs.resolve(["g"], now)
    assert await listener.since_last() == [
        ("root", 1, "cli"),
        ("root", 2, "cli"),
        ("child", 0, "cli"),
    ]
    assert (p := await claim(db)) is not None and p.input == ["x"]
    assert await db.processes.mark_failed("child", "e1", utc_now(), ["no"])
    assert await listener.since_last() == [("child", 1, "cli"), ("child", 3, "cli")]


async def test_expired_deadlines_are_announced_by_the_statements_that_expire_them(
    db: Database, listener: Listener
) -> None:
    """No row by row refetch and notify from Python: each expiry is one statement."""
    await add(db, "late")
    assert await claim(db) is not None
    await add(db, "waits", max_wait_time=1)
    listener_start = await listener.since_last()
    assert listener_start == [("late", 0, "cli"), ("late", 1, "cli"), ("waits", 0, "cli")]
    later = utc_now() + timedelta(hours=1)
    assert await db.processes.expired_with_retries(later) == []  # "late" has no retries left
    assert sorted(await db.processes.fail_expired(later)) == ["", ""]
    assert sorted(await listener.since_last()) == [("late", 3, "cli"), ("waits", 3, "cli")]


async def test_nothing_is_announced_before_commit_or_after_a_rollback(
    db: Database, listener: Listener
) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await add(tx, "undone")
            raise RuntimeError("roll back")
    assert await listener.since_last() == []
    async with db.transaction() as tx:
        await add(tx, "later")
        assert await listener.since_last() == []  # the marker commits first
    assert await listener.since_last() == [("later", 0, "cli")]


async def test_a_type_too_long_for_a_notification_is_announced_to_the_whole_colony(
    db: Database, listener: Listener
) -> None:
    """NOTIFY refuses 8000 bytes; the insert must not fail for it."""
    await add(db, "long", executor_type="t" * 9000)
    assert await listener.since_last() == [("long", 0, "*")]
