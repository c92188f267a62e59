from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from colonies.core.cron import Cron
from colonies.db.base import Store
from colonies.db.queries import Q
from colonies.errors import BadRequest


def _cron(row: Any) -> Cron:
    return Cron(
        cron_id=row["cron_id"],
        initiator_id=row["initiator_id"],
        initiator_name=row["initiator_name"],
        colony_name=row["colony_name"],
        name=row["name"],
        cron_expression=row["cron_expression"],
        interval=row["interval"],
        random=row["random"],
        next_run=row["next_run"],
        last_run=row["last_run"],
        workflow_spec=row["workflow_spec"],
        prev_process_graph_id=row["prev_process_graph_id"],
        wait_for_prev_process_graph=row["wait_for_prev_process_graph"],
    )


class CronStore(Store):
    async def add(self, c: Cron) -> Cron:
        try:
            await self.conn.execute(
                Q["insert_cron"],
                c.cron_id,
                c.colony_name,
                c.name,
                c.initiator_id,
                c.initiator_name,
                c.cron_expression,
                c.interval,
                c.random,
                c.next_run,
                c.last_run,
                c.workflow_spec,
                c.wait_for_prev_process_graph,
            )
        except asyncpg.UniqueViolationError:
            raise BadRequest(
                f"Cron with name <{c.name}> in Colony <{c.colony_name}> already exists"
            ) from None
        return c

    async def get(self, cron_id: str) -> Cron | None:
        row = await self.conn.fetchrow(Q["get_cron"], cron_id)
        return _cron(row) if row else None

    async def get_by_name(self, colony_name: str, name: str) -> Cron | None:
        row = await self.conn.fetchrow(Q["get_cron_by_name"], colony_name, name)
        return _cron(row) if row else None

    async def find(self, colony_name: str, count: int) -> list[Cron]:
        return [_cron(r) for r in await self.conn.fetch(Q["list_crons"], colony_name, count)]

    async def remove(self, cron_id: str) -> bool:
        return await self.conn.execute(Q["delete_cron"], cron_id) != "DELETE 0"

    async def due(self, now: datetime) -> list[tuple[Cron, datetime]]:
        """Due crons with their window start, locked until the transaction ends."""
        return [(_cron(r), r["window_start"]) for r in await self.conn.fetch(Q["due_crons"], now)]

    async def lock(self, cron_id: str) -> tuple[Cron, datetime] | None:
        row = await self.conn.fetchrow(Q["lock_cron"], cron_id)
        return (_cron(row), row["window_start"]) if row else None

    async def schedule(
        self,
        cron_id: str,
        next_run: datetime,
        window_start: datetime,
        last_run: datetime | None = None,
        graph_id: str | None = None,
    ) -> None:
        await self.conn.execute(
            Q["schedule_cron"], cron_id, next_run, window_start, last_run, graph_id
        )

    async def leaf_outputs(self, graph_id: str) -> list[Any]:
        value: list[Any] = await self.conn.fetchval(Q["leaf_outputs"], graph_id)
        return value
