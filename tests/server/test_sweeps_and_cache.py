"""Parameter sweeps, glob dependencies and caching, through the real server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from colonies.client import ColoniesClient
from colonies.core import utc_now
from colonies.db import Database
from tests.conftest import Colony, spec
from tests.server.test_workflows import graph, nothing_assignable, run_next, submit_wf


def node(name: str, *deps: str, **fields: Any) -> dict[str, Any]:
    return spec("cli", nodename=name, funcname="f", cond_dependencies=list(deps), **fields)


async def processes_of(client: ColoniesClient, key: str, g: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for pid in g["processids"]:
        p = await client.call("getprocessmsg", {"processid": pid}, key=key)
        found[p["spec"]["nodename"]] = p
    return found


async def test_3x3_sweep_with_glob_fan_in_makes_the_graph(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    g = await submit_wf(
        client,
        key,
        node("prep_{i}", parameters={"i": "1:3"}, args=["{i}"]),
        node(
            "train_{i}_{lr:.1f}",
            "prep_{i}",
            parameters={"i": "1:3", "lr": "[0.1,0.2,0.3]"},
            kwargs={"lr": "{lr}", "tag": "run-{i:03d}"},
            env={"LR": "{lr}"},
        ),
        node("summary", "train_*"),
    )
    nodes = await processes_of(client, key, g)
    trains = [f"train_{i}_{lr}" for i in (1, 2, 3) for lr in ("0.1", "0.2", "0.3")]
    assert sorted(nodes) == sorted(["prep_1", "prep_2", "prep_3", *trains, "summary"])
    assert len(g["rootprocessids"]) == 3
    ids = {name: p["processid"] for name, p in nodes.items()}
    assert nodes["prep_2"]["spec"]["args"] == [2] and "parameters" not in nodes["prep_2"]["spec"]
    t = nodes["train_2_0.3"]
    assert t["spec"]["kwargs"] == {"lr": 0.3, "tag": "run-002"}
    assert t["spec"]["env"] == {"LR": "0.3"}
    assert t["parents"] == [ids["prep_2"]] and t["children"] == [ids["summary"]]
    assert sorted(nodes["summary"]["parents"]) == sorted(ids[n] for n in trains)
    assert sorted(nodes["prep_1"]["children"]) == sorted(ids[f"train_1_0.{x}"] for x in "123")
    # It runs: preps, then the nine trainings, then the summary with nine inputs.
    for _ in range(12):
        await run_next(client, key)
    last = await run_next(client, key)
    assert last["spec"]["nodename"] == "summary" and len(last["in"]) == 9
    assert (await graph(client, key, g["processgraphid"]))["state"] == 2


@pytest.mark.parametrize(
    ("nodes", "words"),
    [
        ([node("a_{i}", parameters={"i": "1:x"})], ["'a_{i}'", "parameter 'i'", "'1:x'"]),
        ([node("a_{i}", parameters={"i": "5:1"})], ["'a_{i}'", "parameter 'i'", "never reaches"]),
        ([node("a", parameters={"i": "1:3"})], ["'a'", "parameter 'i'", "not used in the node"]),
        ([node("a_{i}", parameters={"i": "[]"})], ["'a_{i}'", "parameter 'i'", "no values"]),
        (
            [node("a_{i:03d}", parameters={"i": "[x,y]"})],
            ["'a_{i:03d}'", "parameter 'i'", "'x'", "does not fit format"],
        ),
        ([node("a"), node("b", "c_*")], ["'b'", "pattern 'c_*' matches no node"]),
        ([node("a_{i}", "p_{j}", parameters={"i": "1:2"})], ["'a_1'", "{j}", "'j'"]),
        ([node("a"), node("b", "a_{i}")], ["'b'", "{i}", "'i' is not one of its parameters"]),
        ([node("a_{i}", parameters={"i": "1:200000"})], ["'a_{i}'", "more than 100000"]),
    ],
)
async def test_expansion_errors_name_node_and_parameter(
    client: ColoniesClient, colony: Colony, db: Database, nodes: list[Any], words: list[str]
) -> None:
    wf = {"colonyname": "test", "functionspecs": nodes}
    reply = await client.raw("submitworkflowspecmsg", {"spec": wf}, key=colony.executor_key)
    assert reply.status == 400, reply.message
    for word in words:
        assert word in reply.message
    assert await db.graphs.find("test", 0, 10) == []


async def test_parameters_outside_a_workflow_are_refused(
    client: ColoniesClient, colony: Colony
) -> None:
    reply = await client.raw(
        "submitfuncspecmsg", {"spec": spec(parameters={"i": "1:2"})}, key=colony.executor_key
    )
    assert reply.status == 400 and "workflow" in reply.message


def cached(**cache: Any) -> dict[str, Any]:
    return spec(funcname="train", args=[1, "a"], cache={"enabled": True, **cache})


async def submit(client: ColoniesClient, key: str, s: dict[str, Any]) -> Any:
    return await client.call("submitfuncspecmsg", {"spec": s}, key=key)


async def test_cached_resubmit_runs_no_executor(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    first = await submit(client, key, cached(version="v1"))
    assert first["state"] == 0 and len(first["cachekey"]) == 64 and "cachehit" not in first
    ran = await run_next(client, key, ["result"])
    assert ran["processid"] == first["processid"]
    again = await submit(client, key, cached(version="v1"))
    assert (again["state"], again["cachehit"], again["cachedfrom"]) == (
        2,
        True,
        first["processid"],
    )
    assert again["out"] == ["result"] and again["assignedexecutorid"] == ""
    assert await nothing_assignable(client, key)
    # a hit of a hit names the run that computed it
    third = await submit(client, key, cached(version="v1"))
    assert third["cachedfrom"] == first["processid"]
    # another version, other args, or refresh (--no-cache) run again
    for other in (cached(version="v2"), cached(version="v1", refresh=True)):
        p = await submit(client, key, other)
        assert p["state"] == 0 and "cachehit" not in p
        await run_next(client, key, ["new"])
    # the refreshed run is now the newest result
    latest = await submit(client, key, cached(version="v1"))
    assert latest["out"] == ["new"]
    # without cache the same spec runs
    plain = await submit(client, key, spec(funcname="train", args=[1, "a"]))
    assert plain["state"] == 0 and "cachekey" not in plain


async def test_cache_expiry_and_failed_runs(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    first = await submit(client, key, cached(expiry=60))
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    await client.call("closefailedmsg", {"processid": first["processid"], "errors": ["x"]}, key=key)
    second = await submit(client, key, cached(expiry=60))
    assert second["state"] == 0  # a failed run is no result
    await run_next(client, key, ["ok"])
    assert (await submit(client, key, cached(expiry=60)))["cachehit"] is True
    # the result ends two minutes ago: too old for expiry 60, fine for 600 or no expiry
    await db.pool.execute(  # type: ignore[union-attr]
        "UPDATE processes SET end_time = $1 WHERE process_id = $2",
        utc_now() - timedelta(seconds=120),
        second["processid"],
    )
    hit_ids = {second["processid"]}
    assert (await submit(client, key, cached(expiry=600)))["cachedfrom"] in hit_ids
    assert (await submit(client, key, cached()))["cachedfrom"] in hit_ids
    stale = await submit(client, key, cached(expiry=60))
    assert stale["state"] == 0


async def test_cache_key_follows_cfs_content(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    fs = {"mount": "", "dirs": [{"label": "/data", "dir": "d"}], "snapshots": None}

    async def add_file(checksum: str) -> None:
        await db.pool.execute(  # type: ignore[union-attr]
            "INSERT INTO files (file_id, colony_name, label, name, checksum, ref, added) "
            "VALUES ($1, 'test', '/data', 'x.csv', $2, '{}'::jsonb, now())",
            checksum + "-id",
            checksum,
        )

    await add_file("aaa")
    first = await submit(client, key, cached() | {"fs": fs})
    await run_next(client, key, ["one"])
    assert (await submit(client, key, cached() | {"fs": fs}))["cachehit"] is True
    await add_file("bbb")  # a new revision of the input file
    changed = await submit(client, key, cached() | {"fs": fs})
    assert changed["state"] == 0 and changed["cachekey"] != first["cachekey"]


async def test_workflow_nodes_are_cached_once_their_inputs_are_known(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    c = {"enabled": True}
    nodes = [node("a", cache=c), node("b", "a", cache=c), node("c", "b")]
    g1 = await submit_wf(client, key, *nodes)
    for _ in range(3):
        await run_next(client, key)
    assert (await graph(client, key, g1["processgraphid"]))["state"] == 2
    # again: a and b come from the cache at submit, c (no caching) waits for an executor
    g2 = await submit_wf(client, key, *nodes)
    found = await processes_of(client, key, g2)
    assert found["a"]["cachehit"] and found["b"]["cachehit"]
    assert found["b"]["in"] == ["a"] and found["c"]["state"] == 0
    assert not found["c"]["waitforparents"]
    last = await run_next(client, key)
    assert last["spec"]["nodename"] == "c"
    assert (await graph(client, key, g2["processgraphid"]))["state"] == 2
    # a different output of a changes b's input: b runs again
    g3 = await submit_wf(client, key, node("a"), nodes[1], nodes[2])
    assert (await run_next(client, key, ["other"]))["spec"]["nodename"] == "a"
    b = await run_next(client, key)
    assert b["spec"]["nodename"] == "b" and b["in"] == ["other"]
    await run_next(client, key)
    assert (await graph(client, key, g3["processgraphid"]))["state"] == 2


async def test_a_large_sweep_is_stored_in_batches_with_its_env(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    n = 1100  # more than one insert batch (db.processes.INSERT_BATCH)
    g = await submit_wf(
        client, colony.executor_key, node("n_{i}", parameters={"i": f"1:{n}"}, env={"I": "{i}"})
    )
    assert len(g["processids"]) == len(g["rootprocessids"]) == n
    values = await db.pool.fetch(  # type: ignore[union-attr]
        "SELECT value FROM attributes WHERE target_process_graph_id = $1", g["processgraphid"]
    )
    assert sorted(int(r["value"]) for r in values) == list(range(1, n + 1))
