"""Attempt history, failure policies and reruns through the CLI, checked on the server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from tests.cli.conftest import Invoke, as_json, ok
from tests.conftest import EXECUTOR_KEY


def write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data))
    return str(path)


def node(name: str, *deps: str) -> dict[str, Any]:
    return {
        "nodename": name,
        "funcname": name,
        "conditions": {"executortype": "cli", "dependencies": list(deps)},
    }


async def work(client: ColoniesClient, n: int, fail: frozenset[str] = frozenset()) -> None:
    """Run ``n`` processes as they come, failing those of the nodes in ``fail``."""
    for _ in range(n):
        p = await client.assign(10, colony="test", key=EXECUTOR_KEY)
        await client.add_log(p.process_id, f"{p.spec.node_name} ran", key=EXECUTOR_KEY)
        if p.spec.node_name in fail:
            await client.fail_process(p.process_id, ["exited with status 9"], key=EXECUTOR_KEY)
        else:
            await client.close_process(p.process_id, [p.spec.node_name], key=EXECUTOR_KEY)


async def test_process_attempts_and_the_logs_of_one_attempt(
    invoke: Invoke, client: ColoniesClient, tmp_path: Path
) -> None:
    spec = {**node("flaky"), "retry": {"attempts": 2, "on": {"exitcodes": [9]}}}
    pid = as_json(
        await invoke("function", "submit", "--spec", write(tmp_path / "s.json", spec), "--json")
    )["processid"]
    await work(client, 1, fail=frozenset({"flaky"}))
    await work(client, 1)
    table = ok(await invoke("process", "attempts", "-p", pid))
    assert "exit code 9" in table and "success" in table and "test-executor" in table
    listed = as_json(await invoke("process", "attempts", "-p", pid, "--json"))
    assert [(a["attempt"], a["state"], a["logs"]) for a in listed] == [(1, 3, 1), (2, 2, 1)]
    shown = ok(await invoke("process", "get", "-p", pid))
    assert "Attempts" in shown and "2 (latest: Successful on test-executor, success)" in shown
    assert "2 attempts on exit codes 9" in shown
    assert ok(await invoke("log", "get", "-p", pid, "--attempt", "1")) == "flaky ran\n"
    both = ok(await invoke("log", "get", "-p", pid))
    assert both == "flaky ran\nflaky ran\n"
    refused = await invoke("log", "get", "-e", "test-executor", "--attempt", "1")
    assert refused.exit_code != 0 and "--attempt" in refused.output


async def test_continue_workflow_names_the_failed_node_and_reruns_the_failed_part(
    invoke: Invoke, client: ColoniesClient, tmp_path: Path
) -> None:
    wf = write(
        tmp_path / "wf.json",
        {
            "failurepolicy": "continue",
            "functionspecs": [node("a"), node("b", "a"), node("c", "b"), node("d", "a")],
        },
    )
    worker = asyncio.create_task(work(client, 3, fail=frozenset({"b"})))
    result = await invoke("workflow", "submit", "--spec", wf, "--wait")
    await worker
    assert result.exit_code == 1, result.output
    assert result.output.count("finished: Failed") == 1
    assert "Node b (b, process " in result.output and "exit code 9" not in result.output
    assert "exited with status 9" in result.output
    assert "Node c skipped: ancestor b (" in result.output
    gid = result.output.split("Workflow ")[1].split()[0]
    assert f"colonies workflow rerun --workflowid {gid}" in result.output
    shown = ok(await invoke("workflow", "get", "--workflowid", gid))
    assert "continue" in shown and "Skipped" in shown and "ancestor b" in shown
    worker = asyncio.create_task(work(client, 2))
    again = await invoke("workflow", "rerun", "--id", gid, "--wait")
    await worker
    assert "finished: Successful" in ok(again)
    graph = await client.get_process_graph(gid, key=EXECUTOR_KEY)
    assert graph.state == ProcessState.SUCCESS
    refused = await invoke("workflow", "rerun", "--id", gid)
    assert refused.exit_code == 1 and "no node failed" in refused.output
