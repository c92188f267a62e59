"""The batch close reads its processes by primary key, whatever the table's statistics.

A server's database is young and growing fast when it is busiest: before autovacuum has
analysed ``processes``, the planner has no statistics and guesses. These tests take the
statistics away, fill the colony with finished processes, and check the generic plan (the
one a prepared statement settles on).
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from colonies.db import Database
from colonies.db.queries import Q
from tests.db.seeding import seed_process

FINISHED = 3000


async def seed(db: Database, conn: asyncpg.Connection[Any]) -> list[str]:
    """One colony with FINISHED successful processes and 8 running ones of executor e1."""
    await conn.execute("ALTER TABLE processes SET (autovacuum_enabled = off)")
    await seed_process(db, conn)
    clone = """
        INSERT INTO processes
        SELECT (jsonb_populate_record(p, jsonb_build_object(
            'process_id', $1 || g, 'state', $2::int, 'assigned_executor_id', 'e1',
            'is_assigned', true))).*
        FROM processes p, generate_series(1, $3) AS g WHERE p.process_id = 'seed'"""
    await conn.execute(clone, "done", 2, FINISHED)
    await conn.execute(clone, "run", 1, 8)
    await conn.execute("DELETE FROM pg_statistic WHERE starelid = 'processes'::regclass")
    return [f"run{i}" for i in range(1, 9)]


def scans_of_processes(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """(node type, index) of every node of ``plan`` that reads the processes table."""
    found = []
    if plan.get("Relation Name") == "processes" and "Scan" in plan["Node Type"]:
        found.append((plan["Node Type"], plan.get("Index Name", "")))
    for child in plan.get("Plans", []):
        found += scans_of_processes(child)
    return found


async def generic_plan(conn: asyncpg.Connection[Any], query: str, args: str) -> dict[str, Any]:
    await conn.execute("SET plan_cache_mode = force_generic_plan")
    await conn.execute(f"PREPARE s AS {query}")
    rows = await conn.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE s({args})")
    await conn.execute("DEALLOCATE s")
    plan: dict[str, Any] = json.loads(rows)[0]["Plan"]
    return plan


async def test_a_batch_close_reads_its_processes_by_primary_key(db: Database, dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        ids = await seed(db, conn)
        args = (
            f"ARRAY{ids!r}::text[], ARRAY{[False] * 8!r}::bool[], "
            f"ARRAY{['[1]'] * 8!r}::text[], ARRAY{['[]'] * 8!r}::text[], "
            "'e1', 'c', now(), 'w'"
        ).replace("False", "false")
        plan = generic_plan(conn, Q["close_processes"], args)
        scans = scans_of_processes(await plan)
        assert scans and all(index == "processes_pkey" for _, index in scans), scans
    finally:
        await conn.close()
