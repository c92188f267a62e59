"""Two servers on one database, many executors: every process assigned exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.errors import RPCError
from colonies.server.app import create_app
from tests.conftest import Colony, MakeExecutor, spec

PROCESSES = 2000
EXECUTORS = 16
SUBMITTERS = 4


@pytest.fixture
async def second_client(settings: Settings) -> AsyncIterator[ColoniesClient]:
    srv = TestServer(create_app(settings, background_loops=False), host="127.0.0.1")
    await srv.start_server()
    try:
        async with ColoniesClient(str(srv.make_url("")).rstrip("/")) as c:
            yield c
    finally:
        await srv.close()


async def test_two_servers_assign_each_process_exactly_once(
    client: ColoniesClient,
    second_client: ColoniesClient,
    colony: Colony,
    make_executor: MakeExecutor,
) -> None:
    servers = [client, second_client]
    keys = [await make_executor(f"worker-{i}") for i in range(EXECUTORS)]
    submitted: list[str] = []
    assigned: list[str] = []
    submitting_done = asyncio.Event()

    async def submitter(n: int) -> None:
        api = servers[n % 2]
        for _ in range(PROCESSES // SUBMITTERS):
            p = await api.call("submitfuncspecmsg", {"spec": spec()}, key=colony.executor_key)
            submitted.append(p["processid"])

    async def worker(n: int) -> None:
        api = servers[n % 2]
        while True:
            try:
                p = await api.call(
                    "assignprocessmsg", {"colonyname": "test", "timeout": 1}, key=keys[n]
                )
            except RPCError as err:
                assert err.status == 404
                if submitting_done.is_set() and len(assigned) >= len(submitted):
                    return
                continue
            assigned.append(p["processid"])
            await api.call("closesuccessfulmsg", {"processid": p["processid"]}, key=keys[n])

    workers = [asyncio.create_task(worker(i)) for i in range(EXECUTORS)]
    await asyncio.gather(*(submitter(i) for i in range(SUBMITTERS)))
    submitting_done.set()
    await asyncio.wait_for(asyncio.gather(*workers), 120)

    duplicates = [pid for pid, n in Counter(assigned).items() if n > 1]
    assert duplicates == []
    assert sorted(assigned) == sorted(submitted)
    assert len(submitted) == PROCESSES
    stats = await client.call("getcolonystatsmsg", {"colonyname": "test"}, key=colony.executor_key)
    assert (stats["successfulprocesses"], stats["waitingprocesses"], stats["runningprocesses"]) == (
        PROCESSES,
        0,
        0,
    )


async def test_submit_on_one_server_wakes_assign_waiting_on_the_other(
    client: ColoniesClient, second_client: ColoniesClient, colony: Colony
) -> None:
    waiting = asyncio.create_task(
        second_client.call(
            "assignprocessmsg", {"colonyname": "test", "timeout": 30}, key=colony.executor_key
        )
    )
    await asyncio.sleep(0.3)
    assert not waiting.done()
    p = await client.call("submitfuncspecmsg", {"spec": spec()}, key=colony.executor_key)
    loop = asyncio.get_running_loop()
    started = loop.time()
    got = await asyncio.wait_for(waiting, 5)
    assert got["processid"] == p["processid"]
    assert loop.time() - started < 1.0  # woken by NOTIFY, not by a poll or the timeout


async def test_membership_change_on_one_server_reaches_the_other(
    client: ColoniesClient, second_client: ColoniesClient, colony: Colony
) -> None:
    # second_client's server now holds a cached membership for the executor...
    await second_client.call("submitfuncspecmsg", {"spec": spec()}, key=colony.executor_key)
    await client.call(
        "rejectexecutormsg",
        {"colonyname": "test", "executorname": colony.executor_name},
        key=colony.colony_key,
    )
    # ...which the trigger's NOTIFY drops; give the notification a bounded moment to arrive.
    for _ in range(100):
        reply = await second_client.raw(
            "submitfuncspecmsg", {"spec": spec()}, key=colony.executor_key
        )
        if reply.status == 403:
            break
        await asyncio.sleep(0.01)
    assert reply.status == 403
    assert reply.message == "Access denied, not a member of Colony with name <test>"
