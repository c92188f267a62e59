"""Caching: a process whose key (``core/caching.py``) matches an earlier successful run in
its colony closes at once with that run's output, without an executor.

Where the check runs: a single submit before the insert (``check_new``); a workflow's nodes
once they are released, which is at submit for its roots, and after their parents closed
for the others (``close_cached``, called by ``resolve_workflows`` in the transaction that
released them, so no executor can claim a node before it was checked). A node whose key is
not found keeps the key, and its run becomes a result for later ones. A node put back to
waiting (a rerun) is checked again once its ``cache_key`` is reset to ''.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from colonies.core import ZERO_TIME, Process, ProcessState
from colonies.core.caching import cache_key, cfs_sources, wanted
from colonies.db import Database


async def key_of(db: Database, process: Process) -> str:
    """The cache key of a process as things stand (its input and the CFS files it names)."""
    colony = process.spec.conditions.colony_name
    files = [
        await db.files.digest(colony, label, snapshot_id)
        for _, label, snapshot_id in cfs_sources(process.spec)
    ]
    return cache_key(process.spec, process.input, files)


async def _lookup(
    db: Database, process: Process, key: str, now: datetime
) -> tuple[str, list[object]] | None:
    cache = process.spec.cache
    if cache is None or cache.refresh:
        return None
    oldest = now - timedelta(seconds=cache.expiry) if cache.expiry > 0 else ZERO_TIME
    return await db.processes.cached_result(process.spec.conditions.colony_name, key, oldest)


async def check_new(db: Database, process: Process, now: datetime) -> bool:
    """Before a single process is stored: give it its key and, on a hit, make it a closed
    successful process with the earlier output. True on a hit."""
    if not wanted(process.spec):
        return False
    process.cache_key = await key_of(db, process)
    found = await _lookup(db, process, process.cache_key, now)
    if found is None:
        return False
    process.cached_from, process.output = found[0], list(found[1])
    process.state = ProcessState.SUCCESS
    process.start_time = process.end_time = now
    process.cache_hit = True
    return True


async def close_cached(db: Database, graph_ids: list[str], now: datetime) -> None:
    """Check the released nodes of these graphs that ask for caching: a hit closes the node
    (its children may then be released and are checked in turn), a miss keeps the key.
    Run in the transaction that released them."""
    while True:
        hits = False
        for process in await db.processes.cache_pending(graph_ids):
            key = await key_of(db, process)
            found = await _lookup(db, process, key, now)
            if found is None:
                await db.processes.set_cache_key(process.process_id, key)
            elif await db.processes.close_cached(
                process.process_id, key, now, list(found[1]), found[0]
            ):
                hits = True
        if not hits:
            return
        await db.graphs.resolve(graph_ids, now)
