from __future__ import annotations

from datetime import datetime
from typing import Any

from colonies.core import Log
from colonies.db.base import Store
from colonies.db.queries import Q


def _log(row: Any) -> Log:
    return Log(
        process_id=row["process_id"],
        colony_name=row["colony_name"],
        executor_name=row["executor_name"],
        message=row["message"],
        timestamp=row["ts"],
    )


# Past its volume an owner's log is cut to this share of it, so the cut (a scan of the
# owner's entries) happens once per tenth of the volume added rather than at every add.
KEEP_SHARE = 0.9


class LogStore(Store):
    async def add(self, log: Log, added: datetime, max_volume: int) -> None:
        """Store an entry; past ``max_volume`` bytes drop the owner's oldest entries."""
        volume = await self.conn.fetchval(
            Q["insert_log"],
            log.colony_name,
            log.process_id,
            log.executor_name,
            log.message,
            log.timestamp,
            added,
        )
        if volume > max_volume:
            keep = int(max_volume * KEEP_SHARE)
            if log.process_id:
                await self.conn.execute(Q["trim_process_logs"], log.process_id, keep)
            else:
                await self.conn.execute(
                    Q["trim_executor_logs"], log.colony_name, log.executor_name, keep
                )

    async def for_process(
        self,
        process_id: str,
        count: int,
        since: int,
        latest: bool,
        max_bytes: int,
        attempt: int = 0,
    ) -> list[Log]:
        """At most ``count`` entries and about ``max_bytes`` of messages (at least one), of
        one attempt unless ``attempt`` is 0."""
        if latest:
            rows = await self.conn.fetch(
                Q["process_logs_latest"], process_id, count, max_bytes, attempt
            )
        else:
            rows = await self.conn.fetch(
                Q["process_logs"], process_id, max(since, 0), count, max_bytes, attempt
            )
        return [_log(r) for r in rows]

    async def for_executor(
        self, name: str, count: int, since: int, latest: bool, max_bytes: int
    ) -> list[Log]:
        if latest:
            rows = await self.conn.fetch(Q["executor_logs_latest"], name, count, max_bytes)
        else:
            rows = await self.conn.fetch(Q["executor_logs"], name, max(since, 0), count, max_bytes)
        return [_log(r) for r in rows]

    async def search(
        self, colony_name: str, text: str, after: datetime, count: int, max_bytes: int
    ) -> list[Log]:
        rows = await self.conn.fetch(Q["search_logs"], colony_name, text, after, count, max_bytes)
        return [_log(r) for r in rows]

    async def remove_before(self, cutoff: datetime) -> None:
        await self.conn.execute(Q["delete_logs_before"], cutoff)
        await self.conn.execute(Q["delete_empty_log_volumes"])
