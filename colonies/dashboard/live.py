"""Live updates: one producer per topic, shared by every page that shows it.

A topic (e.g. the statistics of one colony, or one process and its log) runs a single
producer task while pages watch it, whatever their number: ten open pages cost the Colonies
server what one does. Producers publish server-sent events (name + data); a page that
subscribes late first gets the topic's snapshot (the last event of each name, or what the
producer says), then what follows. A slow page loses intermediate events, never the latest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

log = logging.getLogger("colonies.dashboard")

HEARTBEAT_S = 15.0
QUEUE_DEPTH = 64


@dataclass(frozen=True)
class Event:
    name: str
    data: str
    append: bool = False
    """Part of a stream (log lines): kept in order, not collapsed into the snapshot."""

    def encode(self) -> bytes:
        lines = "".join(f"data: {line}\n" for line in self.data.split("\n"))
        return f"event: {self.name}\n{lines}\n".encode()


class Topic:
    """A producer and the queues of the pages watching it."""

    def __init__(self, name: str, linger: bool) -> None:
        self.name = name
        self.linger = linger
        self.queues: set[asyncio.Queue[Event]] = set()
        self.last: dict[str, Event] = {}
        self.snapshot: Callable[[], list[Event]] | None = None
        self.task: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()

    def publish(self, event: Event) -> None:
        if not event.append:
            if self.last.get(event.name) == event:
                return  # unchanged: pages keep what they show
            self.last[event.name] = event
        self.changed.set()
        for queue in self.queues:
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)

    def initial(self) -> list[Event]:
        return self.snapshot() if self.snapshot is not None else list(self.last.values())


Producer = Callable[[Topic], Awaitable[None]]


class Hub:
    """The topics of one dashboard."""

    def __init__(self) -> None:
        self.topics: dict[str, Topic] = {}
        self.streams: set[asyncio.Task[object]] = set()
        self.closed = False
        """Set on shutdown: a page that connects later gets no stream (it would keep the
        server from stopping)."""

    def topic(self, name: str, producer: Producer, linger: bool = False) -> Topic:
        """The running topic ``name``, started with ``producer`` if it is not."""
        topic = self.topics.get(name)
        if topic is None:
            topic = self.topics[name] = Topic(name, linger)
            topic.task = asyncio.create_task(self._run(topic, producer))
        return topic

    async def _run(self, topic: Topic, producer: Producer) -> None:
        try:
            await producer(topic)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("live topic %s stopped", topic.name)
        finally:
            if self.topics.get(topic.name) is topic and not topic.queues:
                del self.topics[topic.name]

    @contextlib.asynccontextmanager
    async def watch(
        self, name: str, producer: Producer, linger: bool = False
    ) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue of the topic's events, starting with its snapshot."""
        topic = self.topic(name, producer, linger)
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_DEPTH)
        for event in topic.initial():
            queue.put_nowait(event)
        topic.queues.add(queue)
        try:
            yield queue
        finally:
            topic.queues.discard(queue)
            if not topic.queues and not topic.linger and topic.task is not None:
                topic.task.cancel()
                self.topics.pop(name, None)

    async def close(self) -> None:
        """Stop every producer and end every page's stream."""
        self.closed = True
        for page in list(self.streams):
            page.cancel()
        tasks = [t.task for t in self.topics.values() if t.task is not None]
        self.topics.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


HUB = web.AppKey("hub", Hub)


async def stream(
    request: web.Request, topics: list[tuple[str, Producer, bool]]
) -> web.StreamResponse:
    """Send the events of ``topics`` (name, producer, linger) to one page until it leaves."""
    hub = request.app[HUB]
    if hub.closed:
        raise web.HTTPServiceUnavailable(reason="The dashboard is stopping.")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    # known to the hub before the first await, so that a shutdown meanwhile cancels it too
    me = asyncio.current_task()
    if me is not None:
        hub.streams.add(me)
    try:
        await response.prepare(request)
        merged: asyncio.Queue[Event] = asyncio.Queue(QUEUE_DEPTH * max(1, len(topics)))
        async with contextlib.AsyncExitStack() as stack:
            queues = [await stack.enter_async_context(hub.watch(*t)) for t in topics]
            pumps = [asyncio.create_task(_pump(q, merged)) for q in queues]
            try:
                while not hub.closed:
                    try:
                        event = await asyncio.wait_for(merged.get(), HEARTBEAT_S)
                    except TimeoutError:
                        await response.write(b": keep-alive\n\n")
                        continue
                    await response.write(event.encode())
            finally:
                for pump in pumps:
                    pump.cancel()
    except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
        pass
    finally:
        if me is not None:
            hub.streams.discard(me)
    return response


async def _pump(source: asyncio.Queue[Event], sink: asyncio.Queue[Event]) -> None:
    while True:
        await sink.put(await source.get())
