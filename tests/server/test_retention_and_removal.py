"""Retention of old results, and removing a colony removes everything that was in it."""

from __future__ import annotations

import json
from datetime import timedelta

import asyncpg

from colonies.client import ColoniesClient
from colonies.core import utc_now
from colonies.db import Database
from colonies.server import background
from tests.conftest import SERVER_KEY, Colony, spec


async def run_one(client: ColoniesClient, key: str, log: str = "") -> str:
    p = await client.call("submitfuncspecmsg", {"spec": spec()}, key=key)
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    if log:
        await client.call("addlogmsg", {"processid": p["processid"], "message": log}, key=key)
    await client.call("closesuccessfulmsg", {"processid": p["processid"]}, key=key)
    return str(p["processid"])


async def test_retention_deletes_old_successes_and_logs_only(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    done = await run_one(client, key, log="old line")
    waiting = await client.call("submitfuncspecmsg", {"spec": spec()}, key=key)
    wf = {"colonyname": "test", "functionspecs": [spec(nodename="a", priority=1)]}
    graph = await client.call("submitworkflowspecmsg", {"spec": wf}, key=key)
    root = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    await client.call("closesuccessfulmsg", {"processid": root["processid"]}, key=key)
    assert await background.apply_retention(db, 3600, utc_now()) is True
    assert await db.processes.get(done) is not None  # not old enough yet
    await background.apply_retention(db, 3600, utc_now() + timedelta(hours=2))
    assert await db.processes.get(done) is None
    assert await db.graphs.get(graph["processgraphid"]) is None
    assert await db.processes.get(root["processid"]) is None
    assert await db.processes.get(waiting["processid"]) is not None  # only successes go
    assert await db.logs.for_executor(colony.executor_name, 10, 0, False, 1 << 20) == []


async def test_removing_a_colony_removes_all_it_held(
    client: ColoniesClient, colony: Colony, dsn: str
) -> None:
    key = colony.executor_key
    await run_one(client, key, log="line")
    await client.call("submitfuncspecmsg", {"spec": spec(channels=["c"])}, key=key)
    await client.call(
        "addfunctionmsg",
        {"fun": {"executorname": colony.executor_name, "colonyname": "test", "funcname": "f"}},
        key=key,
    )
    await client.call(
        "submitworkflowspecmsg",
        {"spec": {"colonyname": "test", "functionspecs": [spec(nodename="a")]}},
        key=key,
    )
    await client.call(
        "addlocationmsg", {"location": {"name": "l", "colonyname": "test"}}, key=colony.colony_key
    )
    wf = json.dumps({"colonyname": "test", "functionspecs": [spec(nodename="n")]})
    await client.call(
        "addcronmsg",
        {"cron": {"name": "c", "colonyname": "test", "interval": 60, "workflowspec": wf}},
        key=key,
    )
    gen = await client.call(
        "addgeneratormsg",
        {"generator": {"name": "g", "colonyname": "test", "workflowspec": wf, "trigger": 5}},
        key=key,
    )
    await client.call("packgeneratormsg", {"generatorid": gen["generatorid"], "arg": "a"}, key=key)
    await client.call("removecolonymsg", {"colonyname": "test"}, key=SERVER_KEY)
    conn = await asyncpg.connect(dsn)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                # The audit log keeps a removed colony's entries (until retention); replay
                # nonces are not a colony's.
                "AND tablename NOT IN ('schema_migrations', 'server', 'audit_log', "
                "'replay_nonces') ORDER BY 1"
            )
        ]
        left = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables}
    finally:
        await conn.close()
    assert {t: n for t, n in left.items() if n} == {}
