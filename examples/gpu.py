"""A GPU-conditioned function: it only lands on the executor that declares a GPU.

Two executors of one type serve ``train``; only ``gpu_executor`` declares a GPU in its
capabilities, and the server matches ``conditions.gpu`` against the declared hardware
(needs `colonies dev`'s env):

    python examples/gpu.py
"""

from __future__ import annotations

import asyncio

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Conditions, FunctionSpec, Gpu, Hardware, Process
from colonies.executor_sdk import Executor, ProcessContext

TYPE = "ml-executor"
cpu_executor = Executor(TYPE, hardware=Hardware(cpu="4000m", mem="16Gi"))
gpu_executor = Executor(TYPE, hardware=Hardware(cpu="8000m", gpu=Gpu(name="nvidia-a100", count=1)))


async def train(epochs: int, ctx: ProcessContext) -> str:
    return f"trained {epochs} epochs on {ctx.executor.name}"


cpu_executor.add_function("train", train)
gpu_executor.add_function("train", train)


async def demo(client: ColoniesClient, colony: str, key: str) -> tuple[Process, Process]:
    """Submit a GPU process; the CPU executor drains its queue without it, the GPU one runs it.

    Returns the process as it was after the CPU executor's run, and finished.
    """
    spec = FunctionSpec(
        func_name="train",
        args=[3],
        max_exec_time=-1,
        conditions=Conditions(
            colony_name=colony, executor_type=TYPE, gpu=Gpu(name="nvidia-a100", count=1)
        ),
    )
    submitted = await client.submit(spec, key=key)
    await cpu_executor.run(burst=True)
    after_cpu = await client.get_process(submitted.process_id, key=key)
    await gpu_executor.run(burst=True)
    return after_cpu, await client.get_process(submitted.process_id, key=key)


async def main() -> None:
    settings = ClientSettings.from_env()
    async with ColoniesClient.from_env(settings) as client:
        cpu_executor.configure(client=client)
        gpu_executor.configure(client=client)
        after_cpu, done = await demo(client, settings.colony_name, settings.prvkey)
        print("after the CPU executor:", after_cpu.state.name)
        print("after the GPU executor:", done.state.name, done.output)


if __name__ == "__main__":
    asyncio.run(main())
