"""What a newcomer types from the documentation, and failures that explain themselves."""

from __future__ import annotations

import asyncio

from colonies.client import ColoniesClient
from colonies.core import Process
from tests.cli.conftest import EXAMPLES, Invoke, as_json, ok
from tests.conftest import EXECUTOR_KEY

WORKFLOW = str(EXAMPLES / "workflows" / "workflow.json")
CRON = str(EXAMPLES / "cron" / "cron_workflow.json")


async def fail_one(client: ColoniesClient, errors: list[str]) -> Process:
    """Act as the executor: take one process and close it as failed with ``errors``."""
    process = await client.assign(10, colony="test", key=EXECUTOR_KEY)
    await client.fail_process(process.process_id, errors, key=EXECUTOR_KEY)
    return process


async def test_colony_stats_takes_the_colony_name_as_documented(invoke: Invoke) -> None:
    out = ok(await invoke("colony", "stats", "--name", "test"))
    assert "Colony test" in out and "Waiting processes" in out
    refused = await invoke("colony", "stats", "--name", "nope")
    assert refused.exit_code == 1 and "nope" in refused.output


async def test_cron_random_takes_the_documented_value(invoke: Invoke) -> None:
    documented = as_json(
        await invoke(
            "cron",
            "add",
            "--name",
            "r",
            "--interval",
            "10",
            "--random",
            "10",
            "--spec",
            CRON,
            "--json",
        )
    )
    assert documented["interval"] == 10 and documented["random"] is True
    window_only = as_json(
        await invoke("cron", "add", "--name", "w", "--random", "7", "--spec", CRON, "--json")
    )
    assert window_only["interval"] == 7 and window_only["random"] is True
    flag = as_json(
        await invoke(
            "--json", "cron", "add", "--name", "f", "--interval", "5", "--random", "--spec", CRON
        )
    )
    assert flag["interval"] == 5 and flag["random"] is True
    disagree = await invoke(
        "cron", "add", "--name", "d", "--interval", "10", "--random", "5", "--spec", CRON
    )
    assert disagree.exit_code == 1 and "disagree" in disagree.output
    word = await invoke("cron", "add", "--name", "x", "--interval", "5", "--random", "soon")
    assert word.exit_code != 0


async def test_database_shows_status_and_schema_version(invoke: Invoke) -> None:
    out = ok(await invoke("database"))
    assert "Status" in out and "ok" in out and "SchemaVersion" in out and "PostgreSQL" in out
    got = as_json(await invoke("database", "status", "--json"))
    assert got["status"] == "ok" and got["schemaversion"] >= 7
    assert got["schemaversion"] == got["latestschemaversion"] and got["size"] > 0
    refused = await invoke("database", env={"COLONIES_SERVER_PRVKEY": EXECUTOR_KEY})
    assert refused.exit_code == 1 and "The server refused the request" in refused.output


async def test_failed_workflow_names_the_node_and_reason_once(
    invoke: Invoke, client: ColoniesClient
) -> None:
    worker = asyncio.create_task(fail_one(client, ["Maximum execution time limit exceeded"]))
    result = await invoke("workflow", "submit", "--spec", WORKFLOW, "--wait")
    failed = await worker
    assert result.exit_code == 1
    assert result.output.count("finished: Failed") == 1
    node = failed.spec.node_name
    assert f"Node {node} ({failed.spec.func_name}, process {failed.process_id}) failed" in (
        result.output
    )
    limit = failed.spec.max_exec_time
    assert f"it ran longer than its maxexectime of {limit} s" in result.output
    assert "(Maximum execution time limit exceeded)" in result.output  # the Go text stays


async def test_a_timeout_says_what_timed_out_and_the_limit(
    invoke: Invoke, client: ColoniesClient
) -> None:
    worker = asyncio.create_task(fail_one(client, ["TimeoutError"]))
    result = await invoke(
        "function", "exec", "--func", "sleep", "--targettype", "cli", "--maxexectime", "5", "--wait"
    )
    await worker
    assert result.exit_code == 1
    assert "a timeout in the function (TimeoutError, its maxexectime is 5 s)" in result.output


async def test_go_grammar_errors_stay_and_get_a_plain_sentence(invoke: Invoke) -> None:
    missing = await invoke("executor", "get", "--name", "nope")
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert "executor is nil" in missing.output  # the reference's text, which clients match on
    assert "There is no such executor in colony test" in missing.output
    assert "colonies executor ls" in missing.output
    elsewhere = await invoke("colony", "stats", "--name", "nope")
    assert "does not exists" in elsewhere.output
    assert "There is no colony named nope on this server" in elsewhere.output
