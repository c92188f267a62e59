"""A pilot allocation that Slurm kills at its walltime loses nothing: what its worker held
goes back to the queue and a later allocation runs it."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from tests.conftest import EXECUTOR_KEY, Colony
from tests.slurm.cluster import SlurmCluster
from tests.slurm.test_pilot import _manager
from tests.slurm.util import hpc_spec, wait_state

FINAL = {ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED}


@pytest.mark.timeout(240)
async def test_pilot_killed_at_walltime_loses_nothing(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    """The first allocation (walltime one minute, Slurm's least) takes three processes that
    outlast it; Slurm ends it (TIMEOUT: TERM, then KILL after KillWait). Each process runs
    long only the first time (a marker file), so the second allocation runs them to the
    end. Slurm checks limits every 30 s: this takes 60-100 s (it only sleeps)."""
    marks = tmp_path / "marks"
    marks.mkdir()
    cmd = (
        f"m={marks}/{{processid}}; if [ -e $m ]; then echo done; else touch $m; "
        "echo first; sleep 600; fi"
    )
    processes = [await client.submit(hpc_spec(cmd), key=EXECUTOR_KEY) for _ in range(3)]
    manager = _manager(server, tmp_path / "work", walltime_s=60, margin_s=1.0, idle_s=600.0)
    loop = asyncio.create_task(manager.run())
    try:
        first = {
            (
                await wait_state(client, p.process_id, {ProcessState.RUNNING}, EXECUTOR_KEY)
            ).assigned_executor_id
            for p in processes
        }
        [job_id] = list(manager.allocations)
        done = [
            await wait_state(client, p.process_id, FINAL, EXECUTOR_KEY, timeout=180)
            for p in processes
        ]
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        for alloc in list(manager.allocations):
            slurm_cluster.run("scancel", alloc, check=False)
    assert [d.state for d in done] == [ProcessState.SUCCESS] * 3, [d.errors for d in done]
    assert [d.output for d in done] == [["done"]] * 3
    assert "JobState=TIMEOUT" in slurm_cluster.run("scontrol", "show", "job", job_id)
    assert len(first) == 1 and not {d.assigned_executor_id for d in done} & first
    assert manager.submitted == 2
