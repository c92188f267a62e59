from __future__ import annotations

from typing import Any

import asyncpg

from colonies.core import Colony, Statistics
from colonies.db.base import Store
from colonies.db.queries import Q
from colonies.errors import BadRequest


class ColonyStore(Store):
    async def add(self, colony: Colony) -> Colony:
        try:
            await self.conn.execute(Q["insert_colony"], colony.name, colony.colony_id)
        except asyncpg.UniqueViolationError:
            raise BadRequest(f"A Colony with name <{colony.name}> already exists") from None
        return colony

    async def get(self, name: str) -> Colony | None:
        row = await self.conn.fetchrow(Q["get_colony"], name)
        return Colony(name=row["name"], colony_id=row["colony_id"]) if row else None

    async def find(self) -> list[Colony]:
        rows = await self.conn.fetch(Q["list_colonies"])
        return [Colony(name=r["name"], colony_id=r["colony_id"]) for r in rows]

    async def remove(self, name: str) -> bool:
        return await self.conn.execute(Q["delete_colony"], name) != "DELETE 0"

    async def set_id(self, name: str, colony_id: str) -> None:
        await self.conn.execute(Q["set_colony_id"], name, colony_id)

    async def set_paused(self, name: str, paused: bool) -> None:
        await self.conn.execute(Q["set_colony_paused"], name, paused)

    async def is_paused(self, name: str) -> bool:
        row = await self.conn.fetchrow(Q["get_colony"], name)
        return bool(row and row["paused"])

    async def statistics(self, name: str) -> Statistics:
        r: Any = await self.conn.fetchrow(Q["colony_statistics"], name)
        graphs = {g["state"]: g["n"] for g in await self.conn.fetch(Q["graph_statistics"], name)}
        return Statistics(
            waiting_workflows=graphs.get(0, 0),
            running_workflows=graphs.get(1, 0),
            successful_workflows=graphs.get(2, 0),
            failed_workflows=graphs.get(3, 0),
            cancelled_workflows=graphs.get(4, 0),
            colonies=1,
            executors=r["executors"],
            active_executors=r["active"],
            unregistered_executors=r["unregistered"],
            waiting_processes=r["waiting"],
            running_processes=r["running"],
            successful_processes=r["successful"],
            failed_processes=r["failed"],
            cancelled_processes=r["cancelled"],
        )
