"""Benchmark: processes stranded by executors that abandon their assign long-polls.

Against a running server (e.g. `colonies dev`), with its env:

    .venv/bin/python benchmarks/abandon.py --processes 600 --workers 16

Half the workers give up each assign after a random 1-60 ms (a client timeout, a proxy
cutting the request), the others wait normally. Run twice, back to back: as the Go
executors and pycolonies behave (no delivery confirmation) and as our SDK does (assign with
``confirmdelivery``, confirm, then run). Prints, for each, how many processes finished,
how many stayed RUNNING assigned to an executor that never got them (stranded), and how
many ran twice. Confirming executors recover lost replies after the server's delivery lease
(COLONIES_DELIVERY_LEASE, 15 s), so that run waits for it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Conditions, FunctionSpec, Process, ProcessState
from colonies.crypto import id_from_private_key, new_private_key
from colonies.errors import RPCError


async def worker(
    client: ColoniesClient, colony: str, key: str, abandons: bool, confirm: bool,
    ran: list[str], done: asyncio.Event,
) -> None:  # fmt: skip
    while not done.is_set():
        try:
            async with asyncio.timeout(random.uniform(0.001, 0.060) if abandons else None):
                process: Process = await client.assign(
                    2, confirm_delivery=confirm, colony=colony, key=key
                )
        except (TimeoutError, RPCError):
            continue
        if confirm:
            try:
                await client.confirm_process(process.process_id, key=key)
            except RPCError:
                continue  # the lease ended first: not ours to run
        ran.append(process.process_id)
        await client.close_process(process.process_id, [], key=key)


async def one_run(args: argparse.Namespace, s: ClientSettings, confirm: bool) -> dict[str, int]:
    etype = "abandon-" + new_private_key()[:8]
    async with ColoniesClient.from_env(s) as client:
        keys = []
        for i in range(args.workers):
            key = new_private_key()
            name = f"{etype}-{i}"
            executor = {"executorid": id_from_private_key(key), "executorname": name,
                        "executortype": etype, "colonyname": s.colony_name}  # fmt: skip
            await client.call("addexecutormsg", {"executor": executor}, key=s.colony_prvkey)
            await client.call("approveexecutormsg", {"colonyname": s.colony_name,
                              "executorname": name}, key=s.colony_prvkey)  # fmt: skip
            keys.append(key)
        ran: list[str] = []
        done = asyncio.Event()
        tasks = [
            asyncio.create_task(
                worker(client, s.colony_name, key, i < args.workers // 2, confirm, ran, done)
            )
            for i, key in enumerate(keys)
        ]
        spec = FunctionSpec(
            func_name="noop", max_exec_time=-1,
            conditions=Conditions(colony_name=s.colony_name, executor_type=etype),
        )  # fmt: skip
        submitted = [
            (await client.submit(spec, key=s.prvkey)).process_id for _ in range(args.processes)
        ]
        deadline = time.monotonic() + args.wait
        while time.monotonic() < deadline and len(set(ran)) < len(submitted):
            await asyncio.sleep(0.2)
        done.set()
        await asyncio.gather(*tasks)
        states: Counter[ProcessState] = Counter()
        for pid in submitted:
            states[(await client.get_process(pid, key=s.prvkey)).state] += 1
        for i in range(args.workers):
            await client.call("removeexecutormsg", {"colonyname": s.colony_name,
                              "executorname": f"{etype}-{i}"}, key=s.colony_prvkey)  # fmt: skip
    counts = Counter(ran)
    return {
        "finished": states[ProcessState.SUCCESS],
        "stranded_running": states[ProcessState.RUNNING],
        "ran_twice": sum(1 for n in counts.values() if n > 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=600)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--wait", type=float, default=30, help="seconds to wait for the rest")
    args = parser.parse_args()
    s = ClientSettings.from_env()
    result = {
        "not_confirming": await one_run(args, s, confirm=False),
        "confirming": await one_run(args, s, confirm=True),
    }
    print(json.dumps({**vars(args), **result}))


if __name__ == "__main__":
    asyncio.run(main())
