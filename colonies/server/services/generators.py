"""Trigger generators: pack arguments, spawn workflows when enough have queued or timed out."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pydantic import ValidationError

from colonies.core import WorkflowSpec, is_zero_time, utc_now
from colonies.core.generator import Generator
from colonies.crypto import random_id
from colonies.db import Database
from colonies.errors import BadRequest, ColoniesError
from colonies.server.caller import Caller
from colonies.server.codec import loads_bounded
from colonies.server.events import Events
from colonies.server.services import workflows

log = logging.getLogger(__name__)


def workflow_of(generator: Generator) -> WorkflowSpec:
    """The generator's workflow, run in the generator's colony; 400 if it does not validate."""
    try:
        spec = WorkflowSpec.model_validate(loads_bounded(generator.workflow_spec))
    except (ValueError, ValidationError):
        raise BadRequest("Failed to add generator, invalid workflow spec") from None
    spec.colony_name = generator.colony_name
    return spec


async def add(db: Database, generator: Generator, caller: Caller) -> Generator:
    """Validate and store a new generator initiated by ``caller``."""
    spec = workflow_of(generator)
    try:
        workflows.plan(spec, caller, utc_now())
    except ColoniesError as exc:
        raise BadRequest(exc.message) from None
    if generator.trigger < 1:
        raise BadRequest("Failed to add generator, trigger must be larger than 0")
    generator.generator_id = random_id()
    generator.initiator_id, generator.initiator_name = caller.id, caller.name
    generator.queue_size = generator.checker_period = 0
    return await db.generators.add(generator)


def timed_out(generator: Generator, now: datetime) -> bool:
    """Whether ``timeout`` seconds have passed since the last run (or the first pack)."""
    since = generator.last_run
    if is_zero_time(since):
        if is_zero_time(generator.first_pack):
            return False
        since = generator.first_pack
    return now > since + timedelta(seconds=generator.timeout)


def batches(generator: Generator, queued: int, now: datetime) -> list[int]:
    """Sizes of the workflows to run now from ``queued`` arguments, oldest arguments first."""
    trigger = generator.trigger
    if trigger >= 1 and queued >= trigger:
        return [trigger] * (queued // trigger)
    if queued >= 1 and generator.timeout > 0 and timed_out(generator, now):
        return [queued]
    return []


async def _fire(db: Database, events: Events, generator_id: str, now: datetime) -> int:
    """Run one generator if still due, under its row lock; returns how many workflows."""
    async with db.transaction() as tx:
        generator = await tx.generators.lock(generator_id)
        if generator is None:
            return 0
        queued = await tx.generators.args(generator_id)
        sizes = batches(generator, len(queued), now)
        if not sizes:
            return 0
        caller = Caller(
            id=generator.initiator_id,
            colony_name=generator.colony_name,
            user_name=generator.initiator_name,
        )
        # Stored in this transaction with the args' removal: all or nothing. (submit's local
        # wake comes early; the processes' NOTIFY at commit wakes the waiters again.)
        used: list[int] = []
        for size in sizes:
            batch = queued[len(used) : len(used) + size]
            await workflows.submit(
                tx, events, workflow_of(generator), caller, root_args=[arg for _, arg in batch]
            )
            used.extend(seq for seq, _ in batch)
        await tx.generators.consume(generator_id, used, now)
    return len(sizes)


async def run_once(db: Database, events: Events, now: datetime) -> int:
    """Fire every generator that is due at ``now``; returns how many workflows were spawned.

    Each generator runs in its own transaction holding its row lock (SKIP LOCKED), so several
    servers on one database run it once, and its arguments are consumed exactly when its
    workflows are stored. A generator that fails keeps its arguments and is logged.
    """
    spawned = 0
    for generator, queued in await db.generators.pending():
        if not batches(generator, queued, now):
            continue
        try:
            spawned += await _fire(db, events, generator.generator_id, now)
        except ColoniesError as exc:
            log.warning("generator %s did not run: %s", generator.name, exc.message)
        except Exception:
            log.exception("generator %s did not run", generator.name)
    return spawned
