"""Reading the newest 500 log lines of a process when the log table holds a million rows.

Creates a running process through the API, writes 600 lines for it and ``--rows`` lines
for other processes directly into the database, then times ``getlogsmsg`` (latest 500 and
since-paging) through the API. Run against `colonies dev` (needs its database DSN):

    source .colonies-dev/env
    .venv/bin/python benchmarks/logs_depth.py --dsn postgresql://postgres@127.0.0.1:PGPORT/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

import asyncpg

from colonies.client import ColoniesClient
from colonies.crypto import id_from_private_key, new_private_key


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    env = os.environ
    colony, ckey = env["COLONIES_COLONY_NAME"], env["COLONIES_COLONY_PRVKEY"]
    ekey = new_private_key()
    name = "logs-bench-" + ekey[:6]
    async with ColoniesClient.for_server(
        env["COLONIES_SERVER_HOST"], int(env["COLONIES_SERVER_PORT"])
    ) as client:
        await client.call(
            "addexecutormsg",
            {
                "executor": {
                    "executorid": id_from_private_key(ekey),
                    "executorname": name,
                    "executortype": name,
                    "colonyname": colony,
                }
            },
            key=ckey,
        )
        await client.call(
            "approveexecutormsg", {"colonyname": colony, "executorname": name}, key=ckey
        )
        spec = {
            "funcname": "f",
            "maxexectime": -1,
            "conditions": {"colonyname": colony, "executortype": name},
        }
        p = await client.call("submitfuncspecmsg", {"spec": spec}, key=ekey)
        await client.call("assignprocessmsg", {"colonyname": colony, "timeout": 5}, key=ekey)
        conn = await asyncpg.connect(args.dsn)
        started = time.perf_counter()
        await conn.execute(
            "INSERT INTO logs (colony_name, process_id, executor_name, message, ts, added) "
            "SELECT $1, 'other-' || (i % 1000), 'other', 'line ' || i, i, now() "
            "FROM generate_series(1, $2) AS i",
            colony,
            args.rows,
        )
        await conn.execute(
            "INSERT INTO logs (colony_name, process_id, executor_name, message, ts, added) "
            "SELECT $1, $2, $3, 'line ' || i, $4::bigint + i, now() "
            "FROM generate_series(1, 600) AS i",
            colony,
            p["processid"],
            name,
            time.time_ns(),
        )
        await conn.execute("ANALYZE logs")
        fill_s = time.perf_counter() - started
        await conn.close()
        timings: dict[str, list[float]] = {"latest_500": [], "since_page_500": []}
        for _ in range(50):
            t = time.perf_counter()
            latest = await client.call(
                "getlogsmsg",
                {"colonyname": colony, "processid": p["processid"], "count": 500, "latest": True},
                key=ekey,
            )
            timings["latest_500"].append((time.perf_counter() - t) * 1000)
            assert len(latest) == 500
            t = time.perf_counter()
            page = await client.call(
                "getlogsmsg",
                {
                    "colonyname": colony,
                    "processid": p["processid"],
                    "count": 500,
                    "since": latest[0]["timestamp"],
                },
                key=ekey,
            )
            timings["since_page_500"].append((time.perf_counter() - t) * 1000)
            assert len(page) == 499
        await client.call("closesuccessfulmsg", {"processid": p["processid"]}, key=ekey)
        print(
            json.dumps(
                {
                    "rows": args.rows + 600,
                    "fill_s": round(fill_s, 1),
                    **{k + "_p50_ms": round(statistics.median(v), 2) for k, v in timings.items()},
                }
            )
        )


if __name__ == "__main__":
    asyncio.run(main())
