"""A restarted Slurm executor follows the jobs of its running processes again."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from colonies.crypto import new_private_key
from tests.conftest import EXECUTOR_KEY, Colony
from tests.slurm.cluster import SlurmCluster
from tests.slurm.util import hpc_spec, make_slurm_executor, serving, wait_for, wait_state

FINAL = {ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED}


async def test_restart_mid_job_adopts_running_jobs_and_cancels_orphans(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    key = new_private_key()
    gate = tmp_path / "go"
    async with serving(make_slurm_executor(server, tmp_path, key=key)):
        kept = await client.submit(
            hpc_spec(f"echo started; while [ ! -e {gate} ]; do sleep 0.2; done; echo finished"),
            key=EXECUTOR_KEY,
        )
        orphan = await client.submit(hpc_spec("sleep 60"), key=EXECUTOR_KEY)

        async def both_submitted() -> list[str]:
            ids = []
            for p in (kept, orphan):
                found = await client.get_process(p.process_id, key=EXECUTOR_KEY)
                ids += [a.value for a in found.attributes if a.key == "slurm_job_id"]
            return ids if len(ids) == 2 else []

        kept_job, orphan_job = await wait_for(both_submitted, "two Slurm jobs")
    # The executor is gone (detached): the jobs run on, the processes stay running.
    shown = slurm_cluster.run("scontrol", "show", "job", kept_job)
    assert "JobState=RUNNING" in shown or "JobState=PENDING" in shown, shown
    assert (await client.get_process(kept.process_id, key=EXECUTOR_KEY)).state == (
        ProcessState.RUNNING
    )
    await client.cancel(orphan.process_id, key=EXECUTOR_KEY)
    gate.touch()
    async with serving(make_slurm_executor(server, tmp_path, key=key)):
        done = await wait_state(client, kept.process_id, FINAL, EXECUTOR_KEY)
        assert "JobState=CANCELLED" in slurm_cluster.run("scontrol", "show", "job", orphan_job)
    assert done.state == ProcessState.SUCCESS
    assert done.output == ["started\nfinished"]
