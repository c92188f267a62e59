"""Functions, processes, logs and attributes through the CLI, checked on the server."""

from __future__ import annotations

import asyncio
from typing import Any

from colonies.client import ColoniesClient
from colonies.core import Process, ProcessState
from colonies.crypto import id_from_private_key, new_private_key
from tests.cli.conftest import EXAMPLES, Invoke, as_json, ok
from tests.conftest import EXECUTOR_KEY, MakeExecutor

HELLO = str(EXAMPLES / "functions" / "helloworld.json")
ECHO = str(EXAMPLES / "functions" / "echo.json")


async def serve_one(
    client: ColoniesClient,
    output: list[Any] | None = None,
    *,
    fail: bool = False,
    logs: tuple[str, ...] = (),
    key: str = EXECUTOR_KEY,
) -> Process:
    """Act as the executor for one process: assign, log, close or fail."""
    process = await client.assign(10, colony="test", key=key)
    for message in logs:
        await client.add_log(process.process_id, message, key=key)
    if fail:
        await client.fail_process(process.process_id, ["it broke"], key=key)
    else:
        await client.close_process(process.process_id, output, key=key)
    return process


async def test_the_seed_walkthrough(
    invoke: Invoke, client: ColoniesClient, make_executor: MakeExecutor
) -> None:
    """function submit, process psw/assign/ps/close/pss/get as in the Go trace."""
    key = await make_executor("helloworld-executor", "helloworld-executor")
    env: dict[str, str | None] = {"COLONIES_PRVKEY": key}
    pid = ok(await invoke("function", "submit", "--spec", HELLO, env=env)).strip()
    process = await client.get_process(pid, key=key)
    assert process.spec.func_name == "helloworld"
    assert process.spec.max_wait_time == -1 and process.spec.conditions.colony_name == "test"
    waiting = ok(await invoke("process", "psw", env=env))
    assert pid in waiting and "helloworld" in waiting and "Submission Time" in waiting
    assert ok(await invoke("process", "psw", "--ids", env=env)).split() == [pid]
    listed = as_json(await invoke("process", "psw", "--json", env=env))
    assert listed == [process.to_wire()]

    assigned = ok(await invoke("process", "assign", "--timeout", "5", env=env))
    assert pid in assigned
    running = ok(await invoke("process", "ps", env=env))
    assert pid in running and "Start Time" in running
    ok(await invoke("process", "close", "-p", pid, "--out", "Hej", env=env))
    assert pid in ok(await invoke("process", "pss", env=env))
    got = as_json(await invoke("process", "get", "-p", pid, "--json", env=env))
    closed = await client.get_process(pid, key=key)
    assert got == closed.to_wire() and got["out"] == ["Hej"] and got["state"] == 2
    assert ok(await invoke("process", "get", "-p", pid, "--out", env=env)).strip() == "Hej"
    table = ok(await invoke("process", "get", "-p", pid, env=env))
    assert "Successful" in table and "helloworld-executor" in table and "Conditions" in table
    empty = await invoke("process", "assign", "--timeout", "1", env=env)
    assert empty.exit_code != 0 and "No process available for assignment" in empty.stderr
    user_key = new_private_key()
    ok(await invoke("user", "add", "--name", "u", "--userid", id_from_private_key(user_key)))
    as_user = await invoke("process", "assign", "--timeout", "1", "--prvkey", user_key)
    assert as_user.exit_code != 0 and "executor not found" in as_user.stderr
    assert "must be signed by an executor's key" in as_user.stderr


async def test_submit_wait_out_prints_the_output(invoke: Invoke, client: ColoniesClient) -> None:
    worker = asyncio.create_task(serve_one(client, ["hello", "world"]))
    result = await invoke("function", "submit", "--spec", ECHO, "--wait", "--out")
    process = await worker
    assert ok(result).strip() == "hello world"
    assert "Waiting for process" in result.stderr
    assert process.spec.args == ["hello", "world"] and process.spec.max_exec_time == 60
    worker = asyncio.create_task(serve_one(client, ["x"]))
    waited = as_json(await invoke("function", "submit", "--spec", ECHO, "--wait", "--json"))
    await worker
    assert waited["state"] == ProcessState.SUCCESS and waited["out"] == ["x"]


async def test_submit_follow_prints_the_logs(invoke: Invoke, client: ColoniesClient) -> None:
    worker = asyncio.create_task(serve_one(client, [], logs=("step 1\n", "step 2\n")))
    result = await invoke("function", "submit", "--spec", ECHO, "--follow")
    await worker
    assert "step 1\nstep 2\n" in ok(result)
    assert "finished: Successful" in result.stdout


