"""The server's periodic jobs: what runs, how often, and the loop that runs each.

Every job is a ``Job`` whose ``run_once(now=...)`` does one pass (the work itself lives with
its concept: ``background``, ``replay``, the cron and generator services). The app runs each
in ``run_every``; tests call ``run_once`` with a chosen ``now`` instead of waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Protocol

from colonies.config import Settings
from colonies.core import utc_now
from colonies.db import Database
from colonies.server import background, replay
from colonies.server.events import Events
from colonies.server.health import DatabaseHealth
from colonies.server.services import crons, generators

log = logging.getLogger(__name__)


class RunOnce(Protocol):
    def __call__(self, now: datetime) -> Awaitable[object]: ...


@dataclass(frozen=True)
class Job:
    """``run_once(now=...)`` every ``period_s`` seconds."""

    name: str
    period_s: float
    run_once: RunOnce


def jobs(db: Database, settings: Settings, events: Events, guard: replay.ReplayGuard) -> list[Job]:
    """The periodic jobs of a server with these settings."""
    found = [
        Job(
            "deadlines",
            settings.timeout_loop_period_s,
            partial(background.expire_deadlines, db),
        ),
        Job(
            "stale executors",
            settings.cleanup_interval_s,
            partial(background.remove_stale_executors, db, settings.stale_executor_duration_s),
        ),
        Job(
            "generators",
            settings.generator_period_ms / 1000,
            partial(generators.run_once, db, events),
        ),
        Job("crons", settings.cron_period_ms / 1000, partial(crons.run_once, db, events)),
        Job("replay nonces", replay.PRUNE_PERIOD_S, partial(replay.run_once, guard, db)),
    ]
    if settings.retention:
        found.append(
            Job(
                "retention",
                background.RETENTION_PERIOD_S,
                partial(background.apply_retention, db, settings.retention_policy_s),
            )
        )
    return found


async def run_every(job: Job, health: DatabaseHealth | None = None) -> None:
    """Run ``job`` every ``job.period_s`` seconds until cancelled; errors are logged (a
    database outage once, through ``health``)."""
    while True:
        try:
            await job.run_once(utc_now())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if health is None or not await health.explains(exc):
                log.exception("background job %s failed", job.name)
        await asyncio.sleep(job.period_s)
