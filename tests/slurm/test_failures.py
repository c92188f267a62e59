"""How Slurm jobs end: exit codes, cancels both ways, logs while running, a real TIMEOUT."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from tests.conftest import COLONY, EXECUTOR_KEY, Colony
from tests.slurm.cluster import SlurmCluster
from tests.slurm.util import hpc_spec, make_slurm_executor, serving, wait_for, wait_state

FINAL = {ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED}


async def _attribute(client: ColoniesClient, process_id: str, key: str) -> str:
    async def found() -> str:
        process = await client.get_process(process_id, key=EXECUTOR_KEY)
        return {a.key: a.value for a in process.attributes}.get(key, "")

    return str(await wait_for(found, f"attribute {key}"))


async def _logs(client: ColoniesClient, process_id: str) -> str:
    entries = await client.get_logs(
        process_id=process_id, count=100, colony=COLONY, key=EXECUTOR_KEY
    )
    return "".join(e.message for e in entries)


async def test_non_zero_exit_fails_with_exit_code_and_last_stderr_line(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    async with serving(make_slurm_executor(server, tmp_path)):
        process = await client.submit(
            hpc_spec("echo working; echo 'no input' >&2; exit 3"), key=EXECUTOR_KEY
        )
        done = await wait_state(client, process.process_id, FINAL, EXECUTOR_KEY)
    assert done.state == ProcessState.FAILED
    [error] = done.errors
    assert error.startswith("exit: the job failed with exit code 3: no input (Slurm job ")


async def test_scancel_in_slurm_fails_the_process_as_cancelled(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    async with serving(make_slurm_executor(server, tmp_path)):
        process = await client.submit(hpc_spec("sleep 60"), key=EXECUTOR_KEY)
        job_id = await _attribute(client, process.process_id, "slurm_job_id")
        slurm_cluster.run("scancel", job_id)
        done = await wait_state(client, process.process_id, FINAL, EXECUTOR_KEY)
    assert done.state == ProcessState.FAILED
    assert done.errors[0].startswith("cancelled: the job was cancelled in Slurm (scancel)")


async def test_logs_stream_while_running_and_a_cancel_in_colonies_scancels_the_job(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    async with serving(make_slurm_executor(server, tmp_path)):
        process = await client.submit(
            hpc_spec("echo first line; echo to stderr >&2; sleep 60"), key=EXECUTOR_KEY
        )
        job_id = await _attribute(client, process.process_id, "slurm_job_id")

        async def streamed() -> bool:
            text = await _logs(client, process.process_id)
            return "first line" in text and "to stderr" in text

        await wait_for(streamed, "the job's first lines in the process log")
        assert (await client.get_process(process.process_id, key=EXECUTOR_KEY)).state == (
            ProcessState.RUNNING
        )
        await client.cancel(process.process_id, key=EXECUTOR_KEY)

        async def cancelled() -> bool:
            return "JobState=CANCELLED" in slurm_cluster.run("scontrol", "show", "job", job_id)

        await wait_for(cancelled, "scancel of the job")
    done = await client.get_process(process.process_id, key=EXECUTOR_KEY)
    assert done.state == ProcessState.CANCELLED


@pytest.mark.timeout(150)
async def test_walltime_exceeded_fails_with_timeout(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    """Slurm counts walltime in minutes and checks limits every 30 s: this takes 60-90 s
    (it only sleeps)."""
    async with serving(make_slurm_executor(server, tmp_path)):
        process = await client.submit(hpc_spec("sleep 300", cond_walltime=1), key=EXECUTOR_KEY)
        done = await wait_state(client, process.process_id, FINAL, EXECUTOR_KEY, timeout=120)
    assert done.state == ProcessState.FAILED
    assert done.errors[0].startswith("timeout: the job ran out of its walltime (--time)")
    job_id = {a.key: a.value for a in done.attributes}["slurm_job_id"]
    shown = slurm_cluster.run("scontrol", "show", "job", job_id)
    assert "JobState=TIMEOUT" in shown and "TimeLimit=00:01:00" in shown
