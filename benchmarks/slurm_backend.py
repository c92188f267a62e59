"""Benchmark: one Slurm job per process vs pilot allocations, on a private one-node cluster.

    .venv/bin/python benchmarks/slurm_backend.py --processes 200 --slots 8
    .venv/bin/python benchmarks/slurm_backend.py --slots 32 --slurm-config tuned
    .venv/bin/python benchmarks/slurm_backend.py --processes 1000 --slots 64 --modes pilot

Starts a one-node Slurm cluster (the tests' ``SlurmCluster``: munged, slurmctld, slurmd in
a scratch directory, ``--slots`` CPUs declared) and a scratch ``colonies dev``. For each
mode, submits the processes (``sleep 1`` after printing the time it started), then runs
``colonies executor start --backend slurm [--pilot] --burst`` until all are closed. Both
modes get the same number of slots: Slurm runs at most ``--slots`` one-CPU jobs at once, and
the pilot is one allocation of one node whose worker runs ``--slots`` processes at once.
Prints the wall time (executor start to exit), the Slurm jobs submitted, and the latency
from submission to the command starting on the node (p50, p90). ``--slurm-config tuned``
adds scheduler settings a site with many short jobs could use (``TUNED``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from devproc import dev_server  # noqa: E402

from colonies.client import ColoniesClient  # noqa: E402
from colonies.config import ClientSettings  # noqa: E402
from colonies.core import FunctionSpec, ProcessState  # noqa: E402
from tests.slurm.cluster import SlurmCluster  # noqa: E402

COLONIES = str(Path(sys.executable).parent / "colonies")
TUNED: dict[str, object] = {
    # What a site running many short jobs could set: schedule at once on submit and on
    # each job end, look at the whole queue, no batching delay.
    "SchedulerParameters": "batch_sched_delay=0,sched_min_interval=0,default_queue_depth=1000,"
    "sched_interval=1",
}


async def submit(env: dict[str, str], etype: str, count: int) -> list[str]:
    settings = ClientSettings.from_env(env)
    spec = FunctionSpec.model_validate(
        {
            "funcname": "execute",
            "kwargs": {"cmd": "date +%s.%N; sleep 1"},
            "maxexectime": -1,
            "conditions": {"colonyname": settings.colony_name, "executortype": etype},
        }
    )
    async with ColoniesClient.from_env(settings) as client:
        return [(await client.submit(spec)).process_id for _ in range(count)]


async def results(env: dict[str, str], ids: list[str]) -> dict[str, object]:
    settings = ClientSettings.from_env(env)
    latencies, failed, job_ids = [], 0, set()
    async with ColoniesClient.from_env(settings) as client:
        for pid in ids:
            p = await client.get_process(pid)
            job_ids |= {a.value for a in p.attributes if a.key == "slurm_job_id"}
            if p.state != ProcessState.SUCCESS:
                failed += 1
                if failed <= 3:
                    print("failed:", p.process_id, p.errors, flush=True)
                continue
            started = float(str(p.output[0]).split()[0])
            latencies.append(started - p.submission_time.timestamp())
    latencies.sort()
    return {
        "failed": failed,
        "job_attributes": len(job_ids),
        "latency_p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "latency_p90_s": round(latencies[int(len(latencies) * 0.9)], 2) if latencies else None,
    }


def run_mode(env: dict[str, str], workdir: Path, etype: str, args: list[str]) -> float:
    argv = [COLONIES, "executor", "start", "--backend", "slurm", "--type", etype, "--burst"]
    argv += ["--shared-dir", str(workdir), *args]
    started = time.monotonic()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{etype}: {done.stderr[-2000:]}")
    return wall


def jobs_submitted(cluster: SlurmCluster, comment: str) -> int:
    out = cluster.run("squeue", "-h", "-t", "all", "-o", "%k")
    return sum(1 for line in out.splitlines() if line.strip() == comment)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=200)
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--slurm-poll", default="2")
    parser.add_argument(
        "--modes", default="jobs,pilot", help="comma-separated: jobs, pilot (default both)"
    )
    parser.add_argument(
        "--slurm-config",
        choices=("default", "tuned"),
        default="default",
        help="the test cluster's slurm.conf, or with TUNED's scheduler settings",
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="colonies-bench-slurm-"))
    overrides = TUNED if args.slurm_config == "tuned" else {}
    cluster = SlurmCluster(scratch / "slurm", cpus=args.slots, overrides=overrides)
    (scratch / "slurm").mkdir()
    cluster.start()
    report: dict[str, object] = {
        "processes": args.processes,
        "slots": args.slots,
        "slurm_config": args.slurm_config,
    }
    try:
        with dev_server(scratch / "dev") as server:
            env = {**server.env, **cluster.env}
            for mode, extra in (
                ("jobs", ["--concurrency", str(args.processes), "--slurm-poll", args.slurm_poll]),
                (
                    "pilot",
                    [
                        "--pilot",
                        "--max-allocations",
                        "1",
                        "--worker-concurrency",
                        str(args.slots),
                        "--idle-timeout",
                        "3s",
                        "--slurm-poll",
                        args.slurm_poll,
                    ],
                ),
            ):
                if mode not in args.modes.split(","):
                    continue
                etype = f"bench-{mode}"
                ids = asyncio.run(submit(env, etype, args.processes))
                workdir = scratch / mode
                workdir.mkdir()
                wall = run_mode(env, workdir, etype, extra)
                found = asyncio.run(results(env, ids))
                # One job per process records each job id; a pilot's are its allocations.
                jobs = found.pop("job_attributes")
                if mode == "pilot":
                    jobs = jobs_submitted(cluster, f"colonies-pilot:{etype}")
                report[mode] = {"wall_s": round(wall, 1), "slurm_jobs": jobs, **found}
                print(mode, json.dumps(report[mode]), flush=True)
    finally:
        cluster.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    jobs, pilot = report.get("jobs"), report.get("pilot")
    if isinstance(jobs, dict) and isinstance(pilot, dict):
        report["speedup"] = round(jobs["wall_s"] / pilot["wall_s"], 2)
    report["when"] = datetime.now().isoformat(timespec="seconds")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
