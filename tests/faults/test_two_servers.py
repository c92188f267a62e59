"""Faults with two real server processes on one database: executors that abandon their
long-poll at random moments, and a server killed with SIGKILL under load. Every process
runs on exactly one executor and none is stranded or lost."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, Process, ProcessState
from colonies.crypto import id_from_private_key, new_private_key
from colonies.db import Database
from colonies.errors import RPCError, TransportError
from colonies.localpg import free_port
from tests.conftest import COLONY_KEY, SERVER_KEY, spec
from tests.faults.serverproc import LEASE_S

ROOT = Path(__file__).parent.parent.parent
pytestmark = pytest.mark.timeout(120)


class Servers:
    """Server processes on one database, each on its own port."""

    def __init__(self, dsn: str, count: int) -> None:
        self.ports = [free_port() for _ in range(count)]
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.faults.serverproc", dsn, str(port)],
                cwd=ROOT,
                env={k: v for k, v in os.environ.items() if not k.startswith("COLONIES_")},
            )
            for port in self.ports
        ]

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    async def ready(self) -> None:
        async with aiohttp.ClientSession() as session:
            for url in self.urls():
                for _ in range(500):
                    try:
                        async with session.get(url + "/health") as resp:
                            if resp.status == 200:
                                break
                    except aiohttp.ClientConnectionError:
                        pass
                    await asyncio.sleep(0.02)
                else:
                    raise AssertionError(f"server {url} did not start")

    def kill(self, index: int) -> None:
        self.procs[index].send_signal(signal.SIGKILL)
        self.procs[index].wait()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def servers(dsn: str) -> Iterator[Servers]:
    group = Servers(dsn, 2)
    try:
        yield group
    finally:
        group.stop()


@pytest.fixture
async def clients(servers: Servers) -> AsyncIterator[list[ColoniesClient]]:
    await servers.ready()
    made = [ColoniesClient(url) for url in servers.urls()]
    try:
        yield made
    finally:
        for c in made:
            await c.close()


async def setup_colony(client: ColoniesClient, executors: int) -> list[str]:
    colony = {"colonyid": id_from_private_key(COLONY_KEY), "name": "test"}
    await client.call("addcolonymsg", {"colony": colony}, key=SERVER_KEY)
    keys = []
    for i in range(executors):
        key = new_private_key()
        executor = {
            "executorid": id_from_private_key(key),
            "executorname": f"e{i}",
            "executortype": "cli",
            "colonyname": "test",
        }
        await client.call("addexecutormsg", {"executor": executor}, key=COLONY_KEY)
        await client.call(
            "approveexecutormsg", {"colonyname": "test", "executorname": f"e{i}"}, key=COLONY_KEY
        )
        keys.append(key)
    return keys


class Worker:
    """An executor as our SDK behaves: assign with a delivery lease, confirm, run, close.
    An abandoning one gives up each long-poll after a random 1-60 ms (a client timeout or a
    proxy cutting the request); failed calls move it to the next server."""

    def __init__(self, clients: list[ColoniesClient], key: str, abandons: bool) -> None:
        self.clients = clients
        self.key = key
        self.abandons = abandons
        self.ran: list[str] = []
        self.turn = random.randrange(len(clients))

    async def run(self, done: asyncio.Event) -> None:
        while not done.is_set():
            client = self.clients[self.turn % len(self.clients)]
            try:
                process = await self._assign(client)
            except RPCError:
                await asyncio.sleep(0.01)
                continue
            except TransportError:
                self.turn += 1  # that server is gone: use the other one
                await asyncio.sleep(0.01)
                continue
            if process is not None and await self._confirm(process.process_id):
                self.ran.append(process.process_id)
                await self._close(process.process_id)

    async def _confirm(self, process_id: str) -> bool:
        """Confirm until the server answers either way: a lost answer may have been stored."""
        for attempt in range(500):
            client = self.clients[(self.turn + attempt) % len(self.clients)]
            try:
                await client.confirm_process(process_id, key=self.key)
                return True
            except RPCError as err:
                if err.status == 403:  # the lease ended before we confirmed: not ours
                    return False
            except TransportError:
                pass
            await asyncio.sleep(0.02)
        raise AssertionError(f"could not confirm {process_id}")

    async def _assign(self, client: ColoniesClient) -> Process | None:
        try:
            if self.abandons:
                async with asyncio.timeout(random.uniform(0.001, 0.060)):
                    return await client.assign(
                        2, confirm_delivery=True, colony="test", key=self.key
                    )
            return await client.assign(2, confirm_delivery=True, colony="test", key=self.key)
        except TimeoutError:
            return None
        except RPCError as err:
            if err.status in (404, 408):
                return None
            raise

    async def _close(self, process_id: str) -> None:
        for attempt in range(200):
            client = self.clients[(self.turn + attempt) % len(self.clients)]
            try:
                await client.close_process(process_id, ["ok"], key=self.key)
                return
            except TransportError:
                await asyncio.sleep(0.02)
        raise AssertionError(f"could not close {process_id}")


async def wait_all_done(db: Database, count: int, limit_s: float) -> int:
    deadline = time.monotonic() + limit_s
    done = 0
    while time.monotonic() < deadline:
        done = len(await db.processes.find("test", ProcessState.SUCCESS, count + 1))
        if done >= count:
            break
        await asyncio.sleep(0.1)
    return done


async def test_executors_abandoning_long_polls_strand_nothing_and_run_nothing_twice(
    clients: list[ColoniesClient], db: Database
) -> None:
    keys = await setup_colony(clients[0], 16)
    workers = [Worker(clients, key, abandons=i < 8) for i, key in enumerate(keys)]
    done = asyncio.Event()
    tasks = [asyncio.create_task(w.run(done)) for w in workers]
    count = 600
    s = FunctionSpec.model_validate(spec())
    submitted = await asyncio.gather(*(clients[i % 2].submit(s, key=keys[0]) for i in range(count)))
    finished = await wait_all_done(db, count, 20 + 4 * LEASE_S)
    done.set()
    await asyncio.gather(*tasks)
    ran = Counter(pid for w in workers for pid in w.ran)
    running = await db.processes.find("test", ProcessState.RUNNING, 100)
    waiting = await db.processes.find("test", ProcessState.WAITING, 100)
    print(  # the figures of the run, shown with -s
        f"abandoning workers ran {sum(len(w.ran) for w in workers[:8])}, "
        f"others {sum(len(w.ran) for w in workers[8:])}"
    )
    assert (finished, len(running), len(waiting)) == (count, 0, 0)
    assert set(ran) == {p.process_id for p in submitted}
    assert max(ran.values()) == 1  # never run by two executors


async def test_a_server_killed_under_load_loses_no_acknowledged_submit(
    servers: Servers, clients: list[ColoniesClient], db: Database
) -> None:
    keys = await setup_colony(clients[0], 8)
    workers = [Worker(clients, key, abandons=False) for key in keys]
    done = asyncio.Event()
    tasks = [asyncio.create_task(w.run(done)) for w in workers]
    acknowledged: list[str] = []
    s = FunctionSpec.model_validate(spec())

    async def submitter(index: int) -> None:
        for n in range(60):
            client = clients[(index + n) % 2]
            # A submit that fails is not acknowledged: the caller knows it may not exist.
            with contextlib.suppress(TransportError):
                acknowledged.append((await client.submit(s, key=keys[0])).process_id)

    load = asyncio.gather(*(submitter(i) for i in range(8)))
    await asyncio.sleep(0.5)
    servers.kill(1)
    await load
    stored = {
        p.process_id for state in ProcessState for p in await db.processes.find("test", state, 1000)
    }
    assert set(acknowledged) <= stored  # nothing acknowledged is lost
    finished = await wait_all_done(db, len(stored), 20 + 4 * LEASE_S)
    done.set()
    await asyncio.gather(*tasks)
    ran = Counter(pid for w in workers for pid in w.ran)
    left = [
        (p.process_id[:8], p.state, p.assigned_executor_id[:8])
        for state in (ProcessState.WAITING, ProcessState.RUNNING)
        for p in await db.processes.find("test", state, 100)
    ]
    assert (finished, left) == (len(stored), []) and len(acknowledged) > 100
    assert max(ran.values()) == 1
