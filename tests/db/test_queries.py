"""Every named query parses and plans against the real schema."""

from __future__ import annotations

import asyncpg
import pytest

from colonies.db.queries import Q


@pytest.mark.parametrize("name", sorted(Q))
async def test_named_query_prepares(name: str, dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.prepare(Q[name])
    finally:
        await conn.close()


async def test_assign_uses_the_assignable_index(dsn: str) -> None:
    """With a deep queue of which little is assignable, the claim walks the partial index."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("INSERT INTO colonies (name, colony_id) VALUES ('c', 'x')")
        await conn.execute(
            "INSERT INTO processes (process_id, colony_name, priority_time, submission_time, "
            "start_time, end_time, wait_deadline, exec_deadline, spec, executor_type, state) "
            "SELECT 'p' || i, 'c', i, now(), now(), now(), now(), now(), '{}', "
            "CASE WHEN i % 2 = 0 THEN 't' ELSE 'u' END, CASE WHEN i % 10 = 0 THEN 0 ELSE 2 END "
            "FROM generate_series(1, 20000) AS i"
        )
        await conn.execute("ANALYZE processes")
        rows = await conn.fetch(
            "EXPLAIN (FORMAT TEXT) SELECT process_id FROM processes "
            "WHERE colony_name = 'c' AND executor_type = 't' AND state = 0 "
            "AND NOT wait_for_parents AND not_before IS NULL "
            "ORDER BY priority_time LIMIT 1 FOR UPDATE SKIP LOCKED"
        )
    finally:
        await conn.close()
    plan = "\n".join(r[0] for r in rows)
    assert "Index Scan using processes_assignable" in plan, plan


async def test_finished_lists_read_the_finished_index_newest_first(dsn: str) -> None:
    """A page of successful processes does not sort the colony's whole history."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("INSERT INTO colonies (name, colony_id) VALUES ('c', 'x')")
        await conn.execute(
            "INSERT INTO processes (process_id, colony_name, priority_time, submission_time, "
            "start_time, end_time, wait_deadline, exec_deadline, spec, executor_type, state) "
            "SELECT 'p' || i, 'c', i, now(), now(), now() - make_interval(secs => i), now(), "
            "now(), '{}', 't', CASE WHEN i % 10 = 0 THEN 0 ELSE 2 END "
            "FROM generate_series(1, 20000) AS i"
        )
        await conn.execute("ANALYZE processes")
        stmt = await conn.prepare(f"EXPLAIN (FORMAT TEXT) {Q['list_finished_processes']}")
        rows = await stmt.fetch("c", 2, "", "", "", 100)
        found = await conn.fetch(Q["list_finished_processes"], "c", 2, "", "", "", 3)
    finally:
        await conn.close()
    plan = "\n".join(r[0] for r in rows)
    assert "Index Scan Backward using processes_finished" in plan, plan
    assert [r["process_id"] for r in found] == ["p1", "p2", "p3"]
