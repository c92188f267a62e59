"""Helpers of the Slurm tests: a Slurm executor on the test server, waiting for states."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from colonies.backends.common import BackendExecutor, backend_executor
from colonies.backends.slurm_jobs import SlurmBackend, SlurmOptions
from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, Process, ProcessState
from colonies.crypto import new_private_key
from tests.conftest import COLONY, COLONY_KEY

TYPE = "hpc"


def url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


def make_slurm_executor(
    server: TestServer, workdir: Path, *, key: str | None = None, name: str = "hpc-1", **opts: Any
) -> BackendExecutor:
    backend = SlurmBackend(SlurmOptions(workdir=workdir, poll_s=0.2, **opts))
    return backend_executor(
        backend,
        TYPE,
        name=name,
        key=key or new_private_key(),
        colony=COLONY,
        colony_key=COLONY_KEY,
        url=url(server),
        concurrency=8,
        poll_timeout_s=1,
    )


@asynccontextmanager
async def serving(executor: BackendExecutor) -> AsyncIterator[asyncio.Task[None]]:
    """The executor runs in a task for the block; it is stopped (detached) afterwards."""
    task = asyncio.create_task(executor.run())
    try:
        yield task
    finally:
        executor.stop()
        await asyncio.wait_for(task, 30)


def hpc_spec(cmd: str, **fields: Any) -> FunctionSpec:
    conditions = {"colonyname": COLONY, "executortype": TYPE}
    for key in [k for k in fields if k.startswith("cond_")]:
        conditions[key.removeprefix("cond_")] = fields.pop(key)
    data = {
        "funcname": "execute",
        "kwargs": {"cmd": cmd},
        "maxexectime": -1,
        "conditions": conditions,
        **fields,
    }
    return FunctionSpec.model_validate(data)


async def wait_state(
    client: ColoniesClient,
    process_id: str,
    states: set[ProcessState],
    key: str,
    timeout: float = 30,
) -> Process:
    """The process once it is in one of ``states`` (polls the server)."""
    deadline = time.monotonic() + timeout
    while True:
        process = await client.get_process(process_id, key=key)
        if process.state in states:
            return process
        assert time.monotonic() < deadline, f"process stayed {process.state.name}"
        await asyncio.sleep(0.1)


async def wait_for(check: Any, what: str, timeout: float = 30) -> Any:
    """Poll ``await check()`` until it returns something true."""
    deadline = time.monotonic() + timeout
    while not (value := await check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)
    return value
