"""Benchmark: our SDK executor beside Celery and arq, same machine, same load, same run.

The load shape of issue 17: 4 submitters each keeping 16 no-op tasks in flight, for
``--duration`` seconds after a ``--warmup``; the figure is tasks completed per second
(submitted, run, result back to the submitter). Each round runs every kind once, one after
the other, and the summary compares medians:

- ``celery-threads``: Celery 5, Redis broker and result backend, ``task_acks_late=True``,
  prefetch 1, a 16-thread pool (``peer_celery.py``); submitters are 4 processes of 16
  threads, each thread with its own app (``send_task`` then ``get``).
- ``celery-prefork``: the same with Celery's default pool, 8 processes.
- ``arq``: arq on the same Redis, ``max_jobs=16``, job results polled every 5 ms.
- ``sdk``: ``sdk_executor.py roundtrip``: one SDK executor (concurrency 16) on a scratch
  ``colonies dev``, 64 submitting coroutines sharing a window of 64 processes in flight.
- ``raw``: the load generator's ``roundtrip`` (8 raw executors) on the same server, with
  the same 64 submitters and window.

Submitters: Celery's and arq's are 4 processes of 16 threads or coroutines, each sending a
task and waiting for it, so up to 64 sends are in flight. Ours have the same 64 tasks in
flight and up to 64 submits on the way (``--submitters`` x ``--inflight`` coroutines; the
load generator's ``--rt-submitters``); with only 4 coroutines submitting, 4 divided by
the submit latency would cap every figure, whatever the executor.

Needs ``redis-server`` (Debian) and the ``bench`` extra: ``make bench-peers`` installs
both and runs

    .venv/bin/python benchmarks/peers.py --rounds 3 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from devproc import DevServer, dev_server, free_port
from procstat import tree_cpu_s

HERE = Path(__file__).resolve().parent
KINDS = ("celery-threads", "celery-prefork", "arq", "sdk", "raw")


@contextmanager
def redis_server() -> Iterator[tuple[str, int]]:
    """A private Redis that keeps nothing on disk; yields its URL and process id."""
    port = free_port()
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    proc = subprocess.Popen([*argv, "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushall()


class CpuWindow:
    """CPU seconds some processes spend in the steady part of a run: from 3 s after the
    warm-up (the load processes start their clocks after their imports) to 1 s before the
    end. ``pids`` are (pid, whole tree, part): a tree counts its live children and the
    reaped ones (``tree_cpu_s``), else only the process (all its threads); each part (the
    worker, Redis, the server, PostgreSQL, the load...) is also counted on its own."""

    def __init__(self, args: argparse.Namespace) -> None:
        settle = min(3.0, args.duration / 4)
        now = time.monotonic()
        self.begin = now + args.warmup + settle
        self.end = now + args.warmup + args.duration - min(1.0, args.duration / 10)
        self.pids: list[tuple[int, bool, str]] = []
        self.cpu: list[dict[str, float]] = []
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    @staticmethod
    def _cpu(pid: int, tree: bool) -> float:
        if tree:
            return tree_cpu_s(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _sample(self) -> None:
        for at in (self.begin, self.end):
            time.sleep(max(0.0, at - time.monotonic()))
            parts: dict[str, float] = {}
            for pid, tree, part in self.pids:
                parts[part] = parts.get(part, 0.0) + self._cpu(pid, tree)
            self.cpu.append(parts)

    def ms_per_task(self, rate: float) -> tuple[float, dict[str, float]]:
        """CPU milliseconds per task completed at ``rate`` per second: in all, and by part."""
        self.thread.join()
        tasks = rate * (self.end - self.begin)
        if not tasks:
            return 0.0, {}
        split = {k: 1000 * (self.cpu[1][k] - self.cpu[0][k]) / tasks for k in self.cpu[0]}
        return round(sum(split.values()), 2), {k: round(v, 2) for k, v in split.items()}


@contextmanager
def worker(argv: list[str], env: dict[str, str]) -> Iterator[int]:
    quiet = subprocess.DEVNULL
    proc = subprocess.Popen(argv, cwd=HERE, env=env, stdout=quiet, stderr=quiet)
    try:
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


Result = tuple[float, tuple[float, dict[str, float]]]
"""Tasks completed per second, and CPU milliseconds per task (every process of the kind, and
by part)."""


def submitters(
    args: argparse.Namespace,
    mode: str,
    env: dict[str, str],
    others: list[tuple[int, bool, str]],
) -> Result:
    """Run ``--submitters`` load processes of ``mode``; tasks completed per second, and CPU
    per task of the submitters plus ``others`` (the worker, Redis)."""
    argv = [sys.executable, __file__, mode, "--inflight", str(args.inflight)]
    argv += ["--duration", str(args.duration), "--warmup", str(args.warmup)]
    cpu = CpuWindow(args)
    procs = [
        subprocess.Popen(argv, cwd=HERE, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(args.submitters)
    ]
    cpu.pids = [*others, *((p.pid, False, "submitters") for p in procs)]
    done: int = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=args.warmup + args.duration + 120)
        if proc.returncode != 0:
            raise SystemExit(f"{mode} exited with {proc.returncode}")
        done += int(json.loads(out.strip().splitlines()[-1])["completed"])
    rate = round(done / float(args.duration), 1)
    return rate, cpu.ms_per_task(rate)


def run_celery(
    args: argparse.Namespace, url: str, redis_pid: int, pool: str, concurrency: int
) -> Result:
    flush(url)
    env = {**os.environ, "PEER_REDIS_URL": url}
    argv = [sys.executable, "-m", "celery", "-A", "peer_celery", "worker", "-l", "warning"]
    argv += ["--pool", pool, "--concurrency", str(concurrency), "--prefetch-multiplier", "1"]
    argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with worker(argv, env) as pid:
        sys.path.insert(0, str(HERE))
        from peer_celery import make_app

        make_app(url).send_task("peer_celery.noop").get(timeout=120)  # the worker is up
        others = [(pid, True, "worker"), (redis_pid, False, "redis")]
        return submitters(args, "celery-load", env, others)


def run_arq(args: argparse.Namespace, url: str, redis_pid: int) -> Result:
    flush(url)
    env = {**os.environ, "PEER_REDIS_URL": url, "PEER_ARQ_JOBS": "16"}
    arq = str(Path(sys.executable).parent / "arq")
    with worker([arq, "peer_arq.WorkerSettings"], env) as pid:
        others = [(pid, True, "worker"), (redis_pid, False, "redis")]
        return submitters(args, "arq-load", env, others)


def run_client(argv: list[str], dev: DevServer, args: argparse.Namespace) -> tuple[str, CpuWindow]:
    """Run a load process against the dev server: its output, and the CPU window of the
    load process, the server and PostgreSQL (with its backends)."""
    cpu = CpuWindow(args)
    proc = subprocess.Popen(argv, env=dev.env, stdout=subprocess.PIPE, text=True)
    cpu.pids = [(proc.pid, False, "load"), (dev.pid, False, "server")]
    cpu.pids.append((dev.postgres_pid, True, "postgres"))
    out, _ = proc.communicate(timeout=args.warmup + args.duration + 300)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[1]} exited with {proc.returncode}")
    return out, cpu


def run_sdk(args: argparse.Namespace, dev: DevServer) -> Result:
    argv = [sys.executable, str(HERE / "sdk_executor.py"), "roundtrip"]
    argv += ["--duration", str(args.duration), "--warmup", str(args.warmup)]
    argv += ["--concurrency", str(args.inflight), "--window", str(args.inflight * args.submitters)]
    argv += ["--submitters", str(args.inflight * args.submitters)]
    out, cpu = run_client(argv, dev, args)
    rate: float = json.loads(out.strip().splitlines()[-1])["completed_per_s"]
    return rate, cpu.ms_per_task(rate)


def run_raw(args: argparse.Namespace, dev: DevServer) -> Result:
    argv = [sys.executable, str(args.loadgen), "--scenarios", "roundtrip"]
    argv += ["--duration", str(args.duration), "--warmup", str(args.warmup)]
    argv += ["--rt-window", str(args.inflight * args.submitters)]
    argv += ["--rt-submitters", str(args.inflight * args.submitters)]
    out, cpu = run_client(argv, dev, args)
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    row = next(x for x in lines if x.get("scenario") == "roundtrip")
    rate: float = row["results"]["completed_per_s"]
    return rate, cpu.ms_per_task(rate)


class Window:
    """Counts completions that land inside [start + warmup, start + warmup + duration)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.begin: float = time.monotonic() + args.warmup
        self.end: float = self.begin + float(args.duration)
        self.completed = 0
        self.lock = threading.Lock()

    def open(self) -> bool:
        return time.monotonic() < self.end

    def done(self) -> None:
        if self.begin <= time.monotonic() < self.end:
            with self.lock:
                self.completed += 1


