"""Workflows, crons and generators through the CLI, checked on the server."""

from __future__ import annotations

import asyncio
import json

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from tests.cli.conftest import EXAMPLES, Invoke, as_json, ok
from tests.conftest import EXECUTOR_KEY

WORKFLOW = str(EXAMPLES / "workflows" / "workflow.json")
CRON = str(EXAMPLES / "crons" / "cron.json")
GENERATOR = str(EXAMPLES / "generators" / "generator.json")


async def run_all(client: ColoniesClient, n: int) -> None:
    for _ in range(n):
        process = await client.assign(10, colony="test", key=EXECUTOR_KEY)
        await client.close_process(process.process_id, [process.spec.node_name], key=EXECUTOR_KEY)


async def test_workflow_submit_list_get_cancel_remove(
    invoke: Invoke, client: ColoniesClient
) -> None:
    gid = ok(await invoke("workflow", "submit", "--spec", WORKFLOW)).strip()
    graph = await client.get_process_graph(gid, key=EXECUTOR_KEY)
    assert len(graph.process_ids) == 4
    assert gid in ok(await invoke("workflow", "psw"))
    listed = as_json(await invoke("workflow", "psw", "--json"))
    assert [g["processgraphid"] for g in listed] == [gid]
    table = ok(await invoke("workflow", "get", "--workflowid", gid))
    for node in ("task1", "task2", "task3", "task4"):
        assert node in table
    assert "Waiting" in table
    got = as_json(await invoke("workflow", "get", "--workflowid", gid, "--json"))
    assert got == (await client.get_process_graph(gid, key=EXECUTOR_KEY)).to_wire()
    ok(await invoke("workflow", "cancel", "--workflowid", gid))
    assert (await client.get_process_graph(gid, key=EXECUTOR_KEY)).state == ProcessState.CANCELLED
    assert gid in ok(await invoke("workflow", "psc"))
    ok(await invoke("workflow", "remove", "--workflowid", gid))
    assert "No cancelled workflows found" in ok(await invoke("workflow", "psc"))


async def test_workflow_submit_wait_and_the_state_lists(
    invoke: Invoke, client: ColoniesClient
) -> None:
    worker = asyncio.create_task(run_all(client, 4))
    result = await invoke("workflow", "submit", "--spec", WORKFLOW, "--wait")
    await worker
    assert "finished: Successful" in ok(result)
    assert "Waiting for workflow" in result.stderr
    successful = as_json(await invoke("workflow", "pss", "--json"))
    assert len(successful) == 1 and successful[0]["state"] == ProcessState.SUCCESS
    gid = successful[0]["processgraphid"]
    assert gid in ok(await invoke("workflow", "pss"))
    assert "Successful" in ok(await invoke("workflow", "get", "--workflowid", gid))
    assert "No running workflows found" in ok(await invoke("workflow", "ps"))
    assert "No failed workflows found" in ok(await invoke("workflow", "psf"))
    ok(await invoke("workflow", "submit", "--spec", WORKFLOW))
    refused = await invoke("workflow", "removeall", input="no\n")
    assert refused.exit_code != 0 and "remove all workflows" in refused.output
    ok(await invoke("workflow", "removeall", "--successful", input="YES\n"))
    assert (
        await client.get_process_graphs(ProcessState.SUCCESS, 10, colony="test", key=EXECUTOR_KEY)
        == []
    )
    assert (
        len(
            await client.get_process_graphs(
                ProcessState.WAITING, 10, colony="test", key=EXECUTOR_KEY
            )
        )
        == 1
    )
    ok(await invoke("workflow", "removeall", input="YES\n"))
    assert (
        await client.get_process_graphs(ProcessState.WAITING, 10, colony="test", key=EXECUTOR_KEY)
        == []
    )


async def test_cron_add_ls_get_run_remove(invoke: Invoke, client: ColoniesClient) -> None:
    added = as_json(
        await invoke(
            "cron", "add", "--name", "every10", "--spec", CRON, "--cron", "0/10 * * * * *", "--json"
        )
    )
    assert added["cronexpression"] == "0/10 * * * * *" and added["interval"] == -1
    spec = json.loads(added["workflowspec"])
    assert spec["colonyname"] == "test" and spec["functionspecs"][0]["funcname"] == "echo"
    interval = ok(
        await invoke(
            "cron",
            "add",
            "--name",
            "often",
            "--spec",
            CRON,
            "--interval",
            "60",
            "--random",
            "--waitprevious",
        )
    )
    assert "often" in interval
    table = ok(await invoke("cron", "ls"))
    assert "every10" in table and "often" in table
    crons = as_json(await invoke("cron", "ls", "--json"))
    assert crons == [
        c.to_wire() for c in await client.get_crons(10, colony="test", key=EXECUTOR_KEY)
    ]
    often = next(c for c in crons if c["name"] == "often")
    assert often["interval"] == 60 and often["random"] and often["waitforprevprocessgraph"]
    got = as_json(await invoke("cron", "get", "--cronid", added["cronid"], "--json"))
    assert got == (await client.get_cron(added["cronid"], key=EXECUTOR_KEY)).to_wire()
    detail = ok(await invoke("cron", "get", "--cronid", added["cronid"]))
    assert "every10" in detail and "hello" in detail
    assert "triggered" in ok(await invoke("cron", "run", "--cronid", added["cronid"]))
    ok(await invoke("cron", "remove", "--cronid", added["cronid"]))
    assert [c.name for c in await client.get_crons(10, colony="test", key=EXECUTOR_KEY)] == [
        "often"
    ]
    neither = await invoke("cron", "add", "--name", "x", "--spec", CRON)
    assert neither.exit_code != 0 and "--cron" in neither.stderr
    both = await invoke(
        "cron", "add", "--name", "x", "--spec", CRON, "--cron", "* * * * * *", "--interval", "5"
    )
    assert both.exit_code != 0 and "one of them" in both.stderr
    random = await invoke("cron", "add", "--name", "y", "--spec", CRON, "--cron", "x", "--random")
    assert random.exit_code != 0 and "--random needs --interval" in random.stderr
    bad = await invoke("cron", "add", "--name", "z", "--spec", CRON, "--cron", "not a cron")
    assert bad.exit_code != 0 and "The server refused the request" in bad.stderr


async def test_generator_add_pack_ls_get_remove(invoke: Invoke, client: ColoniesClient) -> None:
    added = as_json(
        await invoke(
            "generator", "add", "--name", "gen", "--spec", GENERATOR, "--trigger", "5", "--json"
        )
    )
    assert added["trigger"] == 5 and added["timeout"] == -1 and added["name"] == "gen"
    gid = added["generatorid"]
    ok(await invoke("generator", "pack", "--generatorid", gid, "--arg", "one"))
    ok(await invoke("generator", "pack", "--generatorid", gid, "--arg", "two"))
    got = as_json(await invoke("generator", "get", "--generatorid", gid, "--json"))
    assert got == (await client.get_generator(gid, key=EXECUTOR_KEY)).to_wire()
    assert got["queuesize"] == 2
    detail = ok(await invoke("generator", "get", "--generatorid", gid))
    assert "gen" in detail and "collect" in detail
    assert "gen" in ok(await invoke("generator", "ls"))
    listed = as_json(await invoke("generator", "ls", "--json"))
    assert listed == [
        g.to_wire() for g in await client.get_generators(10, colony="test", key=EXECUTOR_KEY)
    ]
    ok(await invoke("generator", "remove", "--generatorid", gid))
    assert "No generators found" in ok(await invoke("generator", "ls"))
