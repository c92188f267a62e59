"""The built-in shell executor and ``colonies executor start``."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from click.testing import CliRunner

from colonies.cli.executor_start import start
from colonies.client import ColoniesClient
from colonies.core import Gpu, ProcessState, WorkflowSpec
from colonies.core.cron import Cron
from colonies.executor_sdk import shell_executor
from tests.conftest import COLONY, COLONY_KEY, Colony, MakeExecutor
from tests.sdk.util import (
    EXAMPLES,
    SUBMITTER,
    FirstLogSlow,
    attach,
    get,
    make_spec,
    server_env,
    submit,
)

T = "shell-test"


async def test_echo_date_cat_and_failures(
    client: ColoniesClient, colony: Colony, tmp_path: Path
) -> None:
    (tmp_path / "note.txt").write_text("first\nsecond\n")
    ex = attach(shell_executor(T, concurrency=2), client)
    echo = await submit(client, "echo", "hello", "world", executor_type=T)
    date = await submit(client, "date", "+%Y", executor_type=T)
    cat = await submit(client, "cat", str(tmp_path / "note.txt"), executor_type=T)
    false = await submit(client, "sh", "-c", "echo oops >&2; exit 3", executor_type=T)
    missing = await submit(client, "no-such-command-xyz", executor_type=T)
    await ex.run(burst=True)

    assert (await get(client, echo)).output == ["hello world"]
    year = (await get(client, date)).output[0]
    assert len(year) == 4 and year.isdigit()
    assert (await get(client, cat)).output == ["first\nsecond"]
    logs = await client.get_logs(process_id=cat.process_id, colony=COLONY, key=SUBMITTER)
    assert [e.message for e in logs] == ["first\n", "second\n"]
    failed = await get(client, false)
    assert failed.state == ProcessState.FAILED
    assert failed.errors == ["sh exited with status 3: oops"]
    gone = await get(client, missing)
    assert gone.state == ProcessState.FAILED
    assert gone.errors == ["no-such-command-xyz: command not found"]


async def test_a_failed_command_is_one_sentence_and_one_log_line_without_traceback(
    client: ColoniesClient, colony: Colony, caplog: pytest.LogCaptureFixture
) -> None:
    ex = attach(shell_executor(T), client)
    false = await submit(
        client, "sh", "-c", "echo working; echo 'disk full' >&2; exit 2", executor_type=T
    )
    missing = await submit(client, "no-such-command-xyz", executor_type=T)
    with caplog.at_level(logging.DEBUG, logger="colonies"):
        await ex.run(burst=True)
    assert (await get(client, false)).errors == ["sh exited with status 2: disk full"]
    logs = await client.get_logs(process_id=false.process_id, colony=COLONY, key=SUBMITTER)
    assert [e.message for e in logs] == ["working\n", "disk full\n"]  # the command's own
    gone = await client.get_logs(process_id=missing.process_id, colony=COLONY, key=SUBMITTER)
    assert gone == []
    failed = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert failed == [
        f"process {false.process_id} failed: sh exited with status 2: disk full",
        f"process {missing.process_id} failed: no-such-command-xyz: command not found",
    ]
    assert not any(r.exc_info or "Traceback" in r.getMessage() for r in caplog.records)


async def test_log_lines_keep_their_order_when_a_post_is_slow(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    url = str(server.make_url("")).rstrip("/")
    async with FirstLogSlow(url, "fetching shard 7", "reset") as slow:
        ex = attach(shell_executor(T), slow)
        proc = await submit(
            client,
            "sh",
            "-c",
            "echo 'fetching shard 7'; sleep 0.05; echo reset >&2; exit 3",
            executor_type=T,
        )
        await ex.run(burst=True)
    logs = await client.get_logs(process_id=proc.process_id, colony=COLONY, key=SUBMITTER)
    assert [e.message for e in logs] == ["fetching shard 7\n", "reset\n"]


async def test_allowed_commands_only(client: ColoniesClient, colony: Colony) -> None:
    ex = attach(shell_executor(T, commands=["echo"]), client)
    ok = await submit(client, "echo", "fine", executor_type=T)
    refused = await submit(client, "date", executor_type=T)
    await ex.register()
    funcs = await client.get_functions(executor_name=ex.name, colony=COLONY, key=SUBMITTER)
    assert [f.func_name for f in funcs] == ["echo"]
    await ex.run(burst=True)
    assert (await get(client, ok)).output == ["fine"]
    assert "not allowed" in (await get(client, refused)).errors[0]


async def test_reference_style_workflow_with_the_shell_executor(
    client: ColoniesClient, colony: Colony
) -> None:
    specs = []
    for name, func, args, deps in [
        ("task1", "echo", ["task1"], []),
        ("task2", "date", [], ["task1"]),
        ("task3", "echo", ["task3"], ["task1"]),
        ("task4", "echo", ["done"], ["task2", "task3"]),
    ]:
        spec = make_spec(func, *args, executor_type=T)
        spec.node_name = name
        spec.conditions.dependencies = deps
        specs.append(spec)
    graph = await client.submit_workflow(
        WorkflowSpec(colony_name=COLONY, function_specs=specs), key=SUBMITTER
    )
    ex = attach(shell_executor(T, concurrency=2), client)
    await ex.run(burst=True)
    graph = await client.get_process_graph(graph.process_graph_id, key=SUBMITTER)
    assert graph.state == ProcessState.SUCCESS


async def test_cli_start_command_in_burst_mode(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    p = await submit(client, "echo", "from the cli", executor_type=T)
    env = server_env(server, COLONY_PRVKEY=COLONY_KEY)
    result = await asyncio.to_thread(
        CliRunner().invoke, start, ["--type", T, "--burst", "--concurrency", "2"], env=env
    )
    assert result.exit_code == 0, result.output
    assert (await get(client, p)).output == ["from the cli"]


def example_workflow(path: str, executor_type: str) -> WorkflowSpec:
    """examples/<path> (a list of function specs, as the CLI reads it) for this colony."""
    specs = json.loads((EXAMPLES / path).read_text())
    for s in specs:
        s["conditions"] |= {"colonyname": COLONY, "executortype": executor_type}
    return WorkflowSpec.model_validate({"colonyname": COLONY, "functionspecs": specs})


async def test_the_example_cron_and_workflow_run_on_the_shell_executor(
    client: ColoniesClient, colony: Colony
) -> None:
    cron = Cron(
        name="hello",
        colony_name=COLONY,
        interval=3600,
        workflow_spec=example_workflow("crons/cron.json", T).model_dump_json(by_alias=True),
    )
    cron = await client.add_cron(cron, key=SUBMITTER)
    fired = await client.run_cron(cron.cron_id, key=SUBMITTER)
    workflow = await client.submit_workflow(
        example_workflow("workflows/workflow.json", T), key=SUBMITTER
    )
    await attach(shell_executor(T, concurrency=2), client).run(burst=True)

    for graph_id in (fired.prev_process_graph_id, workflow.process_graph_id):
        graph = await client.get_process_graph(graph_id, key=SUBMITTER)
        assert graph.state == ProcessState.SUCCESS
        outputs = [
            (await client.get_process(pid, key=SUBMITTER)).output for pid in graph.process_ids
        ]
        if graph_id == fired.prev_process_graph_id:
            assert outputs == [["cron says hello"]]
        else:
            assert sorted(outputs) == [["task1"], ["task2"], ["task3"], ["task4"]]


async def test_cli_start_with_a_pre_approved_executor_declaring_a_gpu(
    client: ColoniesClient, colony: Colony, server: TestServer, make_executor: MakeExecutor
) -> None:
    key = await make_executor("shell-box", executor_type=T)
    spec = make_spec("echo", "on the gpu box", executor_type=T)
    spec.conditions.gpu = Gpu(name="t4", count=1)
    p = await client.submit(spec, key=SUBMITTER)
    env = server_env(server, EXECUTOR_PRVKEY=key)
    argv = ["--type", T, "--name", "shell-box", "--no-register", "--gpu", "t4", "--burst"]
    result = await asyncio.to_thread(CliRunner().invoke, start, argv, env=env)
    assert result.exit_code == 0, result.output
    assert (await get(client, p)).output == ["on the gpu box"]
    found = await client.get_executor("shell-box", colony=COLONY, key=SUBMITTER)
    assert found.capabilities.hardware is not None
    assert found.capabilities.hardware[0].gpu.name == "t4"


async def test_the_docs_cron_example_needs_and_gets_a_shell(
    client: ColoniesClient, colony: Colony, server: TestServer, tmp_path: Path
) -> None:
    target = tmp_path / "currentdate"
    plain = await submit(client, "date", ">", str(target), executor_type=T)
    await attach(shell_executor(T), client).run(burst=True)
    refused = await get(client, plain)
    assert refused.state == ProcessState.FAILED and not target.exists()

    # the reference docs' cron workflow: date > FILE, then cat FILE, under `sh -c`
    first = make_spec("date", ">", str(target), executor_type=T)
    first.node_name = "generate_date"
    second = make_spec("cat", str(target), executor_type=T)
    second.node_name, second.conditions.dependencies = "print_date", ["generate_date"]
    graph = await client.submit_workflow(
        WorkflowSpec(colony_name=COLONY, function_specs=[first, second]), key=SUBMITTER
    )
    piped = await submit(client, "echo", "a b c", "|", "wc", "-w", executor_type=T)
    env = server_env(server, COLONY_PRVKEY=COLONY_KEY)
    result = await asyncio.to_thread(
        CliRunner().invoke, start, ["--type", T, "--shell", "--burst"], env=env
    )
    assert result.exit_code == 0, result.output
    graph = await client.get_process_graph(graph.process_graph_id, key=SUBMITTER)
    assert graph.state == ProcessState.SUCCESS
    printed = [(await client.get_process(p, key=SUBMITTER)).output for p in graph.process_ids]
    assert [target.read_text().strip()] in printed
    assert (await get(client, piped)).output == ["3"]


def test_a_shell_executor_cannot_pretend_to_limit_its_commands() -> None:
    with pytest.raises(ValueError, match="arguments are shell code too"):
        shell_executor(T, commands=["echo"], shell=True)
    both = CliRunner().invoke(start, ["--shell", "--func", "echo"], env={})
    assert both.exit_code == 1 and "--shell cannot be combined with --func" in both.output
    text = " ".join(CliRunner().invoke(start, ["--help"]).output.split())
    assert "anyone who may submit to the colony then runs any shell code on this host" in text
