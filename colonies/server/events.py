"""Process events: LISTEN/NOTIFY between servers, asyncio events inside one.

Every statement that makes a process assignable (or changes its state) runs
``pg_notify('colonies_process', {"c": colony, "t": executor type, "p": id, "s": state})``.
Each server holds one LISTEN connection; a notification wakes the local assign long-polls
waiting on that (colony, executor type). ``"t": "*"`` wakes every waiter of the colony.
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
MEMBERSHIP_CHANNEL = "colonies_membership"
log = logging.getLogger(__name__)


class Events:
    def __init__(self) -> None:
        self._waiters: dict[tuple[str, str], set[asyncio.Event]] = defaultdict(set)

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

    def on_notification(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        """asyncpg listener callback."""
        try:
            event = json.loads(str(payload))
        except ValueError:
            log.warning("ignoring malformed notification %r", payload)
            return
        if event.get("s") == 0:
            self.wake(event.get("c", ""), event.get("t", ""))
