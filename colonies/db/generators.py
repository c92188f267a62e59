"""Generators and their queued arguments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from colonies.core import ZERO_TIME
from colonies.core.generator import Generator
from colonies.db.base import Store
from colonies.db.queries import Q
from colonies.errors import BadRequest, ColoniesError


def _generator(row: Any) -> Generator:
    return Generator(
        generator_id=row["generator_id"],
        initiator_id=row["initiator_id"],
        initiator_name=row["initiator_name"],
        colony_name=row["colony_name"],
        name=row["name"],
        workflow_spec=row["workflow_spec"],
        trigger=row["trigger"],
        timeout=row["timeout"],
        first_pack=row["first_pack"],
        last_run=row["last_run"],
    )


class GeneratorStore(Store):
    async def add(self, g: Generator) -> Generator:
        """Store a new generator (first pack and last run unset)."""
        try:
            await self.conn.execute(
                Q["insert_generator"],
                g.generator_id,
                g.colony_name,
                g.name,
                g.initiator_id,
                g.initiator_name,
                g.workflow_spec,
                g.trigger,
                g.timeout,
                ZERO_TIME,
            )
        except asyncpg.UniqueViolationError:
            raise BadRequest(
                f"Generator with name <{g.name}> in Colony <{g.colony_name}> already exists"
            ) from None
        g.first_pack = g.last_run = ZERO_TIME
        return g

    async def get(self, generator_id: str) -> Generator | None:
        row = await self.conn.fetchrow(Q["get_generator"], generator_id)
        return _generator(row) if row else None

    async def by_name(self, colony_name: str, name: str) -> Generator | None:
        row = await self.conn.fetchrow(Q["get_generator_by_name"], colony_name, name)
        return _generator(row) if row else None

    async def find(self, colony_name: str, count: int) -> list[Generator]:
        rows = await self.conn.fetch(Q["list_generators"], colony_name, count)
        return [_generator(r) for r in rows]

    async def queue_size(self, generator_id: str) -> int:
        return int(await self.conn.fetchval(Q["count_generator_args"], generator_id))

    async def pack(self, generator_id: str, arg: str, now: datetime) -> None:
        """Queue ``arg``; the first pack ever sets ``first_pack``."""
        try:
            await self.conn.execute(Q["pack_generator"], generator_id, arg, now)
        except asyncpg.ForeignKeyViolationError:
            raise ColoniesError("Failed to increment generator, generator is nil") from None

    async def remove(self, generator_id: str) -> bool:
        """Remove a generator and its queued arguments; False if there was none."""
        return await self.conn.execute(Q["delete_generator"], generator_id) != "DELETE 0"

    async def pending(self) -> list[tuple[Generator, int]]:
        """Generators with queued arguments and how many (unlocked: a hint only)."""
        rows = await self.conn.fetch(Q["pending_generators"])
        return [(_generator(r), int(r["queued"])) for r in rows]

    async def lock(self, generator_id: str) -> Generator | None:
        """Claim a generator until the transaction ends; None if gone or claimed elsewhere."""
        row = await self.conn.fetchrow(Q["lock_generator"], generator_id)
        return _generator(row) if row else None

    async def args(self, generator_id: str) -> list[tuple[int, str]]:
        """The queued ``(seq, arg)`` pairs, oldest first."""
        rows = await self.conn.fetch(Q["generator_args"], generator_id)
        return [(int(r["seq"]), r["arg"]) for r in rows]

    async def consume(self, generator_id: str, seqs: list[int], now: datetime) -> None:
        """Delete the arguments a run used and set ``last_run``."""
        await self.conn.execute(Q["consume_generator_args"], generator_id, seqs, now)
