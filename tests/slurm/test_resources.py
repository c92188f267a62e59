"""Resource mapping read back from Slurm (``scontrol show job``): what the spec asks and
the executor's ``--exclusive``, for one job per process and for a pilot allocation."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestServer

from colonies.backends.slurm_jobs import SlurmOptions
from colonies.client import ColoniesClient
from colonies.core import ProcessState
from tests.conftest import EXECUTOR_KEY, Colony
from tests.slurm.cluster import SlurmCluster
from tests.slurm.test_pilot import _manager
from tests.slurm.util import hpc_spec, make_slurm_executor, serving, wait_for, wait_state

FINAL = {ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED}


def _fields(shown: str) -> dict[str, str]:
    return dict(word.split("=", 1) for word in shown.split() if "=" in word)


async def test_conditions_and_exclusive_as_slurm_sees_them(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    spec = hpc_spec(
        "echo $SLURM_CPUS_PER_TASK $SLURM_NTASKS",
        cond_nodes=1,
        cond_processespernode=2,
        cond_cpu="1500m",
        cond_mem="48Mi",
        cond_walltime=150,
    )
    async with serving(make_slurm_executor(server, tmp_path, exclusive=True)):
        process = await client.submit(spec, key=EXECUTOR_KEY)
        done = await wait_state(client, process.process_id, FINAL, EXECUTOR_KEY)
    assert done.state == ProcessState.SUCCESS, done.errors
    # Two tasks, each printing the CPUs per task and the task count.
    assert sorted(done.output[0].split("\n")) == ["2 2", "2 2"]
    job_id = {a.key: a.value for a in done.attributes}["slurm_job_id"]
    job = _fields(slurm_cluster.run("scontrol", "-o", "show", "job", job_id))
    assert job["NumNodes"] == "1" and job["NumTasks"] == "2"
    assert job["CPUs/Task"] == "2" and job["TimeLimit"] == "00:03:00"
    assert job["MinMemoryNode"] == "48M"
    # --exclusive: the whole node, every CPU of it, shared with no other job.
    assert job["OverSubscribe"] == "NO" and job["NumCPUs"] == str(slurm_cluster.cpus)


async def test_a_pilot_allocation_with_exclusive_gets_the_whole_node(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    manager = _manager(server, tmp_path, slurm=SlurmOptions(workdir=tmp_path, exclusive=True))
    await manager.member.register()
    job_id = await manager.submit()

    async def running() -> dict[str, str]:
        job = _fields(slurm_cluster.run("scontrol", "-o", "show", "job", job_id))
        return job if job["JobState"] == "RUNNING" else {}

    try:
        job = await wait_for(running, "the allocation to start")
    finally:
        slurm_cluster.run("scancel", job_id)
    assert job["OverSubscribe"] == "NO" and job["NumCPUs"] == str(slurm_cluster.cpus)
    assert job["TimeLimit"] == "00:10:00" and job["NumNodes"] == "1"
