"""Channel entries of processes, kept in PostgreSQL.

Entries are addressed by index: the position in the (process, channel) log in append
order, from 0. Every append notifies ``channel:<processid>:<name>`` on ``colonies_topic``
so subscribers on any server read the new entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from colonies.core.channel import MsgEntry
from colonies.db.base import Store
from colonies.db.queries import Q

MAX_INDEX = 2**31 - 1  # entry indexes are integer columns


@dataclass(frozen=True)
class ChannelProcess:
    """What the channel checks need of the process that owns a channel."""

    colony_name: str
    initiator_id: str
    assigned_executor_id: str
    state: int
    declared: bool


@dataclass(frozen=True)
class Appended:
    """An append's outcome: ``opened`` false if the process is gone or finished; ``index``
    None if the log is full."""

    opened: bool
    index: int | None


def _entry(row: Any) -> MsgEntry:
    return MsgEntry(
        sequence=row["sequence"],
        in_reply_to=row["in_reply_to"],
        timestamp=row["ts"],
        sender_id=row["sender_id"],
        payload=row["payload"],
        entry_type=row["entry_type"],
    )


class ChannelStore(Store):
    async def process(self, process_id: str, name: str) -> ChannelProcess | None:
        """The owner process of channel ``name``, or None if there is no such process."""
        row = await self.conn.fetchrow(Q["channel_process"], process_id, name)
        if row is None:
            return None
        return ChannelProcess(
            colony_name=row["colony_name"],
            initiator_id=row["initiator_id"],
            assigned_executor_id=row["assigned_executor_id"],
            state=row["state"],
            declared=row["declared"],
        )

    async def append(
        self,
        process_id: str,
        name: str,
        sender_id: str,
        sequence: int,
        in_reply_to: int,
        payload: bytes,
        entry_type: str,
        max_entries: int,
    ) -> Appended:
        """Add an entry at the next index, if the process is still waiting or running."""
        try:
            row = await self.conn.fetchrow(
                Q["channel_append"],
                process_id,
                name,
                sequence,
                in_reply_to,
                sender_id,
                payload,
                entry_type,
                max_entries,
            )
        except asyncpg.ForeignKeyViolationError:  # the process was removed meanwhile
            return Appended(opened=False, index=None)
        return Appended(opened=row["opened"], index=row["idx"])

    async def read(self, process_id: str, name: str, start: int, limit: int) -> list[MsgEntry]:
        """Entries with index >= ``start``, at most ``limit`` of them (<= 0: all)."""
        start = min(max(start, 0), MAX_INDEX)
        rows = await self.conn.fetch(
            Q["channel_read"], process_id, name, start, limit if limit > 0 else None
        )
        return [_entry(r) for r in rows]
