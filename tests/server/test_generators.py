"""Generators: packed arguments start workflows by count or after a timeout; driven through
``generators.run_once(now=...)``."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from pycolonies import Colonies, ColoniesConnectionError

from colonies.client import ColoniesClient
from colonies.core import ZERO_TIME, utc_now
from colonies.db import Database
from colonies.db.pool import create_pool
from colonies.errors import RPCError
from colonies.server.events import Events
from colonies.server.services import generators
from tests.conftest import Colony, spec

WORKFLOW = json.dumps(
    {
        "colonyname": "test",
        "functionspecs": [
            spec(nodename="g1", args=["orig"], kwargs={"k": "v"}),
            spec(nodename="g2", args=["keep"], cond_dependencies=["g1"]),
        ],
    }
)
ZERO = "0001-01-01T00:00:00Z"


async def add(client: ColoniesClient, key: str, **fields: Any) -> Any:
    generator = {
        "name": "gen",
        "colonyname": "test",
        "workflowspec": WORKFLOW,
        "trigger": 2,
        "timeout": -1,
        **fields,
    }
    return await client.call("addgeneratormsg", {"generator": generator}, key=key)


async def pack(client: ColoniesClient, key: str, generator_id: str, *args: str) -> None:
    for arg in args:
        await client.call("packgeneratormsg", {"generatorid": generator_id, "arg": arg}, key=key)


async def get(client: ColoniesClient, key: str, generator_id: str) -> Any:
    return await client.call("getgeneratormsg", {"generatorid": generator_id}, key=key)


async def root_args(db: Database) -> list[list[str]]:
    """The args of every waiting root process, oldest workflow first."""
    out = []
    for graph in reversed(await db.graphs.find("test", 0, 100)):
        for process in await db.graphs.processes(graph.process_graph_id):
            if not process.wait_for_parents:
                assert process.spec.kw_args == {}
                out.append(list(process.spec.args))
    return out


def later(seconds: float) -> datetime:
    return utc_now() + timedelta(seconds=seconds)


async def test_add_get_resolve_list_remove(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    assert await client.call("getgeneratorsmsg", {"colonyname": "test", "count": 10}, key=key) == []
    added = await add(client, key)
    assert len(added["generatorid"]) == 64
    assert (added["initiatorid"], added["initiatorname"]) == (
        colony.executor_id,
        "test-executor",
    )
    assert (added["firstpack"], added["lastrun"]) == (ZERO, ZERO)
    assert (added["queuesize"], added["checkerperiod"]) == (0, 0)
    assert added["workflowspec"] == WORKFLOW and added["trigger"] == 2
    got = await get(client, key, added["generatorid"])
    assert got == {**added, "checkerperiod": 1000}
    resolved = await client.call(
        "resolvegeneratormsg", {"colonyname": "test", "generatorname": "gen"}, key=key
    )
    assert resolved == added
    await add(client, key, name="gen2")
    listed = await client.call("getgeneratorsmsg", {"colonyname": "test", "count": 10}, key=key)
    assert [g["name"] for g in listed] == ["gen", "gen2"]
    one = await client.call("getgeneratorsmsg", {"colonyname": "test", "count": 1}, key=key)
    assert len(one) == 1
    removed = await client.call(
        "removegeneratormsg", {"generatorid": added["generatorid"], "all": False}, key=key
    )
    assert removed == {}
    reply = await client.raw("getgeneratormsg", {"generatorid": added["generatorid"]}, key=key)
    assert (reply.status, reply.message) == (500, "Failed to get generator, generator is nil")
    reply = await client.raw("removegeneratormsg", {"generatorid": added["generatorid"]}, key=key)
    assert (reply.status, reply.message) == (500, "Failed to remove generator, generator is nil")
    reply = await client.raw(
        "packgeneratormsg", {"generatorid": added["generatorid"], "arg": "x"}, key=key
    )
    assert (reply.status, reply.message) == (
        500,
        "Failed to increment generator, generator is nil",
    )
    reply = await client.raw(
        "resolvegeneratormsg", {"colonyname": "test", "generatorname": "gen"}, key=key
    )
    assert (reply.status, reply.message) == (500, "Failed to resolve generator, generator is nil")


async def test_add_validation(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    await add(client, key)
    reply = await client.raw(
        "addgeneratormsg",
        {
            "generator": {
                "name": "gen",
                "colonyname": "test",
                "workflowspec": WORKFLOW,
                "trigger": 2,
            }
        },
        key=key,
    )
    assert (reply.status, reply.message) == (
        400,
        "Generator with name <gen> in Colony <test> already exists",
    )
    bad_specs = [
        "",
        "not json",
        json.dumps({"colonyname": "test", "functionspecs": []}),
        json.dumps({"colonyname": "test", "functionspecs": [spec(nodename="a", maxretries="x")]}),
        json.dumps({"colonyname": "test", "functionspecs": [spec(cond_dependencies=["nope"])]}),
        json.dumps(
            {
                "colonyname": "test",
                "functionspecs": [
                    spec(nodename="a", cond_dependencies=["b"]),
                    spec(nodename="b", cond_dependencies=["a"]),
                ],
            }
        ),
    ]
    for i, bad in enumerate(bad_specs):
        with pytest.raises(RPCError) as err:
            await add(client, key, name=f"bad{i}", workflowspec=bad)
        assert err.value.status == 400, bad
    for trigger in (0, -1):
        with pytest.raises(RPCError) as err:
            await add(client, key, name="t", trigger=trigger)
        assert err.value.status == 400
    reply = await client.raw("addgeneratormsg", {}, key=key)
    assert (reply.status, reply.message) == (400, "Failed to add generator, msg.Generator is nil")
    reply = await client.raw(
        "addgeneratormsg",
        {"generator": {"name": "x", "colonyname": "test", "trigger": "2"}},
        key=key,
    )
    assert (reply.status, reply.message) == (400, "Failed to add generator, invalid JSON")
    listed = await client.call("getgeneratorsmsg", {"colonyname": "test", "count": 10}, key=key)
    assert [g["name"] for g in listed] == ["gen"]


async def test_trigger_two_packed_three(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    """PROTOCOL §8 item 15: root gets the two oldest args, kwargs {}; one arg stays queued."""
    key = colony.executor_key
    gen = await add(client, key)
    assert await generators.run_once(db, Events(), later(0)) == 0
    await pack(client, key, gen["generatorid"], "a1", "a2", "a3")
    got = await get(client, key, gen["generatorid"])
    assert got["queuesize"] == 3 and got["firstpack"] != ZERO and got["lastrun"] == ZERO
    now = later(0)
    assert await generators.run_once(db, Events(), now) == 1
    assert await root_args(db) == [["a1", "a2"]]
    got = await get(client, key, gen["generatorid"])
    assert got["queuesize"] == 1
    assert datetime.fromisoformat(got["lastrun"]) == now
    [graph] = await db.graphs.find("test", 0, 100)
    assert (graph.initiator_id, graph.initiator_name) == (colony.executor_id, "test-executor")
    processes = await db.graphs.processes(graph.process_graph_id)
    child = next(p for p in processes if p.wait_for_parents)
    assert child.spec.args == ["keep"] and child.initiator_id == colony.executor_id
    # Same `now` again: one arg left, no timeout: nothing.
    assert await generators.run_once(db, Events(), now) == 0
    await pack(client, key, gen["generatorid"], "a4", "a5", "a6", "a7", "a8")
    assert await generators.run_once(db, Events(), now) == 3
    assert await root_args(db) == [["a1", "a2"], ["a3", "a4"], ["a5", "a6"], ["a7", "a8"]]
    assert (await get(client, key, gen["generatorid"]))["queuesize"] == 0


async def test_trigger_then_timeout(client: ColoniesClient, colony: Colony, db: Database) -> None:
    key = colony.executor_key
    gen = await add(client, key, trigger=5, timeout=60)
    gid = gen["generatorid"]
    await pack(client, key, gid, "1", "2", "3", "4", "5")
    assert await generators.run_once(db, Events(), later(0)) == 1
    assert await root_args(db) == [["1", "2", "3", "4", "5"]]
    last_run = datetime.fromisoformat((await get(client, key, gid))["lastrun"])
    await pack(client, key, gid, "6", "7")
    for now in (last_run, last_run + timedelta(seconds=30), last_run + timedelta(seconds=60)):
        assert await generators.run_once(db, Events(), now) == 0
    assert (await get(client, key, gid))["queuesize"] == 2
    fire = last_run + timedelta(seconds=61)
    assert await generators.run_once(db, Events(), fire) == 1
    assert await root_args(db) == [["1", "2", "3", "4", "5"], ["6", "7"]]
    got = await get(client, key, gid)
    assert got["queuesize"] == 0 and datetime.fromisoformat(got["lastrun"]) == fire
    assert await generators.run_once(db, Events(), fire + timedelta(days=1)) == 0


async def test_timeout_counts_from_first_pack(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    gen = await add(client, key, trigger=10, timeout=5)
    no_timeout = await add(client, key, name="never", trigger=10, timeout=0)
    # Never packed: no timeout, whatever the time.
    assert await generators.run_once(db, Events(), later(3600)) == 0
    await pack(client, key, gen["generatorid"], "x")
    await pack(client, key, no_timeout["generatorid"], "y")
    first = datetime.fromisoformat((await get(client, key, gen["generatorid"]))["firstpack"])
    assert await generators.run_once(db, Events(), first + timedelta(seconds=5)) == 0
    assert await generators.run_once(db, Events(), first + timedelta(seconds=6)) == 1
    assert await root_args(db) == [["x"]]
    # firstpack is never reset by later packs; the next timeout counts from the run.
    await pack(client, key, gen["generatorid"], "z")
    assert await generators.run_once(db, Events(), first + timedelta(seconds=6)) == 0
    assert await generators.run_once(db, Events(), first + timedelta(seconds=11)) == 0
    got = await get(client, key, gen["generatorid"])
    assert datetime.fromisoformat(got["firstpack"]) == first
    assert (await get(client, key, no_timeout["generatorid"]))["queuesize"] == 1


async def test_removal_deletes_pending_args(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    gen = await add(client, key, trigger=10)
    await pack(client, key, gen["generatorid"], "a", "b")
    assert await db.generators.queue_size(gen["generatorid"]) == 2
    await client.call("removegeneratormsg", {"generatorid": gen["generatorid"]}, key=key)
    assert await db.generators.queue_size(gen["generatorid"]) == 0
    assert await db.generators.pending() == []


async def test_workflow_runs_in_the_generator_colony(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    """A workflowspec naming another colony still spawns in the generator's own colony."""
    key = colony.executor_key
    other = json.dumps({"colonyname": "elsewhere", "functionspecs": [spec(nodename="n")]})
    gen = await add(client, key, workflowspec=other, trigger=1)
    await pack(client, key, gen["generatorid"], "a")
    assert await generators.run_once(db, Events(), later(0)) == 1
    [graph] = await db.graphs.find("test", 0, 100)
    [process] = await db.graphs.processes(graph.process_graph_id)
    assert process.spec.conditions.colony_name == "test"


