from __future__ import annotations

from typing import Any

from colonies.core import Statistics
from colonies.core.server_info import DatabaseStatus
from colonies.db.base import Store
from colonies.db.queries import Q


class ServerStore(Store):
    async def server_id(self) -> str:
        return str(await self.conn.fetchval(Q["get_server_id"]) or "")

    async def set_server_id(self, server_id: str) -> None:
        await self.conn.execute(Q["set_server_id"], server_id)

    async def caller_in_colony(self, caller_id: str, colony_name: str) -> Any:
        """One row with what authorization needs (see the query's comment)."""
        return await self.conn.fetchrow(Q["caller_in_colony"], caller_id, colony_name)

    async def statistics(self) -> Statistics:
        r: Any = await self.conn.fetchrow(Q["server_statistics"])
        return Statistics(
            colonies=r["colonies"],
            executors=r["executors"],
            waiting_processes=r["waiting"],
            running_processes=r["running"],
            successful_processes=r["successful"],
            failed_processes=r["failed"],
        )

    async def database_status(self, latest_schema_version: int) -> DatabaseStatus:
        """What the database says about itself; ``status`` is "ok" since it answered."""
        r: Any = await self.conn.fetchrow(Q["database_status"])
        return DatabaseStatus(
            status="ok",
            schema_version=r["schema_version"] or 0,
            latest_schema_version=latest_schema_version,
            database_name=r["database_name"],
            postgres_version=r["postgres_version"],
            size=r["size"],
        )

    async def process_counts(self) -> dict[int, int]:
        return {r["state"]: r["n"] for r in await self.conn.fetch(Q["process_counts_by_state"])}

    async def try_lock(self, key: int) -> bool:
        """Take a transaction-scoped advisory lock if free (call inside a transaction)."""
        return bool(await self.conn.fetchval(Q["try_xact_lock"], key))
