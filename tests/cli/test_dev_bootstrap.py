"""What `colonies dev` sets up in its database before serving."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from colonies.cli.dev import bootstrap, client_host
from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.core import ExecutorState
from colonies.crypto import id_from_private_key, new_private_key
from colonies.localpg import free_port
from tests.cli.conftest import listening_addresses
from tests.conftest import spec
from tests.devserver import read_env_file, start_dev, stop_dev


async def test_the_dev_key_is_a_user_and_an_approved_executor_as_in_the_reference(
    settings: Settings, client: ColoniesClient
) -> None:
    dev_key = new_private_key()
    keys = {
        "COLONIES_SERVER_PRVKEY": new_private_key(),
        "COLONIES_COLONY_PRVKEY": new_private_key(),
        "COLONIES_PRVKEY": dev_key,
        "COLONIES_COLONY_NAME": "devtest",
    }
    await bootstrap(settings, keys)
    await bootstrap(settings, keys)  # a restart changes nothing
    users = await client.get_users(colony="devtest", key=dev_key)
    assert [(u.name, u.user_id) for u in users] == [("dev", id_from_private_key(dev_key))]
    executor = await client.get_executor("dev", colony="devtest", key=dev_key)
    assert (executor.executor_type, executor.state) == ("cli", ExecutorState.APPROVED)
    # the reference docs' walkthrough: submit, then `colonies process assign` with the same key
    submitted = await client.call(
        "submitfuncspecmsg", {"spec": spec(colony="devtest")}, key=dev_key
    )
    got = await client.call(
        "assignprocessmsg", {"colonyname": "devtest", "timeout": -1}, key=dev_key
    )
    assert got["processid"] == submitted["processid"]
    assert got["assignedexecutorid"] == id_from_private_key(dev_key)


def test_a_client_reaches_the_server_at_the_address_it_listens_on() -> None:
    assert client_host("127.0.0.1") == "127.0.0.1"
    assert client_host("0.0.0.0") == "localhost"
    assert client_host("") == "localhost"
    assert client_host("::") == "localhost"


@pytest.fixture
def dev_dir() -> Iterator[Path]:
    """Outside pytest's private tmp tree: PostgreSQL may run as another user."""
    root = tempfile.mkdtemp(prefix="colonies-test-dev-")
    os.chmod(root, 0o755)
    try:
        yield Path(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _serve_dev(data: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`colonies dev` (without S3), once its port answers."""
    return start_dev(
        data, port, "--no-s3", ready=lambda: bool(listening_addresses(port)), what="listen", env=env
    )


async def _server_owner_sees_the_server(env: dict[str, str]) -> None:
    url = f"http://{env['COLONIES_SERVER_HOST']}:{env['COLONIES_SERVER_PORT']}"
    async with ColoniesClient(url) as c:
        assert (await c.statistics(key=env["COLONIES_SERVER_PRVKEY"])).colonies == 1


async def test_dev_listens_on_127_0_0_1_only_unless_told(dev_dir: Path) -> None:
    port, monitor = free_port(), free_port()
    proc = _serve_dev(dev_dir, port, {"COLONIES_MONITOR_PORT": str(monitor)})
    try:
        env = read_env_file(dev_dir / "env")
        assert env["COLONIES_SERVER_HOST"] == "127.0.0.1"
        await _server_owner_sees_the_server(env)
        assert listening_addresses(port) == {"127.0.0.1"}
        assert listening_addresses(monitor) == {"127.0.0.1"}
    finally:
        await asyncio.to_thread(stop_dev, proc)
    proc = _serve_dev(dev_dir, port, {"COLONIES_SERVER_BIND": "0.0.0.0"})
    try:
        env = read_env_file(dev_dir / "env")
        assert env["COLONIES_SERVER_HOST"] == "localhost"
        await _server_owner_sees_the_server(env)
        assert listening_addresses(port) == {"0.0.0.0"}
    finally:
        await asyncio.to_thread(stop_dev, proc)
