"""Benchmark: parameter sweeps (issue 13 item 5).

Starts a scratch ``colonies dev --no-s3`` and measures, in this order:

1. one workflow of a ``--nodes`` sweep (``"parameters": {"i": "1:N"}``, one request): the
   submit's time and the server's RSS before and after (and its peak, VmHWM);
2. the same number of processes as separate ``submitfuncspecmsg`` requests, ``--window``
   in flight at once: time and RSS;
3. completion of a ``--run-nodes`` sweep (one root, a sweep, a fan-in over ``work_*``) with
   ``--executors`` executors (assign, close, in this process): submit to graph SUCCESS.

    .venv/bin/python benchmarks/sweeps.py --nodes 10000 --run-nodes 1000 --executors 8

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from devproc import dev_server

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Conditions, FunctionSpec, ProcessState, WorkflowSpec
from colonies.crypto import id_from_private_key, new_private_key
from colonies.errors import RPCError


def rss_mb(pid: int) -> dict[str, float]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = round(int(value.split()[0]) / 1024, 1)
    return found


def spec(s: ClientSettings, etype: str, **fields: Any) -> FunctionSpec:
    return FunctionSpec(
        max_exec_time=-1, conditions=Conditions(colony_name=s.colony_name, executor_type=etype),
        **fields,
    )  # fmt: skip


async def add_executors(client: ColoniesClient, s: ClientSettings, etype: str, n: int) -> list[str]:
    keys = []
    for i in range(n):
        key = new_private_key()
        name = f"{etype}-{i}"
        executor = {"executorid": id_from_private_key(key), "executorname": name,
                    "executortype": etype, "colonyname": s.colony_name}  # fmt: skip
        await client.call("addexecutormsg", {"executor": executor}, key=s.colony_prvkey)
        await client.call("approveexecutormsg", {"colonyname": s.colony_name,
                          "executorname": name}, key=s.colony_prvkey)  # fmt: skip
        keys.append(key)
    return keys


async def executor(
    client: ColoniesClient, colony: str, key: str, done: asyncio.Event, closed: asyncio.Event,
    count: list[int],
) -> int:  # fmt: skip
    """Assign and close until ``done``; sets ``closed`` when count[0] reaches count[1]."""
    ran = 0
    while not done.is_set():
        try:
            process = await client.assign(1, colony=colony, key=key)
        except RPCError:
            continue
        await client.close_process(process.process_id, [process.spec.node_name], key=key)
        ran += 1
        count[0] += 1
        if count[0] >= count[1]:
            closed.set()
    return ran


async def measure(args: argparse.Namespace, env: dict[str, str], pid: int) -> dict[str, Any]:
    s = ClientSettings.from_env(env)
    out: dict[str, Any] = {"nodes": args.nodes}
    async with ColoniesClient.from_env(s) as client:
        # 1. one sweep of N nodes in one request
        sweep = spec(s, "idle-sweep", node_name="n_{i}", func_name="noop",
                     parameters={"i": f"1:{args.nodes}"}, args=["{i}"])  # fmt: skip
        before = rss_mb(pid)
        t0 = time.perf_counter()
        graph = await client.submit_workflow(
            WorkflowSpec(colony_name=s.colony_name, function_specs=[sweep]), key=s.prvkey
        )
        out["sweep_submit_s"] = round(time.perf_counter() - t0, 3)
        assert len(graph.process_ids) == args.nodes
        out["sweep_rss_mb"] = {"before": before, "after": rss_mb(pid)}

        # 2. N separate submits, a window in flight
        one = spec(s, "idle-single", func_name="noop", args=[1])
        before = rss_mb(pid)
        left = list(range(args.nodes))

        async def submitter() -> None:
            while left:
                left.pop()
                await client.submit(one, key=s.prvkey)

        t0 = time.perf_counter()
        await asyncio.gather(*(submitter() for _ in range(args.window)))
        out["separate_submits_s"] = round(time.perf_counter() - t0, 3)
        out["separate_rss_mb"] = {"before": before, "after": rss_mb(pid)}

        # 3. a sweep of run-nodes nodes run to the end by executors
        etype = "sweep-run"
        keys = await add_executors(client, s, etype, args.executors)
        work = args.run_nodes - 2
        nodes = [
            spec(s, etype, node_name="root", func_name="root"),
            spec(
                s,
                etype,
                node_name="work_{i}",
                func_name="work",
                parameters={"i": f"1:{work}"},
                args=["{i}"],
            ),
            spec(s, etype, node_name="report", func_name="report"),
        ]
        nodes[1].conditions.dependencies = ["root"]
        nodes[2].conditions.dependencies = ["work_*"]
        done, closed = asyncio.Event(), asyncio.Event()
        count = [0, args.run_nodes]
        workers = [
            asyncio.create_task(executor(client, s.colony_name, key, done, closed, count))
            for key in keys
        ]
        t0 = time.perf_counter()
        graph = await client.submit_workflow(
            WorkflowSpec(colony_name=s.colony_name, function_specs=nodes), key=s.prvkey
        )
        await closed.wait()  # (polling the graph would cost the server a layout each time)
        elapsed = time.perf_counter() - t0
        done.set()
        ran = await asyncio.gather(*workers)
        state = (await client.get_process_graph(graph.process_graph_id, key=s.prvkey)).state
        out["run"] = {
            "nodes": args.run_nodes,
            "executors": args.executors,
            "state": ProcessState(state).name,
            "seconds": round(elapsed, 2),
            "processes_per_s": round(args.run_nodes / elapsed, 1),
            "per_executor": sorted(ran),
        }
        out["final_rss_mb"] = rss_mb(pid)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=8, help="separate submits in flight")
    parser.add_argument("--run-nodes", type=int, default=1_000)
    parser.add_argument("--executors", type=int, default=8)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="colonies-sweep-bench-") as tmp,
        dev_server(Path(tmp) / "dev") as dev,
    ):
        result = asyncio.run(measure(args, dev.env, dev.pid))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
