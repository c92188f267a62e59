"""A parked assign is woken by every path that makes a process assignable, once its row is
visible: crons, generators, retries, requeues, workflow releases, unconfirmed deliveries.
(A wake-up sent inside a transaction that has not committed finds nothing, and the commit's
NOTIFY is then dropped as this server's own echo: the assign would wait for its timeout.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, Process, WorkflowSpec, utc_now
from colonies.server import background, keys
from colonies.server.services import crons, generators
from tests.conftest import Colony, MakeExecutor, spec

PARK_S = 5  # a lost wake-up makes the assign wait this long and answer 404
ROUNDS = 4  # the lost wake-up was a race: try each path a few times


async def parked(server: TestServer, client: ColoniesClient, key: str) -> asyncio.Task[Process]:
    """An assign long-poll parked on the server (no process is waiting yet)."""
    events = server.app[keys.EVENTS]
    before = events.waiter_count()
    task = asyncio.create_task(client.assign(PARK_S, colony="test", key=key))
    while events.waiter_count() == before:
        await asyncio.sleep(0.001)
    return task


async def woken_within_park(task: asyncio.Task[Process]) -> Process:
    """The process the parked assign got; fails if it was not woken (timeout, 404)."""
    return await asyncio.wait_for(task, PARK_S - 1)


Step = Callable[[int], Awaitable[object]]


async def nothing(_round: int) -> None:
    return None


async def assert_wakes(
    server: TestServer, client: ColoniesClient, key: str, release: Step, setup: Step = nothing
) -> None:
    """Each round: ``setup`` (nobody of ours waits yet), park an assign, ``release`` makes a
    process assignable; the parked assign must get it at once."""
    for round_ in range(ROUNDS):
        await setup(round_)
        task = await parked(server, client, key)
        await release(round_)
        process = await woken_within_park(task)
        await client.close_process(process.process_id, key=key)


async def test_a_cron_starting_a_workflow_wakes_a_parked_assign(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    workflow = json.dumps({"colonyname": "test", "functionspecs": [spec(nodename="tick")]})
    cron = {"name": "c", "colonyname": "test", "interval": 1, "workflowspec": workflow}
    await client.call(
        "addcronmsg", {"cron": {"cronexpression": "", **cron}}, key=colony.executor_key
    )
    db, events = server.app[keys.DB], server.app[keys.EVENTS]
    t0 = utc_now()
    await crons.run_once(db, events, t0)  # the first pass schedules

    async def fire(round_: int) -> None:
        assert await crons.run_once(db, events, t0 + timedelta(seconds=2 * (round_ + 1))) == 1

    await assert_wakes(server, client, colony.executor_key, fire)


async def test_a_generator_starting_a_workflow_wakes_a_parked_assign(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    workflow = json.dumps({"colonyname": "test", "functionspecs": [spec(nodename="g")]})
    generator = {"name": "g", "colonyname": "test", "workflowspec": workflow, "trigger": 1}
    added = await client.call(
        "addgeneratormsg", {"generator": {"timeout": -1, **generator}}, key=colony.executor_key
    )
    db, events = server.app[keys.DB], server.app[keys.EVENTS]

    async def fire(round_: int) -> None:
        pack = {"generatorid": added["generatorid"], "arg": f"a{round_}"}
        await client.call("packgeneratormsg", pack, key=colony.executor_key)
        assert await generators.run_once(db, events, utc_now()) == 1

    await assert_wakes(server, client, colony.executor_key, fire)


async def held_by_first(
    client: ColoniesClient, first: str, key: str, lease: bool = False, **fields: Any
) -> None:
    """A new process, claimed at once by executor ``first`` (our assign is not parked yet),
    with a delivery lease if asked."""
    await client.submit(FunctionSpec.model_validate(spec(**fields)), key=key)
    await client.assign(-1, confirm_delivery=lease, colony="test", key=first)


async def test_a_retry_after_the_exec_deadline_wakes_a_parked_assign(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    first = await make_executor("first")

    async def setup(_round: int) -> None:
        await held_by_first(client, first, colony.executor_key, maxexectime=1, maxretries=9)

    async def expire(_round: int) -> None:
        await background.expire_deadlines(server.app[keys.DB], utc_now() + timedelta(seconds=5))

    await assert_wakes(server, client, colony.executor_key, expire, setup)


async def test_an_unconfirmed_delivery_wakes_a_parked_assign(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    first = await make_executor("first")
    lease = server.app[keys.SETTINGS].delivery_lease_s

    async def setup(_round: int) -> None:
        await held_by_first(client, first, colony.executor_key, lease=True)

    async def expire(_round: int) -> None:
        later = utc_now() + timedelta(seconds=lease + 1)
        await background.expire_deadlines(server.app[keys.DB], later)

    await assert_wakes(server, client, colony.executor_key, expire, setup)


async def test_a_removed_executors_processes_wake_a_parked_assign(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    holders: list[str] = []

    async def setup(round_: int) -> None:
        holders.append(await make_executor(f"first{round_}"))
        await held_by_first(client, holders[-1], colony.executor_key)

    async def remove(round_: int) -> None:
        msg = {"colonyname": "test", "executorname": f"first{round_}"}
        await client.call("removeexecutormsg", msg, key=colony.colony_key)

    await assert_wakes(server, client, colony.executor_key, remove, setup)


async def test_a_closed_parent_releasing_its_child_wakes_a_parked_assign(
    server: TestServer, client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    first = await make_executor("first")
    parents: list[str] = []

    async def setup(_round: int) -> None:
        nodes = [spec(nodename="a"), spec(nodename="b", cond_dependencies=["a"])]
        wf = WorkflowSpec.model_validate({"colonyname": "test", "functionspecs": nodes})
        await client.submit_workflow(wf, key=colony.executor_key)
        parents.append((await client.assign(-1, colony="test", key=first)).process_id)

    async def close_parent(_round: int) -> None:
        await client.close_process(parents[-1], ["out"], key=first)

    await assert_wakes(server, client, colony.executor_key, close_parent, setup)
