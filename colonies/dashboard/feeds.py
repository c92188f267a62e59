"""The producers of live topics, and the reads the pages share with them.

Process changes come from the server's ``/pubsub`` subscriptions (``client.wait`` on the
states a process can reach next). The protocol has no event for statistics, lists, graphs,
executors or log lines, so those are read again every ``poll_s`` (``log_poll_s`` for the
log of a shown process), once per topic however many pages show it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from colonies.core import Log, Process, ProcessGraph, ProcessState
from colonies.core.process_graph import BACKGROUND
from colonies.dashboard.live import HUB, Event, Producer, Topic
from colonies.dashboard.render import fragment
from colonies.dashboard.state import DASHBOARD, Dashboard
from colonies.errors import ColoniesError, RPCError

MAX_LIST = 100
"""getprocessesmsg returns at most 100 processes (the reference's limit)."""
TAIL = 500
FINAL = (ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED)
NEXT_STATES = {
    ProcessState.WAITING: (*FINAL, ProcessState.RUNNING),
    ProcessState.RUNNING: (*FINAL, ProcessState.WAITING),
}
TABS = {
    "waiting": ProcessState.WAITING,
    "running": ProcessState.RUNNING,
    "successful": ProcessState.SUCCESS,
    "failed": ProcessState.FAILED,
}
STATE_OF_COLOUR = {colour: state for state, colour in BACKGROUND.items()}
WAIT_S = 30


def problem(e: Exception) -> str:
    """One sentence for a failed read, shown in place of the data."""
    if isinstance(e, RPCError):
        return f"The Colonies server refused: {e.message}"
    return f"The Colonies server could not be reached: {e}"


async def _retry_later(topic: Topic, app: web.Application, e: Exception, wait: float) -> None:
    topic.publish(Event("problem", fragment(app, "_problem.html", {"message": problem(e)})))
    await asyncio.sleep(wait)


# statistics


def stats_topic(app: web.Application, colony: str) -> tuple[str, Producer, bool]:
    dash = app[DASHBOARD]

    async def produce(topic: Topic) -> None:
        while True:
            try:
                stats = await dash.client.colony_statistics(colony=colony, key=dash.keys.reader)
            except (ColoniesError, OSError) as e:
                await _retry_later(topic, app, e, dash.poll_s * 5)
                continue
            history = dash.history(colony)
            history.add(stats)
            context = {"stats": stats, "colony": colony}
            topic.publish(Event("problem", ""))
            topic.publish(Event("counts", fragment(app, "_counts.html", context)))
            topic.publish(Event("tabs", fragment(app, "_tabs.html", context)))
            topic.publish(Event("charts", json.dumps(history.charts())))
            await asyncio.sleep(dash.poll_s)

    # kept after the last page leaves, so that the charts cover the hour
    return f"stats:{colony}", produce, True


# process lists


@dataclass(frozen=True)
class ListQuery:
    tab: str = "waiting"
    executor_type: str = ""
    label: str = ""
    initiator: str = ""
    function: str = ""
    page: int = 1

    @classmethod
    def from_request(cls, request: web.Request) -> ListQuery:
        q = request.rel_url.query
        tab = q.get("state", "waiting")
        try:
            page = max(1, int(q.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            tab=tab if tab in TABS else "waiting",
            executor_type=q.get("executortype", "").strip(),
            label=q.get("label", "").strip(),
            initiator=q.get("initiator", "").strip(),
            function=q.get("function", "").strip(),
            page=page,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        q = replace(self, **changes)
        found = {
            "state": q.tab,
            "executortype": q.executor_type,
            "label": q.label,
            "initiator": q.initiator,
            "function": q.function,
            "page": str(q.page) if q.page > 1 else "",
        }
        return {k: v for k, v in found.items() if v}


@dataclass
class ListPage:
    processes: list[Process]
    more: bool


async def read_list(dash: Dashboard, colony: str, q: ListQuery) -> ListPage:
    """One page of the newest processes in the tab's state that match the filters."""
    found = await dash.client.get_processes(
        TABS[q.tab],
        MAX_LIST,
        executor_type=q.executor_type,
        label=q.label,
        initiator=q.initiator,
        colony=colony,
        key=dash.keys.reader,
    )
    if q.function:
        found = [p for p in found if p.spec.func_name == q.function]
    start = (q.page - 1) * dash.page_size
    return ListPage(found[start : start + dash.page_size], len(found) > start + dash.page_size)


def list_topic(app: web.Application, colony: str, q: ListQuery) -> tuple[str, Producer, bool]:
    """The rows of one list page, read again when the colony's counts change."""
    dash = app[DASHBOARD]
    stats = stats_topic(app, colony)

    async def produce(topic: Topic) -> None:
        async with app[HUB].watch(*stats) as changes:
            while True:
                event = await changes.get()
                if event.name != "counts":
                    continue
                try:
                    found = await read_list(dash, colony, q)
                except (ColoniesError, OSError) as e:
                    await _retry_later(topic, app, e, dash.poll_s * 5)
                    continue
                context = {"found": found, "q": q, "colony": colony}
                topic.publish(Event("rows", fragment(app, "_process_rows.html", context)))
                await asyncio.sleep(dash.poll_s)

    return f"list:{colony}:{sorted(q.params().items())}", produce, False


# one process and its log


async def next_change(dash: Dashboard, process: Process) -> Process | None:
    """The process once it reaches a state it can go to next (``/pubsub``); None after
    WAIT_S seconds without one."""
    states = NEXT_STATES.get(process.state, ())
    waits = [
        asyncio.create_task(dash.client.wait(process, s, WAIT_S, key=dash.keys.reader))
        for s in states
    ]
    try:
        for done in asyncio.as_completed(waits):
            found = await done
            if found is not None:
                return found
        return None
    finally:
        for task in waits:
            task.cancel()
        await asyncio.gather(*waits, return_exceptions=True)


def _log_line(app: web.Application, entry: Log) -> str:
    return fragment(app, "_log_line.html", {"entry": entry})


def process_topic(app: web.Application, colony: str, pid: str) -> tuple[str, Producer, bool]:
    dash = app[DASHBOARD]

    async def produce(topic: Topic) -> None:
        tail: deque[Log] = deque(maxlen=TAIL)
        key = dash.keys.reader

        def snapshot() -> list[Event]:
            lines = "".join(_log_line(app, entry) for entry in tail)
            return [*topic.last.values(), Event("logs", lines)]

        topic.snapshot = snapshot
        process = await dash.client.get_process(pid, key=key)
        publish_process(topic, app, process)
        found = await dash.client.get_logs(
            process_id=pid, count=TAIL, latest=True, colony=colony, key=key
        )
        tail.extend(found)
        topic.publish(Event("logs", "".join(_log_line(app, e) for e in found)))
        since = found[-1].timestamp if found else 0
        change: asyncio.Task[Process | None] | None = None
        try:
            while True:
                if change is None and process.state not in FINAL:
                    change = asyncio.create_task(next_change(dash, process))
                try:
                    if change is not None and change.done():
                        with contextlib.suppress(ColoniesError, OSError):
                            await change
                        change = None
                        process = await dash.client.get_process(pid, key=key)
                        publish_process(topic, app, process)
                        continue
                    found = await dash.client.get_logs(
                        process_id=pid, count=TAIL, since=since, colony=colony, key=key
                    )
                except RPCError:
                    if not await removed(dash, pid):
                        raise
                    gone = "This process was removed."
                    topic.publish(
                        Event("problem", fragment(app, "_problem.html", {"message": gone}))
                    )
                    return
                for entry in found:
                    tail.append(entry)
                    since = entry.timestamp
                    topic.publish(Event("log", _log_line(app, entry), append=True))
                wait = dash.log_poll_s if process.state not in FINAL else dash.poll_s
                if change is not None:
                    await asyncio.wait({change}, timeout=wait)
                else:
                    await asyncio.sleep(wait)
        finally:
            if change is not None:
                change.cancel()

    return f"process:{colony}:{pid}", produce, False


async def removed(dash: Dashboard, pid: str) -> bool:
    """Whether the process is gone (a refused read of its logs says only "does not exist")."""
    try:
        await dash.client.get_process(pid, key=dash.keys.reader)
    except RPCError as e:
        return e.status == 404
    return False


def publish_process(topic: Topic, app: web.Application, process: Process) -> None:
    context = {"p": process, "colony": process.spec.conditions.colony_name}
    topic.publish(Event("process", fragment(app, "_process_detail.html", context)))
    topic.publish(Event("actions", fragment(app, "_process_actions.html", context)))


# workflows


def graph_json(graph: ProcessGraph) -> str:
    """Nodes (id, label, state) and edges of a graph, for the page's cytoscape."""
    nodes = [
        {
            "id": n.id,
            "label": n.data.label or n.id[:8],
            "state": STATE_OF_COLOUR.get(n.style.background, ProcessState.WAITING).name.lower(),
        }
        for n in graph.nodes
    ]
    edges = [{"id": e.id, "source": e.source, "target": e.target} for e in graph.edges]
    return json.dumps({"nodes": nodes, "edges": edges, "state": graph.state.name.lower()})


def graph_topic(app: web.Application, colony: str, gid: str) -> tuple[str, Producer, bool]:
    dash = app[DASHBOARD]

    async def produce(topic: Topic) -> None:
        while True:
            try:
                graph = await dash.client.get_process_graph(gid, key=dash.keys.reader)
            except (ColoniesError, OSError) as e:
                await _retry_later(topic, app, e, dash.poll_s * 5)
                continue
            topic.publish(Event("graph", graph_json(graph)))
            context = {"g": graph, "colony": colony}
            topic.publish(Event("graphinfo", fragment(app, "_graph_info.html", context)))
            await asyncio.sleep(dash.poll_s)

    return f"graph:{colony}:{gid}", produce, False


# executors


async def read_executors(dash: Dashboard, colony: str) -> dict[str, Any]:
    key = dash.keys.reader
    executors = await dash.client.get_executors(colony=colony, key=key)
    running = await dash.client.get_processes(
        ProcessState.RUNNING, MAX_LIST, colony=colony, key=key
    )
    busy: dict[str, list[Process]] = {}
    for p in running:
        busy.setdefault(p.assigned_executor_id, []).append(p)
    return {"executors": executors, "busy": busy}


def executors_topic(app: web.Application, colony: str) -> tuple[str, Producer, bool]:
    async def read(dash: Dashboard, colony: str) -> dict[str, Any]:
        return {**await read_executors(dash, colony), "keys": dash.keys}  # for the buttons

    return polled_topic(app, colony, "executors", read, template="_executor_rows.html")


# crons, generators and functions (no event: read every poll_s)


async def read_crons(dash: Dashboard, colony: str) -> dict[str, Any]:
    key = dash.keys.reader
    crons = await dash.client.get_crons(100, colony=colony, key=key)
    listed = await dash.client.get_generators(100, colony=colony, key=key)
    # only getgeneratormsg says how many arguments wait (its queuesize)
    generators = [await dash.client.get_generator(g.generator_id, key=key) for g in listed]
    return {"crons": crons, "generators": generators}


async def read_functions(dash: Dashboard, colony: str) -> dict[str, Any]:
    return {"functions": await dash.client.get_functions(colony=colony, key=dash.keys.reader)}


Read = Callable[[Dashboard, str], Awaitable[dict[str, Any]]]


def polled_topic(
    app: web.Application,
    colony: str,
    event: str,
    read: Read,
    variant: str = "",
    template: str = "",
) -> tuple[str, Producer, bool]:
    """The fragment ``template`` (default ``_<event>.html``) of what ``read`` finds, read
    again every poll_s (``variant`` names a different read of the same event, such as a
    tab)."""
    template = template or f"_{event}.html"
    dash = app[DASHBOARD]

    async def produce(topic: Topic) -> None:
        while True:
            try:
                found = await read(dash, colony)
            except (ColoniesError, OSError) as e:
                await _retry_later(topic, app, e, dash.poll_s * 5)
                continue
            context = {**found, "colony": colony}
            topic.publish(Event(event, fragment(app, template, context)))
            await asyncio.sleep(dash.poll_s)

    return f"{event}:{colony}:{variant}", produce, False


WORKFLOW_TABS = {
    "waiting": ProcessState.WAITING,
    "running": ProcessState.RUNNING,
    "successful": ProcessState.SUCCESS,
    "failed": ProcessState.FAILED,
}


def workflow_tab(request: web.Request) -> str:
    tab = request.rel_url.query.get("state", "running")
    return tab if tab in WORKFLOW_TABS else "running"


def read_workflows(tab: str) -> Read:
    async def read(dash: Dashboard, colony: str) -> dict[str, Any]:
        graphs = await dash.client.get_process_graphs(
            WORKFLOW_TABS[tab], MAX_LIST, colony=colony, key=dash.keys.reader
        )
        return {"graphs": graphs, "tab": tab}

    return read


def read_fs(label: str) -> Read:
    """The colony's labels and snapshots, and the files of ``label`` when one is chosen."""

    async def read(dash: Dashboard, colony: str) -> dict[str, Any]:
        key = dash.keys.reader
        labels = await dash.client.get_labels(colony=colony, key=key)
        files = await dash.client.get_files(label, colony=colony, key=key) if label else []
        snapshots = await dash.client.get_snapshots(colony=colony, key=key)
        return {"labels": labels, "label": label, "files": files, "snapshots": snapshots}

    return read
