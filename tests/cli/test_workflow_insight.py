"""Sweeps, caching, step statistics and explain through the CLI."""

from __future__ import annotations

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from tests.cli.conftest import EXAMPLES, Invoke, as_json, ok
from tests.cli.test_workflows import run_all
from tests.conftest import EXECUTOR_KEY
from tests.server.test_workflows import nothing_assignable

SWEEP = str(EXAMPLES / "workflows" / "sweep.json")
CACHED = str(EXAMPLES / "functions" / "cached.json")


async def test_sweep_submit_and_stats(invoke: Invoke, client: ColoniesClient) -> None:
    gid = ok(await invoke("workflow", "submit", "--spec", SWEEP)).strip()
    graph = await client.get_process_graph(gid, key=EXECUTOR_KEY)
    assert len(graph.process_ids) == 3 + 9 + 1
    await run_all(client, 13)
    table = ok(await invoke("workflow", "stats", "--id", gid))
    lines = [line for line in table.splitlines() if "echo" in line or "(all)" in line]
    assert len(lines) == 2 and all(" 13 " in line for line in lines)
    data = as_json(await invoke("workflow", "stats", "--workflowid", gid, "--json"))
    assert data["steps"]["successful"] == 13 and data["functions"][0]["funcname"] == "echo"
    # again: the nine training nodes come from the cache
    again = ok(await invoke("workflow", "submit", "--spec", SWEEP)).strip()
    await run_all(client, 3)  # the preps; then the report
    await run_all(client, 1)
    stats = as_json(await invoke("workflow", "stats", "--id", again, "--json"))
    assert stats["steps"]["cachehits"] == 9 and stats["state"] == ProcessState.SUCCESS


async def test_workflow_get_shows_cache_hits_and_rerun_can_skip_the_cache(
    invoke: Invoke, client: ColoniesClient
) -> None:
    first = ok(await invoke("workflow", "submit", "--spec", SWEEP)).strip()
    await run_all(client, 13)
    graph = await client.get_process_graph(first, key=EXECUTOR_KEY)
    found = [await client.get_process(pid, key=EXECUTOR_KEY) for pid in graph.process_ids]
    trains = {p.spec.node_name: p.process_id for p in found}
    again = ok(await invoke("workflow", "submit", "--spec", SWEEP)).strip()
    await run_all(client, 4)  # the preps, then the report
    table = ok(await invoke("workflow", "get", "--id", again))
    row = next(line for line in table.splitlines() if "train_2_0.10" in line)
    assert f"cache hit from {trains['train_2_0.10']}" in row
    # a rerun uses the cache: only the report (no caching) runs; --no-cache runs the node too
    ok(await invoke("workflow", "rerun", "--id", again, "--from", "train_2_0.10"))
    await run_all(client, 1)
    assert await nothing_assignable(client, EXECUTOR_KEY)
    ok(await invoke("workflow", "rerun", "--id", again, "--from", "train_2_0.10", "--no-cache"))
    ran = await client.assign(10, colony="test", key=EXECUTOR_KEY)
    assert ran.spec.node_name == "train_2_0.10"
    await client.close_process(ran.process_id, ["fresh"], key=EXECUTOR_KEY)
    await run_all(client, 1)
    table = ok(await invoke("workflow", "get", "--id", again))
    row = next(line for line in table.splitlines() if "train_2_0.10" in line)
    assert "cache hit" not in row and "Successful" in row


async def test_cached_function_submit_and_no_cache(invoke: Invoke, client: ColoniesClient) -> None:
    first = ok(await invoke("function", "submit", "--spec", CACHED)).strip()
    await run_all(client, 1)
    hit = as_json(await invoke("function", "submit", "--spec", CACHED, "--json"))
    assert hit["cachehit"] is True and hit["cachedfrom"] == first and hit["state"] == 2
    shown = ok(await invoke("process", "get", "-p", hit["processid"]))
    assert f"cache hit from {first}" in shown
    forced = as_json(await invoke("function", "submit", "--spec", CACHED, "--no-cache", "--json"))
    assert forced["state"] == 0 and "cachehit" not in forced


async def test_process_explain_text_and_json(invoke: Invoke) -> None:
    pid = (
        ok(await invoke("function", "exec", "--func", "f", "--targettype", "nowhere"))
        .strip()
        .splitlines()[-1]
    )
    text = ok(await invoke("process", "explain", "-p", pid))
    assert "No executor of type 'nowhere'" in text and "Nearest candidate" in text
    assert "executortype == 'nowhere'" in text
    data = as_json(await invoke("process", "explain", "-p", pid, "--json"))
    assert data["reasons"][0]["code"] == "no-type" and data["pending"] is True
