"""Tasks: what a request leaves running is held until done, and draining waits for it all."""

from __future__ import annotations

import asyncio

from colonies.server.tasks import Tasks


async def test_drain_also_waits_for_tasks_started_by_the_tasks_it_waits_for() -> None:
    tasks = Tasks()
    done: list[str] = []

    async def give_back() -> None:
        await asyncio.sleep(0)
        done.append("given back")

    claim: asyncio.Future[None] = asyncio.ensure_future(asyncio.sleep(0))
    tasks.keep(claim)  # a claim whose caller left; its give-back starts when it ends
    claim.add_done_callback(lambda _: tasks.start(give_back()))
    await tasks.drain()
    assert done == ["given back"]
    assert len(tasks) == 0
