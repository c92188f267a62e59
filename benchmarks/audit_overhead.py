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
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def wait_healthy(port: int, limit_s: float = 180.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server on port {port} did not become healthy")


def env_file(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line.removeprefix("export ").split("=", 1)
            found[name] = value.strip().strip("'\"")
    return found


def one_round(args: argparse.Namespace, data: Path, audit: bool) -> tuple[float, float, float]:
    """Submits/s, and server and PostgreSQL CPU milliseconds per submit."""
    port = free_port()
    env = {**os.environ, "COLONIES_AUDIT": "true" if audit else "false"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "colonies"),
            "dev",
            "--no-s3",
            "--port",
            str(port),
            "--data-dir",
            str(data),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(port)
        postmaster = (data / "pg" / "postmaster.pid").read_text().split()[0]
        client_env = {**os.environ, **env_file(data / "env"), "COLONIES_SERVER_PORT": str(port)}
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
                f"server={server.pid},postgres={postmaster}",
            ],
            env=client_env,
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
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=Path, required=True, help="path of colonies_load.py")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side")
    parser.add_argument("--submits", type=int, default=20000, help="submits per run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent submitters")
    args = parser.parse_args()
    runs: dict[bool, list[tuple[float, float, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="colonies-audit-bench-") as tmp:
        os.chmod(tmp, 0o755)  # PostgreSQL runs as an unprivileged user when we are root
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
