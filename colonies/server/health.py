"""Whether PostgreSQL answers. One place tells a database outage from a bug, so that
requests during an outage get 503 "database unavailable" and the log gets one line when it
starts and one when it ends instead of a traceback per request; ``/health`` answers from a
probe cached for a moment, so a flood of health checks costs one query per period."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import asyncpg
from asyncpg import exceptions as pgerr

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0
_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, or the Unix socket gone while PostgreSQL is down
    pgerr.PostgresConnectionError,  # class 08: the connection failed or was lost
    pgerr.AdminShutdownError,
    pgerr.CrashShutdownError,
    pgerr.CannotConnectNowError,  # starting up, shutting down, in recovery
    pgerr.IdleSessionTimeoutError,
    pgerr.TooManyConnectionsError,
)


# A connection used as it closes (asyncpg: "connection is closed", "another operation is in
# progress" while the server's shutdown message is consumed), or no connection in time: an
# outage if the database does not answer a probe right now, else a bug.
_MAYBE_OUTAGES: tuple[type[BaseException], ...] = (
    asyncpg.InterfaceError,
    pgerr.InternalClientError,
    TimeoutError,
)


def is_outage(exc: BaseException) -> bool:
    """Whether an exception surely means the database cannot be reached (not a bug)."""
    return isinstance(exc, _OUTAGES) and not isinstance(exc, pgerr.ProtocolViolationError)


class QuietOutages(logging.Filter):
    """Turns a library's logged traceback of a database outage into one line (asyncpg's pool
    logs one each time it fails to reconnect)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and is_outage(exc):
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


class DatabaseHealth:
    """The database's state as the last probe or failed query saw it. While it is down a
    watcher probes every ``period_s`` and logs the recovery."""

    def __init__(
        self,
        probe: Callable[[], Awaitable[object]],
        period_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.probe = probe
        self.period_s = period_s
        self.clock = clock
        self.up = True
        self.failures = 0
        self._checked = -float("inf")
        self._probing: asyncio.Future[bool] | None = None
        self._watcher: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, pool: asyncpg.Pool, period_s: float) -> DatabaseHealth:
        return cls(lambda: pool.fetchval("SELECT 1"), period_s)

    def down(self, exc: BaseException) -> None:
        """Record an outage a request or a loop ran into."""
        self.failures += 1
        self._went_down(exc)

    def _went_down(self, exc: BaseException) -> None:
        self._checked = self.clock()
        if self.up:
            self.up = False
            log.warning(
                "database unavailable (%s: %s); answering 503 until it is back",
                type(exc).__name__,
                exc,
            )
            if self._watcher is None or self._watcher.done():
                self._watcher = asyncio.create_task(self._watch())

    def _back(self) -> None:
        self._checked = self.clock()
        if not self.up:
            self.up = True
            log.warning(
                "database available again (%d requests and jobs failed meanwhile)", self.failures
            )
            self.failures = 0

    async def _probe(self) -> bool:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                await self.probe()
        except Exception as exc:  # a probe that fails in any way says the database is not usable
            if not is_outage(exc) and not isinstance(exc, TimeoutError):
                log.warning("database health probe failed: %s: %s", type(exc).__name__, exc)
            self._went_down(exc)
            return False
        self._back()
        return True

    async def explains(self, exc: BaseException) -> bool:
        """Whether a failure is the database being unavailable (then it is recorded)."""
        if is_outage(exc):
            self.down(exc)
            return True
        if not isinstance(exc, _MAYBE_OUTAGES):
            return False
        if await self.check(fresh=True):
            return False
        self.failures += 1
        return True

    async def check(self, fresh: bool = False) -> bool:
        """True when the database answers; unless ``fresh``, probes at most once per period
        (concurrent callers share the probe)."""
        if not self.up:
            return False
        if not fresh and self.clock() - self._checked < self.period_s:
            return True
        if self._probing is None:
            self._probing = asyncio.ensure_future(self._probe())
            self._probing.add_done_callback(lambda _: setattr(self, "_probing", None))
        return await asyncio.shield(self._probing)

    async def _watch(self) -> None:
        while not self.up:
            await asyncio.sleep(self.period_s)
            await self._probe()

    async def close(self) -> None:
        for task in (self._watcher, self._probing):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
