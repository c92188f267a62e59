"""`colonies executor start --backend slurm [--pilot]` as a user starts it."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from tests.conftest import COLONY, COLONY_KEY, EXECUTOR_KEY, Colony
from tests.slurm.cluster import SlurmCluster
from tests.slurm.util import TYPE, hpc_spec

COLONIES = str(Path(sys.executable).parent / "colonies")


async def _start(server: TestServer, workdir: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COLONIES_", "AWS_"))}
    env.update(
        COLONIES_SERVER_HOST="127.0.0.1",
        COLONIES_SERVER_PORT=str(server.port),
        COLONIES_TLS="false",
        COLONIES_COLONY_NAME=COLONY,
        COLONIES_COLONY_PRVKEY=COLONY_KEY,
    )
    proc = await asyncio.create_subprocess_exec(
        COLONIES,
        "executor",
        "start",
        "--backend",
        "slurm",
        "--type",
        TYPE,
        "--shared-dir",
        str(workdir),
        "--slurm-poll",
        "0.3",
        "--burst",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 50)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_executor_start_backend_slurm_both_modes(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    tmp_path: Path,
) -> None:
    # The job sees the process id but none of the executor's secrets.
    cmd = 'echo "key=${COLONIES_COLONY_PRVKEY:-none} id=$COLONIES_PROCESS_ID"'
    one = await client.submit(hpc_spec(cmd), key=EXECUTOR_KEY)
    status, out = await _start(server, tmp_path)
    assert status == 0, out
    done = await client.get_process(one.process_id, key=EXECUTOR_KEY)
    assert (done.state, done.output) == (ProcessState.SUCCESS, [f"key=none id={one.process_id}"])
    assert (tmp_path / ".colonies-slurm" / f"{TYPE}-{os.uname().nodename}.key").exists()

    many = [await client.submit(hpc_spec(f"echo {i}"), key=EXECUTOR_KEY) for i in range(5)]
    status, out = await _start(
        server, tmp_path, "--pilot", "--max-allocations", "1", "--idle-timeout", "2s"
    )
    assert status == 0, out
    for i, p in enumerate(many):
        done = await client.get_process(p.process_id, key=EXECUTOR_KEY)
        assert (done.state, done.output) == (ProcessState.SUCCESS, [str(i)])
