"""Transport failures reach callers as the documented tree of colonies.errors, within the
configured timeouts, and the CLI and the SDK say them in one sentence."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient, Timeouts
from colonies.errors import (
    ConnectError,
    ProtocolError,
    ReadTimeout,
    RPCError,
    TransportError,
)
from colonies.localpg import free_port
from colonies.rpc.envelope import reply
from tests.conftest import EXECUTOR_KEY, Colony

QUICK = Timeouts(connect=1.0, read=0.5, long_poll_margin=0.5)


@asynccontextmanager
async def silent_server(answer: bytes = b"") -> AsyncIterator[str]:
    """A TCP server that accepts, reads, and then sends ``answer`` (nothing: never answers)."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read(1024)
        if answer:
            writer.write(answer)
            await writer.drain()
            writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


def client_of(url: str) -> ColoniesClient:
    return ColoniesClient(url, prvkey=EXECUTOR_KEY, colony="test", timeouts=QUICK)


async def test_a_server_that_never_answers_is_a_read_timeout_within_the_configured_time() -> None:
    async with silent_server() as url, client_of(url) as client:
        started = time.monotonic()
        with pytest.raises(ReadTimeout) as caught:
            await client.get_colonies()
        assert time.monotonic() - started < 3
        assert caught.value.url == url and caught.value.status == 0
        started = time.monotonic()
        with pytest.raises(ReadTimeout):  # a subscription's handshake too
            await client.wait_for_any("cli", 1, 1)
        assert time.monotonic() - started < 4


async def test_a_long_poll_waits_for_its_own_timeout_not_the_read_timeout(
    client: ColoniesClient, colony: Colony
) -> None:
    quick = ColoniesClient(client.url, prvkey=EXECUTOR_KEY, colony="test", timeouts=QUICK)
    async with quick:
        started = time.monotonic()
        with pytest.raises(RPCError) as none:  # the server's "no process" after 1 s
            await quick.assign(1)
        assert none.value.status == 404 and time.monotonic() - started >= 0.9


async def test_connection_refused_and_unknown_hosts_are_connect_errors() -> None:
    async with client_of(f"http://127.0.0.1:{free_port()}") as client:
        with pytest.raises(ConnectError) as refused:
            await client.version()
        assert refused.value.refused
    async with client_of("http://no-such-host.invalid:50080") as client:
        with pytest.raises(ConnectError, match="cannot resolve"):
            await client.version()


async def test_a_reply_that_is_not_a_colonies_envelope_is_a_protocol_error() -> None:
    page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"
    async with silent_server(page) as url, client_of(url) as client:
        with pytest.raises(ProtocolError, match="did not answer like a colonies server"):
            await client.get_process("p")
    async with silent_server(b"not http at all\r\n\r\n") as url, client_of(url) as client:
        with pytest.raises(TransportError):
            await client.get_process("p")


async def test_a_reply_payload_that_does_not_validate_is_a_protocol_error() -> None:
    async def api(request: web.Request) -> web.Response:
        # An envelope, but a process whose id is a number.
        return web.Response(text=reply("getprocessmsg", '{"processid": 7}'))

    app = web.Application()
    app.router.add_post("/api", api)
    async with TestServer(app) as server, client_of(str(server.make_url(""))) as client:
        with pytest.raises(ProtocolError, match="cannot read") as caught:
            await client.get_process("p")
        assert "processid" in str(caught.value) or "process_id" in str(caught.value)


def cli_env(port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLONIES_")}
    env.update(
        COLONIES_SERVER_HOST="127.0.0.1",
        COLONIES_SERVER_PORT=str(port),
        COLONIES_COLONY_NAME="test",
        COLONIES_PRVKEY=EXECUTOR_KEY,
        **extra,
    )
    return env


async def run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


COLONIES = [str(Path(sys.executable).parent / "colonies")]


async def test_the_cli_says_in_one_sentence_that_the_server_did_not_answer() -> None:
    async with silent_server() as url:
        port = int(url.rsplit(":", 1)[1])
        started = time.monotonic()
        status, err = await run(
            [*COLONIES, "process", "ps"], cli_env(port, COLONIES_READ_TIMEOUT="1")
        )
    assert time.monotonic() - started < 15
    assert status == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert f"The colonies server at 127.0.0.1:{port} did not answer in time" in err
    assert "COLONIES_READ_TIMEOUT" in err


async def test_the_cli_says_in_one_sentence_that_the_connection_was_refused() -> None:
    port = free_port()
    status, err = await run([*COLONIES, "process", "ps"], cli_env(port))
    assert status == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert f"Cannot connect to the colonies server at 127.0.0.1:{port} (connection refused)" in err


async def test_an_sdk_executor_without_its_key_says_what_to_set() -> None:
    script = (
        "from colonies.executor_sdk import Executor\n"
        "Executor(executor_type='echo', colony='test').serve()\n"
    )
    status, err = await run([sys.executable, "-c", script], cli_env(free_port()))
    assert status == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "need the key of an approved executor (key= or COLONIES_EXECUTOR_PRVKEY)" in err
