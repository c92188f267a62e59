"""The example files of the README's "Workflows that survive", submitted as a new user types
them and run on the shell executor (`colonies executor start --type cli`)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import ProcessState, utc_now
from colonies.executor_sdk import shell_executor
from colonies.server import background, keys
from tests.cli.conftest import EXAMPLES, Invoke, as_json, ok
from tests.conftest import EXECUTOR_KEY
from tests.sdk.util import attach

RETRY = str(EXAMPLES / "functions" / "retry.json")
PIPELINE = str(EXAMPLES / "workflows" / "pipeline.json")
S, F, C = ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED


async def test_the_retry_example_runs_three_attempts_and_keeps_each(
    invoke: Invoke, client: ColoniesClient, server: TestServer
) -> None:
    pid = ok(await invoke("function", "submit", "--spec", RETRY)).strip()
    ex = attach(shell_executor("cli"), client)
    for _ in range(3):
        await ex.run(burst=True)
        # the deadline pass ends the backoff (at most 10 s) as if it had passed
        await background.expire_deadlines(server.app[keys.DB], utc_now() + timedelta(seconds=30))
    process = await client.get_process(pid, key=EXECUTOR_KEY)
    assert process.state == F
    assert process.errors == ["sh exited with status 3: connection reset by peer"]
    attempts = as_json(await invoke("process", "attempts", "-p", pid, "--json"))
    assert [(a["attempt"], a["exitreason"]) for a in attempts] == [
        (n, "exit code 3") for n in (1, 2, 3)
    ]
    shown = ok(await invoke("process", "get", "-p", pid))
    assert "3 (latest: Failed on" in shown and "exit code 3)" in shown
    logs = ok(await invoke("log", "get", "-p", pid, "--attempt", "2"))
    assert logs == "fetching shard 7\nconnection reset by peer\n"


async def test_the_pipeline_example_skips_report_and_reruns_only_qc(
    invoke: Invoke, client: ColoniesClient
) -> None:
    gid = ok(await invoke("workflow", "submit", "--spec", PIPELINE)).strip()
    graph = await client.get_process_graph(gid, key=EXECUTOR_KEY)
    assert graph.failure_policy == "continue"
    ex = attach(shell_executor("cli", concurrency=2), client)
    await ex.run(burst=True)

    async def nodes() -> dict[str, tuple[int, bool, str]]:
        found = [await client.get_process(p, key=EXECUTOR_KEY) for p in graph.process_ids]
        return {p.spec.node_name: (p.state, p.cache_hit, p.cached_from) for p in found}

    ids = {
        (await client.get_process(p, key=EXECUTOR_KEY)).spec.node_name: p for p in graph.process_ids
    }
    assert await nodes() == {
        "fetch": (S, False, ""),
        "qc": (F, False, ""),
        "report": (C, False, ""),
        "train": (S, False, ""),
    }
    table = ok(await invoke("workflow", "get", "--workflowid", gid))
    assert "sh exited with status 1: qc: 2 samples below threshold" in table
    assert f"ancestor qc ({ids['qc']}) failed" in table

    ok(await invoke("workflow", "rerun", "--id", gid, "--from", "fetch"))
    await ex.run(burst=True)
    assert await nodes() == {
        "fetch": (S, True, ids["fetch"]),
        "qc": (F, False, ""),
        "report": (C, False, ""),
        "train": (S, True, ids["train"]),
    }
    qc = as_json(await invoke("process", "attempts", "-p", ids["qc"], "--json"))
    assert [a["exitreason"] for a in qc] == ["exit code 1", "exit code 1"]
    table = ok(await invoke("workflow", "get", "--workflowid", gid))
    assert f"cache hit from {ids['train']}" in table
