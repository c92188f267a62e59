"""Tasks: work a request starts that must run to its end even if the caller leaves."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any


class Tasks:
    """Detached tasks (a claim whose caller left, the give-back of what it took). The app owns
    one; its cleanup drains it before the database pool closes."""

    def __init__(self) -> None:
        self._running: set[asyncio.Future[Any]] = set()

    def __len__(self) -> int:
        return len(self._running)

    def keep(self, future: asyncio.Future[Any]) -> None:
        """Hold ``future`` until it is done (the event loop keeps only weak references)."""
        self._running.add(future)
        future.add_done_callback(self._running.discard)

    def start(self, work: Awaitable[Any]) -> asyncio.Future[Any]:
        future = asyncio.ensure_future(work)
        self.keep(future)
        return future

    async def drain(self) -> None:
        """Wait until every task is done, also those started meanwhile (shutdown, tests)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