async def test_exec_builds_the_spec_and_a_failure_exits_non_zero(
    invoke: Invoke, client: ColoniesClient
) -> None:
    worker = asyncio.create_task(serve_one(client, fail=True))
    result = await invoke(
        "function",
        "exec",
        "--func",
        "echo",
        "--args",
        "a,b",
        "--args",
        "c",
        "--kwargs",
        "k:v,n:1",
        "--env",
        "A=1",
        "--targettype",
        "cli",
        "--maxexectime",
        "30",
        "--label",
        "lbl",
        "--wait",
    )
    process = await worker
    assert result.exit_code != 0
    assert "finished: Failed (it broke)" in result.stderr
    spec = process.spec
    assert spec.func_name == "echo" and spec.args == ["a", "b", "c"]
    assert spec.kw_args == {"k": "v", "n": "1"} and spec.env == {"A": "1"}
    assert spec.conditions.executor_type == "cli" and spec.max_exec_time == 30
    assert spec.label == "lbl" and spec.max_retries == -1
    assert as_json(await invoke("process", "psf", "--json"))[0]["errors"] == ["it broke"]
    assert process.process_id in ok(await invoke("process", "psf", "--label", "lbl"))
    quoted = as_json(
        await invoke(
            "function", "exec", "--func", "run", "--targettype", "cli", "--json",
            "--kwargs", 'cmd:python3,"args:job.py,-v"', "--args", '"a,b",c',
        )
    )["spec"]  # fmt: skip
    assert quoted["kwargs"] == {"cmd": "python3", "args": ["job.py", "-v"]}
    assert quoted["args"] == ["a,b", "c"]
    bad = await invoke("function", "exec", "--func", "e", "--targettype", "cli", "--kwargs", "x")
    assert bad.exit_code != 0 and "key:value" in bad.stderr
    nowhere = await invoke("function", "exec", "--func", "echo")
    assert nowhere.exit_code != 0 and "--targettype" in nowhere.stderr


async def test_function_register_ls_remove(
    invoke: Invoke, client: ColoniesClient, make_executor: MakeExecutor
) -> None:
    added = as_json(
        await invoke("function", "register", "--name", "test-executor", "--func", "echo", "--json")
    )
    assert added["funcname"] == "echo" and added["executortype"] == "cli"
    other = await make_executor("other-executor")
    foreign = await invoke(
        "function", "register", "--name", "test-executor", "--func", "x", "--prvkey", other
    )
    assert (
        foreign.exit_code != 0 and "with the key of the executor that offers it" in foreign.stderr
    )
    worker = asyncio.create_task(serve_one(client, ["ok"]))
    ok(await invoke("function", "exec", "--func", "echo", "--targettype", "cli", "--wait"))
    await worker
    table = ok(await invoke("function", "ls"))
    assert table.startswith("Function:") and "AvgExecTime" in table
    rows = dict(line.strip("│ ").split("│")[:2] for line in table.splitlines() if "│" in line)
    rows = {k.strip(): v.strip() for k, v in rows.items()}
    assert (rows["FuncName"], rows["Calls"]) == ("echo", "1")
    assert rows["Served by"] == "1 executors (test-executor)"
    listed = as_json(await invoke("function", "ls", "--json"))
    assert listed == [
        f.to_wire() for f in await client.get_functions(colony="test", key=EXECUTOR_KEY)
    ]
    assert listed[0]["counter"] == 1
    ok(await invoke("function", "remove", "--functionid", added["functionid"]))
    assert await client.get_functions(colony="test", key=EXECUTOR_KEY) == []
    assert "No functions found" in ok(await invoke("function", "ls"))


