"""Pilot allocations: workers inside a Slurm allocation pull many processes."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

from aiohttp.test_utils import TestServer

from colonies.backends.slurm_jobs import SlurmOptions
from colonies.backends.slurm_pilot import PilotManager, PilotOptions
from colonies.client import ColoniesClient
from colonies.core import ExecutorState, ProcessState
from colonies.crypto import new_private_key
from colonies.executor_sdk.executor import Executor
from tests.cli.conftest import Invoke, ok
from tests.conftest import COLONY, COLONY_KEY, EXECUTOR_KEY, Colony
from tests.slurm.cluster import SlurmCluster
from tests.slurm.util import TYPE, hpc_spec, url, wait_for, wait_state


def _manager(server: TestServer, workdir: Path, **options: object) -> PilotManager:
    member = Executor(
        f"{TYPE}-pilot",
        name=f"{TYPE}-pilot",
        key=new_private_key(),
        colony=COLONY,
        colony_key=COLONY_KEY,
        url=url(server),
    )
    settings = {
        "max_allocations": 1,
        "nodes": 1,
        "walltime_s": 600,
        "idle_s": 2.0,
        "margin_s": 30.0,
        "worker_concurrency": 4,
        "poll_s": 0.3,
        "python": sys.executable,
        "slurm": SlurmOptions(workdir=workdir),
        **options,
    }
    return PilotManager(
        TYPE,
        PilotOptions(**settings),  # type: ignore[arg-type]
        member=member,
        colony_key=COLONY_KEY,
        server_env={
            "COLONIES_SERVER_HOST": "127.0.0.1",
            "COLONIES_SERVER_PORT": str(server.port),
            "COLONIES_TLS": "false",
        },
    )


def _job_state(cluster: SlurmCluster, job_id: str) -> str:
    shown = cluster.run("scontrol", "-o", "show", "job", job_id)
    return shown.split("JobState=")[1].split()[0]


async def test_pilot_drains_a_queue_of_50_in_one_allocation_and_exits_when_idle(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    invoke: Invoke,
    tmp_path: Path,
) -> None:
    processes = [
        await client.submit(hpc_spec(f"echo task {i} of {{processid}}"), key=EXECUTOR_KEY)
        for i in range(50)
    ]
    manager = _manager(server, tmp_path)
    loop = asyncio.create_task(manager.run())
    try:
        for p in processes:
            await wait_state(client, p.process_id, {ProcessState.SUCCESS}, EXECUTOR_KEY, 60)
        [job_id] = list(manager.allocations)
        listed = ok(await invoke("executor", "ls", "--all", "--type", TYPE))

        async def ended() -> bool:  # the worker exits after 2 s without work
            return not manager.allocations

        await wait_for(ended, "the idle allocation to end")
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    for i, p in enumerate(processes):
        done = await client.get_process(p.process_id, key=EXECUTOR_KEY)
        assert done.output == [f"task {i} of {p.process_id}"]
    assert manager.submitted == 1
    workers = {
        (await client.get_process(p.process_id, key=EXECUTOR_KEY)).assigned_executor_id
        for p in processes
    }
    assert len(workers) == 1
    assert f"{TYPE}-alloc{job_id}-{slurm_cluster.node}" in listed
    assert _job_state(slurm_cluster, job_id) == "COMPLETED"  # its worker ended it


async def test_a_burst_manager_cancels_its_idle_allocation_once_the_work_is_done(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    """With ``--burst`` the manager does not wait for its workers' idle timeout (here
    ten minutes): once nothing waits or runs it cancels the allocation, removes the
    worker and returns."""
    processes = [await client.submit(hpc_spec(f"echo {i}"), key=EXECUTOR_KEY) for i in range(8)]
    manager = _manager(server, tmp_path, idle_s=600.0)
    run = asyncio.create_task(manager.run(burst=True))

    async def submitted() -> list[str]:
        return list(manager.allocations)

    [job_id] = await wait_for(submitted, "an allocation")
    await asyncio.wait_for(run, 60)
    for i, p in enumerate(processes):
        done = await client.get_process(p.process_id, key=EXECUTOR_KEY)
        assert (done.state, done.output) == (ProcessState.SUCCESS, [str(i)])
    assert manager.submitted == 1 and not manager.allocations
    assert _job_state(slurm_cluster, job_id) == "CANCELLED"
    executors = await client.get_executors(colony=COLONY, key=EXECUTOR_KEY)
    workers = [e for e in executors if e.executor_name.startswith(f"{TYPE}-alloc")]
    assert [e.state for e in workers] == [ExecutorState.UNREGISTERED]  # removed by the manager


async def test_pilot_killed_at_walltime_loses_nothing(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    """Slurm ends the allocation while its worker runs three processes (scancel does what
    the walltime does: TERM, then KILL after KillWait): they go back to the queue and the
    next allocation runs them."""
    processes = [
        await client.submit(hpc_spec("sleep 2; echo done"), key=EXECUTOR_KEY) for _ in range(3)
    ]
    manager = _manager(server, tmp_path)
    loop = asyncio.create_task(manager.run())
    try:
        first = {
            (
                await wait_state(client, p.process_id, {ProcessState.RUNNING}, EXECUTOR_KEY)
            ).assigned_executor_id
            for p in processes
        }
        [job_id] = list(manager.allocations)
        slurm_cluster.run("scancel", job_id)
        done = [
            await wait_state(
                client, p.process_id, {ProcessState.SUCCESS, ProcessState.FAILED}, EXECUTOR_KEY
            )
            for p in processes
        ]
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    assert [d.state for d in done] == [ProcessState.SUCCESS] * 3, [d.errors for d in done]
    assert [d.output for d in done] == [["done"]] * 3
    # What the first worker could not finish, the second allocation's worker ran.
    assert len(first) == 1 and {d.assigned_executor_id for d in done} - first
    assert manager.submitted == 2
    worker = await client.get_executor_by_id(first.pop(), colony=COLONY, key=EXECUTOR_KEY)
    assert worker.executor_name.startswith(f"{TYPE}-alloc{job_id}-")
