"""The dashboard's own cost: memory and CPU of ``colonies dashboard`` with 10 open pages
(server-sent event streams) while about 200 processes/s flow, and the load time of the
processes view with 100k processes in the colony (inserted with SQL).

Starts a scratch ``colonies dev`` (no S3) and the dashboard as processes of their own:

    .venv/bin/python benchmarks/dashboard.py --rate 200 --duration 30 --rows 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from devproc import DevServer, dev_server
from procstat import tree_cpu_s

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Conditions, FunctionSpec
from colonies.executor_sdk import Executor

PAGES = [
    "/c/{colony}/live/overview",
    "/c/{colony}/live/overview",
    "/c/{colony}/live/overview",
    "/c/{colony}/live/processes?state=successful",
    "/c/{colony}/live/processes?state=successful",
    "/c/{colony}/live/processes?state=running",
    "/c/{colony}/live/processes?state=waiting",
    "/c/{colony}/live/executors",
    "/c/{colony}/live/executors",
    "/c/{colony}/live/overview",
]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_dashboard(dev: DevServer) -> tuple[subprocess.Popen[str], str]:
    colonies = str(Path(sys.executable).parent / "colonies")
    proc = subprocess.Popen(
        [colonies, "dashboard", "--port", "0", "--no-browser"],
        env=dev.env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "?token=" in line:
            return proc, line.strip()
    raise SystemExit("the dashboard printed no link")


async def login(session: aiohttp.ClientSession, link: str) -> str:
    async with session.get(link, allow_redirects=False) as r:
        assert r.status == 303, r.status
    return link.split("/?token=")[0]


async def read_stream(session: aiohttp.ClientSession, url: str, counts: list[int], i: int) -> None:
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=None)) as r:
        async for line in r.content:
            if line.startswith(b"event:"):
                counts[i] += 1


async def submitter(client: ColoniesClient, spec: FunctionSpec, rate: float, stop: float) -> int:
    sent, start = 0, time.monotonic()
    while time.monotonic() < stop:
        await client.submit(spec)
        sent += 1
        ahead = start + sent / rate - time.monotonic()
        if ahead > 0:
            await asyncio.sleep(ahead)
    return sent


async def flow(dev: DevServer, pid: int, base: str, args: argparse.Namespace) -> dict[str, float]:
    s = ClientSettings.from_env(dev.env)
    colony = s.colony_name
    jar = aiohttp.CookieJar(unsafe=True)
    counts = [0] * len(PAGES)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        await login(session, args.link)
        streams = [
            asyncio.create_task(read_stream(session, base + p.format(colony=colony), counts, i))
            for i, p in enumerate(PAGES)
        ]
        await asyncio.sleep(3)
        idle_rss = rss_mib(pid)
        client = ColoniesClient.from_env(s)
        executor = Executor(
            "bench", colony=colony, colony_key=s.colony_prvkey, client=client, concurrency=8
        )
        executor.add_function("noop", lambda *a: None)
        runner = asyncio.create_task(executor.run())
        spec = FunctionSpec(
            func_name="noop", conditions=Conditions(colony_name=colony, executor_type="bench")
        )
        cpu0, t0 = tree_cpu_s(pid), time.monotonic()
        stop = t0 + args.duration
        subs = [
            submitter(client.signed_by(s.prvkey), spec, args.rate / 16, stop) for _ in range(16)
        ]
        sent = sum(await asyncio.gather(*subs))
        elapsed = time.monotonic() - t0
        cpu = tree_cpu_s(pid) - cpu0
        busy_rss = rss_mib(pid)
        executor.stop()
        await runner
        await client.close()
        for task in streams:
            task.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
    return {
        "pages": len(PAGES),
        "submitted_per_s": round(sent / elapsed, 1),
        "dashboard_cpu_percent": round(100 * cpu / elapsed, 1),
        "dashboard_rss_idle_mib": round(idle_rss, 1),
        "dashboard_rss_loaded_mib": round(busy_rss, 1),
        "events_per_page": min(counts),
    }


STATES = {"waiting": 0, "running": 1, "successful": 2}


async def insert_rows(dev: DevServer, data: Path, rows: int, tab: str) -> None:
    """``rows`` processes in the tab's state in the dev colony, straight into the table."""
    port = (data / "pg" / "postmaster.pid").read_text().split("\n")[3]
    conn = await asyncpg.connect(f"postgresql://postgres@/postgres?host={data / 'pg'}&port={port}")
    colony = dev.env["COLONIES_COLONY_NAME"]
    spec = json.dumps(
        {"funcname": "bulk", "conditions": {"colonyname": colony, "executortype": "bulk"}}
    )
    try:
        await conn.execute(
            """INSERT INTO processes (process_id, colony_name, state, priority_time,
                   submission_time, start_time, end_time, wait_deadline, exec_deadline, spec,
                   executor_type, func_name, max_exec_time)
               SELECT md5(i::text) || md5((-i)::text), $1, $4::int, i, now() - i * interval '1 ms',
                   CASE WHEN $4::int > 0 THEN now() ELSE 'epoch' END,
                   CASE WHEN $4::int > 1 THEN now() ELSE 'epoch' END,
                   'epoch', 'epoch', $2::jsonb, 'bulk', 'bulk', -1
               FROM generate_series(1, $3) AS i""",
            colony,
            spec,
            rows,
            STATES[tab],
        )
        await conn.execute("ANALYZE processes")
    finally:
        await conn.close()


async def rpc_time(dev: DevServer, tries: int, tab: str) -> float:
    """Median ms of the one RPC the processes view makes (getprocessesmsg, 100 rows)."""
    s = ClientSettings.from_env(dev.env)
    times = []
    async with ColoniesClient.from_env(s) as client:
        for _ in range(tries):
            t0 = time.perf_counter()
            await client.get_processes(STATES[tab], 100)
            times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


async def page_load(base: str, link: str, colony: str, tries: int, tab: str) -> dict[str, float]:
    jar = aiohttp.CookieJar(unsafe=True)
    times = []
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        await login(session, link)
        for page in (1, 2) * (tries // 2):
            t0 = time.perf_counter()
            url = f"{base}/c/{colony}/processes?state={tab}&page={page}"
            async with session.get(url) as r:
                body = await r.text()
                assert r.status == 200 and "bulk" in body, body[-1500:]
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="processes submitted per s")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument(
        "--tab", choices=list(STATES), default="successful", help="state of the inserted rows"
    )
    parser.add_argument("--no-flow", action="store_true", help="only the processes view")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dash-bench-") as tmp:
        data = Path(tmp) / "dev"
        with dev_server(data) as dev:
            proc, args.link = start_dashboard(dev)
            try:
                base = args.link.split("/?token=")[0]
                result: dict[str, Any] = {}
                if not args.no_flow:
                    result["flow"] = asyncio.run(flow(dev, proc.pid, base, args))
                asyncio.run(insert_rows(dev, data, args.rows, args.tab))
                proc.terminate()
                proc.wait()
                proc, link = start_dashboard(dev)
                colony = dev.env["COLONIES_COLONY_NAME"]
                result["processes_view"] = {
                    "rows": args.rows,
                    "tab": args.tab,
                    **asyncio.run(
                        page_load(link.split("/?token=")[0], link, colony, args.tries, args.tab)
                    ),
                    "getprocesses_rpc_median_ms": asyncio.run(rpc_time(dev, args.tries, args.tab)),
                }
            finally:
                proc.terminate()
                proc.wait()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
