"""A log's entries are stamped in the order they are stored, whatever the server's clock
says: a reader paging by time (``since``, as `colonies log get --follow` does) sees every
entry once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg

from colonies.core import Log
from colonies.db.logs import LogStore

NS = 1_000_000_000
VOLUME = 1 << 20


async def test_a_clock_stepped_back_still_stamps_the_next_entry_later(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("INSERT INTO colonies (name, colony_id) VALUES ('c', 'x')")
        store = LogStore(conn)
        now = datetime.now(UTC)
        at = 1_800_000_000 * NS
        for owner in ({"process_id": "p"}, {"executor_name": "e"}):
            await store.add(
                Log(colony_name="c", message="one\n", timestamp=at, **owner), now, VOLUME
            )
            # the clock went back a second, then a tie with the entry before
            for stamp in (at - NS, at):
                await store.add(
                    Log(colony_name="c", message="two\n", timestamp=stamp, **owner), now, VOLUME
                )
        first = await store.for_process("p", 10, 0, False, VOLUME)
        after = await store.for_process("p", 10, first[0].timestamp, False, VOLUME)
        mine = await store.for_executor("e", 10, 0, False, VOLUME)
    finally:
        await conn.close()
    stamps = [e.timestamp for e in first]
    assert stamps == [at, at + 1, at + 2]
    assert [e.message for e in after] == ["two\n", "two\n"]  # none hidden behind the first
    assert [e.timestamp for e in mine] == [at, at + 1, at + 2]


async def test_concurrent_entries_are_stamped_in_commit_order(dsn: str) -> None:
    """Two connections add to one process at once with the same clock reading: the second
    to commit gets the later stamp."""
    conns = [await asyncpg.connect(dsn) for _ in range(2)]
    try:
        await conns[0].execute("INSERT INTO colonies (name, colony_id) VALUES ('c', 'x')")
        now, at = datetime.now(UTC), 1_800_000_000 * NS
        stores = [LogStore(c) for c in conns]
        await stores[0].add(
            Log(colony_name="c", process_id="p", message="0\n", timestamp=at), now, VOLUME
        )
        first = conns[0].transaction()
        await first.start()
        await stores[0].add(
            Log(colony_name="c", process_id="p", message="1\n", timestamp=at), now, VOLUME
        )
        second = asyncio.create_task(
            stores[1].add(
                Log(colony_name="c", process_id="p", message="2\n", timestamp=at - NS), now, VOLUME
            )
        )
        await asyncio.sleep(0.2)
        assert not second.done()  # waits for the first to commit
        await first.commit()
        await second
        entries = await stores[0].for_process("p", 10, 0, False, VOLUME)
    finally:
        for c in conns:
            await c.close()
    assert [(e.message, e.timestamp) for e in entries] == [
        ("0\n", at),
        ("1\n", at + 1),
        ("2\n", at + 2),
    ]
