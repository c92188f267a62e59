"""Benchmark: processes/s one SDK executor completes with a no-op function.

Against a running server (e.g. `colonies dev`), with its env:

    .venv/bin/python benchmarks/sdk_executor.py roundtrip --duration 20
    .venv/bin/python benchmarks/sdk_executor.py drain --count 5000

    .venv/bin/python benchmarks/sdk_executor.py compare --rounds 5 --duration 10 \\
        --watch server=<pid of colonies dev>,postgres=<postmaster pid>

``roundtrip`` mirrors shared/bench/colonies_load.py's scenario: 4 submitters keep at most
64 processes submitted-but-not-closed while the executor (concurrency 16) serves them; the
figure counts completions after a 2 s warm-up. ``drain`` prefills a queue and times an SDK
executor (with and without delivery confirmations) and a raw assign/close loop (same number
of coroutines) emptying it. ``compare``
alternates the load generator's roundtrip (8 raw executors) with ``roundtrip`` and prints
the medians; on a shared machine single runs vary by a factor of two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from procstat import tree_cpu_s

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Conditions, FunctionSpec, ProcessResult, ResultOutcome
from colonies.crypto import new_private_key
from colonies.errors import RPCError
from colonies.executor_sdk import Executor


def spec(colony: str, executor_type: str) -> FunctionSpec:
    return FunctionSpec(
        func_name="noop",
        max_exec_time=-1,
        conditions=Conditions(colony_name=colony, executor_type=executor_type),
    )


class WindowClient(ColoniesClient):
    """A client that frees a slot of the submit window each time a process is closed."""

    def __init__(self, url: str, window: asyncio.Semaphore, **kw: Any) -> None:
        super().__init__(url, **kw)
        self.window = window
        self.closed = 0

    async def close_process(
        self, process_id: str, output: list[Any] | None = None, *, key: str | None = None
    ) -> None:
        await super().close_process(process_id, output, key=key)
        self.closed += 1
        self.window.release()

    async def close_processes(
        self,
        results: list[ProcessResult],
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> list[ResultOutcome]:
        outcomes = await super().close_processes(results, colony=colony, key=key)
        self.closed += len(outcomes)
        for _ in outcomes:
            self.window.release()
        return outcomes


def make_executor(
    s: ClientSettings,
    client: ColoniesClient,
    etype: str,
    n: int,
    pollers: int | None = None,
    forward_output: bool = True,
    confirm_delivery: bool = True,
) -> Executor:
    ex = Executor(
        etype,
        colony=s.colony_name,
        colony_key=s.colony_prvkey,
        client=client,
        concurrency=n,
        pollers=pollers,
        confirm_delivery=confirm_delivery,
    )
    ex.configure(settings=s, forward_output=forward_output)

    @ex.function()
    async def noop() -> None:
        return None

    return ex


async def roundtrip(args: argparse.Namespace) -> dict[str, float]:
    """The load generator's roundtrip scenario with one SDK executor in place of raw ones."""
    s = ClientSettings.from_env()
    etype = "bench-" + new_private_key()[:8]
    window = asyncio.Semaphore(args.window)
    url = f"{'https' if s.tls else 'http'}://{s.host}:{s.port}"
    client = WindowClient(url, window)
    async with ColoniesClient.from_env(s) as submit_client, client:
        ex = make_executor(s, client, etype, args.concurrency, args.pollers, not args.no_forward)
        stop = False

        async def submitter() -> None:
            while not stop:
                await window.acquire()
                await submit_client.submit(spec(s.colony_name, etype), key=s.prvkey)

        await ex.register()
        run = asyncio.create_task(ex.run())
        subs = [asyncio.create_task(submitter()) for _ in range(args.submitters)]
        await asyncio.sleep(args.warmup)
        c0, t0, cpu0 = client.closed, time.perf_counter(), cpu_seconds()
        await asyncio.sleep(args.duration)
        c1, t1, cpu1 = client.closed, time.perf_counter(), cpu_seconds()
        stop = True
        for task in subs:
            task.cancel()
        await asyncio.gather(*subs, return_exceptions=True)
        await ex.shutdown(10)
        await run
        await client.remove_all_processes(colony=s.colony_name, key=s.colony_prvkey)
        return {
            "completed_per_s": round((c1 - c0) / (t1 - t0), 1),
            "completed": c1 - c0,
            "measured_client_cpu_util": round((cpu1 - cpu0) / (t1 - t0), 3),
        }


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def drain_once(
    args: argparse.Namespace, s: ClientSettings, client: ColoniesClient, mode: str
) -> float:
    etype = "bench-" + new_private_key()[:8]
    sem = asyncio.Semaphore(32)

    async def one() -> None:
        async with sem:
            await client.submit(spec(s.colony_name, etype), key=s.prvkey)

    await asyncio.gather(*(one() for _ in range(args.count)))
    confirm = mode != "sdk_unconfirmed"
    ex = make_executor(s, client, etype, args.concurrency, args.pollers, True, confirm)
    await ex.register()

    async def loop() -> None:
        while True:
            try:
                p = await client.assign(-1, colony=s.colony_name, key=ex.key)
            except RPCError:
                return
            await client.close_process(p.process_id, [], key=ex.key)

    t0 = time.perf_counter()
    if mode.startswith("sdk"):
        await ex.run(burst=True)
    else:
        await asyncio.gather(*(loop() for _ in range(args.concurrency)))
    count: int = args.count
    return round(count / (time.perf_counter() - t0), 1)


