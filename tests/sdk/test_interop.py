"""pycolonies submitters served by SDK executors, and SDK-side submitters served by pycolonies."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestServer
from pycolonies import Colonies, Workflow, func_spec

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from colonies.executor_sdk import Executor, ProcessContext
from tests.conftest import COLONY, EXECUTOR_KEY, Colony, MakeExecutor
from tests.sdk.util import attach, get, submit

T = "interop"


async def test_pycolonies_submitter_sdk_executor(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    py = Colonies("127.0.0.1", server.port)
    ex = attach(Executor(T), client)

    @ex.function()
    def greet(name: str, punctuation: str = ".") -> str:
        return f"Hello, {name}{punctuation}"

    spec = func_spec("greet", ["pycolonies"], COLONY, T, kwargs={"punctuation": "!"})
    submitted = await asyncio.to_thread(py.submit_func_spec, spec, EXECUTOR_KEY)
    await ex.run(burst=True)
    done = await asyncio.to_thread(py.get_process, submitted.processid, EXECUTOR_KEY)
    assert done.state == Colonies.SUCCESSFUL
    assert done.output == ["Hello, pycolonies!"]


async def test_sdk_submitter_pycolonies_executor(
    client: ColoniesClient, colony: Colony, server: TestServer, make_executor: MakeExecutor
) -> None:
    key = await make_executor("py-executor", executor_type=T)
    py = Colonies("127.0.0.1", server.port)
    submitted = await submit(client, "double", 21, executor_type=T)

    def serve_one() -> None:
        process = py.assign(COLONY, 5, key)
        py.close(process.processid, [process.spec.args[0] * 2], key)

    await asyncio.to_thread(serve_one)
    done = await get(client, submitted)
    assert (done.state, done.output) == (ProcessState.SUCCESS, [42])


async def test_pycolonies_workflow_and_wait_served_by_sdk_executor(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    py = Colonies("127.0.0.1", server.port)
    ex = attach(Executor(T, concurrency=2), client)

    @ex.function()
    def gen(n: int) -> int:
        return n * 10

    @ex.function()
    async def total(ctx: ProcessContext) -> int:
        return int(ctx.input[0]) + 1

    first = func_spec("gen", [4], COLONY, T)
    second = func_spec("total", [], COLONY, T)
    second.conditions.dependencies = ["gen"]
    workflow = Workflow(colonyname=COLONY, functionspecs=[first, second])
    graph = await asyncio.to_thread(py.submit_workflow, workflow, EXECUTOR_KEY)
    await ex.run(burst=True)
    last = next(p for p in graph.processids if p != graph.rootprocessids[0])
    process = await asyncio.to_thread(py.get_process, last, EXECUTOR_KEY)
    done = await asyncio.to_thread(py.wait, process, 5, EXECUTOR_KEY)  # /pubsub, state 2
    assert (done.state, done.input, done.output) == (Colonies.SUCCESSFUL, [40], [41])
