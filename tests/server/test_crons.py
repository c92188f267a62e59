"""Crons: 6-field schedules with seconds, intervals (optionally random), waiting for the
previous workflow, run now; driven through ``crons.run_once(now=...)``."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pycolonies import Colonies

from colonies.client import ColoniesClient
from colonies.core import ZERO_TIME
from colonies.core.cron import Cron, CronError, go_duration, next_run, validate
from colonies.db import Database
from colonies.server.events import Events
from colonies.server.services import crons
from tests.conftest import Colony, spec

T0 = datetime(2030, 1, 1, 12, 0, 3, tzinfo=UTC)
WORKFLOW = json.dumps({"colonyname": "test", "functionspecs": [spec(nodename="tick")]})


async def add(client: ColoniesClient, key: str, **fields: Any) -> Any:
    cron = {
        "name": "c1",
        "colonyname": "test",
        "cronexpression": "",
        "interval": -1,
        "workflowspec": WORKFLOW,
        **fields,
    }
    return await client.call("addcronmsg", {"cron": cron}, key=key)


async def graphs(db: Database) -> int:
    return len(await db.graphs.find("test", 0, 100)) + len(await db.graphs.find("test", 1, 100))


def test_six_field_expression_fires_on_the_five_second_marks() -> None:
    cron = Cron(cron_expression="0/5 * * * * *", interval=-1)
    times, now = [], T0
    for _ in range(3):
        now, _ = next_run(cron, ZERO_TIME, now)
        times.append(now.second)
    assert times == [5, 10, 15]


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("* * * * *", "expected exactly 6 fields, found 5: [* * * * *]"),
        ("x * * * * *", "failed to parse"),
        ("@every nope", "invalid duration"),
    ],
)
def test_bad_expressions_are_rejected(expression: str, error: str) -> None:
    with pytest.raises(CronError, match=error.replace("[", r"\[").replace("*", r"\*")):
        validate(Cron(cron_expression=expression, interval=-1))


def test_descriptors_every_and_time_zone() -> None:
    assert next_run(Cron(cron_expression="@hourly", interval=-1), ZERO_TIME, T0)[0] == (
        datetime(2030, 1, 1, 13, 0, 0, tzinfo=UTC)
    )
    assert go_duration("1h30m") == timedelta(minutes=90)
    assert next_run(Cron(cron_expression="@every 10s", interval=-1), ZERO_TIME, T0)[0] == (
        T0 + timedelta(seconds=10)
    )
    stockholm = Cron(cron_expression="CRON_TZ=Europe/Stockholm 0 0 14 * * *", interval=-1)
    assert next_run(stockholm, ZERO_TIME, T0)[0] == datetime(2030, 1, 1, 13, 0, tzinfo=UTC)


def test_random_interval_runs_inside_each_window() -> None:
    cron = Cron(interval=60, random=True, next_run=ZERO_TIME)
    rng = random.Random(7)
    run, window = next_run(cron, ZERO_TIME, T0, rng)
    assert window == T0 and T0 <= run < T0 + timedelta(seconds=60)
    offsets = set()
    for _ in range(5):
        run, window_next = next_run(cron, window, run, rng)
        assert window_next == window + timedelta(seconds=60)
        assert window_next <= run < window_next + timedelta(seconds=60)
        offsets.add((run - window_next).total_seconds())
        window = window_next
    assert len(offsets) == 5  # really random, not a fixed offset


async def test_cron_schedules_then_fires_once_per_due_time(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    added = await add(client, colony.executor_key, cronexpression="0/5 * * * * *")
    assert len(added["cronid"]) == 64 and added["nextrun"] == "0001-01-01T00:00:00Z"
    events = Events()
    assert await crons.run_once(db, events, T0) == 0  # first pass only schedules
    got = await client.call("getcronmsg", {"cronid": added["cronid"]}, key=colony.executor_key)
    assert got["nextrun"] == "2030-01-01T12:00:05Z" and got["checkerperiod"] == 1000
    assert await crons.run_once(db, events, T0 + timedelta(seconds=1)) == 0
    assert await crons.run_once(db, events, T0 + timedelta(seconds=2.5)) == 1
    assert await crons.run_once(db, events, T0 + timedelta(seconds=2.5)) == 0
    got = await client.call("getcronmsg", {"cronid": added["cronid"]}, key=colony.executor_key)
    assert got["nextrun"] == "2030-01-01T12:00:10Z" and got["lastrun"].startswith("2030")
    assert got["prevprocessgraphid"] != ""
    # a long outage: one run, then the next mark after now (no burst of missed runs)
    assert await crons.run_once(db, events, T0 + timedelta(minutes=10)) == 1
    got = await client.call("getcronmsg", {"cronid": added["cronid"]}, key=colony.executor_key)
    assert got["nextrun"] == "2030-01-01T12:10:05Z"
    assert await graphs(db) == 2


async def test_wait_for_previous_workflow(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    added = await add(client, key, interval=5, waitforprevprocessgraph=True)
    events = Events()
    await crons.run_once(db, events, T0)
    assert await crons.run_once(db, events, T0 + timedelta(seconds=6)) == 1
    p = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    assert await crons.run_once(db, events, T0 + timedelta(seconds=12)) == 0  # still running
    await client.call("closesuccessfulmsg", {"processid": p["processid"], "out": ["o1"]}, key=key)
    assert await crons.run_once(db, events, T0 + timedelta(seconds=13)) == 1
    nxt = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    assert nxt["in"] == ["o1"]  # the previous run's leaf outputs
    assert added["waitforprevprocessgraph"] is True


async def test_two_servers_fire_each_run_once(
    client: ColoniesClient, colony: Colony, db: Database, dsn: str
) -> None:
    from colonies.db.pool import create_pool

    await add(client, colony.executor_key, interval=5)
    other_pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        other = Database.over(other_pool)
        await crons.run_once(db, Events(), T0)
        for step in range(1, 5):
            now = T0 + timedelta(seconds=6 * step)
            counts = await asyncio.gather(
                crons.run_once(db, Events(), now), crons.run_once(other, Events(), now)
            )
            assert sorted(counts) == [0, 1]
    finally:
        await other_pool.close()
    assert await graphs(db) == 4


async def test_add_validation_and_run_now_and_remove(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    for fields, message in (
        ({"interval": 0}, "Cron interval must be -1 (disabled) or larger than 0"),
        ({"cronexpression": "* * * * *"}, "expected exactly 6 fields, found 5"),
        ({"cronexpression": "0 * * * * *", "random": True}, "Random is not supported"),
        ({"interval": 5, "workflowspec": "{nope"}, "invalid workflow spec"),
    ):
        reply = await client.raw(
            "addcronmsg",
            {
                "cron": {
                    "name": "bad",
                    "colonyname": "test",
                    "interval": -1,
                    "workflowspec": WORKFLOW,
                    **fields,
                }
            },
            key=key,
        )
        assert reply.status == 400 and message in reply.message, reply.message
    added = await add(client, key, interval=60)
    reply = await client.raw(
        "addcronmsg",
        {"cron": {"name": "c1", "colonyname": "test", "interval": 60, "workflowspec": WORKFLOW}},
        key=key,
    )
    assert (reply.status, reply.message) == (
        400,
        "Cron with name <c1> in Colony <test> already exists",
    )
    ran = await client.call("runcronmsg", {"cronid": added["cronid"]}, key=key)
    assert ran["prevprocessgraphid"] != "" and await graphs(db) == 1
    listed = await client.call("getcronsmsg", {"colonyname": "test", "count": 10}, key=key)
    assert [c["name"] for c in listed] == ["c1"]
    await client.call("removecronmsg", {"cronid": added["cronid"]}, key=key)
    assert await client.call("getcronsmsg", {"colonyname": "test", "count": 10}, key=key) == []
    reply = await client.raw("runcronmsg", {"cronid": added["cronid"]}, key=key)
    assert (reply.status, reply.message) == (400, "cron not found")


async def test_pycolonies_cron_calls(
    client: ColoniesClient, colony: Colony, server: Any, db: Database
) -> None:
    from model import Conditions, FuncSpec, Workflow

    pyc = Colonies("127.0.0.1", server.port)
    key = colony.executor_key
    wf = Workflow(
        colonyname="test",
        functionspecs=[
            FuncSpec(
                nodename="n",
                funcname="f",
                maxexectime=-1,
                conditions=Conditions(colonyname="test", executortype="cli"),
            )
        ],
    )
    first = await asyncio.to_thread(
        pyc.add_cron, "every-second", "0/1 * * * * *", True, wf, "test", key
    )
    await asyncio.to_thread(pyc.add_cron, "second", "0/1 * * * * *", False, wf, "test", key)
    assert first["name"] == "every-second"
    assert len(await asyncio.to_thread(pyc.get_crons, "test", 10, key)) == 2
    await asyncio.to_thread(pyc.del_cron, first["cronid"], key)
    assert len(await asyncio.to_thread(pyc.get_crons, "test", 10, key)) == 1
    events = Events()
    await crons.run_once(db, events, T0)
    assert await crons.run_once(db, events, T0 + timedelta(seconds=1.5)) == 1
    with pytest.raises(Exception, match="expected exactly 6 fields"):
        await asyncio.to_thread(pyc.add_cron, "five", "* * * * *", False, wf, "test", key)
