"""A submit (or workflow submit) sent again with the same request id returns what the first
one made instead of making a second, also when the first reply was lost on the way."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec, ProcessState, WorkflowSpec
from colonies.db import Database
from tests.conftest import EXECUTOR_KEY, Colony, MakeExecutor, spec


async def waiting(db: Database) -> int:
    return len(await db.processes.find("test", ProcessState.WAITING, 100))


async def test_a_repeated_request_id_returns_the_first_process(
    client: ColoniesClient, colony: Colony, db: Database, make_executor: MakeExecutor
) -> None:
    s = FunctionSpec.model_validate(spec())
    first = await client.submit(s, request_id="r1", key=EXECUTOR_KEY)
    again = await client.submit(s, request_id="r1", key=EXECUTOR_KEY)
    assert again.process_id == first.process_id and await waiting(db) == 1
    # another initiator's ids are its own; a new id is a new process
    other = await make_executor("other")
    assert (await client.submit(s, request_id="r1", key=other)).process_id != first.process_id
    assert (
        await client.submit(s, request_id="r2", key=EXECUTOR_KEY)
    ).process_id != first.process_id
    assert await waiting(db) == 3
    # concurrent duplicates: one process
    same = await asyncio.gather(
        *(client.submit(s, request_id="r3", key=EXECUTOR_KEY) for _ in range(8))
    )
    assert len({p.process_id for p in same}) == 1 and await waiting(db) == 4


async def test_a_repeated_workflow_request_id_returns_the_first_graph(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    nodes = [spec(nodename="a"), spec(nodename="b", cond_dependencies=["a"])]
    wf = WorkflowSpec.model_validate({"colonyname": "test", "functionspecs": nodes})
    first = await client.submit_workflow(wf, request_id="w1", key=EXECUTOR_KEY)
    again = await client.submit_workflow(wf, request_id="w1", key=EXECUTOR_KEY)
    assert again.process_graph_id == first.process_graph_id
    assert again.process_ids == first.process_ids
    assert len(await db.graphs.find("test", ProcessState.WAITING, 100)) == 1
    assert await waiting(db) == 2  # its two nodes, once


class ReplyDropper:
    """A TCP proxy in front of the server that forwards the first request but closes the
    client's connection instead of passing the reply back (a reply lost on the way)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.dropped = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        drop = self.dropped == 0
        self.dropped += drop

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, cut: bool) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    if cut:  # the reply arrived: lose it and the connection
                        writer.transport.abort()
                        up_writer.close()
                        return
                    dst.write(data)
                    await dst.drain()

        await asyncio.gather(pump(reader, up_writer, False), pump(up_reader, writer, drop))
        writer.close()
        up_writer.close()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


async def test_the_client_retries_a_submit_whose_reply_was_lost_without_a_second_process(
    server: TestServer, colony: Colony, db: Database
) -> None:
    proxy = ReplyDropper(server.port or 0)
    port = await proxy.start()
    try:
        async with ColoniesClient(f"http://127.0.0.1:{port}") as through_proxy:
            s = FunctionSpec.model_validate(spec())
            process = await through_proxy.submit(s, key=EXECUTOR_KEY)
    finally:
        proxy.close()
    assert proxy.dropped == 1  # the first reply was lost: the client sent it again
    [stored] = await db.processes.find("test", ProcessState.WAITING, 100)
    assert stored.process_id == process.process_id