async def test_fail_cancel_remove_and_removeall_with_its_prompt(
    invoke: Invoke, client: ColoniesClient
) -> None:
    pids = [ok(await invoke("function", "submit", "--spec", ECHO)).strip() for _ in range(4)]
    await client.assign(5, colony="test", key=EXECUTOR_KEY)
    running = await client.get_processes(ProcessState.RUNNING, 10, colony="test", key=EXECUTOR_KEY)
    ok(await invoke("process", "fail", "-p", running[0].process_id, "--errors", "bad"))
    failed = await client.get_process(running[0].process_id, key=EXECUTOR_KEY)
    assert failed.state == ProcessState.FAILED and failed.errors == ["bad"]
    waiting = [p for p in pids if p != failed.process_id]
    ok(await invoke("process", "remove", "-p", waiting[0]))
    assert (
        len(await client.get_processes(ProcessState.WAITING, 10, colony="test", key=EXECUTOR_KEY))
        == 2
    )

    refused = await invoke("process", "removeall", "--waiting", input="no\n")
    assert refused.exit_code != 0 and "Aborted" in refused.stderr
    assert "Are you sure you want to remove waiting processes" in refused.output
    assert (
        len(await client.get_processes(ProcessState.WAITING, 10, colony="test", key=EXECUTOR_KEY))
        == 2
    )
    two = await invoke("process", "removeall", "--waiting", "--failed")
    assert two.exit_code != 0 and "at most one" in two.stderr
    ok(await invoke("process", "removeall", "--waiting", input="YES\n"))
    assert (
        await client.get_processes(ProcessState.WAITING, 10, colony="test", key=EXECUTOR_KEY) == []
    )
    assert (
        len(await client.get_processes(ProcessState.FAILED, 10, colony="test", key=EXECUTOR_KEY))
        == 1
    )
    ok(await invoke("process", "removeall", "--failed", input="YES\n"))
    assert (
        await client.get_processes(ProcessState.FAILED, 10, colony="test", key=EXECUTOR_KEY) == []
    )
    ok(await invoke("function", "submit", "--spec", ECHO))
    ok(await invoke("process", "removeall", "--yes"))
    assert "No waiting processes found" in ok(await invoke("process", "psw"))


async def test_cancel_pause_resume_status(invoke: Invoke, client: ColoniesClient) -> None:
    pid = ok(await invoke("function", "submit", "--spec", ECHO)).strip()
    ok(await invoke("process", "cancel", "-p", pid))
    assert (await client.get_process(pid, key=EXECUTOR_KEY)).state == ProcessState.CANCELLED
    assert pid in ok(await invoke("process", "psc"))
    ok(await invoke("process", "pause"))
    assert "is paused" in ok(await invoke("process", "status"))
    assert as_json(await invoke("process", "status", "--json"))["ispaused"] is True
    ok(await invoke("process", "resume"))
    assert "not paused" in ok(await invoke("process", "status"))


async def test_log_add_get_follow_search(invoke: Invoke, client: ColoniesClient) -> None:
    pid = ok(await invoke("function", "submit", "--spec", ECHO)).strip()
    await client.assign(5, colony="test", key=EXECUTOR_KEY)
    ok(await invoke("log", "add", "-p", pid, "-m", "hello from the cli\n"))
    ok(await invoke("log", "add", "-p", pid, "-m", "second line"))
    assert ok(await invoke("log", "get", "-p", pid)) == "hello from the cli\nsecond line\n"
    logs = as_json(await invoke("log", "get", "-p", pid, "--json"))
    server = await client.get_logs(process_id=pid, latest=True, colony="test", key=EXECUTOR_KEY)
    assert logs == [entry.to_wire() for entry in server]
    assert "second" in ok(await invoke("log", "get", "-e", "test-executor"))
    await client.close_process(pid, [], key=EXECUTOR_KEY)
    followed = ok(await invoke("log", "get", "-p", pid, "--follow"))
    assert followed == "hello from the cli\nsecond line\n"
    found = ok(await invoke("log", "search", "-t", "cli"))
    assert pid in found and "hello from the cli" in found
    assert len(as_json(await invoke("log", "search", "-t", "second", "--json"))) == 1
    printed = ok(await invoke("log", "search", "-t", "cli", "--print"))
    assert f"Process {pid}:" in printed and "second line" in printed
    from_hit = ok(await invoke("log", "search", "-t", "second", "--print", "--seconds", "0"))
    assert "second line" in from_hit and "hello from the cli" not in from_hit
    await client.remove_process(pid, key=EXECUTOR_KEY)  # its logs stay searchable
    orphan = ok(await invoke("log", "search", "-t", "cli", "--print"))
    assert f"Process {pid}:" in orphan and "hello from the cli" in orphan
    nobody = await invoke("log", "get")
    assert nobody.exit_code != 0 and "--processid" in nobody.stderr


async def test_attribute_add_get(invoke: Invoke, client: ColoniesClient) -> None:
    pid = ok(await invoke("function", "submit", "--spec", ECHO)).strip()
    await client.assign(5, colony="test", key=EXECUTOR_KEY)
    added = as_json(
        await invoke("attribute", "add", "--key", "result", "--value", "42", "-p", pid, "--json")
    )
    got = await client.get_attribute(added["attributeid"], key=EXECUTOR_KEY)
    assert added == got.to_wire() and got.value == "42" and got.target_id == pid
    table = ok(await invoke("attribute", "get", "--attributeid", got.attribute_id))
    assert "result" in table and "42" in table and "Out" in table
    again = as_json(await invoke("attribute", "get", "--attributeid", got.attribute_id, "--json"))
    assert again == got.to_wire()
    assert "result" in ok(await invoke("process", "get", "-p", pid))
