"""Background work as ``run_once(db, now)``-style functions, which ``loops`` runs.

Tests call them with a chosen ``now``. Work that must happen once per cluster takes a
transaction-scoped advisory lock, so several servers on one database do it once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from colonies.db import Database
from colonies.server.services import processes as service

log = logging.getLogger(__name__)
STALE_LOCK = 0x7374616C65  # "stale"
RETENTION_LOCK = 0x726574656E74  # "retent"
RETENTION_PERIOD_S = 60.0


async def expire_deadlines(db: Database, now: datetime) -> None:
    """The deadline pass (``services.processes.expire_deadlines``)."""
    await service.expire_deadlines(db, now)


async def remove_stale_executors(db: Database, stale_after_s: float, now: datetime) -> int:
    """Unregister executors not heard from for ``stale_after_s``; returns how many."""
    removed = 0
    async with db.transaction() as tx:
        if not await tx.server.try_lock(STALE_LOCK):
            return 0
        for colony_name, name in await tx.executors.stale(now - timedelta(seconds=stale_after_s)):
            if await service.remove_executor(tx, colony_name, name):
                removed += 1
    if removed:
        log.info("removed %d stale executors", removed)
    return removed


async def apply_retention(db: Database, policy_s: float, now: datetime) -> bool:
    """Delete what is older than the policy (SEMANTICS §17): successful processes and
    workflows, all logs and audit entries; once per cluster per pass. Returns False if
    another server holds the pass."""
    cutoff = now - timedelta(seconds=policy_s)
    async with db.transaction() as tx:
        if not await tx.server.try_lock(RETENTION_LOCK):
            return False
        await tx.processes.remove_successful_before(cutoff)
        await tx.graphs.remove_successful_before(cutoff)
        await tx.logs.remove_before(cutoff)
        await tx.audit.remove_before(cutoff)
    return True
