"""Storage: a Database facade over stores that turn rows into core models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from colonies.db.attributes import AttributeStore
from colonies.db.base import Conn
from colonies.db.blueprints import BlueprintStore
from colonies.db.channels import ChannelStore
from colonies.db.colonies import ColonyStore
from colonies.db.crons import CronStore
from colonies.db.executors import ExecutorStore
from colonies.db.files import FileStore
from colonies.db.functions import FunctionStore
from colonies.db.generators import GeneratorStore
from colonies.db.locations import LocationStore
from colonies.db.logs import LogStore
from colonies.db.nonces import NonceStore
from colonies.db.process_graphs import ProcessGraphStore
from colonies.db.processes import ProcessStore
from colonies.db.server import ServerStore
from colonies.db.users import UserStore


class Database:
    """All stores over one pool, or over one connection inside ``transaction()``."""

    def __init__(self, conn: Conn, pool: asyncpg.Pool | None = None) -> None:
        self.pool = pool
        self.server = ServerStore(conn)
        self.colonies = ColonyStore(conn)
        self.users = UserStore(conn)
        self.executors = ExecutorStore(conn)
        self.functions = FunctionStore(conn)
        self.processes = ProcessStore(conn)
        self.graphs = ProcessGraphStore(conn)
        self.attributes = AttributeStore(conn)
        self.locations = LocationStore(conn)
        self.logs = LogStore(conn)
        self.channels = ChannelStore(conn)
        self.generators = GeneratorStore(conn)
        self.crons = CronStore(conn)
        self.files = FileStore(conn)
        self.blueprints = BlueprintStore(conn)
        self.nonces = NonceStore(conn)

    @classmethod
    def over(cls, pool: asyncpg.Pool) -> Database:
        return cls(pool, pool)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Database]:
        """A Database bound to one pooled connection, without a transaction."""
        if self.pool is None:
            yield self
            return
        async with self.pool.acquire() as conn:
            yield Database(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """A Database bound to one connection in a transaction (or the current one)."""
        if self.pool is None:
            yield self
            return
        async with self.pool.acquire() as conn, conn.transaction():
            yield Database(conn)


__all__ = ["Database"]
