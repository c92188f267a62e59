"""Events: LISTEN/NOTIFY between servers, asyncio events and queues inside one.

Every statement that changes a process's state runs ``pg_notify('colonies_process',
{"c": colony, "t": executor type, "p": process id, "s": state})``. Each server holds one
LISTEN connection; a notification

* wakes the local assign long-polls waiting on (colony, executor type) when ``s`` is 0
  (``"t": "*"`` wakes every waiter of the colony),
* is published on the topics ``process:<id>`` (every subscriber) and
  ``processes:<executor type>:<state>`` (one subscriber, round robin).

Other features publish on ``colonies_topic`` with a ``"topic"`` key; the event goes to
every local subscriber of that topic.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHANNEL = "colonies_process"
TOPIC_CHANNEL = "colonies_topic"
MEMBERSHIP_CHANNEL = "colonies_membership"
QUEUE_LIMIT = 1000
log = logging.getLogger(__name__)

Event = dict[str, Any]


class Events:
    def __init__(self) -> None:
        self._waiters: dict[tuple[str, str], set[asyncio.Event]] = defaultdict(set)
        self._topics: dict[str, list[asyncio.Queue[Event]]] = {}

    @contextmanager
    def waiting(self, colony_name: str, executor_type: str) -> Iterator[asyncio.Event]:
        """An event set when a process may have become assignable for this key."""
        key = (colony_name, executor_type)
        event = asyncio.Event()
        self._waiters[key].add(event)
        try:
            yield event
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[key]

    def waiter_count(self) -> int:
        return sum(len(w) for w in self._waiters.values())

    def subscriber_count(self) -> int:
        return sum(len(q) for q in self._topics.values())

    def wake(self, colony_name: str, executor_type: str) -> None:
        if executor_type == "*":
            keys = [k for k in self._waiters if k[0] == colony_name]
        else:
            keys = [(colony_name, executor_type)]
        for key in keys:
            for event in self._waiters.get(key, ()):
                event.set()

    def wake_all(self) -> None:
        for waiters in self._waiters.values():
            for event in waiters:
                event.set()

    @contextmanager
    def subscribe(self, topic: str) -> Iterator[asyncio.Queue[Event]]:
        """A queue that receives the events published on ``topic`` while subscribed."""
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_LIMIT)
        self._topics.setdefault(topic, []).append(queue)
        try:
            yield queue
        finally:
            queues = self._topics.get(topic)
            if queues is not None:
                queues.remove(queue)
                if not queues:
                    del self._topics[topic]

    def publish(self, topic: str, event: Event, *, one: bool = False) -> None:
        """Deliver to every subscriber of ``topic``, or with ``one`` to the next in turn."""
        queues = self._topics.get(topic)
        if not queues:
            return
        if one:
            queues.append(queues.pop(0))
            targets = queues[-1:]
        else:
            targets = queues
        for queue in targets:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("subscriber of %s is not reading; event dropped", topic)

    def on_notification(self, _conn: Any, _pid: int, channel: str, payload: object) -> None:
        """asyncpg listener callback for CHANNEL and TOPIC_CHANNEL."""
        try:
            event = json.loads(str(payload))
        except ValueError:
            log.warning("ignoring malformed notification %r", payload)
            return
        if channel == TOPIC_CHANNEL:
            self.publish(str(event.get("topic", "")), event)
            return
        state = event.get("s")
        if state == 0:
            self.wake(event.get("c", ""), event.get("t", ""))
        if event.get("p"):
            self.publish(f"process:{event['p']}", event)
            self.publish(f"processes:{event.get('t', '')}:{state}", event, one=True)
