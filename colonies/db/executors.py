from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from colonies.core import Allocations, Capabilities, Executor, ExecutorState
from colonies.db.base import Store
from colonies.db.queries import Q
from colonies.errors import BadRequest


def executor_from_row(row: Any) -> Executor:
    return Executor(
        executor_id=row["executor_id"],
        executor_type=row["executor_type"],
        executor_name=row["executor_name"],
        colony_name=row["colony_name"],
        state=ExecutorState(row["state"]),
        require_func_reg=row["require_func_reg"],
        commission_time=row["commission_time"],
        last_heard_from_time=row["last_heard_from_time"],
        location_name=row["location_name"],
        capabilities=Capabilities.model_validate(row["capabilities"]),
        allocations=Allocations.model_validate(row["allocations"]),
        blueprint_id=row["blueprint_id"],
        blueprint_gen=row["blueprint_gen"],
    )


class ExecutorStore(Store):
    async def add(self, executor: Executor, *, reactivate: bool = False) -> Executor:
        """Store a new executor (state PENDING); ``reactivate`` reuses a name in place."""
        args = (
            executor.colony_name,
            executor.executor_name,
            executor.executor_id,
            executor.executor_type,
            executor.require_func_reg,
            executor.commission_time,
            executor.last_heard_from_time,
            executor.location_name,
            executor.capabilities.to_wire(),
            executor.allocations.to_wire(),
            executor.blueprint_id,
            executor.blueprint_gen,
        )
        try:
            row = await self.conn.fetchrow(
                Q["reactivate_executor" if reactivate else "insert_executor"], *args
            )
        except asyncpg.UniqueViolationError:
            raise BadRequest(
                f"Executor with name <{executor.executor_name}> in Colony "
                f"<{executor.colony_name}> already exists"
            ) from None
        return executor_from_row(row)

    async def get(self, colony_name: str, name: str) -> Executor | None:
        row = await self.conn.fetchrow(Q["get_executor"], colony_name, name)
        return executor_from_row(row) if row else None

    async def get_by_id(self, executor_id: str) -> Executor | None:
        row = await self.conn.fetchrow(Q["get_executor_by_id"], executor_id)
        return executor_from_row(row) if row else None

    async def find(self, colony_name: str) -> list[Executor]:
        return [
            executor_from_row(r) for r in await self.conn.fetch(Q["list_executors"], colony_name)
        ]

    async def set_state(self, colony_name: str, name: str, state: ExecutorState) -> str | None:
        """Set the state; returns the executor's id, or None if there is no such executor."""
        val: str | None = await self.conn.fetchval(
            Q["set_executor_state"], colony_name, name, int(state)
        )
        return val

    async def set_capabilities(self, colony_name: str, name: str, caps: Capabilities) -> None:
        await self.conn.execute(Q["set_executor_capabilities"], colony_name, name, caps.to_wire())

    async def set_allocations(self, colony_name: str, name: str, allocs: Allocations) -> None:
        await self.conn.execute(Q["set_executor_allocations"], colony_name, name, allocs.to_wire())

    async def change_id(self, colony_name: str, old_id: str, new_id: str) -> None:
        await self.conn.execute(Q["set_executor_id"], colony_name, old_id, new_id)

    async def stale(self, cutoff: datetime) -> list[tuple[str, str]]:
        rows = await self.conn.fetch(Q["stale_executors"], cutoff)
        return [(r["colony_name"], r["executor_name"]) for r in rows]
