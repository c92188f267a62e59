"""Processes seeded in bulk for the query-plan tests: one stored through the store, the rest
cloned from it in SQL (thousands in a statement)."""

from __future__ import annotations

from typing import Any

import asyncpg

from colonies.core import FunctionSpec, Process, utc_now
from colonies.core.function_spec import normalise
from colonies.db import Database


async def seed_process(db: Database, conn: asyncpg.Connection[Any]) -> None:
    """Colony c and its process ``seed`` (funcname f, executor type cli), to clone from."""
    await conn.execute("INSERT INTO colonies (name, colony_id) VALUES ('c', 'x')")
    spec = FunctionSpec.model_validate(
        {"funcname": "f", "conditions": {"colonyname": "c", "executortype": "cli"}}
    )
    now = utc_now()
    seed = Process(
        process_id="seed", priority_time=0, submission_time=now, wait_deadline=now, spec=spec
    )
    assert await db.processes.add(seed, normalise(spec))
