"""The batch payload types of the SDK's fast path (ours): assignprocessesmsg claims several
processes under delivery leases, confirmprocessesmsg confirms several, closeprocessesmsg
closes several with one outcome each (the single close's status and text for a refusal);
the one-statement closesuccessfulmsg keeps its refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, ProcessResult, ProcessState, utc_now
from colonies.errors import RPCError
from colonies.rpc.envelope import BATCH_FEATURE
from colonies.server import background, keys
from tests.conftest import EXECUTOR_KEY, Colony, MakeExecutor, spec


async def submit(client: ColoniesClient) -> str:
    return (await client.submit(FunctionSpec.model_validate(spec()), key=EXECUTOR_KEY)).process_id


async def test_assign_confirm_and_close_several_at_once(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    ids = [await submit(client) for _ in range(3)]
    got = await client.assign_many(-1, 2, colony="test", key=EXECUTOR_KEY)
    assert BATCH_FEATURE in client.server_features
    assert [p.process_id for p in got] == ids[:2]  # in pick order
    assert all(p.state == ProcessState.RUNNING for p in got)
    other = await make_executor("other")
    with pytest.raises(RPCError) as foreign:  # not the other's
        await client.confirm_processes(ids, colony="test", key=other)
    assert foreign.value.status == 403
    assert sorted(await client.confirm_processes(ids, colony="test", key=EXECUTOR_KEY)) == sorted(
        ids[:2]
    )
    # confirmed: the lease no longer requeues them
    when = utc_now() + timedelta(seconds=server.app[keys.SETTINGS].delivery_lease_s + 1)
    await background.expire_deadlines(server.app[keys.DB], when)
    outcomes = await client.close_processes(
        [
            ProcessResult(process_id=ids[0], output=["a"]),
            ProcessResult(process_id=ids[1], failed=True, errors=["boom"]),
            ProcessResult(process_id=ids[2], output=["not mine"]),  # still waiting
            ProcessResult(process_id="0" * 64, output=[]),
        ],
        colony="test",
        key=EXECUTOR_KEY,
    )
    assert [(o.process_id, o.status) for o in outcomes] == [
        (ids[0], 200),
        (ids[1], 200),
        (ids[2], 403),
        ("0" * 64, 500),
    ]
    assert outcomes[2].message == "Failed to close process as successful, process is not assigned"
    assert outcomes[3].message.endswith("process is nil")
    first = await client.get_process(ids[0], key=EXECUTOR_KEY)
    assert (first.state, first.output) == (ProcessState.SUCCESS, ["a"])
    second = await client.get_process(ids[1], key=EXECUTOR_KEY)
    assert (second.state, second.errors) == (ProcessState.FAILED, ["boom"])
    # A close sent again (its reply lost): success stays closed, a failure is refused.
    again = await client.close_processes(
        [
            ProcessResult(process_id=ids[0], output=["a"]),
            ProcessResult(process_id=ids[1], failed=True, errors=["boom"]),
        ],
        colony="test",
        key=EXECUTOR_KEY,
    )
    assert [(o.status, o.message) for o in again] == [
        (200, ""),
        (400, "Tried to set failed process as failed"),
    ]
    with pytest.raises(RPCError) as none_closed:  # the first refusal, as its single close
        await client.close_processes(
            [ProcessResult(process_id=ids[1], failed=True, errors=["boom"])],
            colony="test",
            key=EXECUTOR_KEY,
        )
    assert (none_closed.value.status, none_closed.value.message) == (
        400,
        "Tried to set failed process as failed",
    )
    third = await client.assign_many(-1, 5, colony="test", key=EXECUTOR_KEY)
    assert [p.process_id for p in third] == [ids[2]]
    with pytest.raises(RPCError) as none:
        await client.assign_many(-1, 5, colony="test", key=EXECUTOR_KEY)
    assert none.value.status == 404


async def test_unconfirmed_processes_of_a_batch_wait_again_after_the_lease(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    ids = [await submit(client) for _ in range(2)]
    await client.assign_many(-1, 2, colony="test", key=EXECUTOR_KEY)
    assert await client.confirm_processes(ids[:1], colony="test", key=EXECUTOR_KEY) == ids[:1]
    when = utc_now() + timedelta(seconds=server.app[keys.SETTINGS].delivery_lease_s + 1)
    await background.expire_deadlines(server.app[keys.DB], when)
    states = [(await client.get_process(i, key=EXECUTOR_KEY)).state for i in ids]
    assert states == [ProcessState.RUNNING, ProcessState.WAITING]
    with pytest.raises(RPCError) as late:  # too late
        await client.confirm_processes(ids[1:], colony="test", key=EXECUTOR_KEY)
    assert late.value.status == 403


async def test_the_one_statement_close_keeps_the_refusals(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    pid = await submit(client)
    with pytest.raises(RPCError) as waiting:
        await client.close_process(pid, ["x"], key=EXECUTOR_KEY)
    assert (waiting.value.status, waiting.value.message) == (
        403,
        "Failed to close process as successful, process is not assigned",
    )
    await client.assign(-1, colony="test", key=EXECUTOR_KEY)
    other = await make_executor("other")
    with pytest.raises(RPCError) as foreign:
        await client.close_process(pid, ["x"], key=other)
    assert foreign.value.status == 403
    await client.close_process(pid, ["x"], key=EXECUTOR_KEY)
    await client.close_process(pid, ["y"], key=EXECUTOR_KEY)  # closed again: output replaced
    assert (await client.get_process(pid, key=EXECUTOR_KEY)).output == ["y"]
    with pytest.raises(RPCError) as failed:
        await client.fail_process(pid, ["late"], key=EXECUTOR_KEY)
    assert (failed.value.status, failed.value.message) == (
        400,
        "Tried to set successful process as failed",
    )
