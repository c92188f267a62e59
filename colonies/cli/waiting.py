"""Long waits of the CLI: a process or workflow to finish, logs to follow; with progress."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

import click

from colonies.core import Log, Process, ProcessGraph, ProcessState

if TYPE_CHECKING:
    from colonies.client import ColoniesClient

DONE = (ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED)
POLL_S = 0.5
SUBSCRIBE_S = 5


@contextlib.asynccontextmanager
async def progress(what: str) -> AsyncIterator[None]:
    """``Waiting for …`` on stderr; a running clock when stderr is a terminal."""
    tty = sys.stderr.isatty()
    click.echo(f"Waiting for {what} (Ctrl-C stops waiting)" + ("" if tty else " ..."), err=True)
    start = time.monotonic()

    async def tick() -> None:
        while True:
            await asyncio.sleep(1)
            click.echo(f"\r  {int(time.monotonic() - start)} s", nl=False, err=True)

    task = asyncio.create_task(tick()) if tty else None
    try:
        yield
    finally:
        if task:
            task.cancel()
            click.echo("", err=True)


async def _subscribe(client: ColoniesClient, process: Process, key: str) -> None:
    """Return when the server reports the process successful or failed (or after a while)."""
    waits = [
        asyncio.create_task(client.wait(process, state, SUBSCRIBE_S, key=key))
        for state in (ProcessState.SUCCESS, ProcessState.FAILED)
    ]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED, timeout=SUBSCRIBE_S + 1)
    finally:
        for w in waits:
            w.cancel()
        await asyncio.gather(*waits, return_exceptions=True)


async def wait_for_process(
    client: ColoniesClient, process: Process, key: str, show: bool = True
) -> Process:
    """Subscribe to the process until it is closed; re-checks with a get between rounds."""
    async with progress(f"process {process.process_id}") if show else contextlib.nullcontext():
        while True:
            current = await client.get_process(process.process_id, key=key)
            if current.state in DONE:
                return current
            await _subscribe(client, process, key)


async def wait_for_workflow(client: ColoniesClient, graph: ProcessGraph, key: str) -> ProcessGraph:
    async with progress(f"workflow {graph.process_graph_id}"):
        while True:
            current = await client.get_process_graph(graph.process_graph_id, key=key)
            if current.state in DONE:
                return current
            await asyncio.sleep(POLL_S)


async def follow_logs(
    client: ColoniesClient,
    colony: str,
    process_id: str,
    key: str,
    emit: Callable[[list[Log]], None],
    *,
    count: int = 100,
    since: int = 0,
) -> Process:
    """Print logs as they arrive until the process is closed; returns the closed process."""
    while True:
        current = await client.get_process(process_id, key=key)
        while True:
            logs = await client.get_logs(
                process_id=process_id, count=count, since=since, colony=colony, key=key
            )
            if logs:
                emit(logs)
                since = max(since, *(log.timestamp for log in logs))
            if len(logs) < count:
                break
        if current.state in DONE:
            return current
        await asyncio.sleep(POLL_S)


async def follow_executor_logs(
    client: ColoniesClient,
    colony: str,
    executor_name: str,
    key: str,
    emit: Callable[[list[Log]], None],
    *,
    count: int = 100,
    since: int = 0,
) -> None:
    """Print an executor's logs as they arrive, until Ctrl-C."""
    while True:
        logs = await client.get_logs(
            executor_name=executor_name, count=count, since=since, colony=colony, key=key
        )
        if logs:
            emit(logs)
            since = max(since, *(log.timestamp for log in logs))
        else:
            await asyncio.sleep(1)


# Go-grammar texts the server writes into a process's errors; clients match on them.
_SERVER_TIMEOUTS = {
    "Maximum execution time limit exceeded": "it ran longer than its maxexectime of {exec} s",
    "Maximum waiting time limit exceeded": "no executor took it within its maxwaittime of {wait} s",
}


def failure_reason(p: Process) -> str:
    """Why a closed process did not succeed, in one readable clause; the server's or the
    executor's own text stays inside it."""
    if p.state == ProcessState.CANCELLED:
        return "it was cancelled"
    limits = {"exec": p.spec.max_exec_time, "wait": p.spec.max_wait_time}
    reasons = []
    for error in (str(e) for e in p.errors if str(e)):
        if error in _SERVER_TIMEOUTS:
            reasons.append(f"{_SERVER_TIMEOUTS[error].format(**limits)} ({error})")
        elif error.split(":")[0] == "TimeoutError":
            limit = p.spec.max_exec_time
            within = f", its maxexectime is {limit} s" if limit > 0 else ""
            reasons.append(f"a timeout in the function ({error}{within})")
        else:
            reasons.append(error)
    return "; ".join(reasons) or "no error message"
