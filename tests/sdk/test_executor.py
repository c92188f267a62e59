"""The Executor against the real server: functions, context, failures, concurrency, burst."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import ExecutorState, Gpu, Hardware, Process, ProcessState, WorkflowSpec
from colonies.crypto import id_from_private_key
from colonies.executor_sdk import Executor, ProcessContext, SyncProcessContext
from colonies.server.keys import EVENTS
from tests.conftest import COLONY, COLONY_KEY, Colony, MakeExecutor
from tests.sdk.util import SUBMITTER, attach, get, make_spec, server_env, submit, until

T = "sdk-test"


async def test_sync_and_async_functions_args_kwargs_and_context(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T, concurrency=2), client)

    @ex.function()
    def add(a: int, b: int, scale: int = 1) -> int:
        return (a + b) * scale

    @ex.function("pair")
    async def pair(x: str, ctx: ProcessContext) -> tuple[str, str]:
        await ctx.log("pairing")
        await ctx.add_attribute("seen", x)
        return x, ctx.process_id

    @ex.function()
    def nothing(ctx: SyncProcessContext) -> None:
        ctx.set_output("kept")
        ctx.log("sync log")

    p1 = await submit(client, "add", 1, 2, executor_type=T, scale=10)
    p2 = await submit(client, "pair", "x", executor_type=T)
    p3 = await submit(client, "nothing", executor_type=T)
    await ex.run(burst=True)

    d1, d2, d3 = [await get(client, p) for p in (p1, p2, p3)]
    assert (d1.state, d1.output) == (ProcessState.SUCCESS, [30])
    assert (d2.state, d2.output) == (ProcessState.SUCCESS, ["x", p2.process_id])
    assert {a.key: a.value for a in d2.attributes}["seen"] == "x"
    assert (d3.state, d3.output) == (ProcessState.SUCCESS, ["kept"])
    logs = await client.get_logs(process_id=p2.process_id, colony=COLONY, key=SUBMITTER)
    assert [entry.message for entry in logs] == ["pairing\n"]
    logs = await client.get_logs(process_id=p3.process_id, colony=COLONY, key=SUBMITTER)
    assert [entry.message for entry in logs] == ["sync log\n"]
    assert (ex.stats.succeeded, ex.stats.failed) == (3, 0)


async def test_exception_unknown_function_and_stdout_forwarding(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T), client)

    @ex.function()
    def boom(n: int) -> None:
        print("about to fail")
        raise ValueError(f"bad value {n}")

    @ex.function()
    async def chatty() -> str:
        print("line one\nline two")
        print("to stderr", file=sys.stderr)
        print("partial", end="")
        return "ok"

    p1 = await submit(client, "boom", 7, executor_type=T)
    p2 = await submit(client, "missing", executor_type=T)
    p3 = await submit(client, "chatty", executor_type=T)
    await ex.run(burst=True)

    d1, d2, d3 = [await get(client, p) for p in (p1, p2, p3)]
    assert d1.state == ProcessState.FAILED
    assert d1.errors == ["ValueError: bad value 7"]
    messages = [
        e.message
        for e in await client.get_logs(process_id=p1.process_id, colony=COLONY, key=SUBMITTER)
    ]
    assert messages[0] == "about to fail\n"
    assert "Traceback" in messages[1] and "bad value 7" in messages[1]
    assert d2.state == ProcessState.FAILED and "missing" in d2.errors[0]
    assert d3.state == ProcessState.SUCCESS and d3.output == ["ok"]
    messages = [
        e.message
        for e in await client.get_logs(process_id=p3.process_id, colony=COLONY, key=SUBMITTER)
    ]
    assert messages == ["line one\n", "line two\n", "to stderr\n", "partial\n"]


async def test_concurrency_runs_n_processes_at_once(client: ColoniesClient, colony: Colony) -> None:
    n = 6
    ex = attach(Executor(T, concurrency=n), client)
    barrier = asyncio.Barrier(n)
    running = 0
    peak = 0

    @ex.function()
    async def meet(i: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.wait_for(barrier.wait(), 10)  # only passes if all n run together
        running -= 1
        return i

    procs = [await submit(client, "meet", i, executor_type=T) for i in range(n)]
    await ex.run(burst=True)
    assert peak == n
    assert [(await get(client, p)).output for p in procs] == [[i] for i in range(n)]


class ClaimCounting(ColoniesClient):
    """Records the ``count`` of each batch claim."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.claims: list[int] = []

    async def assign_many(self, timeout: int, count: int, **kw: Any) -> list[Process]:
        self.claims.append(count)
        return await super().assign_many(timeout, count, **kw)


