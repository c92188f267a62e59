"""`colonies executor start --backend container` and `colonies function submit --wait`, as
a user runs them: separate processes against a real server and Podman."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, ProcessState
from colonies.crypto import id_from_private_key, new_private_key
from tests.backends.conftest import Engine
from tests.backends.util import logs
from tests.conftest import COLONY, COLONY_KEY, Colony
from tests.sdk.util import SUBMITTER, server_env, until

COLONIES = [sys.executable, "-c", "from colonies.cli.main import main; main()"]
SECRET = "not-for-containers"


def executor_env(server: TestServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COLONIES_", "AWS_"))}
    env.update(server_env(server, COLONY_PRVKEY=COLONY_KEY))
    env.update({"AWS_S3_SECRETKEY": SECRET, "AWS_S3_BUCKET": "executor-bucket"})
    return env


async def start_executor(
    server: TestServer, engine: Engine, work: Path, key: str, *extra: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *COLONIES,
        "executor",
        "start",
        "--backend",
        "container",
        "--type",
        "ctr-cli",
        "--name",
        "ctr-cli-1",
        "--prvkey",
        key,
        "--docker-host",
        engine.url,
        "--image",
        engine.image,
        "--staging-dir",
        str(work),
        "--timeout",
        "2",
        *extra,
        env=executor_env(server),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def spec(cmd: str, **fields: object) -> dict[str, object]:
    return {
        "funcname": "execute",
        "kwargs": {"cmd": cmd},
        "maxexectime": 60,
        "conditions": {"executortype": "ctr-cli", "colonyname": COLONY},
        **fields,
    }


async def test_submit_wait_runs_a_colonyos_spec_without_the_executors_secrets(
    server: TestServer, engine: Engine, colony: Colony, client: ColoniesClient, tmp_path: Path
) -> None:
    path = tmp_path / "spec.json"
    env_spec = {"GREETING": "hi", "AWS_S3_BUCKET": "named-by-the-spec"}
    path.write_text(json.dumps(spec("env | sort; echo result-{processid}", env=env_spec)))
    executor = await start_executor(server, engine, tmp_path / "work", new_private_key())
    try:
        submit = await asyncio.create_subprocess_exec(
            *COLONIES,
            "function",
            "submit",
            "--spec",
            str(path),
            "--wait",
            "--json",
            env={**os.environ, **server_env(server, PRVKEY=SUBMITTER)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(submit.communicate(), 60)
        assert submit.returncode == 0, err.decode()
    finally:
        executor.send_signal(signal.SIGTERM)
        await asyncio.wait_for(executor.wait(), 30)
    process = json.loads(out)
    pid = process["processid"]
    done = await client.get_process(pid, key=SUBMITTER)
    assert done.state == ProcessState.SUCCESS
    assert done.output == [f"result-{pid}"]
    lines = await logs(client, done)
    assert "GREETING=hi" in lines and "AWS_S3_BUCKET=named-by-the-spec" in lines
    assert f"COLONIES_PROCESS_ID={pid}" in lines
    leaked = [line for line in lines if SECRET in line or line.startswith(("COLONIES_", "AWS_"))]
    assert sorted(leaked) == ["AWS_S3_BUCKET=named-by-the-spec", f"COLONIES_PROCESS_ID={pid}"]


async def test_a_restarted_executor_adopts_its_running_container(
    server: TestServer, engine: Engine, colony: Colony, client: ColoniesClient, tmp_path: Path
) -> None:
    key = new_private_key()
    made = FunctionSpec.model_validate(spec("echo first; echo second >&2; sleep 3; echo adopted"))
    process = await client.submit(made, key=SUBMITTER)
    first = await start_executor(server, engine, tmp_path / "work", key)

    async def running() -> bool:
        names = await asyncio.to_thread(engine.podman, "ps", "--format", "{{.Names}}")
        return f"colonies-{process.process_id}" in names

    async def logged_both() -> bool:
        lines = await logs(client, process)
        return "first" in lines and "second" in lines

    await until(running, timeout=30)
    await until(logged_both, timeout=30)
    first.kill()  # no clean-up: the container keeps running
    await first.wait()
    second = await start_executor(server, engine, tmp_path / "work", key, "--burst")
    _, err = await asyncio.wait_for(second.communicate(), 60)
    assert second.returncode == 0, err.decode()
    done = await client.get_process(process.process_id, key=SUBMITTER)
    assert done.state == ProcessState.SUCCESS, done.errors
    assert done.output == ["adopted"]
    assert done.assigned_executor_id == id_from_private_key(key)
    assert not await running()
    # the adopted container's log is read again from its start: nothing posted twice
    lines = [line for line in await logs(client, done) if not line.startswith("container:")]
    assert sorted(lines) == ["adopted", "first", "second"], lines


async def test_a_restarted_executor_removes_the_container_of_a_process_no_longer_its(
    server: TestServer, engine: Engine, colony: Colony, client: ColoniesClient, tmp_path: Path
) -> None:
    key = new_private_key()
    made = FunctionSpec.model_validate(spec("sleep 60"))
    process = await client.submit(made, key=SUBMITTER)
    first = await start_executor(server, engine, tmp_path / "work", key)

    async def present() -> bool:
        names = await asyncio.to_thread(engine.podman, "ps", "-a", "--format", "{{.Names}}")
        return f"colonies-{process.process_id}" in names

    await until(present, timeout=30)
    first.kill()  # no clean-up: the container keeps running
    await first.wait()
    await client.cancel(process.process_id, key=SUBMITTER)  # while no executor follows it
    assert await present()
    second = await start_executor(server, engine, tmp_path / "work", key, "--burst")
    _, err = await asyncio.wait_for(second.communicate(), 60)
    assert second.returncode == 0, err.decode()
    assert not await present()
    assert not (tmp_path / "work" / "processes" / process.process_id).exists()
    assert (await client.get_process(process.process_id, key=SUBMITTER)).state == (
        ProcessState.CANCELLED
    )
