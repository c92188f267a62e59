"""A workflow whose nodes pass outputs on: greet -> (shout, count) -> report.

A node's ``ctx.input`` holds its parents' outputs, in parent order (needs `colonies dev`'s env):

    python examples/workflow.py
"""

from __future__ import annotations

import asyncio
from typing import Any

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Conditions, FunctionSpec, Process, WorkflowSpec
from colonies.executor_sdk import Executor, ProcessContext

executor = Executor("workflow-executor", concurrency=2)


@executor.function()
def greet(name: str) -> str:
    return f"Hello, {name}"


@executor.function()
async def shout(ctx: ProcessContext) -> str:
    return str(ctx.input[0]).upper() + "!"


@executor.function()
async def count(ctx: ProcessContext) -> int:
    return len(str(ctx.input[0]))


@executor.function()
async def report(ctx: ProcessContext) -> str:
    shouted, length = ctx.input
    return f"{shouted} ({length} characters)"


def node(colony: str, name: str, *args: Any, after: tuple[str, ...] = ()) -> FunctionSpec:
    return FunctionSpec(
        node_name=name,
        func_name=name,
        args=list(args),
        max_exec_time=-1,
        conditions=Conditions(
            colony_name=colony,
            executor_type=executor.executor_type,
            dependencies=list(after),
        ),
    )


async def demo(client: ColoniesClient, colony: str, key: str) -> dict[str, Process]:
    """Submit the workflow, serve it to the end, return its processes by node name."""
    workflow = WorkflowSpec(
        colony_name=colony,
        function_specs=[
            node(colony, "greet", "World"),
            node(colony, "shout", after=("greet",)),
            node(colony, "count", after=("greet",)),
            node(colony, "report", after=("shout", "count")),
        ],
    )
    graph = await client.submit_workflow(workflow, key=key)
    await executor.run(burst=True)
    graph = await client.get_process_graph(graph.process_graph_id, key=key)
    processes = [await client.get_process(pid, key=key) for pid in graph.process_ids]
    return {p.spec.node_name: p for p in processes}


async def main() -> None:
    settings = ClientSettings.from_env()
    async with ColoniesClient.from_env(settings) as client:
        executor.configure(client=client)
        nodes = await demo(client, settings.colony_name, settings.prvkey)
        for name, process in nodes.items():
            print(f"{name:7} {process.state.name:8} in={process.input} out={process.output}")


if __name__ == "__main__":
    asyncio.run(main())
