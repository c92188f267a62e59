"""An executor with arguments: ``echo`` (args and kwargs) and ``fibonacci`` (async, logs).

Submits one process of each, serves them, prints the outputs (needs `colonies dev`'s env):

    python examples/echo_fibonacci.py            # demo: submit, run until done, print
    python examples/echo_fibonacci.py --serve    # just serve until Ctrl-C, and meanwhile:
    colonies function exec --func fibonacci --args 30 --targettype python-executor --wait --out
    colonies function exec --func echo --args hello,world --kwargs upper:true \
        --targettype python-executor --wait --out
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Conditions, FunctionSpec, Process
from colonies.executor_sdk import Executor, ProcessContext

executor = Executor("python-executor", concurrency=4)


@executor.function()
def echo(*words: Any, upper: bool | str = False, sep: str = " ") -> str:
    text = sep.join(str(w) for w in words)
    return text.upper() if upper in (True, "true") else text


@executor.function()
async def fibonacci(n: int | str, ctx: ProcessContext) -> int:
    n = int(n)  # `colonies function exec --args 30` sends every argument as a string
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    await ctx.log(f"fibonacci({n}) = {a}")
    return a


async def demo(client: ColoniesClient, colony: str, key: str) -> list[Process]:
    """Submit echo and fibonacci, serve until nothing is left, return the finished processes."""
    specs: list[tuple[str, list[Any], dict[str, Any]]] = [
        ("echo", ["hello", "colonies"], {"upper": True}),
        ("fibonacci", [30], {}),
    ]
    submitted = []
    for func, args, kwargs in specs:
        spec = FunctionSpec(
            func_name=func,
            args=args,
            kw_args=kwargs,
            max_exec_time=-1,
            conditions=Conditions(colony_name=colony, executor_type=executor.executor_type),
        )
        submitted.append(await client.submit(spec, key=key))
    await executor.run(burst=True)
    return [await client.get_process(p.process_id, key=key) for p in submitted]


async def main() -> None:
    settings = ClientSettings.from_env()
    async with ColoniesClient.from_env(settings) as client:
        executor.configure(client=client)
        for process in await demo(client, settings.colony_name, settings.prvkey):
            print(process.spec.func_name, process.state.name, process.output, process.errors)


if __name__ == "__main__":
    if "--serve" in sys.argv:
        executor.serve()
    else:
        asyncio.run(main())
