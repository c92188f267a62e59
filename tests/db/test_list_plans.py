"""The process lists of the dashboard's tabs read an index in order, whatever the state:
no sort of every waiting or running process of the colony."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from colonies.core import ProcessState
from colonies.db import Database
from colonies.db.queries import Q
from tests.db.seeding import seed_process
from tests.db.test_plans import generic_plan, scans_of_processes

ROWS = 3000


def nodes(plan: dict[str, Any]) -> list[str]:
    return [plan["Node Type"], *(n for child in plan.get("Plans", []) for n in nodes(child))]


async def fill(db: Database, conn: asyncpg.Connection[Any], state: ProcessState) -> None:
    """ROWS processes of colony c in ``state``, analysed."""
    await seed_process(db, conn)
    await conn.execute(
        """INSERT INTO processes
           SELECT (jsonb_populate_record(p, jsonb_build_object(
               'process_id', 'p' || g, 'state', $1::int, 'priority_time', g,
               'start_time', now() - g * interval '1 s'))).*
           FROM processes p, generate_series(1, $2) AS g WHERE p.process_id = 'seed'""",
        int(state),
        ROWS,
    )
    await conn.execute("ANALYZE processes")


@pytest.mark.parametrize(
    ("state", "query", "index"),
    [
        (ProcessState.WAITING, "list_processes", "processes_colony_state"),
        (ProcessState.RUNNING, "list_running_processes", "processes_running"),
    ],
)
async def test_a_tab_of_the_process_list_reads_an_index_in_order(
    db: Database, dsn: str, state: ProcessState, query: str, index: str
) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await fill(db, conn, state)
        plan = await generic_plan(conn, Q[query], f"'c', {int(state)}, '', '', '', 100")
        assert "Sort" not in nodes(plan), plan
        assert [found for _, found in scans_of_processes(plan)] == [index], plan
    finally:
        await conn.close()


async def test_the_running_tab_lists_the_longest_running_first(db: Database, dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await fill(db, conn, ProcessState.RUNNING)
    finally:
        await conn.close()
    found = await db.processes.find("c", ProcessState.RUNNING, 3)
    assert [p.process_id for p in found] == [f"p{ROWS}", f"p{ROWS - 1}", f"p{ROWS - 2}"]
