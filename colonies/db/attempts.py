"""The kept attempts of processes (``process_attempts``) and the current one of each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from colonies.core import Attempt
from colonies.core.retry import exit_reason
from colonies.db.base import Store
from colonies.db.queries import Q


def _attempt(row: Any) -> Attempt:
    attempt = Attempt.model_validate(dict(row))
    attempt.exit_reason = exit_reason(attempt.state, attempt.errors, attempt.ended_by)
    return attempt


class AttemptStore(Store):
    async def archive(
        self,
        process_ids: Sequence[str],
        ended_by: str,
        *,
        state: int | None = None,
        end_time: datetime | None = None,
        errors: list[str] | None = None,
        backoff_until: datetime | None = None,
    ) -> None:
        """Keep the current attempt of these processes, with their own attributes, which
        leave the process. Call inside the transaction that then starts their next one."""
        await self.conn.execute(
            Q["archive_attempts"],
            list(process_ids),
            ended_by,
            state,
            end_time,
            errors,
            backoff_until,
        )
        await self.conn.execute(Q["drop_attempt_attributes"], list(process_ids))

    async def for_process(self, process_id: str) -> list[Attempt]:
        """Every attempt of a process, oldest first (the last is the current one)."""
        return [_attempt(r) for r in await self.conn.fetch(Q["process_attempts"], process_id)]
