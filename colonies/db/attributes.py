from __future__ import annotations

import asyncpg

from colonies.core import Attribute, FunctionResources
from colonies.db.base import Store
from colonies.db.queries import Q
from colonies.errors import BadRequest


class AttributeStore(Store):
    async def add(self, a: Attribute, report: FunctionResources | None = None) -> Attribute:
        """Add ``a``; a resource ``report`` (what ``a`` says) also goes to the totals of
        the function its process runs."""
        values = (
            a.attribute_id,
            a.target_id,
            a.target_colony_name,
            a.target_process_graph_id,
            a.attribute_type,
            a.key,
            a.value,
        )
        try:
            if report is None:
                await self.conn.execute(Q["insert_attribute"], *values)
            else:
                await self.conn.execute(
                    Q["insert_report_attribute"],
                    *values,
                    report.wall_seconds,
                    report.cpu_seconds,
                    report.peak_mem_max,
                    report.staged_in_bytes,
                    report.staged_out_bytes,
                )
        except asyncpg.UniqueViolationError:
            raise BadRequest(
                f"Failed to add attribute, attribute with key <{a.key}> already exists"
            ) from None
        return a

    async def get(self, attribute_id: str) -> tuple[Attribute, str] | None:
        """The attribute and the colony of its process."""
        row = await self.conn.fetchrow(Q["get_attribute"], attribute_id)
        if row is None:
            return None
        attr = Attribute(
            attribute_id=row["attribute_id"],
            target_id=row["target_id"],
            target_colony_name=row["target_colony_name"],
            target_process_graph_id=row["target_process_graph_id"],
            state=row["state"],
            attribute_type=row["attribute_type"],
            key=row["key"],
            value=row["value"],
        )
        return attr, row["colony_name"]
