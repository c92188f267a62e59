"""Process life-cycle through a real server with signed requests."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import utc_now
from colonies.db import Database
from colonies.errors import RPCError
from colonies.server import background
from colonies.server.caller import Caller
from colonies.server.keys import EVENTS
from colonies.server.services import processes as processes_service
from tests.conftest import COLONY_KEY, Colony, MakeExecutor, spec


async def submit(client: ColoniesClient, key: str, **fields: Any) -> Any:
    return await client.call("submitfuncspecmsg", {"spec": spec(**fields)}, key=key)


async def assign(client: ColoniesClient, key: str, timeout: int = -1, **extra: object) -> Any:
    return await client.call(
        "assignprocessmsg", {"colonyname": "test", "timeout": timeout, **extra}, key=key
    )


async def test_submit_assign_close_round_trip(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    p = await submit(client, key, env={"test_key": "v"}, maxretries=3)
    assert p["state"] == 0 and p["initiatorname"] == "test-executor"
    assert p["spec"]["env"] == {"test_key": "v"}
    assert [a["attributetype"] for a in p["attributes"]] == [3]
    a = await assign(client, key, timeout=10)
    assert isinstance(a, dict)
    assert a["processid"] == p["processid"] and a["state"] == 1
    assert a["assignedexecutorid"] == colony.executor_id
    assert a["attributes"][0]["state"] == 1
    await client.call("setoutputmsg", {"processid": p["processid"], "out": ["o1", 2]}, key=key)
    await client.call("closesuccessfulmsg", {"processid": p["processid"], "out": []}, key=key)
    got = await client.call("getprocessmsg", {"processid": p["processid"]}, key=key)
    assert got["state"] == 2 and got["out"] == ["o1", 2]
    assert got["starttime"] > got["submissiontime"] and got["endtime"] >= got["starttime"]


async def test_assign_without_work_is_404_and_timeout_zero_is_400(
    client: ColoniesClient, colony: Colony
) -> None:
    reply = await client.raw(
        "assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=colony.executor_key
    )
    assert (reply.status, reply.message) == (404, "No process available for assignment")
    reply = await client.raw(
        "assignprocessmsg", {"colonyname": "test", "timeout": 0}, key=colony.executor_key
    )
    assert (reply.status, reply.message) == (400, "Invalid timeout value, timeout cannot be zero")


async def test_long_poll_times_out_after_timeout(client: ColoniesClient, colony: Colony) -> None:
    started = time.monotonic()
    reply = await client.raw(
        "assignprocessmsg", {"colonyname": "test", "timeout": 1}, key=colony.executor_key
    )
    assert reply.status == 404
    assert 0.9 <= time.monotonic() - started < 3


async def test_long_poll_wakes_on_submit(client: ColoniesClient, colony: Colony) -> None:
    waiting = asyncio.create_task(assign(client, colony.executor_key, timeout=20))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    p = await submit(client, colony.executor_key)
    got = await asyncio.wait_for(waiting, 5)
    assert isinstance(got, dict) and got["processid"] == p["processid"]


async def test_priority_order(client: ColoniesClient, colony: Colony) -> None:
    ids = {}
    for prio in (0, 10, -10):
        ids[prio] = (await submit(client, colony.executor_key, priority=prio))["processid"]
    order = [(await assign(client, colony.executor_key))["processid"] for _ in range(3)]
    assert order == [ids[10], ids[0], ids[-10]]


async def test_priority_out_of_range(client: ColoniesClient, colony: Colony) -> None:
    reply = await client.raw(
        "submitfuncspecmsg", {"spec": spec(priority=50001)}, key=colony.executor_key
    )
    assert reply.status == 400 and "priority outside range" in reply.message


async def test_executor_names_target_one_executor(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    other = await make_executor("other")
    await submit(client, colony.executor_key, cond_executornames=["other"])
    with pytest.raises(RPCError) as err:
        await assign(client, colony.executor_key)
    assert err.value.status == 404
    got = await assign(client, other)
    assert isinstance(got, dict) and got["state"] == 1


async def test_available_cpu_and_memory_limit_what_is_assigned(
    client: ColoniesClient, colony: Colony
) -> None:
    p = await submit(client, colony.executor_key, cond_cpu="1000m", cond_mem="1Gi")
    assert p["spec"]["conditions"]["cpu"] == "1000m"
    assert p["spec"]["conditions"]["mem"] == "1024Mi"
    for cpu, mem in (("500m", ""), ("", "512Mi")):
        with pytest.raises(RPCError):
            await assign(client, colony.executor_key, availablecpu=cpu, availablemem=mem)
    got = await assign(client, colony.executor_key, availablecpu="2000m", availablemem="2Gi")
    assert isinstance(got, dict) and got["processid"] == p["processid"]


async def test_hardware_capabilities_keep_gpu_jobs_off_cpu_boxes(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    cpu_box = await make_executor(
        "cpu-box",
        executor_type="hpc",
        capabilities={"hardware": [{"cpu": "8000m", "mem": "32Gi", "gpu": {"count": 0}}]},
    )
    gpu_box = await make_executor(
        "gpu-box",
        executor_type="hpc",
        capabilities={
            "hardware": [
                {"cpu": "4000m", "mem": "16Gi", "gpu": {"name": "A100", "count": 2, "mem": "40Gi"}}
            ]
        },
    )
    legacy = await make_executor("legacy", executor_type="hpc")
    gpu_job = await submit(
        client,
        colony.executor_key,
        executor_type="hpc",
        cond_gpu={"name": "a100", "count": 1, "mem": "20Gi"},
    )
    big_cpu_job = await submit(
        client, colony.executor_key, executor_type="hpc", cond_cpu="6000m", priority=-1
    )
    # cpu-box skips the higher-priority GPU job and takes the CPU job; then nothing fits.
    got = await assign(client, cpu_box)
    assert got["processid"] == big_cpu_job["processid"]
    with pytest.raises(RPCError):
        await assign(client, cpu_box)
    got = await assign(client, gpu_box)
    assert got["processid"] == gpu_job["processid"]
    # An executor that declared no hardware matches as in the reference.
    await submit(client, colony.executor_key, executor_type="hpc", cond_gpu={"count": 4})
    got = await assign(client, legacy)
    assert got["spec"]["conditions"]["gpu"]["count"] == 4


async def test_close_by_other_executor_is_forbidden(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    other = await make_executor("other")
    p = await submit(client, colony.executor_key)
    await assign(client, colony.executor_key)
    reply = await client.raw("closesuccessfulmsg", {"processid": p["processid"]}, key=other)
    assert reply.status == 403
    got = await client.call("getprocessmsg", {"processid": p["processid"]}, key=other)
    assert got["state"] == 1


async def test_fail_rules(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    p = await submit(client, key)
    reply = await client.raw("closefailedmsg", {"processid": p["processid"]}, key=key)
    assert (reply.status, reply.message) == (
        403,
        "Failed to close process as failed, process is not assigned",
    )
    await assign(client, key)
    await client.call("closesuccessfulmsg", {"processid": p["processid"]}, key=key)
    reply = await client.raw(
        "closefailedmsg", {"processid": p["processid"], "errors": ["x"]}, key=key
    )
    assert (reply.status, reply.message) == (400, "Tried to set successful process as failed")
    # closing an already successful process again is allowed, as in the reference
    await client.call("closesuccessfulmsg", {"processid": p["processid"]}, key=key)
    q = await submit(client, key)
    await assign(client, key)
    await client.call("closefailedmsg", {"processid": q["processid"], "errors": None}, key=key)
    got = await client.call("getprocessmsg", {"processid": q["processid"]}, key=key)
    assert got["state"] == 3 and got["errors"] == []


async def test_lists_and_stats(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    pids = [(await submit(client, key))["processid"] for _ in range(4)]
    running = [await assign(client, key) for _ in range(3)]
    assert [r["processid"] for r in running] == pids[:3]
    await client.call("closesuccessfulmsg", {"processid": pids[0]}, key=key)
    await client.call("closefailedmsg", {"processid": pids[1], "errors": ["e"]}, key=key)
    for state in range(4):
        got = await client.call(
            "getprocessesmsg", {"colonyname": "test", "count": 10, "state": state}, key=key
        )
        assert len(got) == 1
    stats = await client.call("getcolonystatsmsg", {"colonyname": "test"}, key=key)
    assert (
        stats["waitingprocesses"],
        stats["runningprocesses"],
        stats["successfulprocesses"],
        stats["failedprocesses"],
        stats["activeexecutors"],
    ) == (1, 1, 1, 1, 1)
    for count, state, message in (
        (101, 0, "Count is larger than MaxCount limit <100>"),
        (10, -1, "Failed to get processes, invalid msg.State"),
    ):
        reply = await client.raw(
            "getprocessesmsg", {"colonyname": "test", "count": count, "state": state}, key=key
        )
        assert (reply.status, reply.message) == (400, message)
    empty = await client.call(
        "getprocessesmsg", {"colonyname": "test", "count": 10, "state": 4}, key=key
    )
    assert empty == []


async def test_cancel_and_remove(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    p = await submit(client, key)
    await client.call("cancelprocessmsg", {"processid": p["processid"]}, key=key)
    reply = await client.raw("cancelprocessmsg", {"processid": p["processid"]}, key=key)
    assert reply.status == 400
    await client.call("removeprocessmsg", {"processid": p["processid"]}, key=key)
    reply = await client.raw("getprocessmsg", {"processid": p["processid"]}, key=key)
    assert (reply.status, reply.message) == (404, "Failed to get process, process not found")
    q = await submit(client, key)
    await assign(client, key)
    reply = await client.raw("removeprocessmsg", {"processid": q["processid"]}, key=key)
    assert (reply.status, reply.message) == (
        400,
        "Failed to remove process, cannot remove a running process",
    )


async def test_remove_all_processes_by_state(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    for _ in range(3):
        await submit(client, key)
    reply = await client.raw(
        "removeallprocessesmsg", {"colonyname": "test", "state": 1}, key=COLONY_KEY
    )
    assert (reply.status, reply.message) == (400, "Not possible to remove running processes")
    await client.call("removeallprocessesmsg", {"colonyname": "test", "state": -1}, key=COLONY_KEY)
    stats = await client.call("getcolonystatsmsg", {"colonyname": "test"}, key=key)
    assert stats["waitingprocesses"] == 0


async def test_exec_deadline_retries_then_fails(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    p = await submit(client, key, maxexectime=3, maxretries=1)
    await assign(client, key)
    now = utc_now()
    await background.expire_deadlines(db, now + timedelta(seconds=2))
    got = await client.call("getprocessmsg", {"processid": p["processid"]}, key=key)
    assert got["state"] == 1
    await background.expire_deadlines(db, now + timedelta(seconds=5))
    got = await client.call("getprocessmsg", {"processid": p["processid"]}, key=key)
    assert (got["state"], got["retries"], got["assignedexecutorid"]) == (0, 1, "")
    await assign(client, key)
    await background.expire_deadlines(db, utc_now() + timedelta(seconds=5))
    got = await client.call("getprocessmsg", {"processid": p["processid"]}, key=key)
    assert (got["state"], got["errors"]) == (3, ["Maximum execution time limit exceeded"])


async def test_wait_deadline_fails_unassigned_process(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    p = await submit(client, key, maxwaittime=2)
    keep = await submit(client, key, maxwaittime=-1)
    await background.expire_deadlines(db, utc_now() + timedelta(seconds=3))
    got = await client.call("getprocessmsg", {"processid": p["processid"]}, key=key)
    assert (got["state"], got["errors"]) == (3, ["Maximum waiting time limit exceeded"])
    kept = await client.call("getprocessmsg", {"processid": keep["processid"]}, key=key)
    assert kept["state"] == 0


async def test_maxexectime_zero_times_out_right_after_assign_as_in_reference(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    p = await submit(client, colony.executor_key, maxexectime=0, maxretries=0)
    await assign(client, colony.executor_key)
    await background.expire_deadlines(db, utc_now())
    got = await client.call("getprocessmsg", {"processid": p["processid"]}, key=colony.executor_key)
    assert got["state"] == 3


async def test_removed_executor_processes_go_back_to_queue(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    other = await make_executor("other")
    p = await submit(client, colony.executor_key)
    await assign(client, other)
    await client.call(
        "removeexecutormsg", {"colonyname": "test", "executorname": "other"}, key=COLONY_KEY
    )
    got = await client.call("getprocessmsg", {"processid": p["processid"]}, key=colony.executor_key)
    assert (got["state"], got["assignedexecutorid"]) == (0, "")
    assert got["starttime"] == "0001-01-01T00:00:00Z"
    executors = await client.call(
        "getexecutorsmsg", {"colonyname": "test"}, key=colony.executor_key
    )
    assert {e["executorname"]: e["state"] for e in executors}["other"] == 3


async def test_stale_executor_is_removed(
    client: ColoniesClient, colony: Colony, db: Database, make_executor: MakeExecutor
) -> None:
    idle = await make_executor("idle")
    never = await make_executor("never")  # never called assign: never cleaned
    assert never
    with pytest.raises(RPCError):
        await assign(client, idle)
    assert await background.remove_stale_executors(db, 600, utc_now()) == 0
    assert await background.remove_stale_executors(db, 600, utc_now() + timedelta(seconds=601)) == 1
    executor = await db.executors.get("test", "idle")
    assert executor is not None and executor.state == 3
    never_executor = await db.executors.get("test", "never")
    assert never_executor is not None and never_executor.state == 1


async def test_the_colony_owner_may_add_a_removed_name_again(
    client: ColoniesClient, colony: Colony, db: Database, make_executor: MakeExecutor
) -> None:
    key = await make_executor("idle")
    await submit(client, colony.executor_key)
    await assign(client, key)
    assert await background.remove_stale_executors(db, 600, utc_now() + timedelta(seconds=601))
    refused = await client.raw("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    assert (refused.status, refused.message) == (
        403,
        "Access denied, not a member of Colony with name <test>",
    )
    again = await make_executor("idle", key=key)  # the reference: "... already exists"
    assert again == key
    executor = await db.executors.get("test", "idle")
    assert executor is not None and executor.state == 1
    await submit(client, colony.executor_key)
    assert (await assign(client, key))["assignedexecutorid"] == executor.executor_id
    # an active name stays taken
    taken = await client.raw(
        "addexecutormsg",
        {"executor": {"executorid": "e" * 64, "executorname": "idle", "colonyname": "test"}},
        key=COLONY_KEY,
    )
    assert (taken.status, taken.message) == (
        400,
        "Executor with name <idle> in Colony <test> already exists",
    )


async def test_pause_and_resume(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    await client.call("pauseassignmentsmsg", {"colonyname": "test"}, key=COLONY_KEY)
    status = await client.raw("getpausestatusmsg", {"colonyname": "test"}, key=key)
    assert status.payload_type == "pausestatusreplymsg" and status.payload["ispaused"] is True
    await submit(client, key)
    reply = await client.raw("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    assert (reply.status, reply.message) == (
        503,
        "No processes available: colony assignments are paused",
    )
    waiting = asyncio.create_task(assign(client, key, timeout=10))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await client.call("resumeassignmentsmsg", {"colonyname": "test"}, key=COLONY_KEY)
    got = await asyncio.wait_for(waiting, 5)
    assert isinstance(got, dict) and got["state"] == 1


async def test_paused_long_poll_times_out_with_408(client: ColoniesClient, colony: Colony) -> None:
    await client.call("pauseassignmentsmsg", {"colonyname": "test"}, key=COLONY_KEY)
    reply = await client.raw(
        "assignprocessmsg", {"colonyname": "test", "timeout": 1}, key=colony.executor_key
    )
    assert (reply.status, reply.message) == (
        408,
        "Assignment timeout: colony assignments are paused",
    )


async def test_function_statistics_after_successful_run(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    fn = await client.call(
        "addfunctionmsg",
        {"fun": {"executorname": "test-executor", "colonyname": "test", "funcname": "echo"}},
        key=key,
    )
    assert len(fn["functionid"]) == 64
    p = await submit(client, key)
    await assign(client, key)
    await client.call("closesuccessfulmsg", {"processid": p["processid"]}, key=key)
    fns = await client.call("getfunctionsmsg", {"colonyname": "test"}, key=key)
    assert fns[0]["counter"] == 1 and fns[0]["avgexectime"] > 0
    assert fns[0]["minwaittime"] == fns[0]["maxwaittime"] == fns[0]["avgwaittime"] > 0


async def test_attributes(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    p = await submit(client, key)
    attr = {"targetid": p["processid"], "key": "k1", "value": "v1", "attributetype": 1}
    reply = await client.raw("addattributemsg", {"attribute": attr}, key=key)
    assert (reply.status, reply.message) == (
        403,
        "Failed to add attribute, process is not assigned",
    )
    await assign(client, key)
    added = await client.call("addattributemsg", {"attribute": attr}, key=key)
    assert len(added["attributeid"]) == 64 and added["targetcolonyname"] == ""
    reply = await client.raw("addattributemsg", {"attribute": attr}, key=key)
    assert reply.status == 400
    got = await client.call("getattributemsg", {"attributeid": added["attributeid"]}, key=key)
    assert got["value"] == "v1" and got["state"] == 1
    reply = await client.raw("getattributemsg", {"attributeid": "nope"}, key=key)
    assert (reply.status, reply.message) == (400, "Attribute does not exists")


async def test_logs(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    p = await submit(client, key)
    await assign(client, key)
    for i in range(3):
        await client.call(
            "addlogmsg", {"processid": p["processid"], "message": f"line {i}\n"}, key=key
        )
    logs = await client.call(
        "getlogsmsg",
        {"colonyname": "test", "processid": p["processid"], "count": 100, "since": -1},
        key=key,
    )
    assert [log["message"] for log in logs] == ["line 0\n", "line 1\n", "line 2\n"]
    latest = await client.call(
        "getlogsmsg",
        {"colonyname": "test", "processid": p["processid"], "count": 2, "latest": True},
        key=key,
    )
    assert [log["message"] for log in latest] == ["line 1\n", "line 2\n"]
    since = await client.call(
        "getlogsmsg",
        {
            "colonyname": "test",
            "processid": p["processid"],
            "count": 10,
            "since": logs[0]["timestamp"],
        },
        key=key,
    )
    assert len(since) == 2
    by_executor = await client.call(
        "getlogsmsg", {"colonyname": "test", "executorname": "test-executor", "count": 10}, key=key
    )
    assert len(by_executor) == 3
    found = await client.call(
        "searchlogsmsg", {"colonyname": "test", "text": "line 1", "days": 1, "count": 10}, key=key
    )
    assert [log["message"] for log in found] == ["line 1\n"]
    reply = await client.raw(
        "getlogsmsg", {"colonyname": "test", "processid": p["processid"], "count": 501}, key=key
    )
    assert (reply.status, reply.message) == (403, "Count exceeds max log count (500)")


async def parked(server: TestServer, n: int) -> None:
    """Until n assigns wait in the server (they park within a few event-loop turns)."""
    async with asyncio.timeout(10):
        while server.app[EVENTS].waiter_count() != n:
            await asyncio.sleep(0.01)


async def settled(server: TestServer, dsn: str) -> None:
    """Until the server has heard every notification committed so far (they arrive in
    commit order, so a marker sent now comes after them)."""
    with server.app[EVENTS].subscribe("test-marker") as queue:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("""SELECT pg_notify('colonies_topic', '{"topic":"test-marker"}')""")
        finally:
            await conn.close()
        await asyncio.wait_for(queue.get(), 10)


async def test_a_new_process_wakes_one_parked_executor_not_all(
    server: TestServer,
    client: ColoniesClient,
    colony: Colony,
    make_executor: MakeExecutor,
    dsn: str,
) -> None:
    keys = [await make_executor(f"worker-{i}") for i in range(5)]
    tasks = [asyncio.create_task(assign(client, key, timeout=20)) for key in keys]
    await parked(server, 5)
    events = server.app[EVENTS]
    before = events.handoffs  # not wakeups: broadcasts (a LISTEN reconnect) count there too
    p = await submit(client, colony.executor_key)
    done, _ = await asyncio.wait(tasks, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    assert [t.result()["processid"] for t in done] == [p["processid"]]
    await settled(server, dsn)  # the submit's own NOTIFY is back: it must not wake another
    assert (events.handoffs - before, events.waiter_count()) == (1, 4)
    second = await submit(client, colony.executor_key)
    done2, pending = await asyncio.wait(
        [t for t in tasks if t not in done], timeout=10, return_when=asyncio.FIRST_COMPLETED
    )
    assert [t.result()["processid"] for t in done2] == [second["processid"]]
    for t in pending:
        t.cancel()


async def test_a_waiter_that_does_not_match_passes_the_process_on(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    keys = {name: await make_executor(name) for name in ("a", "b", "c")}
    tasks = {}
    for n, (name, key) in enumerate(keys.items(), start=1):  # parked in the order a, b, c
        tasks[name] = asyncio.create_task(assign(client, key, timeout=20))
        await parked(server, n)
    p = await submit(client, colony.executor_key, cond_executornames=["c"])
    got = await asyncio.wait_for(tasks["c"], 10)
    assert got["processid"] == p["processid"]
    assert not tasks["a"].done() and not tasks["b"].done()
    assert server.app[EVENTS].waiter_count() == 2  # a and b tried it and wait again
    for name in ("a", "b"):
        tasks[name].cancel()


async def test_several_new_processes_wake_several_waiters(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    first, second = await make_executor("first"), await make_executor("second")
    a = asyncio.create_task(assign(client, first, timeout=20))
    await parked(server, 1)
    b = asyncio.create_task(assign(client, second, timeout=20))
    await parked(server, 2)
    ids = {(await submit(client, colony.executor_key))["processid"] for _ in range(3)}
    got = {(await asyncio.wait_for(t, 10))["processid"] for t in (a, b)}
    assert len(got) == 2 and got < ids  # both woken, each with its own process
    third = await assign(client, first)  # the third waits for the next assign
    assert {third["processid"]} == ids - got


async def test_two_step_close_counts_statistics_too(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    """The path a refused one-statement close falls back to (it closes when the process
    changed between the two, e.g. a racing close) closes and counts the run as well."""
    key = colony.executor_key
    await client.call(
        "addfunctionmsg",
        {"fun": {"executorname": "test-executor", "colonyname": "test", "funcname": "echo"}},
        key=key,
    )
    p = await submit(client, key)
    await assign(client, key)
    process = await db.processes.get(p["processid"])
    assert process is not None
    caller = Caller(colony.executor_id, "test", executor_name="test-executor")
    await processes_service.close_successful(db, process, caller, ["out"])
    got = await client.call("getprocessmsg", {"processid": p["processid"]}, key=key)
    assert (got["state"], got["out"]) == (2, ["out"])
    fns = await client.call("getfunctionsmsg", {"colonyname": "test"}, key=key)
    assert fns[0]["counter"] == 1 and fns[0]["avgexectime"] > 0
