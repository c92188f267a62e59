"""Retry policies (``spec.retry``): a failed attempt with attempts left waits again under the
same process id, after its backoff (released by the deadline pass, driven here with
``run_once``-style calls at chosen times), with capped escalation; every attempt is kept
with its errors, attributes and logs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import Process, ProcessResult, ProcessState, utc_now
from colonies.core.units import parse_memory
from colonies.errors import RPCError
from colonies.server import background, keys
from tests.conftest import Colony, MakeExecutor, spec


async def submit(client: ColoniesClient, colony: Colony, **fields: Any) -> Process:
    raw = await client.call("submitfuncspecmsg", {"spec": spec(**fields)}, key=colony.executor_key)
    return Process.from_wire(raw)


async def assign(client: ColoniesClient, colony: Colony) -> Process | None:
    try:
        return await client.assign(-1, colony=colony.name, key=colony.executor_key)
    except RPCError as e:
        assert e.status == 404, e
        return None


async def deadlines(server: TestServer, now: datetime) -> None:
    await background.expire_deadlines(server.app[keys.DB], now)


async def test_two_failures_then_success_keep_one_process_and_three_attempts(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    process = await submit(client, colony, retry={"attempts": 3})
    assert process.spec.retry is not None and process.spec.retry.attempts == 3
    for n in (1, 2, 3):
        running = await assign(client, colony)
        assert running is not None and running.process_id == process.process_id
        assert running.attributes == []  # the last attempt's report left with it
        await client.add_log(process.process_id, f"try {n}", key=key)
        await client.add_attribute(process.process_id, "walltime", f"{n}s", key=key)
        if n < 3:
            await client.fail_process(process.process_id, ["step exited with status 2"], key=key)
            waiting = await client.get_process(process.process_id, key=key)
            assert waiting.state == ProcessState.WAITING and waiting.errors == []
        else:
            await client.close_process(process.process_id, ["done"], key=key)
    final = await client.get_process(process.process_id, key=key)
    assert final.state == ProcessState.SUCCESS and final.output == ["done"]
    attempts = await client.get_process_attempts(process.process_id, key=key)
    assert [(a.attempt, a.state, a.exit_reason, a.ended_by) for a in attempts] == [
        (1, ProcessState.FAILED, "exit code 2", "failed"),
        (2, ProcessState.FAILED, "exit code 2", "failed"),
        (3, ProcessState.SUCCESS, "success", ""),
    ]
    assert all(a.executor_name == colony.executor_name for a in attempts)
    assert all(a.executor_id == colony.executor_id for a in attempts)
    assert [a.errors for a in attempts][:2] == [["step exited with status 2"]] * 2
    assert [[(x.key, x.value) for x in a.attributes] for a in attempts] == [
        [("walltime", "1s")],
        [("walltime", "2s")],
        [("walltime", "3s")],
    ]
    assert [a.logs for a in attempts] == [1, 1, 1]
    assert all(a.start_time <= a.end_time for a in attempts)
    for n in (1, 2, 3):
        logs = await client.get_logs(
            process_id=process.process_id, attempt=n, colony="test", key=key
        )
        assert [log.message for log in logs] == [f"try {n}"]
    everything = await client.get_logs(process_id=process.process_id, colony="test", key=key)
    assert [log.message for log in everything] == ["try 1", "try 2", "try 3"]


async def test_backoff_holds_the_next_attempt_until_its_time(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    key = colony.executor_key
    policy = {"attempts": 3, "backoff": {"kind": "exponential", "delay": 60, "max": 100}}
    process = await submit(client, colony, retry=policy)
    assert await assign(client, colony) is not None
    await client.fail_process(process.process_id, ["boom"], key=key)
    first = (await client.get_process_attempts(process.process_id, key=key))[0]
    assert first.backoff_until - first.end_time == timedelta(seconds=60)
    assert await assign(client, colony) is None
    await deadlines(server, first.backoff_until - timedelta(seconds=1))
    assert await assign(client, colony) is None
    await deadlines(server, first.backoff_until)
    assert (await assign(client, colony)) is not None
    await client.fail_process(process.process_id, ["boom"], key=key)
    second = (await client.get_process_attempts(process.process_id, key=key))[1]
    assert second.backoff_until - second.end_time == timedelta(seconds=100)  # 120, capped
    await deadlines(server, second.backoff_until - timedelta(seconds=1))
    assert await assign(client, colony) is None
    await deadlines(server, second.backoff_until + timedelta(seconds=1))
    assert await assign(client, colony) is not None
    await client.fail_process(process.process_id, ["boom"], key=key)
    final = await client.get_process(process.process_id, key=key)
    assert final.state == ProcessState.FAILED and final.errors == ["boom"]  # exhausted
    assert len(await client.get_process_attempts(process.process_id, key=key)) == 3


async def test_memory_escalates_per_attempt_up_to_its_limit(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    policy = {"attempts": 4, "escalate": {"mem": 2, "memlimit": "3Gi"}}
    process = await submit(client, colony, cond_mem="1Gi", retry=policy)
    seen = []
    for _ in range(4):
        running = await assign(client, colony)
        assert running is not None
        seen.append(parse_memory(running.spec.conditions.mem))
        await client.fail_process(process.process_id, ["OOMKilled"], key=key)
    assert seen == [parse_memory(m) for m in ("1Gi", "2Gi", "3Gi", "3Gi")]
    final = await client.get_process(process.process_id, key=key)
    assert final.state == ProcessState.FAILED
    reasons = [a.exit_reason for a in await client.get_process_attempts(final.process_id, key=key)]
    assert reasons == ["out of memory"] * 4


async def test_preemption_only_escalation_ignores_other_failures(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    policy = {"attempts": 3, "escalate": {"mem": 2, "memlimit": "8Gi", "preemptiononly": True}}
    process = await submit(client, colony, cond_mem="1Gi", retry=policy)
    assert await assign(client, colony) is not None
    await client.fail_process(process.process_id, ["exit code 1"], key=key)
    running = await assign(client, colony)
    assert running is not None and parse_memory(running.spec.conditions.mem) == 2**30
    await client.fail_process(process.process_id, ["job PREEMPTED"], key=key)
    running = await assign(client, colony)
    assert running is not None and parse_memory(running.spec.conditions.mem) == 2 * 2**30


async def test_only_the_listed_failures_are_retried(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    on = {"exitcodes": [3], "errors": ["connection reset"]}
    for errors, retried in (
        (["exited with status 4"], False),
        (["exited with status 3"], True),
        (["upload: connection reset by peer"], True),
        (["ValueError: bad input"], False),
    ):
        process = await submit(client, colony, retry={"attempts": 2, "on": on})
        assert await assign(client, colony) is not None
        await client.fail_process(process.process_id, errors, key=key)
        state = (await client.get_process(process.process_id, key=key)).state
        assert state == (ProcessState.WAITING if retried else ProcessState.FAILED), errors
        if retried:  # out of the way of the next round
            assert await assign(client, colony) is not None
            await client.fail_process(process.process_id, errors, key=key)


async def test_an_exec_timeout_is_retried_after_maxretries_are_spent(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    """maxretries keeps the reference's meaning (requeue at once, counted in retries); the
    policy then retries timeouts; every run is an attempt."""
    key = colony.executor_key
    process = await submit(
        client,
        colony,
        maxexectime=1,
        maxretries=1,
        retry={"attempts": 3, "on": {"timeouts": True}},
    )
    for _ in range(3):
        assert await assign(client, colony) is not None
        await deadlines(server, utc_now() + timedelta(seconds=5))
    final = await client.get_process(process.process_id, key=key)
    assert final.state == ProcessState.FAILED and final.retries == 1
    assert final.errors == ["Maximum execution time limit exceeded"]
    attempts = await client.get_process_attempts(process.process_id, key=key)
    assert [(a.ended_by, a.exit_reason) for a in attempts] == [
        ("timeout", "timeout"),
        ("timeout", "timeout"),
        ("", "timeout"),
    ]


async def test_a_bad_policy_is_refused_naming_the_field(
    client: ColoniesClient, colony: Colony
) -> None:
    for policy, field in (
        ({"attempts": 3, "escalate": {"mem": 2}}, "memlimit is not set"),
        ({"attempts": 3, "backoff": {"kind": "linear"}}, "retry.backoff.kind"),
        ({"attempts": 3, "backoff": {"jitter": 2}}, "retry.backoff.jitter"),
        ({"attempts": -1}, "retry.attempts"),
    ):
        reply = await client.raw(
            "submitfuncspecmsg", {"spec": spec(retry=policy)}, key=colony.executor_key
        )
        assert reply.status == 400 and field in reply.payload["message"], reply.payload
    assert (
        await client.get_processes(ProcessState.WAITING, 10, colony="test", key=colony.executor_key)
        == []
    )


async def test_removing_the_executor_keeps_the_interrupted_attempt(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    key = colony.executor_key
    watcher = await make_executor("watcher")
    process = await submit(client, colony)
    assert await assign(client, colony) is not None
    await client.add_log(process.process_id, "half way", key=key)
    await client.remove_executor(colony.executor_name, colony="test", key=colony.colony_key)
    attempts = await client.get_process_attempts(process.process_id, key=watcher)
    assert [(a.attempt, a.exit_reason, a.logs) for a in attempts] == [
        (1, "executor removed", 1),
        (2, "waiting", 0),
    ]


async def test_explain_names_the_backoff_of_a_retried_process(
    client: ColoniesClient, colony: Colony
) -> None:
    process = await submit(client, colony, retry={"attempts": 2, "backoff": {"delay": 600}})
    assert await assign(client, colony) is not None
    await client.fail_process(process.process_id, ["boom"], key=colony.executor_key)
    found = await client.explain_process(process.process_id, key=colony.executor_key)
    assert [r.code for r in found.reasons] == ["backoff"]
    assert "backoff" in found.reasons[0].text


async def test_failures_closed_in_one_step_still_follow_the_retry_policy(
    client: ColoniesClient, colony: Colony
) -> None:
    """The one-statement closes (closefailedmsg's fast path and closeprocessesmsg) leave a
    process with a retry policy to the retry path: it waits again, under the same id."""
    key = colony.executor_key
    single = await submit(client, colony, retry={"attempts": 2})
    batched = await submit(client, colony, retry={"attempts": 2})
    plain = await submit(client, colony)
    for _ in range(3):
        assert await assign(client, colony) is not None
    await client.fail_process(single.process_id, ["boom"], key=key)
    outcomes = await client.close_processes(
        [
            ProcessResult(process_id=batched.process_id, failed=True, errors=["boom"]),
            ProcessResult(process_id=plain.process_id, failed=True, errors=["boom"]),
        ],
        colony=colony.name,
        key=key,
    )
    assert [o.status for o in outcomes] == [200, 200]
    states = [(await client.get_process(p.process_id, key=key)).state for p in (single, batched)]
    assert states == [ProcessState.WAITING, ProcessState.WAITING]
    assert (await client.get_process(plain.process_id, key=key)).state == ProcessState.FAILED
    attempts = await client.get_process_attempts(batched.process_id, key=key)
    assert [(a.attempt, a.state) for a in attempts] == [
        (1, ProcessState.FAILED),
        (2, ProcessState.WAITING),
    ]
