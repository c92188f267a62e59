"""Benchmark: submit and roundtrip throughput with replay protection ``off`` and ``require``.

Starts its own PostgreSQL (as `colonies dev` does: a private cluster, synchronous_commit
off, reached over its Unix socket) and a `colonies server start` on it per mode
(COLONIES_REPLAY_PROTECTION, ``--modes``, default off and require). Each scenario cycles
short slices through the servers (in turn forwards and backwards), so every mode sees the
same load of a shared machine; a round reports the mean of its slices and the ratios to
off:

    .venv/bin/python benchmarks/replay.py --rounds 1 --slices 6 --duration 3

``submit``: ``--clients`` coroutines submit as fast as they can. ``roundtrip``: 4
submitters keep at most ``--window`` processes submitted-but-not-closed while
``--executors`` executors assign and close them (shared/bench/colonies_load.py's scenario;
that generator builds envelopes without nonces, which ``require`` refuses, so this script
drives the servers with our client). Figures count completed calls after a warm-up; the
queue is emptied after each slice. Server and PostgreSQL CPU (cores) are read from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
from procstat import tree_cpu_s

from colonies.client import ColoniesClient
from colonies.core import Colony, Conditions, Executor, FunctionSpec
from colonies.crypto import id_from_private_key, new_private_key
from colonies.errors import RPCError
from colonies.localpg import DEV_SETTINGS, LocalPostgres, free_port

SERVER_KEY = new_private_key()
COLONY_KEY = new_private_key()
COLONY = "replay-bench"
TYPE = "replay-bench"


@contextlib.contextmanager
def postgres(root: Path) -> Iterator[LocalPostgres]:
    pg = LocalPostgres(root / "pg", settings=DEV_SETTINGS)
    pg.init()
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()


@contextlib.contextmanager
def server(pg: LocalPostgres, mode: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`colonies server start` on the cluster, in one replay protection mode."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COLONIES_")},
        "COLONIES_DB_HOST": str(pg.data_dir),
        "COLONIES_DB_PORT": str(pg.port),
        "COLONIES_DB_USER": "postgres",
        "COLONIES_DB_NAME": "postgres",
        "COLONIES_SERVER_PRVKEY": SERVER_KEY,
        "COLONIES_SERVER_HTTP_PORT": str(port),
        "COLONIES_REPLAY_PROTECTION": mode,
    }
    colonies = Path(sys.executable).parent / "colonies"
    proc = subprocess.Popen([str(colonies), "server", "start"], env=env)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(30)


async def until_healthy(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url + "/health") as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


def spec() -> FunctionSpec:
    return FunctionSpec(
        func_name="noop",
        max_exec_time=-1,
        conditions=Conditions(colony_name=COLONY, executor_type=TYPE),
    )


async def setup(client: ColoniesClient, executors: int) -> list[str]:
    """The colony and its approved executors (once per database); their keys."""
    keys = [new_private_key() for _ in range(executors)]
    with contextlib.suppress(RPCError):  # already there from an earlier run
        await client.add_colony(
            Colony(colony_id=id_from_private_key(COLONY_KEY), name=COLONY), key=SERVER_KEY
        )
    for i, key in enumerate(keys):
        name = f"bench-{i}-{key[:6]}"
        executor = Executor(
            executor_id=id_from_private_key(key),
            executor_name=name,
            executor_type=TYPE,
            colony_name=COLONY,
        )
        await client.add_executor(executor, key=COLONY_KEY)
        await client.approve_executor(name, colony=COLONY, key=COLONY_KEY)
    return keys


async def measure(
    tasks: list[asyncio.Task[None]], args: argparse.Namespace, counter: list[int]
) -> float:
    """Calls per second the ``tasks`` count in ``counter[0]`` over ``args.duration`` after
    ``args.warmup``; the tasks are stopped after."""
    try:
        await asyncio.sleep(args.warmup)
        c0, t0 = counter[0], time.perf_counter()
        await asyncio.sleep(args.duration)
        return (counter[0] - c0) / (time.perf_counter() - t0)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def submit_scenario(client: ColoniesClient, key: str, args: argparse.Namespace) -> float:
    done = [0]

    async def submitter() -> None:
        while True:
            await client.submit(spec(), key=key)
            done[0] += 1

    tasks = [asyncio.create_task(submitter()) for _ in range(args.clients)]
    return await measure(tasks, args, done)


async def roundtrip_scenario(
    client: ColoniesClient, keys: list[str], args: argparse.Namespace
) -> float:
    window = asyncio.Semaphore(args.window)
    done = [0]

    async def submitter() -> None:
        while True:
            await window.acquire()
            await client.submit(spec(), key=keys[0])

    async def executor(key: str) -> None:
        while True:
            try:
                process = await client.assign(1, colony=COLONY, key=key)
            except RPCError:
                continue  # nothing came within the timeout
            await client.close_process(process.process_id, key=key)
            done[0] += 1
            window.release()

    tasks = [asyncio.create_task(submitter()) for _ in range(4)]
    tasks += [asyncio.create_task(executor(key)) for key in keys]
    return await measure(tasks, args, done)


async def one_slice(
    client: ColoniesClient,
    proc: subprocess.Popen[bytes],
    pg_pid: int,
    keys: list[str],
    scenario: str,
    args: argparse.Namespace,
) -> dict[str, float]:
    """One measurement of a scenario against one server; the queue is emptied afterwards."""
    cpu0 = tree_cpu_s(proc.pid), tree_cpu_s(pg_pid)
    t0 = time.perf_counter()
    if scenario == "submit":
        per_s = await submit_scenario(client, keys[0], args)
    else:
        per_s = await roundtrip_scenario(client, keys, args)
    wall = time.perf_counter() - t0
    cpu1 = tree_cpu_s(proc.pid), tree_cpu_s(pg_pid)
    await client.remove_all_processes(colony=COLONY, key=COLONY_KEY)
    return {
        "per_s": per_s,
        "server_cpu": (cpu1[0] - cpu0[0]) / wall,
        "postgres_cpu": (cpu1[1] - cpu0[1]) / wall,
    }


async def one_round(
    pg: LocalPostgres, modes: list[str], args: argparse.Namespace
) -> dict[str, dict[str, dict[str, float]]]:
    """A server per mode, all up at once; each scenario cycles short slices through the
    modes (in turn forwards and backwards) so all see the same load of the machine."""
    ports = {mode: free_port() for mode in modes}
    async with contextlib.AsyncExitStack() as stack:
        procs = {mode: stack.enter_context(server(pg, mode, ports[mode])) for mode in modes}
        clients = {}
        for mode in modes:
            url = f"http://127.0.0.1:{ports[mode]}"
            await until_healthy(url)
            clients[mode] = await stack.enter_async_context(ColoniesClient(url))
        keys = await setup(clients[modes[0]], args.executors)
        pg_pid = pg.running_pid() or 0
        result: dict[str, dict[str, dict[str, float]]] = {}
        for scenario in ("submit", "roundtrip"):
            slices: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
            for i in range(args.slices):
                for mode in modes if i % 2 == 0 else modes[::-1]:
                    row = await one_slice(clients[mode], procs[mode], pg_pid, keys, scenario, args)
                    slices[mode].append(row)
            result[scenario] = {
                mode: {
                    key: round(statistics.mean(r[key] for r in rows), 3)
                    for key in ("per_s", "server_cpu", "postgres_cpu")
                }
                for mode, rows in slices.items()
            }
            off = result[scenario]["off"]["per_s"]
            result[scenario]["ratio"] = {
                f"{mode}/off": round(result[scenario][mode]["per_s"] / off, 3)
                for mode in modes
                if mode != "off"
            }
            print(scenario, json.dumps(result[scenario]), file=sys.stderr, flush=True)
    return result


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modes", default="off,require", help="off and the modes to compare")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--slices", type=int, default=6, help="measurements per mode and round")
    ap.add_argument("--duration", type=float, default=3)
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--executors", type=int, default=8)
    ap.add_argument("--window", type=int, default=64)
    args = ap.parse_args()
    modes = args.modes.split(",")
    assert "off" in modes, "the ratios are against off"
    rounds = []
    with tempfile.TemporaryDirectory(prefix="replay-bench-") as root:
        os.chmod(root, 0o755)
        with postgres(Path(root)) as pg:
            for _ in range(args.rounds):
                rounds.append(await one_round(pg, modes, args))
    summary = {
        scenario: {
            **{f"{mode}_per_s": [r[scenario][mode]["per_s"] for r in rounds] for mode in modes},
            **{
                f"{ratio}_ratios": [r[scenario]["ratio"][ratio] for r in rounds]
                for ratio in rounds[0][scenario]["ratio"]
            },
            **{
                f"{ratio}_median": statistics.median(r[scenario]["ratio"][ratio] for r in rounds)
                for ratio in rounds[0][scenario]["ratio"]
            },
        }
        for scenario in ("submit", "roundtrip")
    }
    print(json.dumps({**vars(args), **summary}))


if __name__ == "__main__":
    asyncio.run(main())
