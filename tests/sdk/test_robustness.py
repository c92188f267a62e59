"""Server restarts, graceful shutdown (stop() and SIGTERM), and the shell executor."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.core import ExecutorState, ProcessState
from colonies.errors import RPCError
from colonies.executor_sdk import Executor, ProcessContext
from colonies.executor_sdk.executor import SHUTDOWN_ERROR
from colonies.server.app import create_app
from tests.conftest import COLONY, COLONY_KEY, Colony
from tests.sdk.util import SUBMITTER, attach, get, server_env, submit, until

T = "sdk-robust"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def start_server(settings: Settings, port: int) -> TestServer:
    srv = TestServer(create_app(settings, background_loops=False), host="127.0.0.1", port=port)
    await srv.start_server()
    return srv


async def test_server_restart_while_a_process_runs(
    client: ColoniesClient, colony: Colony, settings: Settings
) -> None:
    port = free_port()
    srv = await start_server(settings, port)
    own = ColoniesClient(f"http://127.0.0.1:{port}")
    ex = attach(Executor(T, poll_timeout_s=1), own)
    ex.configure(client=own)
    started = asyncio.Event()
    release = asyncio.Event()

    @ex.function()
    async def work(x: int) -> int:
        started.set()
        await release.wait()
        return x * 2

    try:
        p1 = await submit(client, "work", 21, executor_type=T)  # via the fixture server
        run = asyncio.create_task(ex.run())
        await asyncio.wait_for(started.wait(), 10)
        await srv.close()  # the executor's server goes away mid-process
        release.set()

        async def retried() -> bool:
            return ex.stats.delivery_retries >= 2

        await until(retried)
        assert (await get(client, p1)).state == ProcessState.RUNNING
        srv = await start_server(settings, port)

        async def landed() -> bool:
            return (await get(client, p1)).state == ProcessState.SUCCESS

        await until(landed)
        assert (await get(client, p1)).output == [42]
        # ... and it keeps serving
        p2 = await submit(client, "work", 5, executor_type=T)

        async def second() -> bool:
            return (await get(client, p2)).state == ProcessState.SUCCESS

        await until(second)
        await ex.shutdown(grace_s=5)
        await asyncio.wait_for(run, 10)
        assert ex.stats.reconnects >= 1 or ex.stats.delivery_retries >= 1
    finally:
        await srv.close()
        await own.close()


async def test_executor_waits_for_a_server_that_is_not_up_yet(
    client: ColoniesClient, colony: Colony, settings: Settings
) -> None:
    port = free_port()
    own = ColoniesClient(f"http://127.0.0.1:{port}")
    ex = attach(Executor(T), own)
    ex.configure(client=own)
    ex.add_function("hello", lambda: "hi")
    p = await submit(client, "hello", executor_type=T)
    run = asyncio.create_task(ex.run(burst=True))

    async def retried() -> bool:
        return ex.stats.reconnects >= 2

    await until(retried)  # registration is being retried meanwhile
    assert not run.done()
    srv = await start_server(settings, port)
    try:
        await asyncio.wait_for(run, 20)
        assert (await get(client, p)).output == ["hi"]
    finally:
        await srv.close()
        await own.close()


async def test_stop_finishes_running_work_within_grace(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T, concurrency=2), client)
    started = asyncio.Event()
    release = asyncio.Event()

    @ex.function()
    async def slow() -> str:
        started.set()
        await release.wait()
        return "finished"

    p = await submit(client, "slow", executor_type=T)
    run = asyncio.create_task(ex.run())
    await asyncio.wait_for(started.wait(), 10)
    ex.stop(grace_s=30)
    queued = await submit(client, "slow", executor_type=T)  # not taken any more
    release.set()
    await asyncio.wait_for(run, 10)
    assert (await get(client, p)).output == ["finished"]
    # Not run. It waits, or (when the server claimed it for the poll that stop() cancelled
    # just as the reply arrived) it is assigned but unconfirmed, and its delivery lease puts
    # it back in the queue (tests/server/test_delivery.py).
    left = await get(client, queued)
    assert left.state in (ProcessState.WAITING, ProcessState.RUNNING) and left.output == []


async def test_stop_fails_what_outlives_the_grace_period(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T), client)
    started = asyncio.Event()

    @ex.function()
    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    p = await submit(client, "forever", executor_type=T)
    run = asyncio.create_task(ex.run())
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.wait_for(ex.shutdown(grace_s=0.1), 10)
    assert run.done()
    done = await get(client, p)
    assert (done.state, done.errors) == (ProcessState.FAILED, [SHUTDOWN_ERROR])


async def test_sigterm_with_a_process_in_flight(client: ColoniesClient, colony: Colony) -> None:
    ex = attach(Executor(T, grace_s=30), client)
    started = asyncio.Event()
    release = asyncio.Event()

    @ex.function()
    async def slow() -> str:
        started.set()
        await release.wait()
        return "finished after SIGTERM"

    p = await submit(client, "slow", executor_type=T)
    run = asyncio.create_task(ex.run(handle_signals=True))
    await asyncio.wait_for(started.wait(), 10)
    # The handler is installed (the process runs), so SIGTERM reaches ex.stop(), not pytest.
    os.kill(os.getpid(), signal.SIGTERM)

    async def stopping() -> bool:
        return ex.stopping

    await until(stopping)
    release.set()
    await asyncio.wait_for(run, 10)
    assert (await get(client, p)).output == ["finished after SIGTERM"]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # handler removed again


async def test_executor_unregistered_by_the_server_approves_itself_again(
    client: ColoniesClient, colony: Colony
) -> None:
    # What the stale-executor loop does to an executor not heard from for too long.
    ex = attach(Executor(T, poll_timeout_s=1), client)
    ex.add_function("hello", lambda: "hi")
    await ex.register()
    await client.remove_executor(ex.name, colony=COLONY, key=COLONY_KEY)
    assert (await client.get_executor(ex.name, colony=COLONY, key=SUBMITTER)).state == (
        ExecutorState.UNREGISTERED
    )
    p = await submit(client, "hello", executor_type=T)
    run = asyncio.create_task(ex.run())

    async def served() -> bool:
        return (await get(client, p)).state == ProcessState.SUCCESS

    await until(served)
    await ex.shutdown(grace_s=5)
    await asyncio.wait_for(run, 10)
    assert ex.stats.reconnects >= 1


async def test_a_result_the_server_refuses_is_dropped(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T), client)

    @ex.function()
    async def cancelled(ctx: ProcessContext) -> str:
        await client.cancel(ctx.process_id, key=SUBMITTER)  # e.g. the user gave up meanwhile
        return "too late"

    ex.add_function("after", lambda: "still serving")
    p1 = await submit(client, "cancelled", executor_type=T)
    p2 = await submit(client, "after", executor_type=T)
    await asyncio.wait_for(ex.run(burst=True), 10)
    done = await get(client, p1)
    assert (done.state, done.output) == (ProcessState.CANCELLED, [])
    assert (await get(client, p2)).output == ["still serving"]
    assert ex.stats.delivery_retries == 0  # a 4xx answer is final


async def test_a_result_for_a_removed_process_is_dropped(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T), client)

    @ex.function()
    async def removed(ctx: ProcessContext) -> str:
        await client.remove_all_processes(
            colony=COLONY, key=COLONY_KEY
        )  # the owner clears the colony
        return "nobody to tell"

    p = await submit(client, "removed", executor_type=T)
    await asyncio.wait_for(ex.run(burst=True), 10)
    assert ex.stats.delivery_retries == 0  # the reference's 500 "process is nil" is final
    with pytest.raises(RPCError) as err:
        await get(client, p)
    assert "not found" in err.value.message  # it is really gone


async def test_second_sigterm_fails_running_work_at_once(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T, grace_s=600), client)
    started = asyncio.Event()

    @ex.function()
    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    p = await submit(client, "forever", executor_type=T)
    run = asyncio.create_task(ex.run(handle_signals=True))
    await asyncio.wait_for(started.wait(), 10)
    os.kill(os.getpid(), signal.SIGTERM)

    async def stopping() -> bool:
        return ex.stopping

    await until(stopping)
    os.kill(os.getpid(), signal.SIGTERM)  # impatient: do not wait out the 600 s
    await asyncio.wait_for(run, 10)
    done = await get(client, p)
    assert (done.state, done.errors) == (ProcessState.FAILED, [SHUTDOWN_ERROR])


STUCK = """
import sys, time
from colonies.executor_sdk import Executor

ex = Executor("stuck", grace_s=0.2)

@ex.function()
def stuck() -> None:
    print("started", flush=True)
    time.sleep(600)

ex.serve()
print("not reached", flush=True)
"""


async def test_serve_exits_after_the_grace_period_despite_a_stuck_sync_function(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    p = await submit(client, "stuck", executor_type="stuck")
    env = {**os.environ, **server_env(server, COLONY_PRVKEY=COLONY_KEY)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", STUCK, env=env, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    try:
        assert await asyncio.wait_for(proc.stdout.readline(), 10) == b"started\n"
        proc.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(proc.stdout.read(), 10)
        assert await proc.wait() == 1
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert b"not reached" not in rest
    done = await get(client, p)
    assert (done.state, done.errors) == (ProcessState.FAILED, [SHUTDOWN_ERROR])
