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


class LogStore(Store):
    async def add(self, log: Log, added: datetime) -> None:
        await self.conn.execute(
            Q["insert_log"],
            log.colony_name,
            log.process_id,
            log.executor_name,
            log.message,
            log.timestamp,
            added,
        )

    async def for_process(self, process_id: str, count: int, since: int, latest: bool) -> list[Log]:
        if latest:
            rows = await self.conn.fetch(Q["process_logs_latest"], process_id, count)
        else:
            rows = await self.conn.fetch(Q["process_logs"], process_id, max(since, 0), count)
        return [_log(r) for r in rows]

    async def for_executor(self, name: str, count: int, since: int, latest: bool) -> list[Log]:
        if latest:
            rows = await self.conn.fetch(Q["executor_logs_latest"], name, count)
        else:
            rows = await self.conn.fetch(Q["executor_logs"], name, max(since, 0), count)
        return [_log(r) for r in rows]

    async def search(self, colony_name: str, text: str, after: datetime, count: int) -> list[Log]:
        rows = await self.conn.fetch(Q["search_logs"], colony_name, text, after, count)
        return [_log(r) for r in rows]

    async def remove_before(self, cutoff: datetime) -> None:
        await self.conn.execute(Q["delete_logs_before"], cutoff)
