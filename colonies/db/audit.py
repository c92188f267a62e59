"""The audit log: batches in, newest-first pages out, old entries out through retention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from colonies.core.audit import AuditEntry
from colonies.db.base import Store
from colonies.db.queries import Q

END_OF_TIME = datetime.max.replace(tzinfo=UTC)


class AuditRow(NamedTuple):
    """An entry as the writer buffers it (the table's columns but ``seq``)."""

    ts: datetime
    caller_id: str
    caller_role: str
    caller_name: str
    payload_type: str
    colony_name: str
    target: str
    status: int


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        seq=row["seq"],
        time=row["ts"],
        caller_id=row["caller_id"],
        caller_role=row["caller_role"],
        caller_name=row["caller_name"],
        payload_type=row["payload_type"],
        colony_name=row["colony_name"],
        target=row["target"],
        status=row["status"],
    )


class AuditStore(Store):
    async def add_many(self, rows: Sequence[AuditRow]) -> None:
        """Append ``rows`` in one statement."""
        columns = [list(column) for column in zip(*rows, strict=True)]
        await self.conn.execute(Q["insert_audit_entries"], *columns)

    async def find(
        self, colony_name: str, count: int, since: datetime, before: int, payload_type: str
    ) -> list[AuditEntry]:
        """Newest first: ``colony_name`` empty means every colony; ``before`` is the seq of
        the last entry of the previous page (0: from the newest)."""
        bound: tuple[datetime, int] = (END_OF_TIME, 0)
        if before:
            row = await self.conn.fetchrow(Q["audit_entry_position"], before)
            if row is None:  # gone through retention, and everything older with it
                return []
            bound = (row["ts"], row["seq"])
        if colony_name:
            rows = await self.conn.fetch(
                Q["colony_audit"], colony_name, *bound, since, payload_type, count
            )
        else:
            rows = await self.conn.fetch(Q["all_audit"], *bound, since, payload_type, count)
        return [_entry(r) for r in rows]

    async def remove_before(self, cutoff: datetime) -> None:
        """Retention; call inside a transaction (the permission lasts until it ends)."""
        await self.conn.execute(Q["allow_audit_retention"])
        await self.conn.execute(Q["delete_audit_before"], cutoff)
