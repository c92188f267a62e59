"""The typed client against the real server, async and sync."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestServer

from colonies import __version__
from colonies.client import ColoniesClient
from colonies.core import Conditions, FunctionSpec, ProcessState, WorkflowSpec
from colonies.errors import RPCError
from colonies.sync_client import SyncColoniesClient
from tests.conftest import COLONY_KEY, SERVER_KEY, Colony


def fspec(node_name: str = "", dependencies: list[str] | None = None) -> FunctionSpec:
    conditions = Conditions(
        colony_name="test", executor_type="cli", dependencies=dependencies or []
    )
    return FunctionSpec(func_name="f", node_name=node_name, max_exec_time=-1, conditions=conditions)


async def test_typed_round_trip(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    p = await client.submit(fspec(), key=key)
    assert p.state == ProcessState.WAITING
    waiting = asyncio.create_task(client.wait(p, ProcessState.SUCCESS, 10, key=key))
    a = await client.assign(5, colony="test", key=key)
    await client.add_log(a.process_id, "hi\n", key=key)
    await client.close_process(a.process_id, ["out"], key=key)
    done = await asyncio.wait_for(waiting, 5)
    assert done is not None and done.output == ["out"]
    assert [
        log.message
        for log in await client.get_logs(process_id=p.process_id, colony="test", key=key)
    ] == ["hi\n"]
    stats = await client.colony_statistics(colony="test", key=key)
    assert stats.successful_processes == 1
    assert [c.name for c in await client.get_colonies(key=SERVER_KEY)] == ["test"]
    with pytest.raises(RPCError) as err:
        await client.assign(-1, colony="test", key=key)
    assert err.value.status == 404
    g = await client.submit_workflow(
        WorkflowSpec(
            colony_name="test",
            function_specs=[
                fspec("a"),
                fspec("b", ["a"]),
            ],
        ),
        key=key,
    )
    assert len(g.process_ids) == 2
    await client.remove_all_process_graphs(colony="test", key=COLONY_KEY)


async def test_sync_client(server: TestServer, colony: Colony) -> None:
    def script() -> None:  # what a blocking script does, off the server's event loop
        with SyncColoniesClient(str(server.make_url("")).rstrip("/")) as sync:
            assert sync.version().build_version == __version__
            p = sync.submit(fspec(), key=colony.executor_key)
            assert (
                sync.get_process(p.process_id, key=colony.executor_key).process_id == p.process_id
            )

    await asyncio.to_thread(script)
