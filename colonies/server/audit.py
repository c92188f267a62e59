"""The audit log writer: one entry per state-changing request, written in batches.

``dispatch.handle`` hands every reply to ``AuditWriter.record``, which keeps only requests
of a state-changing payload type (``Msg.changes_state``) whose signature gave a caller id,
and buffers them; one task writes the buffer with one INSERT per batch, every
``COLONIES_AUDIT_FLUSH_MS`` (100: each batch is a commit costing PostgreSQL about 0.2 ms of
CPU however few its rows, so few large batches) or sooner when a batch is full, and the
app's cleanup writes what is left. Nothing here waits in the request path:

- A full buffer (PostgreSQL slow or down) drops the new entry and counts it in
  ``colonies_audit_dropped{reason="buffer full"}`` rather than block the request: an audit
  log must not turn a database stall into a stall of every request.
- A refused request from a caller who passed no role check (any key can sign, so a valid
  signature proves nothing) is kept within ``COLONIES_AUDIT_ANONYMOUS_RATE`` entries per
  second per server; beyond that it is counted (``reason="anonymous"``), so strangers cannot
  grow the table without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from colonies.config import Settings
from colonies.core import utc_now
from colonies.db import Database
from colonies.db.audit import AuditRow
from colonies.rpc import MESSAGES, Msg
from colonies.server.metrics import Metrics
from colonies.server.router import Ctx

log = logging.getLogger(__name__)
BATCH = 1000
"""Most rows one INSERT carries."""
MAX_TEXT = 256
"""Target and colony name come from the request: bounded, as a log line is."""
RETRY_S = 1.0
WARN_EVERY_S = 60.0


def _value(obj: Any, path: str) -> str:
    """The text at an attribute path (``spec.conditions.colony_name``), '' when absent."""
    for name in path.split("."):
        obj = getattr(obj, name, None)
        if obj is None:
            return ""
    return str(obj)[:MAX_TEXT]


def target(cls: type[Msg], msg: Msg | None, result: Any) -> str:
    """The first of the class's target paths with a value (``reply.`` paths read the reply)."""
    for path in cls.audit_target:
        if path.startswith("reply."):
            found = _value(result, path.removeprefix("reply."))
        else:
            found = _value(msg, path)
        if found:
            return found
    return ""


class AuditWriter:
    """Buffers audit entries and writes them in batches; started and closed by the app."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.enabled = settings.audit
        self.capacity = settings.audit_buffer
        self.flush_s = settings.audit_flush_ms / 1000
        self.anonymous_rate = settings.audit_anonymous_rate
        self._metrics = metrics
        self._rows: list[AuditRow] = []
        self._db: Database | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._second = 0
        self._anonymous = 0
        self._warned = 0.0

    def record(
        self, payload_type: str, ctx: Ctx | None, msg: Msg | None, result: Any, status: int
    ) -> None:
        """Buffer the entry of one reply if its request is audited (see the module text)."""
        cls = MESSAGES.get(payload_type)
        if ctx is None or cls is None or not cls.changes_state or not self.enabled:
            return
        if status in cls.audit_unchanged:
            return
        checked = ctx.checked
        if status >= 300 and not checked.role and not self._anonymous_allowed():
            self._drop("anonymous")
            return
        if len(self._rows) >= self.capacity:
            self._drop("buffer full")
            return
        colony_name = checked.colony_name[:MAX_TEXT] or _value(msg, cls.audit_colony)
        self._rows.append(
            AuditRow(
                utc_now(),
                ctx.caller_id,
                checked.role,
                checked.name,
                payload_type,
                colony_name,
                target(cls, msg, result),
                status,
            )
        )
        self._wake.set()

    @property
    def pending(self) -> int:
        """Entries buffered, not written yet."""
        return len(self._rows)

    def _anonymous_allowed(self) -> bool:
        second = int(time.monotonic())
        if second != self._second:
            self._second, self._anonymous = second, 0
        self._anonymous += 1
        return self._anonymous <= self.anonymous_rate

    def _drop(self, reason: str, count: int = 1) -> None:
        self._metrics.audit_dropped.labels(reason).inc(count)
        self._warn(f"audit entries dropped ({reason}); see colonies_audit_dropped")

    def _warn(self, text: str) -> None:
        """One warning a minute at most: a database outage is not a line per batch."""
        now = time.monotonic()
        if now - self._warned >= WARN_EVERY_S:
            self._warned = now
            log.warning("%s", text)

    def start(self, db: Database) -> None:
        self._db = db
        if self.enabled:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            if not self._rows:
                self._wake.clear()
                await self._wake.wait()
            if len(self._rows) < BATCH:
                await asyncio.sleep(self.flush_s)  # let a batch gather
            if not await self.flush():
                await asyncio.sleep(RETRY_S)

    async def flush(self) -> bool:
        """Write every buffered entry now; False if the database refused (they stay
        buffered, within the capacity, for the next try)."""
        async with self._lock:
            if self._db is None or not self._rows:
                return True
            rows, self._rows = self._rows, []
            for start in range(0, len(rows), BATCH):
                try:
                    await self._db.audit.add_many(rows[start : start + BATCH])
                except Exception as exc:  # kept for the next try, whatever went wrong
                    self._rows[:0] = rows[start:]
                    excess = len(self._rows) - self.capacity
                    if excess > 0:
                        del self._rows[-excess:]
                        self._metrics.audit_dropped.labels("buffer full").inc(excess)
                    self._warn(f"audit entries not written yet: {type(exc).__name__}: {exc}")
                    return False
            return True

    async def close(self) -> None:
        """Stop the task (never in the middle of a write) and write what is left."""
        if self._task is not None:
            async with self._lock:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if not await self.flush():
            log.warning("%d audit entries lost at shutdown", len(self._rows))
        self._db = None