def celery_load(args: argparse.Namespace) -> int:
    """One Celery submitter: ``--inflight`` threads, each sending a task and awaiting it."""
    from peer_celery import make_app

    # A result freed by the cycle collector while its thread is inside a Redis call
    # unsubscribes on that same connection and deadlocks (Celery 5.4's redis backend);
    # without the collector results are freed by reference counting, between calls.
    gc.disable()
    window = Window(args)

    def loop() -> None:
        app = make_app()  # its own connections: result waits are not shared across threads
        while window.open():
            app.send_task("peer_celery.noop").get(timeout=60)
            window.done()

    threads = [threading.Thread(target=loop) for _ in range(args.inflight)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return window.completed


def arq_load(args: argparse.Namespace) -> int:
    """One arq submitter: ``--inflight`` coroutines, each enqueueing a job and awaiting it."""
    from arq import create_pool
    from arq.connections import RedisSettings

    window = Window(args)

    async def main() -> None:
        pool = await create_pool(RedisSettings.from_dsn(os.environ["PEER_REDIS_URL"]))

        async def loop() -> None:
            while window.open():
                job = await pool.enqueue_job("noop")
                assert job is not None
                await job.result(timeout=60, poll_delay=0.005)
                window.done()

        await asyncio.gather(*(loop() for _ in range(args.inflight)))
        await pool.aclose()

    asyncio.run(main())
    return window.completed


def compare(args: argparse.Namespace) -> dict[str, object]:
    kinds = [k for k in args.kinds.split(",") if k]
    runs: dict[str, list[float]] = {k: [] for k in kinds}
    cpus: dict[str, list[float]] = {k: [] for k in kinds}
    splits: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    with (
        tempfile.TemporaryDirectory(prefix="colonies-peers-") as tmp,
        redis_server() as (url, redis_pid),
        dev_server(Path(tmp) / "dev") as dev,
    ):
        runners: dict[str, Callable[[], Result]] = {
            "celery-threads": lambda: run_celery(args, url, redis_pid, "threads", args.inflight),
            "celery-prefork": lambda: run_celery(args, url, redis_pid, "prefork", 8),
            "arq": lambda: run_arq(args, url, redis_pid),
            "sdk": lambda: run_sdk(args, dev),
            "raw": lambda: run_raw(args, dev),
        }
        for n in range(args.rounds):
            for kind in kinds:
                rate, (cpu, split) = runners[kind]()
                runs[kind].append(rate)
                cpus[kind].append(cpu)
                splits[kind].append(split)
                load = os.getloadavg()[0]
                parts = ", ".join(f"{k} {v:.2f}" for k, v in split.items())
                print(
                    f"round {n + 1} {kind:15} {rate:8.1f} /s {cpu:7.2f} ms CPU/task"
                    f" ({parts})  (load {load:.1f})",
                    flush=True,
                )
    medians = {k: statistics.median(v) for k, v in runs.items()}
    cpu_medians = {k: statistics.median(v) for k, v in cpus.items()}
    summary: dict[str, object] = {
        "medians_per_s": medians,
        "median_cpu_ms_per_task": cpu_medians,
        "runs_per_s": runs,
        "runs_cpu_ms_per_task": cpus,
        "runs_cpu_ms_per_task_by_part": splits,
    }
    celery = {k: m for k, m in medians.items() if k.startswith("celery")}
    if "sdk" in medians and celery:
        best = max(celery, key=lambda k: celery[k])
        summary["sdk_vs_best_celery"] = {best: round(medians["sdk"] / celery[best], 3)}
        leanest = min(celery, key=lambda k: cpu_medians[k])
        summary["cpu_per_task_leanest_celery_over_sdk"] = {
            leanest: round(cpu_medians[leanest] / cpu_medians["sdk"], 3)
        }
    for other in ("raw", "arq"):
        if "sdk" in medians and other in medians:
            summary[f"sdk_vs_{other}"] = round(medians["sdk"] / medians[other], 3)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="compare", choices=["compare", *LOADS])
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated, in order")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--submitters", type=int, default=4)
    parser.add_argument("--inflight", type=int, default=16, help="tasks in flight per submitter")
    parser.add_argument(
        "--loadgen", type=Path, default=HERE.parent.parent / "shared/bench/colonies_load.py"
    )
    args = parser.parse_args()
    if args.mode == "compare":
        print(json.dumps(compare(args)))
    else:
        print(json.dumps({"completed": LOADS[args.mode](args)}), flush=True)
        os._exit(0)  # leftover Celery results would try to unsubscribe during shutdown


LOADS: dict[str, Callable[[argparse.Namespace], int]] = {
    "celery-load": celery_load,
    "arq-load": arq_load,
}

if __name__ == "__main__":
    main()
