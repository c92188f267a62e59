"""Group commit: many requests' rows in one statement, one statement in flight.

A request that finds no statement in flight writes its own item at once, in its own task
(``run``: no hand-over to another task, so no extra trips through the event loop); the items
that arrive meanwhile queue, and a flush task writes them together in the next statement,
and so on while more arrive. ``queue`` only queues, for callers that do not wait for the
outcome; with ``linger_s`` its items are written at most that often, many to a statement.

The statements go through one pooled connection held until ``close`` (acquiring one per
statement costs as much as a small statement). ``write`` gets the items of one statement
and returns one outcome per item, in order: a result, or an exception for that item alone.
A ``write`` that raises fails every item it carried and gives the connection back (it may
be dead); the next statement takes a new one.

Used for the nonces of replay protection (``replay.NonceBatcher``) and for submitted
processes (``services.processes.submit``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from asyncpg.pool import PoolConnectionProxy

from colonies.db import Database

Item = TypeVar("Item")
Result = TypeVar("Result")

Write = Callable[[Database, list[Item]], Awaitable[Sequence[Result | BaseException]]]


class GroupCommit(Generic[Item, Result]):
    def __init__(self, db: Database, write: Write[Item, Result], *, linger_s: float = 0.0) -> None:
        self.db = db
        self.write = write
        self.linger_s = linger_s
        self._lingering: asyncio.TimerHandle | None = None
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writing = False
        self._task: asyncio.Task[None] | None = None
        self._conn: PoolConnectionProxy[Any] | None = None
        self._held: Database | None = None
        self._giving_back: set[asyncio.Task[None]] = set()

    async def run(self, item: Item) -> Result:
        """Write the item (with others if a statement is in flight) and return its outcome."""
        if self._writing:
            future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
            self._queue.append((item, future))
            return await future
        self._writing = True
        try:
            (outcome,) = await self._write([item])
        finally:
            self._writing = False
            self._start_flush()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def queue(self, item: Item) -> asyncio.Future[Result]:
        """Queue the item; a future for what ``run`` would return."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if not self.linger_s:
            self._start_flush()
        elif self._lingering is None:
            self._lingering = asyncio.get_running_loop().call_later(self.linger_s, self._linger)
        return future

    def _linger(self) -> None:
        self._lingering = None
        self._start_flush()

    def _start_flush(self) -> None:
        if self._queue and not self._writing:
            self._writing = True
            self._task = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    outcomes = await self._write([item for item, _ in batch])
                except Exception as exc:
                    outcomes = [exc] * len(batch)
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():  # its caller went away
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self._writing = False
            self._task = None

    async def _write(self, items: list[Item]) -> Sequence[Result | BaseException]:
        if self._held is None:
            if self.db.pool is None:  # a database on one connection (tests)
                return await self.write(self.db, items)
            self._conn = await self.db.pool.acquire()
            self._held = Database(self._conn)
        try:
            return await self.write(self._held, items)
        except Exception:
            # The connection may be dead: give it back (the pool closes a broken one).
            conn, self._conn, self._held = self._conn, None, None
            if conn is not None:
                task = asyncio.get_running_loop().create_task(self._give_back(conn))
                self._giving_back.add(task)
                task.add_done_callback(self._giving_back.discard)
            raise

    async def _give_back(self, conn: PoolConnectionProxy[Any]) -> None:
        if self.db.pool is not None:
            with contextlib.suppress(Exception):
                await self.db.pool.release(conn)

    async def close(self) -> None:
        """Write what is already queued, then give the connection back."""
        if self._lingering is not None:
            self._lingering.cancel()
            self._linger()
        while self._task is not None:
            await asyncio.shield(self._task)
        conn, self._conn, self._held = self._conn, None, None
        if conn is not None:
            await self._give_back(conn)
        await asyncio.gather(*self._giving_back)
