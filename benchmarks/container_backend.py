"""The container back end: per-process overhead against the shell back end, processes/s with
1 and 4 concurrent containers, and staging throughput (one big input, many small ones).

Starts its own scratch `colonies dev` (with its local S3) and a private Podman API service
with the busybox test image (as the tests do), then runs executors in this process:

    .venv/bin/python benchmarks/container_backend.py [--n 20] [--big-mb 1024] [--small 1000]

Prints one JSON object. No-op processes run `true`; times are from submitting the batch to
the burst executor's return (assign, confirm, run, close, one after another per worker).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from devproc import env_file, free_port, wait_healthy  # noqa: E402

from colonies.backends.common import backend_executor, run_backend  # noqa: E402
from colonies.backends.container import ContainerBackend, Settings  # noqa: E402
from colonies.client import ColoniesClient  # noqa: E402
from colonies.config import ClientSettings  # noqa: E402
from colonies.core import Conditions, FunctionSpec  # noqa: E402
from colonies.executor_sdk import Executor, shell_executor  # noqa: E402
from colonies.fs import S3Config, S3Store  # noqa: E402
from tests.backends.conftest import Engine, podman_engine  # noqa: E402

E = TypeVar("E", bound=Executor)
MB = 1024 * 1024


class Bench:
    def __init__(self, engine: Engine, work: Path) -> None:
        self.engine = engine
        self.work = work
        self.settings = ClientSettings.from_env()
        self.submitter = os.environ["COLONIES_PRVKEY"]
        self.colony = os.environ["COLONIES_COLONY_NAME"]
        self.colony_key = os.environ["COLONIES_COLONY_PRVKEY"]
        self.s3 = S3Config.from_env()
        self.client = ColoniesClient.from_env(self.settings, prvkey=self.submitter)

    def spec(self, kind: str, cmd: str, **kwargs: Any) -> FunctionSpec:
        conditions = Conditions(colony_name=self.colony, executor_type=kind)
        if kind.startswith("shell"):
            return FunctionSpec(func_name=cmd, max_exec_time=-1, conditions=conditions)
        return FunctionSpec(
            func_name="execute",
            kw_args={"cmd": cmd, **kwargs},
            max_exec_time=-1,
            conditions=conditions,
        )

    def executor(self, executor: E) -> E:
        return executor.configure(
            client=self.client,
            colony=self.colony,
            colony_key=self.colony_key,
            settings=self.settings,
            forward_output=False,
        )

    async def batch(
        self, backend: str, n: int, concurrency: int, cmd: str = "true", **kwargs: Any
    ) -> tuple[float, list[str]]:
        """Seconds to run ``n`` processes; their ids."""
        kind = f"{backend}-{uuid.uuid4().hex[:6]}"
        pids = [
            (await self.client.submit(self.spec(kind, cmd, **kwargs))).process_id for _ in range(n)
        ]
        started = time.monotonic()
        if backend == "shell":
            await self.executor(shell_executor(kind, concurrency=concurrency)).run(burst=True)
        else:
            engine = ContainerBackend(
                Settings(
                    docker_host=self.engine.url,
                    default_image=self.engine.image,
                    work_dir=self.work / kind,
                ),
                s3=self.s3,
            )
            ex = self.executor(backend_executor(engine, kind, concurrency=concurrency))
            await run_backend(ex, burst=True)
        return time.monotonic() - started, pids

    async def staged_seconds(self, pid: str) -> float:
        logs = await self.client.get_logs(process_id=pid, colony=self.colony)
        for entry in logs:
            found = re.search(r"in ([0-9.]+) s", entry.message)
            if entry.message.startswith("staging: input") and found:
                return float(found.group(1))
        raise SystemExit(f"no staging line in the logs of {pid}")


async def upload_inputs(store: S3Store, tmp: Path, big_mb: int, small: int) -> None:
    big = tmp / "big.bin"
    with big.open("wb") as f:
        for _ in range(big_mb):
            f.write(os.urandom(MB))
    await store.upload(big, "bench/big.bin")
    big.unlink()
    piece = tmp / "small.bin"
    piece.write_bytes(os.urandom(4096))
    sem = asyncio.Semaphore(16)

    async def one(i: int) -> None:
        async with sem:
            await store.upload(piece, f"bench/small/{i:05d}.bin")

    await asyncio.gather(*(one(i) for i in range(small)))


async def measure(engine: Engine, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    bench = Bench(engine, work)
    out: dict[str, Any] = {"n": args.n}
    await bench.batch("container", 2, 1)  # warm-up: engine caches, image layers
    shell_s, _ = await bench.batch("shell", args.n, 1)
    one_s, _ = await bench.batch("container", args.n, 1)
    four_s, _ = await bench.batch("container", args.n, 4)
    out["shell_per_process_s"] = round(shell_s / args.n, 3)
    out["container_per_process_s"] = round(one_s / args.n, 3)
    out["container_overhead_s"] = round((one_s - shell_s) / args.n, 3)
    out["container_processes_per_s_1"] = round(args.n / one_s, 2)
    out["container_processes_per_s_4"] = round(args.n / four_s, 2)

    store = S3Store(bench.s3)
    await store.ensure_bucket()
    await upload_inputs(store, work, args.big_mb, args.small)
    b = bench.s3.bucket
    _, (big,) = await bench.batch("container", 1, 1, input=f"s3://{b}/bench/big.bin")
    seconds = await bench.staged_seconds(big)
    out["big_input_mb"] = args.big_mb
    out["big_input_s"] = seconds
    out["big_input_mb_per_s"] = round(args.big_mb * MB / 1e6 / seconds, 1)
    _, (many,) = await bench.batch("container", 1, 1, input=f"s3://{b}/bench/small/")
    seconds = await bench.staged_seconds(many)
    out["small_inputs"] = args.small
    out["small_inputs_s"] = seconds
    out["small_inputs_per_s"] = round(args.small / seconds, 1)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    await bench.client.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="no-op processes per batch")
    parser.add_argument("--big-mb", type=int, default=1024)
    parser.add_argument("--small", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp, podman_engine() as engine:
        data = Path(tmp) / "dev"
        os.chmod(tmp, 0o755)
        port = free_port()
        colonies = str(Path(sys.executable).parent / "colonies")
        argv = [colonies, "dev", "--port", str(port), "--data-dir", str(data)]
        server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_healthy(port)
            os.environ.update(env_file(data / "env"))
            os.environ["COLONIES_SERVER_PORT"] = str(port)
            result = asyncio.run(measure(engine, Path(tmp) / "work", args))
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