async def drain(args: argparse.Namespace) -> dict[str, float]:
    s = ClientSettings.from_env()
    async with ColoniesClient.from_env(s) as client:
        modes = ("sdk", "sdk_unconfirmed", "raw")
        return {f"{mode}_per_s": await drain_once(args, s, client, mode) for mode in modes}


def run_json(argv: list[str]) -> dict[str, Any]:
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def sdk_options(args: argparse.Namespace) -> list[str]:
    options = ["--concurrency", str(args.concurrency)]
    options += ["--pollers", str(args.pollers)] if args.pollers else []
    return options + (["--no-forward"] if args.no_forward else [])


def compare(args: argparse.Namespace) -> dict[str, Any]:
    """Alternate the load generator's roundtrip (8 raw executors) and this roundtrip."""
    watch = {k: int(v) for k, v in (w.split("=") for w in args.watch.split(",") if w)}
    common = ["--duration", str(args.duration), "--warmup", str(args.warmup)]
    runs: dict[str, list[dict[str, float]]] = {"raw": [], "sdk": []}
    for _ in range(args.rounds):
        for kind in ("raw", "sdk"):
            if kind == "raw":
                argv = [sys.executable, args.loadgen, "--scenarios", "roundtrip", *common]
            else:
                argv = [sys.executable, __file__, "roundtrip", *common, *sdk_options(args)]
            before = {name: tree_cpu_s(pid) for name, pid in watch.items()}
            t0 = time.perf_counter()
            result = run_json(argv)
            wall = time.perf_counter() - t0
            row = result["results"] if kind == "raw" else result
            cpu = {
                f"{n}_cpu": round((tree_cpu_s(p) - before[n]) / wall, 2) for n, p in watch.items()
            }
            client = row["client_cpu_util" if kind == "raw" else "measured_client_cpu_util"]
            runs[kind].append({"per_s": row["completed_per_s"], "client_cpu": client, **cpu})
            print(kind, json.dumps(runs[kind][-1]), file=sys.stderr)
    raw = statistics.median(r["per_s"] for r in runs["raw"])
    sdk = statistics.median(r["per_s"] for r in runs["sdk"])
    # Neighbouring runs share the machine's load of the moment: their ratio varies least.
    pairs = [s["per_s"] / r["per_s"] for r, s in zip(runs["raw"], runs["sdk"], strict=True)]
    return {
        "raw_median_per_s": raw,
        "sdk_median_per_s": sdk,
        "ratio_of_medians": round(sdk / raw, 3),
        "median_pair_ratio": round(statistics.median(pairs), 3),
        **runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["roundtrip", "drain", "compare"])
    parser.add_argument("--loadgen", default="../shared/bench/colonies_load.py")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--watch", default="", help="server=PID,postgres=PID (compare)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pollers", type=int, default=None, help="default: the SDK's")
    parser.add_argument("--no-forward", action="store_true", help="forward_output=False")
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--submitters", type=int, default=4)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.mode == "compare":
        result = compare(args)
    else:
        result = asyncio.run((roundtrip if args.mode == "roundtrip" else drain)(args))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage.ru_utime + usage.ru_stime) / (time.perf_counter() - t0)
    print(json.dumps({**vars(args), **result, "client_cpu_util": round(cpu, 3)}))


if __name__ == "__main__":
    main()
