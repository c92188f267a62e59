"""Concurrent submits share INSERT statements (group commit), and each request still hears
its own outcome: stored, the process of an earlier use of its request id, or its own 400."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, Process, ProcessState
from colonies.db import Database
from colonies.errors import RPCError
from colonies.server import keys
from colonies.server.services.processes import Submitted, write_submitted
from tests.conftest import Colony, spec


async def test_concurrent_submits_share_statements_and_keep_their_own_outcomes(
    server: TestServer, client: ColoniesClient, colony: Colony, db: Database
) -> None:
    sizes: list[int] = []

    async def recording(conn_db: Database, items: list[Submitted]) -> list[bool | BaseException]:
        sizes.append(len(items))
        return await write_submitted(conn_db, items)

    server.app[keys.SUBMITS].write = recording
    key = colony.executor_key
    plain = FunctionSpec.model_validate(spec())
    too_long = FunctionSpec.model_validate(spec(maxexectime=2**40))  # the database refuses it

    def call(i: int) -> Awaitable[Process]:
        if i == 17:
            return client.submit(too_long, key=key)
        return client.submit(plain, request_id="again" if i in (5, 30) else None, key=key)

    outcomes = await asyncio.gather(*(call(i) for i in range(40)), return_exceptions=True)

    assert max(sizes) > 1 and sum(sizes) >= 40  # shared statements (a refused one: each alone)
    refused = outcomes[17]
    assert isinstance(refused, RPCError) and refused.status == 400
    assert "value out of range" in str(refused)
    stored = [o for i, o in enumerate(outcomes) if i != 17]
    assert not any(isinstance(o, BaseException) for o in stored)
    assert outcomes[5].process_id == outcomes[30].process_id  # type: ignore[union-attr]
    waiting = await db.processes.find("test", ProcessState.WAITING, 100)
    assert len(waiting) == 38  # 40, less the refused one, less the repeated request id
    assert {p.process_id for p in waiting} == {o.process_id for o in stored}  # type: ignore[union-attr]


async def test_a_statement_that_fails_fails_its_request_and_the_next_goes_through(
    server: TestServer, client: ColoniesClient, colony: Colony, db: Database
) -> None:
    """After a failed statement the group commit gives its connection back and takes
    another for the next one."""
    failures = iter([ConnectionResetError("connection lost")])

    async def failing_once(conn_db: Database, items: list[Submitted]) -> list[bool | BaseException]:
        if failure := next(failures, None):
            raise failure
        return await write_submitted(conn_db, items)

    server.app[keys.SUBMITS].write = failing_once
    plain = FunctionSpec.model_validate(spec())
    with pytest.raises(RPCError) as refused:
        await client.submit(plain, key=colony.executor_key)
    assert refused.value.status >= 500
    after = await client.submit(plain, key=colony.executor_key)
    waiting = await db.processes.find("test", ProcessState.WAITING, 100)
    assert [p.process_id for p in waiting] == [after.process_id]
