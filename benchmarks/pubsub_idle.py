"""Cost of idle /pubsub subscribers: server memory and the latency others see.

Opens N websockets that each subscribe to one waiting process (they idle until the
timeout), then times sequential submit calls and submit→assign round trips by another
client, and reads the server's RSS from /proc. Run against `colonies dev`:

    source .colonies-dev/env
    .venv/bin/python benchmarks/pubsub_idle.py --subscribers 10000 --server-pid PID
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import time
from typing import Any

import aiohttp

from colonies.client import ColoniesClient
from colonies.crypto import id_from_private_key, new_private_key
from colonies.rpc.envelope import request


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def latencies(client: ColoniesClient, colony: str, key: str, ekey: str, n: int) -> Any:
    spec = {
        "funcname": "f",
        "maxexectime": -1,
        "conditions": {"colonyname": colony, "executortype": "idle-bench"},
    }
    submit, roundtrip = [], []
    for _ in range(n):
        t = time.perf_counter()
        p = await client.call("submitfuncspecmsg", {"spec": spec}, key=key)
        t1 = time.perf_counter()
        a = await client.call("assignprocessmsg", {"colonyname": colony, "timeout": 5}, key=ekey)
        await client.call("closesuccessfulmsg", {"processid": a["processid"]}, key=ekey)
        t2 = time.perf_counter()
        assert a["processid"] == p["processid"]
        submit.append((t1 - t) * 1000)
        roundtrip.append((t2 - t) * 1000)
    return {
        "submit_p50_ms": round(statistics.median(submit), 3),
        "submit_close_p50_ms": round(statistics.median(roundtrip), 3),
    }


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subscribers", type=int, default=10000)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--server-pid", type=int, required=True)
    args = ap.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    env = os.environ
    host, port = env["COLONIES_SERVER_HOST"], int(env["COLONIES_SERVER_PORT"])
    colony, ckey, key = (
        env["COLONIES_COLONY_NAME"],
        env["COLONIES_COLONY_PRVKEY"],
        env["COLONIES_PRVKEY"],
    )
    ekey = new_private_key()
    name = "idle-bench-" + ekey[:6]
    async with ColoniesClient.for_server(host, port) as client:
        await client.call(
            "addexecutormsg",
            {
                "executor": {
                    "executorid": id_from_private_key(ekey),
                    "executorname": name,
                    "executortype": "idle-bench",
                    "colonyname": colony,
                }
            },
            key=ckey,
        )
        await client.call(
            "approveexecutormsg", {"colonyname": colony, "executorname": name}, key=ckey
        )
        target = await client.call(
            "submitfuncspecmsg",
            {
                "spec": {
                    "funcname": "never",
                    "maxexectime": -1,
                    "conditions": {"colonyname": colony, "executortype": "nobody-runs-this"},
                }
            },
            key=key,
        )
        before = {
            "rss_mb": round(rss_mb(args.server_pid), 1),
            **await latencies(client, colony, key, ekey, args.samples),
        }
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            sockets = []
            sub = {
                "msgtype": "subscribeprocessmsg",
                "colonyname": colony,
                "processid": target["processid"],
                "state": 2,
                "timeout": 600,
            }
            frame = json.dumps(request("subscribeprocessmsg", sub, key))
            started = time.perf_counter()
            for _ in range(args.subscribers):
                ws = await session.ws_connect(f"ws://{host}:{port}/pubsub")
                await ws.send_str(frame)
                sockets.append(ws)
            opened_s = time.perf_counter() - started
            await asyncio.sleep(2)
            during = {
                "rss_mb": round(rss_mb(args.server_pid), 1),
                **await latencies(client, colony, key, ekey, args.samples),
            }
            for ws in sockets:
                await ws.close()
        print(
            json.dumps(
                {
                    "subscribers": args.subscribers,
                    "open_s": round(opened_s, 1),
                    "before": before,
                    "with_idle_subscribers": during,
                    "rss_per_subscriber_kb": round(
                        (during["rss_mb"] - before["rss_mb"]) * 1024 / max(args.subscribers, 1), 1
                    ),
                }
            )
        )
        await client.call(
            "removeexecutormsg", {"colonyname": colony, "executorname": name}, key=ckey
        )


if __name__ == "__main__":
    asyncio.run(main())
