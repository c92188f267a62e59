"""An assign whose caller disconnects must not take a process with it: what it claimed goes
back to the queue (the claim ran to its end, or the reply would have reached nobody)."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, Process, ProcessState
from colonies.db import Database
from colonies.errors import ColoniesError
from colonies.rpc.process import AssignProcessMsg
from colonies.server import keys
from colonies.server.dispatch import make_ctx
from colonies.server.handlers.processes import assign as assign_handler
from colonies.server.services import processes as service
from tests.conftest import EXECUTOR_KEY, Colony, spec


async def waiting_process(client: ColoniesClient) -> Process:
    return await client.submit(FunctionSpec.model_validate(spec()), EXECUTOR_KEY)


async def test_a_claim_finishing_after_its_caller_left_is_given_back(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    p = await waiting_process(client)
    claimed = asyncio.Event()
    resume = asyncio.Event()

    async def statement() -> Process | None:
        """The claim commits, but its reply is still on the way when the caller leaves."""
        got = await db.processes.assign(
            "test", "cli", "test-executor", colony.executor_id, 10**9, 10**12, "", None,
            p.submission_time,
        )  # fmt: skip
        claimed.set()
        await resume.wait()
        return got

    call = asyncio.create_task(service._claim(db, colony.executor_id, statement()))
    await claimed.wait()
    assert (await client.get_process(p.process_id, EXECUTOR_KEY)).state == ProcessState.RUNNING
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    resume.set()
    await service.given_back()
    back = await client.get_process(p.process_id, EXECUTOR_KEY)
    assert (back.state, back.assigned_executor_id) == (ProcessState.WAITING, "")


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
    back = await client.get_process(p.process_id, EXECUTOR_KEY)
    assert back.state == ProcessState.WAITING
    # and the next assign gets it
    assert (await client.assign("test", -1, EXECUTOR_KEY)).process_id == p.process_id
    assert server.app[keys.EVENTS].waiter_count() == 0
