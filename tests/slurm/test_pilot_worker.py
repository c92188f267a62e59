"""The worker inside a pilot allocation: it stops taking work a margin before the
allocation's walltime, counted from the allocation's start, and exits when idle."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

from aiohttp.test_utils import TestServer

from colonies.backends.slurm_pilot import (
    HAND_BACK_S,
    PILOT_NO_STAGING,
    serve_worker,
    worker_executor,
)
from colonies.client import ColoniesClient
from colonies.core import ProcessState
from colonies.crypto import new_private_key
from colonies.executor_sdk.executor import Executor
from tests.conftest import COLONY, COLONY_KEY, EXECUTOR_KEY, Colony
from tests.slurm.util import TYPE, hpc_spec, url, wait_for, wait_state


def _worker(server: TestServer, name: str = "hpc-alloc1-node") -> Executor:
    executor = worker_executor("shell")
    executor.configure(
        executor_type=TYPE,
        name=name,
        key=new_private_key(),
        colony=COLONY,
        colony_key=COLONY_KEY,
        url=url(server),
        concurrency=2,
        grace_s=1e9,
        unregister=False,
        poll_timeout_s=1,
    )
    return executor


async def test_a_worker_started_late_in_its_allocation_takes_no_work_past_the_margin(
    server: TestServer, colony: Colony, client: ColoniesClient
) -> None:
    """The allocation began 55 s ago with a walltime of 60 s and a margin of 10 s: the
    worker, however late Python started it, must not take the waiting process."""
    process = await client.submit(hpc_spec("echo ran"), key=EXECUTOR_KEY)
    worker = _worker(server)
    await asyncio.wait_for(
        serve_worker(worker, walltime_s=60, margin_s=10, idle_s=30, started_at=time.time() - 55),
        10,
    )
    waiting = await client.get_process(process.process_id, key=EXECUTOR_KEY)
    assert waiting.state == ProcessState.WAITING


async def test_a_worker_stops_taking_work_at_the_margin_and_finishes_what_it_holds(
    server: TestServer, colony: Colony, client: ColoniesClient, tmp_path: Path
) -> None:
    gate = tmp_path / "go"
    held = await client.submit(
        hpc_spec(f"while [ ! -e {gate} ]; do sleep 0.1; done; echo held"), key=EXECUTOR_KEY
    )
    worker = _worker(server)
    # Three seconds of walltime left, a margin of two: one second to take work.
    serving = asyncio.create_task(
        serve_worker(worker, walltime_s=60, margin_s=2, idle_s=30, started_at=time.time() - 57)
    )
    await wait_state(client, held.process_id, {ProcessState.RUNNING}, EXECUTOR_KEY)

    async def stopping() -> bool:
        return worker.stopping

    await wait_for(stopping, "the worker to stop taking work", timeout=10)
    late = await client.submit(hpc_spec("echo late"), key=EXECUTOR_KEY)
    gate.touch()
    await asyncio.wait_for(serving, 20)
    done = await client.get_process(held.process_id, key=EXECUTOR_KEY)
    assert (done.state, done.output) == (ProcessState.SUCCESS, ["held"])
    assert (await client.get_process(late.process_id, key=EXECUTOR_KEY)).state == (
        ProcessState.WAITING
    )


async def test_an_idle_worker_exits_after_its_idle_timeout(
    server: TestServer, colony: Colony, client: ColoniesClient
) -> None:
    process = await client.submit(hpc_spec("echo one"), key=EXECUTOR_KEY)
    worker = _worker(server)
    started = time.monotonic()
    await asyncio.wait_for(serve_worker(worker, walltime_s=600, margin_s=10, idle_s=1.5), 20)
    took = time.monotonic() - started
    done = await client.get_process(process.process_id, key=EXECUTOR_KEY)
    assert (done.state, done.output) == (ProcessState.SUCCESS, ["one"])
    assert 1.5 <= took < 10, took


async def test_a_command_ended_by_the_allocations_end_is_handed_back_not_failed(
    server: TestServer, colony: Colony, client: ColoniesClient, tmp_path: Path
) -> None:
    """Slurm's TERM at the walltime reaches the worker and its commands; a shell whose
    child died of it exits 143 (128+15). The worker must not fail that process: it waits
    for its own end, and the manager puts the process back in the queue."""
    gate, exited = tmp_path / "go", tmp_path / "exited"
    process = await client.submit(
        hpc_spec(f"while [ ! -e {gate} ]; do sleep 0.1; done; touch {exited}; exit 143"),
        key=EXECUTOR_KEY,
    )
    worker = _worker(server)
    serving = asyncio.create_task(serve_worker(worker, walltime_s=600, margin_s=10, idle_s=30))
    try:
        await wait_state(client, process.process_id, {ProcessState.RUNNING}, EXECUTOR_KEY)
        os.kill(os.getpid(), signal.SIGTERM)  # as Slurm signals the worker
        gate.touch()

        async def command_ended() -> bool:
            return exited.exists()

        await wait_for(command_ended, "the command to exit")
        # Long enough for a failure to be reported (the hand-back wait is 1 s).
        deadline = time.monotonic() + HAND_BACK_S + 2
        while time.monotonic() < deadline:
            found = await client.get_process(process.process_id, key=EXECUTOR_KEY)
            assert found.state == ProcessState.RUNNING, found.errors
            await asyncio.sleep(0.2)
        assert not serving.done()
    finally:
        serving.cancel()  # as Slurm's KILL ends the worker
        with contextlib.suppress(asyncio.CancelledError):
            await serving


async def test_a_spec_with_staging_uris_fails_at_once_instead_of_running_without_them(
    server: TestServer, colony: Colony, client: ColoniesClient, tmp_path: Path
) -> None:
    ran = tmp_path / "ran"
    spec = hpc_spec(f"touch {ran}")
    spec.kw_args["input"] = ["s3://bucket/reads.fastq"]
    process = await client.submit(spec, key=EXECUTOR_KEY)
    await asyncio.wait_for(serve_worker(_worker(server), walltime_s=600, margin_s=10, idle_s=1), 20)
    failed = await client.get_process(process.process_id, key=EXECUTOR_KEY)
    assert failed.state == ProcessState.FAILED
    assert failed.errors == [PILOT_NO_STAGING] and not ran.exists()
