"""Events: LISTEN/NOTIFY between servers, asyncio events and queues inside one.

The processes table's trigger (``notify_process_state``) sends ``pg_notify('colonies_process',
{"c": colony, "t": executor type, "p": process id, "s": state})`` for every change of a
process's state, delivered at commit. Each server holds one LISTEN connection; a
notification

* when ``s`` is 0, wakes one local assign long-poll waiting on (colony, executor type)
  for that process (``"t": "*"`` wakes every waiter of the colony; see ``Waiter``),
* is published on the topics ``process:<id>`` (every subscriber) and
  ``processes:<colony>:<executor type>:<state>`` (one subscriber, round robin). The colony
  is part of every topic that carries processes: a subscriber is authorised for one colony
  and must hear of no other (``process_topic``, ``processes_topic``).

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


def process_topic(process_id: str) -> str:
    """Every change of one process (its colony is fixed, checked when subscribing)."""
    return f"process:{process_id}"


def processes_topic(colony_name: str, executor_type: str, state: int) -> str:
    """Processes of one colony and executor type entering ``state``."""
    return f"processes:{colony_name}:{executor_type}:{state}"


class Token:
    """A new assignable process, handed from waiter to waiter until one claims it."""

    __slots__ = ("process_id", "tried")

    def __init__(self, process_id: str) -> None:
        self.process_id = process_id
        self.tried: set[Waiter] = set()


class Waiter:
    """One assign long-poll. A new process wakes one idle waiter of its (colony, type) with
    a token; a waiter whose claim then finds nothing passes the token on while the process
    still waits (that waiter may not match it: executor names, location, hardware), so one
    submit costs one claim, not one per parked executor. A waiter that leaves holding a
    token it has not claimed with hands it on too."""

    __slots__ = ("event", "left", "token")

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.token: Token | None = None
        self.left = False  # the assign's caller went away: stop waiting

    def leave(self) -> None:
        self.left = True
        self.event.set()

    def take(self) -> Token | None:
        """The token this wake-up brought (None for a broadcast), ready for the next wait."""
        token, self.token = self.token, None
        self.event.clear()
        return token


ECHO_MEMORY = 4096  # local submits whose own NOTIFY has not come back yet


class Events:
    def __init__(self) -> None:
        self._waiters: dict[tuple[str, str], dict[Waiter, None]] = defaultdict(dict)
        self._topics: dict[str, list[asyncio.Queue[Event]]] = {}
        self._echoes: dict[str, None] = {}
        self.wakeups = 0  # waiters woken so far, by hand-offs and broadcasts alike
        self.handoffs = 0  # tokens handed to a waiter (a new process should cost about one)

    @contextmanager
    def waiting(self, colony_name: str, executor_type: str, waiter: Waiter) -> Iterator[Waiter]:
        """Park ``waiter`` on this key (in arrival order) for the duration of the block."""
        key = (colony_name, executor_type)
        self._waiters[key][waiter] = None
        try:
            yield waiter
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.pop(waiter, None)
                if not waiters:
                    del self._waiters[key]
            if waiter.token is not None:
                self.hand_on(colony_name, executor_type, waiter.take())

    def waiter_count(self) -> int:
        return sum(len(w) for w in self._waiters.values())

    def wake(self, colony_name: str, executor_type: str, process_id: str = "") -> bool:
        """A process became assignable: wake one idle waiter for it, or every waiter of the
        key (of the colony, for type ``*``) when the process is not named. True if a
        waiter was woken."""
        if process_id and executor_type != "*":
            return self.hand_on(colony_name, executor_type, Token(process_id))
        before = self.wakeups
        keys = (
            [k for k in self._waiters if k[0] == colony_name]
            if executor_type == "*"
            else [(colony_name, executor_type)]
        )
        for key in keys:
            self._wake_every(self._waiters.get(key, {}))
        return self.wakeups > before

    def expect_echo(self, process_id: str) -> None:
        """This server is about to store the process and wake a waiter for it itself; its
        NOTIFY (which may even arrive before the insert returns) is then no second wake."""
        self._echoes[process_id] = None
        if len(self._echoes) > ECHO_MEMORY:
            del self._echoes[next(iter(self._echoes))]

    def hand_on(self, colony_name: str, executor_type: str, token: Token | None) -> bool:
        """Give the token to the first idle waiter that has not tried it (if any: when every
        waiter is awake already, each will claim anyway). True if a waiter was woken."""
        if token is None:
            return False
        for waiter in self._waiters.get((colony_name, executor_type), ()):
            if not waiter.event.is_set() and waiter not in token.tried:
                waiter.token = token
                waiter.event.set()
                self.wakeups += 1
                self.handoffs += 1
                return True
        return False

    def wake_all(self) -> None:
        for waiters in self._waiters.values():
            self._wake_every(waiters)

    def _wake_every(self, waiters: dict[Waiter, None]) -> None:
        """A broadcast: every waiter looks again (no token)."""
        for waiter in waiters:
            waiter.event.set()
        self.wakeups += len(waiters)

    def subscriber_count(self) -> int:
        return sum(len(q) for q in self._topics.values())

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
        process_id = str(event.get("p") or "")
        if state == 0:
            if process_id in self._echoes:
                del self._echoes[process_id]  # stored here: its waiter was woken already
            else:
                self.wake(event.get("c", ""), event.get("t", ""), process_id)
        if process_id:
            self.publish(process_topic(process_id), event)
            topic = processes_topic(str(event.get("c", "")), str(event.get("t", "")), state)
            self.publish(topic, event, one=True)