async def test_one_claim_takes_every_free_slot(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    procs = [await submit(client, "noop", executor_type=T) for _ in range(6)]
    counting = ClaimCounting(str(server.make_url("")).rstrip("/"))
    async with counting:
        ex = attach(Executor(T, concurrency=6), counting)
        ex.add_function("noop", lambda: None)
        await ex.run(burst=True)
    # one request for the six free slots (fewer, larger claims), then the empty one
    assert counting.claims[0] == 6
    assert [(await get(client, p)).state for p in procs] == [ProcessState.SUCCESS] * 6


async def test_burst_returns_at_once_without_work(client: ColoniesClient, colony: Colony) -> None:
    ex = attach(Executor(T, concurrency=4), client)
    ex.add_function("noop", lambda: None)
    await asyncio.wait_for(ex.run(burst=True), 10)
    assert ex.stats.succeeded == 0


async def test_registration_capabilities_functions_and_unregister(
    client: ColoniesClient, colony: Colony
) -> None:
    hw = Hardware(cpu="2000m", mem="4Gi", gpu=Gpu(name="t4", count=2))
    ex = attach(Executor(T, hardware=hw), client)
    ex.add_function("f1", lambda: 1)
    ex.add_function("f2", lambda: 2)
    await ex.register()
    found = await client.get_executor(ex.name, colony=COLONY, key=SUBMITTER)
    assert found.state == ExecutorState.APPROVED and found.executor_type == T
    assert found.capabilities.hardware is not None
    assert found.capabilities.hardware[0].gpu.count == 2
    funcs = await client.get_functions(executor_name=ex.name, colony=COLONY, key=SUBMITTER)
    assert sorted(f.func_name for f in funcs) == ["f1", "f2"]
    await ex.run(burst=True)  # an auto-named executor removes itself at the end
    gone = await client.get_executor(ex.name, colony=COLONY, key=SUBMITTER)
    assert gone.state == ExecutorState.UNREGISTERED


async def test_existing_executor_by_key_and_reregistration(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    key = await make_executor("owner-made", executor_type=T)
    ex = Executor(
        T, name="owner-made", key=key, colony=COLONY, client=client, settings=ClientSettings()
    )
    ex.add_function("hello", lambda: "hi")
    p = await submit(client, "hello", executor_type=T)
    await ex.run(burst=True)
    assert (await get(client, p)).output == ["hi"]
    # With the colony key and the same name + key, "already exists" is accepted.
    again = Executor(
        T, name="owner-made", key=key, colony=COLONY, colony_key=COLONY_KEY, client=client
    ).configure(settings=ClientSettings())
    again.add_function("hello", lambda: "hi again")
    p = await submit(client, "hello", executor_type=T)
    await again.run(burst=True)
    assert (await get(client, p)).output == ["hi again"]
    found = await client.get_executor("owner-made", colony=COLONY, key=SUBMITTER)
    assert found.state == ExecutorState.APPROVED  # named executors are not removed


async def test_burst_serves_workflow_children_released_later(
    client: ColoniesClient, colony: Colony
) -> None:

    ex = attach(Executor(T, concurrency=3), client)
    ex.add_function("step", lambda *a: "x")
    specs = []
    for i in range(4):
        spec = make_spec("step", executor_type=T)
        spec.node_name = f"n{i}"
        if i:
            spec.conditions.dependencies = [f"n{i - 1}"]
        specs.append(spec)
    graph = await client.submit_workflow(
        WorkflowSpec(colony_name=COLONY, function_specs=specs), key=SUBMITTER
    )
    await ex.run(burst=True)
    graph = await client.get_process_graph(graph.process_graph_id, key=SUBMITTER)
    assert graph.state == ProcessState.SUCCESS
    assert ex.stats.succeeded == 4


async def test_heartbeat_keeps_a_busy_executor_alive(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T, heartbeat_s=0.1), client)
    started = asyncio.Event()
    release = asyncio.Event()

    @ex.function()
    async def slow() -> str:
        started.set()
        await release.wait()
        return "done"

    p = await submit(client, "slow", executor_type=T)
    run = asyncio.create_task(ex.run(burst=True))
    await asyncio.wait_for(started.wait(), 10)
    first = (await client.get_executor(ex.name, colony=COLONY, key=SUBMITTER)).last_heard_from_time

    async def heard_again() -> bool:
        e = await client.get_executor(ex.name, colony=COLONY, key=SUBMITTER)
        return e.last_heard_from_time > first

    await until(heard_again)
    still = await get(client, p)
    assert still.state == ProcessState.RUNNING  # the heartbeat took no process
    release.set()
    await asyncio.wait_for(run, 10)
    assert (await get(client, p)).output == ["done"]


async def test_context_channels_send_and_read(client: ColoniesClient, colony: Colony) -> None:
    ex = attach(Executor(T), client)
    sent = asyncio.Event()
    release = asyncio.Event()

    @ex.function()
    async def chat(ctx: ProcessContext) -> str:
        heard = [entry.payload.decode() for entry in await ctx.read("chat")]
        await ctx.send("chat", f"pong to {heard[0]}", payload_type="reply")
        sent.set()
        await release.wait()  # the channel exists only while the process runs
        return heard[0]

    spec = make_spec("chat", executor_type=T)
    spec.channels = ["chat"]
    p = await client.submit(spec, key=SUBMITTER)
    await client.channel_append(p.process_id, "chat", 1, b"ping", key=SUBMITTER)
    run = asyncio.create_task(ex.run(burst=True))
    await asyncio.wait_for(sent.wait(), 10)
    async with contextlib.aclosing(
        client.subscribe_channel(p.process_id, "chat", key=SUBMITTER)
    ) as sub:
        first = await anext(sub)
    release.set()
    await asyncio.wait_for(run, 10)
    assert [(e.payload, e.entry_type) for e in first] == [
        (b"ping", "data"),
        (b"pong to ping", "reply"),
    ]
    assert first[1].sender_id == ex.executor_id
    assert (await get(client, p)).output == ["ping"]


async def test_pre_approved_executor_reports_its_hardware(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor
) -> None:
    key = await make_executor("gpu-box", executor_type=T)
    hw = Hardware(cpu="8000m", gpu=Gpu(name="a100", count=4))
    ex = Executor(T, name="gpu-box", key=key, colony=COLONY, client=client, hardware=hw)
    ex.configure(settings=ClientSettings())
    ex.add_function("f", lambda: None)
    await ex.register()
    found = await client.get_executor("gpu-box", colony=COLONY, key=SUBMITTER)
    assert found.capabilities.hardware is not None
    assert (found.capabilities.hardware[0].gpu.name, found.capabilities.hardware[0].gpu.count) == (
        "a100",
        4,
    )
    funcs = await client.get_functions(executor_name="gpu-box", colony=COLONY, key=SUBMITTER)
    assert [f.func_name for f in funcs] == ["f"]


async def test_configuration_from_the_colonies_environment(
    server: TestServer, client: ColoniesClient, colony: Colony, monkeypatch: pytest.MonkeyPatch
) -> None:
    variables = server_env(
        server, COLONY_PRVKEY=COLONY_KEY, EXECUTOR_TYPE="from-env", EXECUTOR_NAME="env-executor"
    )
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    ex = Executor()  # everything from the environment, its own client included
    ex.add_function("hello", lambda: "hi")
    p = await submit(client, "hello", executor_type="from-env")
    await ex.run(burst=True)
    assert (await get(client, p)).output == ["hi"]
    found = await client.get_executor("env-executor", colony=COLONY, key=SUBMITTER)
    assert (found.executor_type, found.state) == ("from-env", ExecutorState.APPROVED)


async def test_pre_approved_executor_key_from_the_environment(
    server: TestServer,
    client: ColoniesClient,
    colony: Colony,
    make_executor: MakeExecutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = await make_executor("owner-approved", executor_type="env-key")
    variables = server_env(
        server, EXECUTOR_TYPE="env-key", EXECUTOR_NAME="owner-approved", EXECUTOR_PRVKEY=key
    )
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("COLONIES_COLONY_PRVKEY", raising=False)
    ex = Executor()
    ex.add_function("hello", lambda: "hi")
    p = await submit(client, "hello", executor_type="env-key")
    await ex.run(burst=True)
    done = await get(client, p)
    assert (done.output, done.assigned_executor_id) == (["hi"], id_from_private_key(key))


async def test_sync_functions_run_concurrency_at_once(
    client: ColoniesClient, colony: Colony
) -> None:
    n = 8  # more than the default thread pool of a 2-core machine (6)
    ex = attach(Executor(T, concurrency=n), client)
    barrier = threading.Barrier(n, timeout=10)  # only passes if all n run together

    @ex.function()
    def meet(i: int) -> int:
        barrier.wait()
        return i

    procs = [await submit(client, "meet", i, executor_type=T) for i in range(n)]
    await ex.run(burst=True)
    assert [(await get(client, p)).output for p in procs] == [[i] for i in range(n)]


async def test_at_most_pollers_assigns_wait_on_the_server(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T, concurrency=8, pollers=2, poll_timeout_s=10), client)
    ex.add_function("hello", lambda: "hi")
    events = server.app[EVENTS]
    run = asyncio.create_task(ex.run())

    async def parked() -> bool:
        return events.waiter_count() >= 2

    await until(parked)
    assert events.waiter_count() == 2  # not 8: the other workers wait for a poll slot
    p = await submit(client, "hello", executor_type=T)

    async def served() -> bool:
        return (await get(client, p)).state == ProcessState.SUCCESS

    await until(served)
    await ex.shutdown(grace_s=5)
    await asyncio.wait_for(run, 10)


async def test_an_executor_that_removed_itself_runs_again(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T), client)
    ex.add_function("hello", lambda: "hi")
    for _ in range(2):  # e.g. twice in one notebook
        p = await submit(client, "hello", executor_type=T)
        await ex.run(burst=True)
        assert (await get(client, p)).output == ["hi"]
        found = await client.get_executor(ex.name, colony=COLONY, key=SUBMITTER)
        assert found.state == ExecutorState.UNREGISTERED


