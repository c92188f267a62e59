"""Run crons: schedule with croniter or an interval, start their workflow when due."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import ValidationError

from colonies.core import ProcessState, WorkflowSpec, is_zero_time, utc_now
from colonies.core.cron import Cron, CronError, next_run, validate
from colonies.crypto import random_id
from colonies.db import Database
from colonies.errors import BadRequest, ColoniesError
from colonies.server.caller import Caller
from colonies.server.codec import loads_bounded
from colonies.server.events import Events
from colonies.server.services import workflows

log = logging.getLogger(__name__)
FINISHED = (ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED)


def workflow_of(cron: Cron) -> WorkflowSpec:
    """The cron's workflow; 400 if its JSON does not parse or does not validate."""
    try:
        spec = WorkflowSpec.model_validate(loads_bounded(cron.workflow_spec))
    except (ValueError, ValidationError):
        raise BadRequest("Failed to add cron, invalid workflow spec") from None
    spec.colony_name = cron.colony_name
    workflows.plan(
        spec.model_copy(deep=True), Caller(id="", colony_name=cron.colony_name), utc_now()
    )
    return spec


async def add(db: Database, cron: Cron, caller: Caller) -> Cron:
    try:
        validate(cron)
    except CronError as exc:
        raise BadRequest(str(exc)) from None
    try:
        workflow_of(cron)
    except ColoniesError as exc:
        raise BadRequest(exc.message) from None
    cron.cron_id = random_id()
    cron.initiator_id, cron.initiator_name = caller.id, caller.name
    cron.checker_period = 0
    return await db.crons.add(cron)


async def _ready(db: Database, cron: Cron) -> bool:
    """Whether a due cron may start now: not while its previous workflow still runs, if asked.
    (A cancelled previous workflow counts as finished; the reference would wait forever.)"""
    if not cron.wait_for_prev_process_graph or not cron.prev_process_graph_id:
        return True
    previous = await db.graphs.get(cron.prev_process_graph_id)
    return previous is None or previous.state in FINISHED


async def _start(db: Database, events: Events, cron: Cron, window: datetime, now: datetime) -> str:
    """Start the cron's workflow with the previous run's leaf outputs as input; reschedule."""
    root_input = (
        await db.crons.leaf_outputs(cron.prev_process_graph_id)
        if cron.prev_process_graph_id
        else []
    )
    caller = Caller(
        id=cron.initiator_id, colony_name=cron.colony_name, user_name=cron.initiator_name
    )
    graph = await workflows.submit(db, events, workflow_of(cron), caller, root_input=root_input)
    nxt, window = next_run(cron, window, now)
    await db.crons.schedule(cron.cron_id, nxt, window, now, graph.process_graph_id)
    return graph.process_graph_id


async def run_once(db: Database, events: Events, now: datetime) -> int:
    """Start every cron due at ``now``, once across all servers; returns how many started.

    Each due cron is row-locked (SKIP LOCKED) for the pass, and the next run is computed
    from ``now``: after downtime a cron fires once, not once per missed time.
    """
    started = 0
    async with db.transaction() as tx:
        for cron, window in await tx.crons.due(now):
            if is_zero_time(cron.next_run):
                nxt, window = next_run(cron, window, now)
                await tx.crons.schedule(cron.cron_id, nxt, window)
                continue
            if not await _ready(tx, cron):
                continue
            try:
                await _start(tx, events, cron, window, now)
                started += 1
            except ColoniesError as exc:
                log.warning("cron %s did not start: %s", cron.name, exc.message)
    return started


async def run_now(db: Database, events: Events, cron_id: str) -> Cron:
    """``runcronmsg``: start now unless waiting for the previous workflow; reschedules."""
    now = utc_now()
    async with db.transaction() as tx:
        locked = await tx.crons.lock(cron_id)
        if locked is None:
            raise BadRequest("cron not found")
        cron, window = locked
        if await _ready(tx, cron):
            await _start(tx, events, cron, window, now)
    got = await db.crons.get(cron_id)
    assert got is not None
    return got
