"""CLI fixtures: run ``colonies`` with CliRunner in a thread against the real test server."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from click.testing import CliRunner, Result

from colonies.cli.main import cli
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY, Colony

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

Invoke = Callable[..., Awaitable[Result]]


def client_env(port: int) -> dict[str, str | None]:
    return {
        "COLONIES_SERVER_HOST": "127.0.0.1",
        "COLONIES_SERVER_PORT": str(port),
        "COLONIES_TLS": "false",
        "COLONIES_COLONY_NAME": "test",
        "COLONIES_PRVKEY": EXECUTOR_KEY,
        "COLONIES_COLONY_PRVKEY": COLONY_KEY,
        "COLONIES_SERVER_PRVKEY": SERVER_KEY,
        "HOSTNAME": None,
        "COLONIES_CLI_ASCII": None,
    }


def run_cli(args: list[str], env: dict[str, str | None], input: str | None = None) -> Result:
    return CliRunner().invoke(cli, args, env=env, input=input, catch_exceptions=False)


@pytest.fixture
def invoke(server: TestServer, colony: Colony) -> Invoke:
    """``await invoke("process", "psw", env={...}, input=...)``; the CLI runs in a thread."""
    assert server.port is not None
    base = client_env(server.port)

    async def call(
        *args: str, env: dict[str, str | None] | None = None, input: str | None = None
    ) -> Result:
        return await asyncio.to_thread(run_cli, list(args), {**base, **(env or {})}, input)

    return call


def ok(result: Result) -> str:
    """The stdout of a command that must have succeeded."""
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(result: Result) -> Any:
    return json.loads(ok(result))


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on TCP ``port`` on this machine, read
    from the kernel's tables (/proc/net/tcp and tcp6), so no second interface is assumed."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        with open(table) as rows:
            next(rows)
            for row in rows:
                local, state = row.split()[1], row.split()[3]
                address, _, hex_port = local.partition(":")
                if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                    continue
                raw = bytes.fromhex(address)  # 32-bit words in the host's byte order
                words = [raw[i : i + 4][::-1] for i in range(0, len(raw), 4)]
                if sys.byteorder == "big":
                    words = [raw[i : i + 4] for i in range(0, len(raw), 4)]
                found.add(socket.inet_ntop(family, b"".join(words)))
    return found
