"""One Slurm job per process, against a real one-node Slurm cluster."""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from tests.cli.conftest import Invoke, ok
from tests.conftest import EXECUTOR_KEY, Colony
from tests.slurm.cluster import SlurmCluster
from tests.slurm.util import TYPE, make_slurm_executor, serving

FINAL = {ProcessState.SUCCESS, ProcessState.FAILED}


async def test_spec_runs_end_to_end_through_function_submit_wait(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    invoke: Invoke,
    tmp_path: Path,
) -> None:
    spec = {
        "funcname": "execute",
        "kwargs": {"cmd": "echo hello from $GREETING {processid}; echo oops >&2"},
        "env": {"GREETING": "a job's world"},
        "maxexectime": -1,
        "conditions": {"executortype": TYPE, "cpu": "1500m", "mem": "64Mi"},
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    executor = make_slurm_executor(server, tmp_path / "work")
    async with serving(executor):
        result = await invoke("function", "submit", "--spec", str(path), "--wait", "--out")
    output = ok(result).strip()
    assert output.startswith("hello from a job's world ")
    process_id = output.rsplit(" ", 1)[1]
    process = await client.get_process(process_id, key=EXECUTOR_KEY)
    attrs = {a.key: a.value for a in process.attributes}
    job_id = attrs["slurm_job_id"]
    assert attrs["slurm_nodes"] == slurm_cluster.node
    report = json.loads(attrs["resources"])
    assert report["extra"]["slurm_state"] == "COMPLETED" and report["wall_s"] >= 0
    assert report["peak_mem_bytes"] > 0
    shown = slurm_cluster.run("scontrol", "show", "job", job_id)
    assert f"JobName={process_id}" in shown and "CPUs/Task=2" in shown
    assert "mem=64M" in shown
    logs = "".join(
        entry.message
        for entry in await client.get_logs(
            process_id=process_id, count=100, colony="test", key=EXECUTOR_KEY
        )
    )
    assert "#SBATCH --cpus-per-task=2" in logs and "export GREETING='a job'\"'\"'s world'" in logs
    assert "oops" in logs and "hello from" in logs
