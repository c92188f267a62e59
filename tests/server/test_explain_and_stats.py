"""Why is it pending (explainprocessmsg) and step statistics (getworkflowstatsmsg)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from colonies.client import ColoniesClient
from colonies.core import utc_now
from colonies.db import Database
from tests.conftest import COLONY_KEY, Colony, MakeExecutor, spec
from tests.server.test_workflows import run_next, submit_wf


async def explain(client: ColoniesClient, key: str, pid: str) -> Any:
    return await client.call("explainprocessmsg", {"processid": pid}, key=key)


async def submit(client: ColoniesClient, key: str, **fields: Any) -> Any:
    s = spec(str(fields.pop("executor_type", "cli")), **fields)
    return await client.call("submitfuncspecmsg", {"spec": s}, key=key)


def codes(found: Any) -> list[str]:
    return [r["code"] for r in found["reasons"]]


async def test_explain_names_the_reason_in_each_case(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor, db: Database
) -> None:
    key = colony.executor_key
    # the fixture's executor (type cli) was heard from when it was added? mark it live
    await db.pool.execute(  # type: ignore[union-attr]
        "UPDATE executors SET last_heard_from_time = $1", utc_now()
    )

    # no executor of the type (with a suggestion)
    p = await submit(client, key, executor_type="clii")
    found = await explain(client, key, p["processid"])
    assert codes(found) == ["no-type"] and "did you mean 'cli'" in found["reasons"][0]["text"]
    assert found["pending"] is True and found["analysis"][0]["matching"] == 0
    assert [a["condition"] for a in found["analysis"]][1:3] == ["any name", "any location"]
    assert found["nearest"]["executorname"] == "test-executor"
    assert found["nearest"]["lacks"] == ["type 'cli', not 'clii'"]

    # names, location, hardware
    p = await submit(client, key, cond_executornames=["other"])
    assert codes(await explain(client, key, p["processid"])) == ["names"]
    p = await submit(client, key, cond_locationname="mars")
    assert codes(await explain(client, key, p["processid"])) == ["location"]
    await make_executor(
        "gpu-box", executor_type="gpu", capabilities={"hardware": [{"mem": "4Gi", "gpu": {}}]}
    )
    await db.pool.execute(  # type: ignore[union-attr]
        "UPDATE executors SET last_heard_from_time = $1", utc_now()
    )
    p = await submit(client, key, executor_type="gpu", cond_mem="8Gi")
    found = await explain(client, key, p["processid"])
    assert codes(found) == ["hardware"] and "mem 8Gi > 4Gi" in found["reasons"][0]["text"]
    assert found["nearest"]["executorname"] == "gpu-box"
    assert found["nearest"]["lacks"] == ["mem 8Gi > 4Gi"]

    # unapproved
    await make_executor("pending-one", executor_type="batch", approve=False)
    p = await submit(client, key, executor_type="batch")
    found = await explain(client, key, p["processid"])
    assert codes(found) == ["unapproved"] and "pending-one (pending approval)" in str(found)

    # stale: approved, but not heard from
    await make_executor("sleepy", executor_type="night")
    await db.pool.execute(  # type: ignore[union-attr]
        "UPDATE executors SET last_heard_from_time = $1 WHERE executor_name = 'sleepy'",
        utc_now() - timedelta(minutes=30),
    )
    p = await submit(client, key, executor_type="night")
    found = await explain(client, key, p["processid"])
    assert codes(found) == ["stale"] and "sleepy (30 min ago)" in found["reasons"][0]["text"]

    # ready: the cli executor is live and idle, nothing ahead of the first cli process
    await client.call("removeallprocessesmsg", {"colonyname": "test", "state": 0}, key=COLONY_KEY)
    first = await submit(client, key, funcname="first")
    found = await explain(client, key, first["processid"])
    assert codes(found) == ["ready"]
    # queued and busy: one more waits behind; the executor takes the first and is busy
    second = await submit(client, key, funcname="second")
    assert codes(await explain(client, key, second["processid"])) == ["queued"]
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    found = await explain(client, key, second["processid"])
    assert "busy" in codes(found) and "test-executor (1)" in str(found["reasons"])

    # paused colony
    await client.call("pauseassignmentsmsg", {"colonyname": "test"}, key=COLONY_KEY)
    assert "paused" in codes(await explain(client, key, second["processid"]))
    await client.call("resumeassignmentsmsg", {"colonyname": "test"}, key=COLONY_KEY)

    # not waiting
    running = await explain(client, key, first["processid"])
    assert codes(running) == ["not-waiting"] and running["pending"] is False


async def test_explain_parents_not_done_and_failed(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    a = spec(nodename="a", funcname="a")
    b = spec(nodename="b", funcname="b", cond_dependencies=["a"])
    g = await submit_wf(client, key, a, b)
    child = next(pid for pid in g["processids"] if pid not in g["rootprocessids"])
    found = await explain(client, key, child)
    assert codes(found)[0] == "parents" and "a (waiting)" in found["reasons"][0]["text"]
    p = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    found = await explain(client, key, child)
    assert "a (running)" in found["reasons"][0]["text"]
    await client.call("closefailedmsg", {"processid": p["processid"], "errors": ["x"]}, key=key)
    found = await explain(client, key, child)  # the reference fails the whole graph
    assert codes(found) == ["not-waiting"]


async def test_explain_unknown_process_is_404(client: ColoniesClient, colony: Colony) -> None:
    reply = await client.raw("explainprocessmsg", {"processid": "nope"}, key=colony.executor_key)
    assert reply.status == 404


async def test_workflow_stats_count_states_and_times(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    nodes = [
        spec(nodename="a", funcname="prep"),
        spec(nodename="b1", funcname="train", cond_dependencies=["a"]),
        spec(nodename="b2", funcname="train", cond_dependencies=["a"]),
        spec(nodename="c", funcname="report", cond_dependencies=["b1", "b2"]),
    ]
    g = await submit_wf(client, key, *nodes)
    gid = g["processgraphid"]
    for _ in range(3):
        await run_next(client, key)
    # fixed times: each node waited 2 s and ran 5 s (prep), 10 s (trains)
    t0 = utc_now() - timedelta(hours=1)
    for name, run_s in (("a", 5), ("b1", 10), ("b2", 10)):
        await db.pool.execute(  # type: ignore[union-attr]
            "UPDATE processes SET submission_time = $1, start_time = $2, end_time = $3 "
            "WHERE process_graph_id = $4 AND spec->>'nodename' = $5",
            t0,
            t0 + timedelta(seconds=2),
            t0 + timedelta(seconds=2 + run_s),
            gid,
            name,
        )
    stats = await client.call("getworkflowstatsmsg", {"processgraphid": gid}, key=key)
    total = stats["steps"]
    assert (total["total"], total["successful"], total["waiting"]) == (4, 3, 1)
    assert total["waittimetotal"] == 6.0 and total["waittimeavg"] == 2.0
    assert total["runtimetotal"] == 25.0 and abs(total["runtimeavg"] - 25 / 3) < 1e-9
    per = {f["funcname"]: f for f in stats["functions"]}
    assert sorted(per) == ["prep", "report", "train"]
    assert per["train"]["successful"] == 2 and per["train"]["runtimeavg"] == 10.0
    assert per["report"]["waiting"] == 1 and per["report"]["runtimetotal"] == 0.0
    assert stats["state"] == 1 and stats["processgraphid"] == gid
