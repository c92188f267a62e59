"""The server's periodic jobs: each named, with its period from the settings, and one pass of
it is ``run_once(now=...)``, which tests drive with a chosen time."""

from __future__ import annotations

from dataclasses import replace

from colonies.config import Settings
from colonies.core import utc_now
from colonies.db import Database
from colonies.server import background, loops, replay
from colonies.server.events import Events
from colonies.server.metrics import Metrics


def jobs(db: Database, settings: Settings) -> list[loops.Job]:
    return loops.jobs(db, settings, Events(), replay.ReplayGuard(settings, Metrics()))


async def test_each_job_runs_at_its_settings_period_and_one_pass_is_run_once(
    db: Database, settings: Settings
) -> None:
    chosen = replace(
        settings,
        timeout_loop_period_s=2.0,
        cleanup_interval_s=30.0,
        generator_period_ms=500,
        cron_period_ms=250,
    )
    found = jobs(db, chosen)
    assert {job.name: job.period_s for job in found} == {
        "deadlines": 2.0,
        "stale executors": 30.0,
        "generators": 0.5,
        "crons": 0.25,
        "replay nonces": replay.PRUNE_PERIOD_S,
    }
    for job in found:
        await job.run_once(now=utc_now())


async def test_retention_is_a_job_only_when_configured(db: Database, settings: Settings) -> None:
    assert "retention" not in [job.name for job in jobs(db, settings)]
    kept = replace(settings, retention=True, retention_policy_s=3600)
    (retention,) = [job for job in jobs(db, kept) if job.name == "retention"]
    assert retention.period_s == background.RETENTION_PERIOD_S
    assert await retention.run_once(now=utc_now()) is True
