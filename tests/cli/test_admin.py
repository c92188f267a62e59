"""Commands for owners and operators: create, chid, cluster, monitor, pause, snapshots, start."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import stat
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from colonies.cli.dev import DataDirLock
from colonies.cli.monitor import run_monitor
from colonies.client import ColoniesClient
from colonies.core import ExecutorState
from colonies.crypto import id_from_private_key, new_private_key
from tests.cli.conftest import EXAMPLES, Invoke, as_json, listening_addresses, ok, run_cli
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY, Colony


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_executor_create_writes_key_and_id_and_registers(
    invoke: Invoke, client: ColoniesClient, tmp_path: Path
) -> None:
    keypath, idpath = tmp_path / "worker.key", tmp_path / "worker.id"
    spec = str(EXAMPLES / "executors" / "executor.json")
    out = ok(
        await invoke(
            "executor",
            "create",
            "--spec",
            spec,
            "--name",
            "worker",
            "--approve",
            "--keypath",
            str(keypath),
            "--idpath",
            str(idpath),
        )
    )
    assert "Executor worker added" in out and "approved" in out
    prvkey, executor_id = keypath.read_text().strip(), idpath.read_text().strip()
    assert id_from_private_key(prvkey) == executor_id
    assert stat.S_IMODE(keypath.stat().st_mode) == 0o600
    found = await client.get_executor("worker", colony="test", key=EXECUTOR_KEY)
    assert found.executor_id == executor_id and found.state == ExecutorState.APPROVED
    assert found.executor_type == "helloworld-executor"
    # the new key works: the executor can list processes in its colony
    assert "No waiting processes" in ok(await invoke("process", "psw", "--prvkey", prvkey))

    again = await invoke(
        "executor", "create", "--name", "w2", "--type", "cli", "--keypath", str(keypath),
        "--idpath", str(tmp_path / "w2.id"),
    )  # fmt: skip
    assert again.exit_code != 0 and "already exists" in again.stderr
    assert keypath.read_text().strip() == prvkey
    nokey = await invoke(
        "executor", "create", "--name", "w3", "--type", "cli",
        "--keypath", str(tmp_path / "w3.key"), "--idpath", str(tmp_path / "w3.id"),
        env={"COLONIES_COLONY_PRVKEY": None},
    )  # fmt: skip
    assert nokey.exit_code != 0 and "COLONIES_COLONY_PRVKEY is not set" in nokey.stderr
    assert not (tmp_path / "w3.key").exists()


async def test_cluster_info(invoke: Invoke, client: ColoniesClient) -> None:
    cluster = await client.cluster(key=SERVER_KEY)
    assert as_json(await invoke("cluster", "info", "--json")) == cluster.to_wire()
    table = ok(await invoke("cluster", "info"))
    assert cluster.leader.name in table and "Leader" in table and "True" in table
    denied = await invoke("cluster", "info", env={"COLONIES_SERVER_PRVKEY": COLONY_KEY})
    assert denied.exit_code != 0 and "The server refused the request" in denied.stderr


async def test_monitor_once_prints_the_statistics_as_metrics(invoke: Invoke) -> None:
    ok(await invoke("function", "exec", "--func", "echo", "--targettype", "cli"))
    text = ok(await invoke("monitor", "start", "--once"))
    assert "colonies_waiting_processes 1.0" in text
    assert "colonies_colonies 1.0" in text and "colonies_monitor_up 1.0" in text


async def test_monitor_serves_metrics_until_stopped(client: ColoniesClient, colony: Colony) -> None:
    port, stop, started = free_port(), asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_monitor(client, SERVER_KEY, "127.0.0.1", port, 3600, stop, started)
    )
    await asyncio.wait_for(started.wait(), 10)
    url = f"http://127.0.0.1:{port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        assert resp.status == 200
        body = await resp.text()
    assert "colonies_executors 1.0" in body
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_monitor_with_a_wrong_key_fails_before_serving(invoke: Invoke) -> None:
    denied = await invoke("monitor", "start", "--once", env={"COLONIES_SERVER_PRVKEY": COLONY_KEY})
    assert denied.exit_code != 0 and "The server refused the request" in denied.stderr
    missing = await invoke("monitor", "start", env={"COLONIES_SERVER_PRVKEY": None})
    assert missing.exit_code != 0 and "COLONIES_SERVER_PRVKEY is not set" in missing.stderr


async def test_server_chid_hands_the_server_to_another_key(
    invoke: Invoke, client: ColoniesClient
) -> None:
    new_key = new_private_key()
    out = ok(await invoke("server", "chid", "--serverid", id_from_private_key(new_key)))
    assert id_from_private_key(new_key) in out
    old = await invoke("server", "stats")
    assert old.exit_code != 0 and "The server refused the request" in old.stderr
    assert await client.statistics(key=new_key)
    ok(await invoke("server", "stats", env={"COLONIES_SERVER_PRVKEY": new_key}))


async def test_colony_chid_hands_the_colony_to_another_key(
    invoke: Invoke, client: ColoniesClient
) -> None:
    new_key = new_private_key()
    ok(await invoke("colony", "chid", "--colonyid", id_from_private_key(new_key)))
    colony = await client.get_colony(colony="test", key=EXECUTOR_KEY)
    assert colony.colony_id == id_from_private_key(new_key)
    old = await invoke("process", "pause")
    assert old.exit_code != 0 and "The server refused the request" in old.stderr
    ok(await invoke("process", "pause", env={"COLONIES_COLONY_PRVKEY": new_key}))


async def test_user_and_executor_chid_move_to_a_new_key(
    invoke: Invoke, client: ColoniesClient
) -> None:
    user_key, new_user_key = new_private_key(), new_private_key()
    ok(await invoke("user", "add", "--name", "ann", "--userid", id_from_private_key(user_key)))
    new_id = id_from_private_key(new_user_key)
    ok(await invoke("user", "chid", "--userid", new_id, "--prvkey", user_key))
    assert (await client.get_user("ann", colony="test", key=EXECUTOR_KEY)).user_id == new_id

    new_executor_key = new_private_key()
    new_id = id_from_private_key(new_executor_key)
    ok(await invoke("executor", "chid", "--executorid", new_id))
    assert (
        await client.get_executor("test-executor", colony="test", key=new_executor_key)
    ).executor_id == (new_id)


async def test_pause_resume_status_of_a_named_colony(invoke: Invoke) -> None:
    ok(await invoke("process", "pause", "--colonyname", "test", env={"COLONIES_COLONY_NAME": "x"}))
    assert "is paused" in ok(await invoke("process", "status", "--colonyname", "test"))
    ok(await invoke("process", "resume", "--colonyname", "test"))
    assert as_json(await invoke("process", "status", "--json"))["ispaused"] is False


async def test_submit_snapshot_puts_a_new_snapshot_id_into_the_spec(
    invoke: Invoke, client: ColoniesClient, tmp_path: Path
) -> None:
    path = tmp_path / "snap.json"
    mount = {"label": "/inputs", "dir": "/in", "keepfiles": False, "keepsnapshot": False}
    spec = {
        "funcname": "train",
        "conditions": {"executortype": "cli"},
        "fs": {"snapshots": [mount]},
    }
    path.write_text(json.dumps(spec))
    submitted = as_json(
        await invoke("function", "submit", "--spec", str(path), "--snapshot", "--json")
    )
    snapshot_id = submitted["spec"]["fs"]["snapshots"][0]["snapshotid"]
    assert snapshot_id
    snapshot = await client.call(
        "getsnapshotmsg", {"colonyname": "test", "snapshotid": snapshot_id}, key=EXECUTOR_KEY
    )
    assert snapshot["label"] == "/inputs"
    plain = as_json(await invoke("function", "submit", "--spec", str(path), "--json"))
    assert not plain["spec"]["fs"]["snapshots"][0].get("snapshotid")


async def test_exec_snapshots_mount_labels_and_snapshot_freezes_them(
    invoke: Invoke, client: ColoniesClient
) -> None:
    args = ["function", "exec", "--func", "train", "--targettype", "cli", "--json"]
    mounts = ["--snapshots", "/inputs:in,/models:models"]
    live = as_json(await invoke(*args, *mounts))["spec"]["fs"]["snapshots"]
    assert [(m["label"], m["dir"], m["snapshotid"]) for m in live] == [
        ("/inputs", "in", ""),
        ("/models", "models", ""),
    ]
    frozen = as_json(await invoke(*args, *mounts, "--snapshot"))["spec"]["fs"]["snapshots"]
    for mount in frozen:
        got = await client.call(
            "getsnapshotmsg",
            {"colonyname": "test", "snapshotid": mount["snapshotid"]},
            key=EXECUTOR_KEY,
        )
        assert got["label"] == mount["label"]
    assert len({m["snapshotid"] for m in frozen}) == 2
    assert as_json(await invoke(*args))["spec"]["fs"]["snapshots"] is None


async def test_exec_snapshot_flags_refuse_nonsense(invoke: Invoke) -> None:
    args = ["function", "exec", "--func", "train", "--targettype", "cli"]
    bad = await invoke(*args, "--snapshots", "/inputs")
    assert bad.exit_code == 1 and "LABEL:DIR" in bad.output
    alone = await invoke(*args, "--snapshot")
    assert alone.exit_code == 1 and "--snapshots" in alone.output
    assert as_json(await invoke("process", "psw", "--json")) == []


async def test_executor_colonyid_selects_the_colony_for_every_subcommand(
    invoke: Invoke,
) -> None:
    elsewhere = {"COLONIES_COLONY_NAME": "no-such-colony"}
    listed = as_json(await invoke("executor", "--colonyid", "test", "ls", "--json", env=elsewhere))
    assert {e["colonyname"] for e in listed} == {"test"} and listed
    refused = await invoke("executor", "ls", env=elsewhere)
    assert refused.exit_code == 1 and "no-such-colony" in refused.output


def test_server_start_without_postgres_says_where_it_looked() -> None:
    db_port, port = free_port(), free_port()
    args = ["server", "start", "--dbhost", "127.0.0.1", "--dbport", str(db_port)]
    result = run_cli([*args, "--port", str(port)], {"COLONIES_SERVER_PRVKEY": SERVER_KEY})
    assert result.exit_code != 0
    assert f"127.0.0.1:{db_port}" in result.stderr and "colonies dev" in result.stderr
    assert "Traceback" not in result.output


def test_server_start_with_a_bad_replay_setting_is_a_sentence() -> None:
    env: dict[str, str | None] = {
        "COLONIES_SERVER_PRVKEY": SERVER_KEY,
        "COLONIES_REPLAY_PROTECTION": "strict",
    }
    result = run_cli(["server", "start", "--port", str(free_port())], env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "COLONIES_REPLAY_PROTECTION must be off, warn or require" in result.stderr


def test_a_taken_port_or_data_directory_is_a_sentence(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env: dict[str, str | None] = {"COLONIES_SERVER_PRVKEY": SERVER_KEY}
        busy = run_cli(["server", "start", "--port", str(port)], env)
        assert busy.exit_code == 1 and "Traceback" not in busy.output
        assert f"Port {port} is in use" in busy.stderr and "--port" in busy.stderr
        dev = run_cli(
            ["dev", "--port", str(port), "--data-dir", str(tmp_path / "a"), "--no-s3"], env
        )
        assert dev.exit_code == 1 and f"Port {port} is in use" in dev.stderr
        assert not (tmp_path / "a" / "pg").exists()  # refused before PostgreSQL was set up
    pg = tmp_path / "b" / "pg"
    pg.mkdir(parents=True)
    (pg / "postmaster.pid").write_text(f"{os.getpid()}\n")  # a live process, not PostgreSQL
    dev_b = ["dev", "--port", str(free_port()), "--data-dir", str(tmp_path / "b")]
    lock = DataDirLock(tmp_path / "b")
    assert lock.acquire() is None  # as a running `colonies dev` holds it
    try:
        used = run_cli(dev_b, env)
    finally:
        lock.release()
    assert used.exit_code == 1 and "Traceback" not in used.output
    assert f"in use by another `colonies dev` (pid {os.getpid()})" in used.stderr
    assert f"`kill {os.getpid()}`" in used.stderr
    strange = run_cli(dev_b, env)  # nobody holds the lock, and the pid is not PostgreSQL
    assert strange.exit_code == 1 and "Traceback" not in strange.output
    assert f"names process {os.getpid()}, which is not PostgreSQL" in strange.stderr


def test_a_host_that_is_not_this_machine_is_a_sentence() -> None:
    env: dict[str, str | None] = {"COLONIES_SERVER_PRVKEY": SERVER_KEY}
    port = str(free_port())
    elsewhere = run_cli(["server", "start", "--host", "192.0.2.1", "--port", port], env)
    assert elsewhere.exit_code == 1 and "Traceback" not in elsewhere.output
    assert "192.0.2.1: it is not an address of this machine" in elsewhere.stderr
    unknown = run_cli(["server", "start", "--host", "no-such-host.invalid", "--port", port], env)
    assert unknown.exit_code == 1 and "Cannot listen on host 'no-such-host.invalid'" in (
        unknown.stderr
    )


@pytest.mark.parametrize(
    ("args", "bind", "listens_on"),
    [
        ([], "", "0.0.0.0"),  # every interface, as the reference
        (["--host", "127.0.0.1"], "", "127.0.0.1"),
        ([], "127.0.0.1", "127.0.0.1"),
        (["--host", "0.0.0.0"], "127.0.0.1", "0.0.0.0"),  # the flag wins
    ],
)
async def test_server_start_serves_until_sigint_on_the_host_it_is_told(
    dsn: str, args: list[str], bind: str, listens_on: str
) -> None:
    parts, port, monitor = urlsplit(dsn), free_port(), free_port()
    socket = parse_qs(parts.query)  # the test cluster is reached by its Unix socket
    env = {
        **os.environ,
        "COLONIES_DB_HOST": parts.hostname or socket["host"][0],
        "COLONIES_DB_PORT": str(parts.port or socket["port"][0]),
        "COLONIES_DB_USER": parts.username or "",
        "COLONIES_DB_PASSWORD": parts.password or "",
        "COLONIES_DB_NAME": parts.path.lstrip("/"),
        "COLONIES_SERVER_PRVKEY": SERVER_KEY,
        "COLONIES_SERVER_BIND": bind,
        "COLONIES_MONITOR_PORT": str(monitor),
    }
    command = "from colonies.cli.main import main; main()"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", command, "server", "start", "--port", str(port), *args,
        env=env, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    try:
        async with asyncio.timeout(60):
            while b"listening on" not in (line := await proc.stderr.readline()):
                assert line, "the server exited before listening"
        assert f"listening on http://{listens_on}:{port}" in line.decode()
        async with ColoniesClient(f"http://127.0.0.1:{port}") as c:
            assert (await c.statistics(key=SERVER_KEY)).colonies == 0
        assert listening_addresses(port) == {listens_on}
        assert listening_addresses(monitor) == {listens_on}
    finally:
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 60) == 0
