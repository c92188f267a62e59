"""Benchmark: submit throughput and CPU per submit with the audit log on and off.

Starts ``colonies dev`` (no S3) in a scratch data directory once per run, alternating
``COLONIES_AUDIT=true`` and ``false``, has the load generator's ``submit`` scenario send a
fixed number of submits (watching the server's and PostgreSQL's CPU), stops it, and prints
each run and the medians of each side with their ratios. The same database serves every
run, so the audit table grows as it would in use. On a shared machine the submits/s vary
with the neighbours' load; the CPU seconds per submit much less.

    .venv/bin/python benchmarks/audit_overhead.py --load ../shared/bench/colonies_load.py \\
        --rounds 5 --submits 20000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from devproc import dev_server


def one_round(args: argparse.Namespace, data: Path, audit: bool) -> tuple[float, float, float]:
    """Submits/s, and server and PostgreSQL CPU milliseconds per submit."""
    with dev_server(data, {"COLONIES_AUDIT": "true" if audit else "false"}) as dev:
        out = subprocess.run(
            [
                sys.executable,
                str(args.load),
                "--scenarios",
                "submit",
                "--preflight",
                "0",
                "--submit-total",
                str(args.submits),
                "--submit-clients",
                str(args.clients),
                "--watch",
                f"server={dev.pid},postgres={dev.postgres_pid}",
            ],
            env=dev.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
        line = next(x for x in lines if x.get("scenario") == "submit")
        results = line["results"]
        done = results["submitted"]
        cpu = {name: w["cpu_s"] * 1000 / done for name, w in results["watched"].items()}
    return results["submits_per_s"], cpu["server"], cpu["postgres"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=Path, required=True, help="path of colonies_load.py")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side")
    parser.add_argument("--submits", type=int, default=20000, help="submits per run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent submitters")
    args = parser.parse_args()
    runs: dict[bool, list[tuple[float, float, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="colonies-audit-bench-") as tmp:
        for i in range(args.rounds * 2):
            audit = i % 2 == 0
            rate, server_ms, pg_ms = one_round(args, Path(tmp) / "dev", audit)
            runs[audit].append((rate, server_ms, pg_ms))
            print(
                f"audit {'on ' if audit else 'off'}: {rate:7,.1f} submits/s, CPU per submit: "
                f"server {server_ms:.3f} ms, PostgreSQL {pg_ms:.3f} ms",
                flush=True,
            )
    for i, what in enumerate(("submits/s", "server ms/submit", "PostgreSQL ms/submit")):
        on = statistics.median(r[i] for r in runs[True])
        off = statistics.median(r[i] for r in runs[False])
        print(f"median {what}: on {on:,.3f}, off {off:,.3f}, on/off = {on / off:.3f}")


if __name__ == "__main__":
    main()