async def test_concurrent_passes_spawn_each_workflow_once(
    client: ColoniesClient, colony: Colony, db: Database, dsn: str
) -> None:
    key = colony.executor_key
    ids = []
    for i in range(4):
        gen = await add(client, key, name=f"g{i}", trigger=1)
        ids.append(gen["generatorid"])
        await pack(client, key, gen["generatorid"], *(f"{i}-{j}" for j in range(3)))
    pool = await create_pool(dsn, min_size=1, max_size=5)
    try:
        other = Database.over(pool)
        now = later(0)
        counts = await asyncio.gather(
            generators.run_once(db, Events(), now),
            generators.run_once(other, Events(), now),
            generators.run_once(db, Events(), now),
        )
    finally:
        await pool.close()
    assert sum(counts) == 12
    spawned = sorted(a for args in await root_args(db) for a in args)
    assert spawned == sorted(f"{i}-{j}" for i in range(4) for j in range(3))
    for gid in ids:
        assert (await get(client, key, gid))["queuesize"] == 0


async def test_members_only(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    gen = await add(client, key)
    stranger = "1" * 64
    for payload_type, payload in [
        ("getgeneratormsg", {"generatorid": gen["generatorid"]}),
        ("packgeneratormsg", {"generatorid": gen["generatorid"], "arg": "a"}),
        ("removegeneratormsg", {"generatorid": gen["generatorid"]}),
        ("resolvegeneratormsg", {"colonyname": "test", "generatorname": "gen"}),
        ("resolvegeneratormsg", {"colonyname": "test", "generatorname": "nope"}),
        ("getgeneratorsmsg", {"colonyname": "test", "count": 10}),
        ("addgeneratormsg", {"generator": {**gen, "name": "new"}}),
    ]:
        reply = await client.raw(payload_type, payload, key=stranger)
        assert reply.status == 403, (payload_type, reply.payload)
    # The colony owner is not a member either.
    reply = await client.raw(
        "getgeneratormsg", {"generatorid": gen["generatorid"]}, key=colony.colony_key
    )
    assert reply.status == 403
    assert (await get(client, key, gen["generatorid"]))["queuesize"] == 0


async def test_pycolonies_generator_calls(
    client: ColoniesClient, colony: Colony, server: Any, db: Database
) -> None:
    pyc = Colonies("127.0.0.1", server.port)
    key = colony.executor_key
    generator = {
        "name": "pygen",
        "colonyname": "test",
        "workflowspec": WORKFLOW,
        "trigger": 2,
        "timeout": -1,
        "firstpack": ZERO_TIME.isoformat(),
    }
    added = await asyncio.to_thread(pyc.add_generator, generator, key)
    gid = added["generatorid"]
    await pack(client, key, gid, "p1", "p2", "p3")
    got = await asyncio.to_thread(pyc.get_generator, gid, key)
    assert got["name"] == "pygen" and got["queuesize"] == 3 and got["checkerperiod"] == 1000
    listed = await asyncio.to_thread(pyc.get_generators, "test", key)
    assert [g["generatorid"] for g in listed] == [gid]
    assert await generators.run_once(db, Events(), later(0)) == 1
    assert await root_args(db) == [["p1", "p2"]]
    await asyncio.to_thread(pyc.remove_generator, gid, key)
    assert await asyncio.to_thread(pyc.get_generators, "test", key) == []
    with pytest.raises(ColoniesConnectionError, match="generator is nil"):
        await asyncio.to_thread(pyc.get_generator, gid, key)
