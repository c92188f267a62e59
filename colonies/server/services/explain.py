"""Why is it pending? Gather what ``core.explain`` weighs for one process."""

from __future__ import annotations

from colonies.core import Process, ProcessState, utc_now
from colonies.core.explain import Explanation, explain
from colonies.db import Database


async def why_pending(db: Database, process: Process) -> Explanation:
    """The explanation of a process as things stand now."""
    now = utc_now()
    if process.state != ProcessState.WAITING:
        return explain(process, [], now=now)
    colony = process.spec.conditions.colony_name
    parents = await db.processes.by_ids(process.parents) if process.wait_for_parents else []
    return explain(
        process,
        await db.executors.find(colony),
        now=now,
        paused=await db.colonies.is_paused(colony),
        parents=parents,
        running=await db.processes.running_per_executor(colony),
        waiting_ahead=(
            0
            if process.wait_for_parents
            else await db.processes.waiting_ahead(
                colony, process.spec.conditions.executor_type, process.priority_time
            )
        ),
        not_before=await db.processes.not_before(process.process_id),
    )
