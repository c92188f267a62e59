"""The SDK executor's batch mode across a server killed with SIGKILL and restarted: the next
claim is in flight while results are confirmed and closed, yet every process runs exactly
once on the executor and every result lands (a real server process, a 1 s delivery lease)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Conditions, FunctionSpec, ProcessResult, ProcessState, ResultOutcome
from colonies.crypto import id_from_private_key, new_private_key
from colonies.executor_sdk import Executor
from colonies.localpg import free_port
from colonies.rpc.envelope import BATCH_FEATURE
from tests.conftest import COLONY_KEY, SERVER_KEY

ROOT = Path(__file__).parent.parent.parent
COUNT = 60
pytestmark = pytest.mark.timeout(90)


def start(dsn: str, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLONIES_")}
    argv = [sys.executable, "-m", "tests.faults.serverproc", dsn, str(port)]
    return subprocess.Popen(argv, cwd=ROOT, env=env)


async def healthy(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(1000):
            try:
                async with session.get(url + "/health") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.02)
    raise AssertionError(f"server {url} did not start")


class CountingClient(ColoniesClient):
    """Counts the batch closes the executor sends (and so shows it uses the batch mode)."""

    batch_closes = 0

    async def close_processes(self, results: list[ProcessResult], **kw: Any) -> list[ResultOutcome]:
        CountingClient.batch_closes += 1
        return await super().close_processes(results, **kw)


async def test_batch_mode_runs_each_process_once_and_keeps_every_result_across_a_restart(
    dsn: str,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start(dsn, port)
    client = CountingClient(url)
    try:
        await healthy(url)
        colony = {"colonyid": id_from_private_key(COLONY_KEY), "name": "test"}
        await client.call("addcolonymsg", {"colony": colony}, key=SERVER_KEY)
        runs: Counter[int] = Counter()
        enough = asyncio.Event()
        ex = Executor(
            "overlap",
            colony="test",
            colony_key=COLONY_KEY,
            key=new_private_key(),
            client=client,
            settings=ClientSettings(),
            concurrency=8,
            poll_timeout_s=1,
            backoff_s=0.05,
            max_backoff_s=0.3,
        )

        @ex.function()
        async def double(n: int) -> int:
            runs[n] += 1
            if sum(runs.values()) >= COUNT // 3:
                enough.set()
            await asyncio.sleep(0.02)
            return 2 * n

        await ex.register()
        submitted = []
        for n in range(COUNT):
            spec = FunctionSpec(
                func_name="double",
                args=[n],
                max_exec_time=-1,
                conditions=Conditions(colony_name="test", executor_type="overlap"),
            )
            submitted.append((await client.submit(spec, key=ex.key)).process_id)
        run = asyncio.create_task(ex.run())
        await asyncio.wait_for(enough.wait(), 30)
        assert BATCH_FEATURE in client.server_features
        server.send_signal(signal.SIGKILL)  # claims, confirms and closes are on their way
        server.wait()
        await asyncio.sleep(1.5)  # past the delivery lease: unconfirmed claims wait again
        server = start(dsn, port)
        await healthy(url)

        async def outputs() -> dict[str, list[Any]]:
            found = {}
            for process_id in submitted:
                p = await client.get_process(process_id, key=ex.key)
                if p.state == ProcessState.SUCCESS:
                    found[process_id] = p.output
            return found

        deadline = time.monotonic() + 30
        while len(done := await outputs()) < COUNT and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await ex.shutdown(grace_s=5)
        await asyncio.wait_for(run, 20)
        assert [done.get(pid) for pid in submitted] == [[2 * n] for n in range(COUNT)]
        assert sorted(runs) == list(range(COUNT))
        assert set(runs.values()) == {1}  # none ran twice
        assert CountingClient.batch_closes > 0
    finally:
        await client.close()
        if server.poll() is None:
            server.terminate()
            server.wait(10)
