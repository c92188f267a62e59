"""Why is it pending (explainprocessmsg) and step statistics (getworkflowstatsmsg)."""

from __future__ import annotations

import re
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


def said(found: Any) -> list[tuple[str, str]]:
    return [(r["code"], r["text"]) for r in found["reasons"]]


async def test_explain_says_each_reason_in_a_sentence_with_its_code(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor, db: Database
) -> None:
    """Issue 13 item 8: each reason as the sentence a user reads and its JSON code, and the
    nearest candidate with what it lacks."""
    key = colony.executor_key
    await make_executor("lab-1", executor_type="loc", locationname="lab")
    await make_executor(
        "gpu-box",
        executor_type="gpu",
        capabilities={"hardware": [{"mem": "4Gi", "gpu": {"name": "a100", "count": 1}}]},
    )
    await make_executor("pending-one", executor_type="batch", approve=False)
    await make_executor("sleepy", executor_type="night")
    worker = await make_executor("worker", executor_type="busy")
    now = utc_now()
    await db.pool.execute("UPDATE executors SET last_heard_from_time = $1", now)  # type: ignore[union-attr]
    await db.pool.execute(  # type: ignore[union-attr]
        "UPDATE executors SET last_heard_from_time = $1 WHERE executor_name = 'sleepy'",
        now - timedelta(minutes=30),
    )

    async def why(**fields: Any) -> Any:
        return await explain(client, key, (await submit(client, key, **fields))["processid"])

    def nearest(found: Any) -> tuple[str, list[str]]:
        return found["nearest"]["executorname"], found["nearest"]["lacks"]

    found = await why(executor_type="clii")
    assert said(found) == [
        (
            "no-type",
            "No executor of type 'clii' is registered in colony test (did you mean 'cli'?); "
            "types registered: 'batch', 'busy', 'cli', 'gpu', 'loc', 'night'.",
        )
    ]

    found = await why(cond_executornames=["other"])
    assert said(found) == [
        (
            "names",
            "No executor of type 'cli' has one of the names in conditions.executornames ('other').",
        )
    ]
    assert nearest(found) == (
        "test-executor",
        ["name 'test-executor' not in conditions.executornames"],
    )

    found = await why(executor_type="loc", cond_locationname="mars")
    assert said(found) == [
        (
            "location",
            "No executor of type 'loc' is at location 'mars' (conditions.locationname); their "
            "locations: 'lab'.",
        )
    ]
    assert nearest(found) == ("lab-1", ["at location 'lab', not 'mars'"])

    # hardware: which conditions, against which executor's declared hardware
    found = await why(executor_type="gpu", cond_mem="8Gi", cond_gpu={"name": "h100", "count": 1})
    assert said(found) == [
        (
            "hardware",
            "No executor of type 'gpu' has the hardware the conditions ask for: gpu-box "
            "(mem 8Gi > 4Gi, gpu 'h100' != 'a100').",
        )
    ]
    assert nearest(found) == ("gpu-box", ["mem 8Gi > 4Gi", "gpu 'h100' != 'a100'"])

    found = await why(executor_type="batch")
    assert said(found) == [
        (
            "unapproved",
            "The executors that match are not approved: pending-one (pending approval). The "
            "colony owner approves one with `colonies executor approve --name pending-one`.",
        )
    ]
    assert nearest(found) == ("pending-one", ["pending approval"])

    found = await why(executor_type="night")
    assert said(found) == [
        (
            "stale",
            "The executors that could run it have not been heard from in 120 s: sleepy "
            "(30 min ago). Is their process running?",
        )
    ]
    assert nearest(found) == ("sleepy", ["last heard from 30 min ago"])

    await submit(client, key, executor_type="busy")
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=worker)
    found = await why(executor_type="busy")
    busy = ("busy", "Every executor that could run it is busy with running processes: worker (1).")
    assert said(found) == [busy]
    assert nearest(found) == ("worker", ["busy with 1 running process(es)"])

    await client.call("pauseassignmentsmsg", {"colonyname": "test"}, key=COLONY_KEY)
    found = await why(executor_type="busy")
    assert said(found) == [
        (
            "paused",
            "Assignments in colony test are paused: `colonies process resume` (colony owner) "
            "lets executors take work.",
        ),
        busy,
        (
            "queued",
            "1 waiting process(es) of type 'busy' come before it (priority, then submission time).",
        ),
    ]


async def test_explain_says_parents_not_done_and_backoff_until_when(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    await db.pool.execute("UPDATE executors SET last_heard_from_time = $1", utc_now())  # type: ignore[union-attr]
    a = spec(nodename="a", funcname="a")
    g = await submit_wf(client, key, a, spec(nodename="b", funcname="b", cond_dependencies=["a"]))
    child = next(pid for pid in g["processids"] if pid not in g["rootprocessids"])
    assert said(await explain(client, key, child)) == [
        ("parents", "It waits for its parents to succeed: a (waiting).")
    ]
    await client.call("removeprocessgraphmsg", {"processgraphid": g["processgraphid"]}, key=key)

    p = await submit(
        client, key, funcname="flaky", retry={"attempts": 2, "backoff": {"delay": 600}}
    )
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    await client.call("closefailedmsg", {"processid": p["processid"], "errors": ["x"]}, key=key)
    attempts = await client.get_process_attempts(p["processid"], key=key)
    until = attempts[0].backoff_until
    assert until is not None
    ((code, text),) = said(await explain(client, key, p["processid"]))
    assert code == "backoff"
    assert re.fullmatch(
        rf"It waits for its retry backoff until {re.escape(until.isoformat())} \((599|600) s\)\.",
        text,
    ), text
