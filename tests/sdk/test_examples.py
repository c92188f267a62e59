"""Every example in examples/ against the real server, as its demo runs it."""

from __future__ import annotations

import json

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, ProcessState
from tests.conftest import COLONY, Colony
from tests.sdk.util import EXAMPLES, SUBMITTER, attach, get, load_example


async def test_helloworld_executor(client: ColoniesClient, colony: Colony) -> None:
    module = load_example("helloworld_executor")
    path = EXAMPLES / "functions" / "helloworld.json"
    if not path.exists():  # before the CLI's examples/functions/ folder exists
        path = EXAMPLES / "helloworld.json"
    data = json.loads(path.read_text())
    data["conditions"]["colonyname"] = COLONY
    submitted = await client.submit(FunctionSpec.model_validate(data), SUBMITTER)
    await attach(module.executor, client).run(burst=True)
    done = await get(client, submitted)
    assert (done.state, done.output) == (ProcessState.SUCCESS, ["Hello, World!"])
    assert module.executor.executor_type == "helloworld-executor"


async def test_echo_fibonacci(client: ColoniesClient, colony: Colony) -> None:
    module = load_example("echo_fibonacci")
    attach(module.executor, client)
    echo, fib = await module.demo(client, COLONY, SUBMITTER)
    assert echo.output == ["HELLO COLONIES"]
    assert fib.output == [832040]
    logs = await client.get_logs(COLONY, SUBMITTER, process_id=fib.process_id)
    assert [e.message for e in logs] == ["fibonacci(30) = 832040\n"]


async def test_workflow_passes_outputs_on(client: ColoniesClient, colony: Colony) -> None:
    module = load_example("workflow")
    attach(module.executor, client)
    nodes = await module.demo(client, COLONY, SUBMITTER)
    assert nodes["greet"].output == ["Hello, World"]
    assert nodes["shout"].input == ["Hello, World"]
    assert nodes["shout"].output == ["HELLO, WORLD!"]
    assert nodes["count"].output == [12]
    assert nodes["report"].input == ["HELLO, WORLD!", 12]
    assert nodes["report"].output == ["HELLO, WORLD! (12 characters)"]


async def test_children_added_at_run_time(client: ColoniesClient, colony: Colony) -> None:
    module = load_example("children")
    attach(module.executor, client)
    split, *squares = await module.demo(client, COLONY, SUBMITTER, [2, 3, 4])
    assert split.output == [3]
    assert len(split.children) == 3
    assert [p.output for p in squares] == [[4], [9], [16]]
    assert all(p.state == ProcessState.SUCCESS for p in squares)
    assert all(p.parents == [split.process_id] for p in squares)


async def test_gpu_function_lands_only_on_the_gpu_executor(
    client: ColoniesClient, colony: Colony
) -> None:
    module = load_example("gpu")
    attach(module.cpu_executor, client)
    attach(module.gpu_executor, client)
    after_cpu, done = await module.demo(client, COLONY, SUBMITTER)
    assert after_cpu.state == ProcessState.WAITING
    assert done.state == ProcessState.SUCCESS
    assert done.assigned_executor_id == module.gpu_executor.executor_id
    assert done.output == [f"trained 3 epochs on {module.gpu_executor.name}"]
