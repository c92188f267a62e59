"""An assign whose caller disconnects must not take a process with it: what it claimed goes
back to the queue (the claim ran to its end, or the reply would have reached nobody)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, Process, ProcessState
from colonies.db import Database
from colonies.errors import ColoniesError
from colonies.rpc.process import AssignProcessMsg
from colonies.server import keys
from colonies.server.caller import Caller
from colonies.server.events import Events
from colonies.server.handlers.processes import assign as assign_handler
from colonies.server.keys import make_ctx
from colonies.server.services import processes as service
from colonies.server.tasks import Tasks
from tests.conftest import EXECUTOR_KEY, Colony, spec


async def waiting_process(client: ColoniesClient) -> Process:
    return await client.submit(FunctionSpec.model_validate(spec()), key=EXECUTOR_KEY)


async def test_a_claim_finishing_after_its_caller_left_is_given_back(
    client: ColoniesClient, colony: Colony, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = await waiting_process(client)
    claimed, resume = asyncio.Event(), asyncio.Event()
    claim = db.processes.assign

    async def reply_in_flight(*args: Any) -> Process | None:
        """The claim commits, but its result is still on the way when the caller leaves."""
        got = await claim(*args)
        claimed.set()
        await resume.wait()
        return got

    monkeypatch.setattr(db.processes, "assign", reply_in_flight)
    caller = Caller(
        id=colony.executor_id, colony_name="test", executor_name="test-executor",
        executor_type="cli",
    )  # fmt: skip
    tasks = Tasks()
    call = asyncio.create_task(service.assign(db, Events(), tasks, caller, 10))
    await claimed.wait()
    assert (await client.get_process(p.process_id, key=EXECUTOR_KEY)).state == ProcessState.RUNNING
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    resume.set()
    await tasks.drain()
    back = await client.get_process(p.process_id, key=EXECUTOR_KEY)
    assert (back.state, back.assigned_executor_id) == (ProcessState.WAITING, "")


async def test_a_parked_assign_whose_caller_left_stops_waiting(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    events = Events()
    caller = Caller(
        id=colony.executor_id, colony_name="test", executor_name="test-executor",
        executor_type="cli",
    )  # fmt: skip
    tasks = Tasks()
    call = asyncio.create_task(service.assign(db, events, tasks, caller, 60))
    while not events.waiter_count():
        await asyncio.sleep(0)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await tasks.drain()  # the wait ended at once, without waiting 60 s
    assert events.waiter_count() == 0
    p = await waiting_process(client)
    assert (await client.get_process(p.process_id, key=EXECUTOR_KEY)).state == ProcessState.WAITING


class GoneRequest:
    """What the assign handler sees of a request whose client has disconnected."""

    def __init__(self, server: TestServer) -> None:
        self.app = server.app
        self.transport = None


async def test_an_assign_whose_client_is_gone_gives_the_process_back(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    p = await waiting_process(client)
    ctx = make_ctx(GoneRequest(server), colony.executor_id, "")  # type: ignore[arg-type]
    msg = AssignProcessMsg(colony_name="test", timeout=-1)
    with pytest.raises(ColoniesError, match="disconnected"):
        await assign_handler(ctx, msg)
    await server.app[keys.TASKS].drain()
    back = await client.get_process(p.process_id, key=EXECUTOR_KEY)
    assert back.state == ProcessState.WAITING
    # and the next assign gets it
    assert (await client.assign(-1, colony="test", key=EXECUTOR_KEY)).process_id == p.process_id
    assert server.app[keys.EVENTS].waiter_count() == 0