async def test_sync_context_adds_children_attributes_and_channel_entries(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = attach(Executor(T, concurrency=2), client)

    @ex.function()
    def parent(ctx: SyncProcessContext) -> str:
        child = ctx.add_child("child", 20, kwargs={"plus": 2}, node_name="kid")
        ctx.add_attribute("child", child.process_id)
        ctx.send("events", "child added")
        entries = ctx.read("events")
        return entries[0].payload.decode()

    @ex.function()
    def child(x: int, plus: int = 0) -> int:
        return x + plus

    root = make_spec("parent", executor_type=T)
    root.node_name = "parent"
    root.channels = ["events"]
    graph = await client.submit_workflow(
        WorkflowSpec(colony_name=COLONY, function_specs=[root]), key=SUBMITTER
    )
    await ex.run(burst=True)
    graph = await client.get_process_graph(graph.process_graph_id, key=SUBMITTER)
    assert graph.state == ProcessState.SUCCESS
    processes = {
        p.spec.node_name: p
        for p in [await client.get_process(pid, key=SUBMITTER) for pid in graph.process_ids]
    }
    assert processes["parent"].output == ["child added"]
    assert processes["kid"].output == [22]
    attributes = {a.key: a.value for a in processes["parent"].attributes}
    assert attributes["child"] == processes["kid"].process_id


async def test_ctx_as_first_parameter_or_by_keyword(client: ColoniesClient, colony: Colony) -> None:
    ex = attach(Executor(T), client)

    @ex.function()
    async def first(ctx: ProcessContext, n: str) -> str:
        await ctx.log(f"n={n}")
        return f"{ctx.func_name}:{n}"

    @ex.function()
    def keyword(*words: str, ctx: SyncProcessContext) -> str:
        return f"{ctx.func_name}:{' '.join(words)}"

    p1 = await submit(client, "first", "3", executor_type=T)
    p2 = await submit(client, "keyword", "a", "b", executor_type=T)
    await ex.run(burst=True)
    assert (await get(client, p1)).output == ["first:3"]
    assert (await get(client, p2)).output == ["keyword:a b"]
