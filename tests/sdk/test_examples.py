"""Every example in examples/ against the real server: in process (to look at the processes
in detail) and as a user runs it, ``python examples/<name>.py`` with the COLONIES_* variables
`colonies dev` prints."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import ExecutorState, FunctionSpec, ProcessState
from tests.conftest import COLONY, COLONY_KEY, Colony
from tests.sdk.util import EXAMPLES, SUBMITTER, attach, get, load_example, server_env, submit


async def test_helloworld_executor(client: ColoniesClient, colony: Colony) -> None:
    module = load_example("helloworld_executor")
    data = json.loads((EXAMPLES / "functions" / "helloworld.json").read_text())
    data["conditions"]["colonyname"] = COLONY
    submitted = await client.submit(FunctionSpec.model_validate(data), key=SUBMITTER)
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
    logs = await client.get_logs(process_id=fib.process_id, colony=COLONY, key=SUBMITTER)
    assert [e.message for e in logs] == ["fibonacci(30) = 832040\n"]


async def test_echo_fibonacci_with_string_arguments_as_the_cli_sends_them(
    client: ColoniesClient, colony: Colony
) -> None:
    module = load_example("echo_fibonacci")
    attach(module.executor, client)
    fib = await submit(client, "fibonacci", "10", executor_type="python-executor")
    echo = await submit(
        client, "echo", "a", "b", executor_type="python-executor", upper="false", sep="-"
    )
    shout = await submit(client, "echo", "a", executor_type="python-executor", upper="true")
    await module.executor.run(burst=True)
    assert [(await get(client, p)).output for p in (fib, echo, shout)] == [[55], ["a-b"], ["A"]]


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


async def test_roundtrip_by_hand(client: ColoniesClient, colony: Colony) -> None:
    module = load_example("roundtrip")
    done = await module.roundtrip(client, COLONY, COLONY_KEY, SUBMITTER)
    assert (done["state"], done["out"]) == (ProcessState.SUCCESS, ["Hello, World!"])
    states = {
        e.executor_name: e.state for e in await client.get_executors(colony=COLONY, key=SUBMITTER)
    }
    assert states.pop("test-executor") == ExecutorState.APPROVED
    assert list(states.values()) == [ExecutorState.UNREGISTERED]  # removed again


async def run_example(server: TestServer, *argv: str) -> str:
    """``python examples/<argv>`` with the environment `colonies dev` prints; its stdout."""
    env = {**os.environ, **server_env(server, COLONY_PRVKEY=COLONY_KEY, PRVKEY=SUBMITTER)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / argv[0]),
        *argv[1:],
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 15)
    assert proc.returncode == 0, err.decode()
    return out.decode()


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        (
            "echo_fibonacci.py",
            ["echo SUCCESS ['HELLO COLONIES'] []", "fibonacci SUCCESS [832040] []"],
        ),
        (
            "workflow.py",
            ["report  SUCCESS  in=['HELLO, WORLD!', 12] out=['HELLO, WORLD! (12 characters)']"],
        ),
        ("children.py", ["square-3  SUCCESS  args=[4] out=[16]"]),
        ("gpu.py", ["after the CPU executor: WAITING"]),
        ("roundtrip.py", ["state 2 output ['Hello, World!']"]),
    ],
)
async def test_example_runs_as_is(
    server: TestServer, colony: Colony, example: str, expected: list[str]
) -> None:
    lines = (await run_example(server, example)).splitlines()
    for line in expected:
        assert line in lines


async def test_helloworld_executor_script_serves_the_spec(
    client: ColoniesClient, server: TestServer, colony: Colony
) -> None:
    data = json.loads((EXAMPLES / "functions" / "helloworld.json").read_text())
    data["conditions"]["colonyname"] = COLONY
    submitted = await client.submit(FunctionSpec.model_validate(data), key=SUBMITTER)
    await run_example(server, "helloworld_executor.py", "--burst")
    done = await get(client, submitted)
    assert (done.state, done.output) == (ProcessState.SUCCESS, ["Hello, World!"])


async def test_light_reconciler_makes_blueprints_true(
    client: ColoniesClient, colony: Colony
) -> None:
    module = load_example("light_reconciler")
    attach(module.executor, client)
    definition = json.loads((EXAMPLES / "blueprints" / "light-definition.json").read_text())
    definition["metadata"]["colonyname"] = COLONY
    await client.call(
        "addblueprintdefinitionmsg", {"blueprintdefinition": definition}, key=COLONY_KEY
    )
    kitchen = json.loads((EXAMPLES / "blueprints" / "light.json").read_text())
    kitchen["metadata"]["colonyname"] = COLONY
    await client.call("addblueprintmsg", {"blueprint": kitchen}, key=SUBMITTER)
    await module.executor.run(burst=True)

    def status() -> Any:
        return client.call(
            "getblueprintmsg", {"namespace": COLONY, "name": "kitchen"}, key=SUBMITTER
        )

    assert (await status())["status"] == {"applied": kitchen["spec"], "generation": 0}
    kitchen["spec"]["brightness"] = 90
    await client.call("updateblueprintmsg", {"blueprint": kitchen}, key=SUBMITTER)
    await module.executor.run(burst=True)
    assert (await status())["status"]["applied"]["brightness"] == 90
    assert {"kitchen": kitchen["spec"]} == module.LIGHTS

    await client.call("removeblueprintmsg", {"namespace": COLONY, "name": "kitchen"}, key=SUBMITTER)
    await module.executor.run(burst=True)
    assert module.LIGHTS == {}
    done = await client.get_processes(ProcessState.SUCCESS, 10, colony=COLONY, key=SUBMITTER)
    assert sorted(p.spec.func_name for p in done) == ["cleanup", "reconcile", "reconcile"]
