"""The typed client's lookups, subscriptions and errors against the real server."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import Location, ProcessState, User
from colonies.crypto import id_from_private_key, new_private_key
from colonies.errors import RPCError
from colonies.sync_client import SyncColoniesClient
from tests.conftest import COLONY, COLONY_KEY, EXECUTOR_KEY, Colony, MakeExecutor
from tests.sdk.util import SUBMITTER, make_spec, submit

T = "client-test"


async def test_lookups_by_id_history_location_and_executor_logs(
    client: ColoniesClient, colony: Colony
) -> None:
    executor = await client.get_executor_by_id(colony.executor_id, colony=COLONY, key=SUBMITTER)
    assert executor.executor_name == "test-executor"
    user_key = new_private_key()
    user = User(colony_name=COLONY, user_id=id_from_private_key(user_key), name="ada")
    await client.add_user(user, key=COLONY_KEY)
    found = await client.get_user_by_id(user.user_id, colony=COLONY, key=SUBMITTER)
    assert found.name == "ada"

    p = await submit(client, "f", executor_type=T)
    history = await client.process_history(ProcessState.WAITING, 60, colony=COLONY, key=SUBMITTER)
    assert [h.process_id for h in history] == [p.process_id]
    assert (
        await client.process_history(ProcessState.SUCCESS, 60, colony=COLONY, key=SUBMITTER) == []
    )

    await client.add_location(
        Location(colony_name=COLONY, name="lab", description="x"), key=COLONY_KEY
    )
    assert (await client.get_location("lab", colony=COLONY, key=SUBMITTER)).description == "x"

    await client.add_executor_log("test-executor", "idle\n", colony=COLONY, key=EXECUTOR_KEY)
    logs = await client.get_logs(executor_name="test-executor", colony=COLONY, key=SUBMITTER)
    assert [(entry.message, entry.process_id) for entry in logs] == [("idle\n", "")]


async def test_errors_carry_the_server_status_and_message(
    client: ColoniesClient, colony: Colony
) -> None:
    with pytest.raises(RPCError) as missing:
        await client.get_process("0" * 64, key=SUBMITTER)
    assert missing.value.status == 404
    with pytest.raises(RPCError) as stranger:
        await client.get_processes(0, 10, colony=COLONY, key=new_private_key())
    assert stranger.value.status == 403
    assert "not a member" in stranger.value.message
    with pytest.raises(RPCError) as no_location:
        await client.get_location("nowhere", colony=COLONY, key=SUBMITTER)
    assert no_location.value.status == 404


async def test_change_executor_id_moves_the_executor_to_a_new_key(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    old_key = await make_executor("rekeyed", executor_type=T)
    new_key = new_private_key()
    await client.change_executor_id(id_from_private_key(new_key), colony=COLONY, key=old_key)
    found = await client.get_executor("rekeyed", colony=COLONY, key=new_key)
    assert found.executor_id == id_from_private_key(new_key)
    with pytest.raises(RPCError) as err:
        await client.get_executor("rekeyed", colony=COLONY, key=old_key)
    assert err.value.status == 403


async def test_wait_for_any_process_of_a_type(client: ColoniesClient, colony: Colony) -> None:
    waiter = asyncio.create_task(
        client.wait_for_any(T, ProcessState.WAITING, 10, colony=COLONY, key=SUBMITTER)
    )
    submitted: set[str] = set()
    # The subscription is registered some time after the call; submit until it hears one.
    for _ in range(100):
        submitted.add((await submit(client, "f", executor_type=T)).process_id)
        done, _ = await asyncio.wait([waiter], timeout=0.05)
        if done:
            break
    process = await asyncio.wait_for(waiter, 10)
    assert process is not None
    assert process.process_id in submitted
    assert process.spec.conditions.executor_type == T


async def test_subscribe_channel_streams_entries_until_the_timeout(
    client: ColoniesClient, colony: Colony
) -> None:
    spec = make_spec("f", executor_type=T)
    spec.channels = ["news"]
    p = await client.submit(spec, key=SUBMITTER)
    await client.channel_append(p.process_id, "news", 1, b"one", key=SUBMITTER)
    batches = []
    stream = client.subscribe_channel(p.process_id, "news", timeout=1, key=SUBMITTER)
    async with contextlib.aclosing(stream) as sub:
        async for batch in sub:
            batches.append([entry.payload for entry in batch])
            if len(batches) == 1:
                await client.channel_append(p.process_id, "news", 2, b"two", key=SUBMITTER)
    assert batches == [[b"one"], [b"two"]]  # and the stream ended at the server's timeout


async def test_sync_facade_returns_models_and_raises_rpc_errors(
    server: TestServer, colony: Colony
) -> None:
    url = str(server.make_url("")).rstrip("/")

    def script() -> tuple[str, int]:
        with SyncColoniesClient(url) as sync:
            p = sync.submit(make_spec("f", executor_type=T), key=SUBMITTER)
            try:
                sync.get_process("0" * 64, key=SUBMITTER)
            except RPCError as err:
                return sync.get_process(p.process_id, key=SUBMITTER).spec.func_name, err.status
            raise AssertionError("no error")

    assert await asyncio.to_thread(script) == ("f", 404)


async def test_sync_facade_iterates_a_channel_subscription(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    spec = make_spec("f", executor_type=T)
    spec.channels = ["news"]
    p = await client.submit(spec, key=SUBMITTER)
    await client.channel_append(p.process_id, "news", 1, b"one", key=SUBMITTER)
    url = str(server.make_url("")).rstrip("/")

    def script() -> list[bytes]:
        with SyncColoniesClient(url) as sync:
            for batch in sync.subscribe_channel(p.process_id, "news", timeout=5, key=SUBMITTER):
                return [entry.payload for entry in batch]  # leaves the subscription early
        return []

    assert await asyncio.to_thread(script) == [b"one"]
