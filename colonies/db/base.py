"""What every store shares: the connection (a pool or one connection in a transaction)."""

from __future__ import annotations

from typing import Any, Protocol


class Conn(Protocol):
    """The part of asyncpg's Pool and Connection that stores use."""

    async def execute(self, query: str, *args: Any) -> str: ...
    async def fetch(self, query: str, *args: Any) -> list[Any]: ...
    async def fetchrow(self, query: str, *args: Any) -> Any: ...
    async def fetchval(self, query: str, *args: Any) -> Any: ...


class Store:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn
