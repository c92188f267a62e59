"""Storage: a Database facade over stores that turn rows into core models."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg

from colonies.db.attempts import AttemptStore
from colonies.db.attributes import AttributeStore
from colonies.db.audit import AuditStore
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
from colonies.db.tickets import TicketStore
from colonies.db.users import UserStore


class Database:
    """All stores over one pool, or over one connection inside ``transaction()``."""

    def __init__(self, conn: Conn, pool: asyncpg.Pool | None = None) -> None:
        self.pool = pool
        self._after_commit: list[Callable[[], object]] = []
        self.server = ServerStore(conn)
        self.colonies = ColonyStore(conn)
        self.users = UserStore(conn)
        self.executors = ExecutorStore(conn)
        self.functions = FunctionStore(conn)
        self.processes = ProcessStore(conn)
        self.graphs = ProcessGraphStore(conn)
        self.attributes = AttributeStore(conn)
        self.attempts = AttemptStore(conn)
        self.locations = LocationStore(conn)
        self.logs = LogStore(conn)
        self.channels = ChannelStore(conn)
        self.generators = GeneratorStore(conn)
        self.crons = CronStore(conn)
        self.files = FileStore(conn)
        self.blueprints = BlueprintStore(conn)
        self.tickets = TicketStore(conn)
        self.audit = AuditStore(conn)
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
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                tx = Database(conn)
                yield tx
            for hook in tx._after_commit:
                hook()

    @property
    def in_transaction(self) -> bool:
        return self.pool is None

    def after_commit(self, hook: Callable[[], object]) -> None:
        """Run ``hook`` once what was written through this Database is visible to others: at
        once outside a transaction, after the commit inside one, never if it rolls back.
        (Wake-ups sent earlier would find nothing, and the commit's NOTIFY is our own echo.)"""
        if self.pool is not None:
            hook()
        else:
            self._after_commit.append(hook)


__all__ = ["Database"]
