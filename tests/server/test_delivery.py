"""Delivery leases: an executor that asks for one (our SDK) must confirm each process it
receives; one it does not confirm in time waits again, and a late confirmation is refused, so
a process never runs on two executors that both received it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, ProcessState, utc_now
from colonies.errors import RPCError
from colonies.server import background, keys
from tests.conftest import EXECUTOR_KEY, Colony, MakeExecutor, spec


async def submit(client: ColoniesClient) -> str:
    return (await client.submit(FunctionSpec.model_validate(spec()), key=EXECUTOR_KEY)).process_id


async def expire(server: TestServer, after_s: float) -> None:
    await background.expire_deadlines(server.app[keys.DB], utc_now() + timedelta(seconds=after_s))


async def test_an_unconfirmed_process_waits_again_after_the_lease_and_goes_to_another(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    lease = server.app[keys.SETTINGS].delivery_lease_s
    pid = await submit(client)
    got = await client.assign(-1, confirm_delivery=True, colony="test", key=EXECUTOR_KEY)
    assert got.process_id == pid
    await expire(server, lease - 1)  # within the lease: still the first executor's
    p = await client.get_process(pid, key=EXECUTOR_KEY)
    assert (p.state, p.assigned_executor_id) == (ProcessState.RUNNING, colony.executor_id)
    await expire(server, lease + 1)
    p = await client.get_process(pid, key=EXECUTOR_KEY)
    assert (p.state, p.assigned_executor_id, p.retries) == (ProcessState.WAITING, "", 0)
    other = await make_executor("other")
    assert (
        await client.assign(-1, confirm_delivery=True, colony="test", key=other)
    ).process_id == pid
    with pytest.raises(RPCError) as late:
        await client.confirm_process(pid, key=EXECUTOR_KEY)
    assert late.value.status == 403 and "not running on this executor" in late.value.message
    await client.confirm_process(pid, key=other)
    await client.confirm_process(pid, key=other)  # a retried confirmation is fine
    await expire(server, 100 * lease)  # confirmed: no lease any more
    await client.close_process(pid, ["done"], key=other)
    assert (await client.get_process(pid, key=other)).state == ProcessState.SUCCESS


async def test_a_confirmation_after_the_requeue_says_not_to_run_it(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    pid = await submit(client)
    await client.assign(-1, confirm_delivery=True, colony="test", key=EXECUTOR_KEY)
    await expire(server, server.app[keys.SETTINGS].delivery_lease_s + 1)
    with pytest.raises(RPCError) as late:
        await client.confirm_process(pid, key=EXECUTOR_KEY)
    assert late.value.status == 403 and "do not run it" in late.value.message


async def test_assigns_that_do_not_ask_for_a_lease_keep_their_process(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    """The Go executors and pycolonies never confirm: their claims are theirs (reference)."""
    pid = await submit(client)
    await client.assign(-1, colony="test", key=EXECUTOR_KEY)
    await expire(server, 3600)
    p = await client.get_process(pid, key=EXECUTOR_KEY)
    assert (p.state, p.assigned_executor_id) == (ProcessState.RUNNING, colony.executor_id)


async def test_only_the_assigned_executor_confirms_and_unknown_processes_are_404(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    pid = await submit(client)
    await client.assign(-1, confirm_delivery=True, colony="test", key=EXECUTOR_KEY)
    other = await make_executor("other")
    with pytest.raises(RPCError) as refused:
        await client.confirm_process(pid, key=other)
    assert refused.value.status == 403
    with pytest.raises(RPCError) as missing:
        await client.confirm_process("f" * 64, key=EXECUTOR_KEY)
    assert missing.value.status == 404


async def test_a_confirmation_is_on_the_colonys_audit_record(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    pid = await submit(client)
    await client.assign(-1, confirm_delivery=True, colony="test", key=EXECUTOR_KEY)
    await client.confirm_process(pid, key=EXECUTOR_KEY)
    await server.app[keys.AUDIT].flush()
    [entry] = await client.get_audit(
        payload_type="confirmprocessmsg", colony="test", key=colony.colony_key
    )
    assert (entry.target, entry.caller_role, entry.caller_name, entry.status) == (
        pid,
        "executor",
        colony.executor_name,
        200,
    )
