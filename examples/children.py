"""An executor that adds children at run time: ``split`` fans out one ``square`` per item.

Children run after their parent succeeds; ``add_child`` needs a workflow node, so the demo
submits a one-node workflow (needs `colonies dev`'s env):

    python examples/children.py
"""

from __future__ import annotations

import asyncio

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Conditions, FunctionSpec, Process, WorkflowSpec
from colonies.executor_sdk import Executor, ProcessContext

executor = Executor("fanout-executor", concurrency=4)


@executor.function()
async def split(*items: int, ctx: ProcessContext) -> int:
    for i, item in enumerate(items):
        await ctx.add_child("square", item, node_name=f"square-{i}")
    await ctx.log(f"added {len(items)} children")
    return len(items)


@executor.function()
def square(x: int) -> int:
    return x * x


async def demo(client: ColoniesClient, colony: str, key: str, items: list[int]) -> list[Process]:
    """Run split(items); return the graph's processes (split first, then the squares)."""
    root = FunctionSpec(
        node_name="split",
        func_name="split",
        args=list(items),
        max_exec_time=-1,
        conditions=Conditions(colony_name=colony, executor_type=executor.executor_type),
    )
    graph = await client.submit_workflow(
        WorkflowSpec(colony_name=colony, function_specs=[root]), key=key
    )
    await executor.run(burst=True)
    graph = await client.get_process_graph(graph.process_graph_id, key=key)
    processes = [await client.get_process(pid, key=key) for pid in graph.process_ids]
    return sorted(processes, key=lambda p: (p.spec.func_name != "split", p.spec.node_name))


async def main() -> None:
    settings = ClientSettings.from_env()
    async with ColoniesClient.from_env(settings) as client:
        executor.configure(client=client)
        for p in await demo(client, settings.colony_name, settings.prvkey, [1, 2, 3, 4]):
            print(f"{p.spec.node_name:9} {p.state.name:8} args={p.spec.args} out={p.output}")


if __name__ == "__main__":
    asyncio.run(main())
