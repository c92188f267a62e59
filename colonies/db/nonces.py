from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from colonies.db.base import Store
from colonies.db.queries import Q


class NonceStore(Store):
    """The nonces of signed requests within the replay window (server/replay.py)."""

    async def record(self, keys: Sequence[bytes], expires_ns: Sequence[int]) -> set[bytes]:
        """Insert the keys (kept until ``expires_ns``, Unix ns) in one statement; returns
        those that were not there yet."""
        if len(keys) == 1:  # a plain INSERT costs PostgreSQL less than one over unnest()
            status = await self.conn.execute(Q["record_nonce"], keys[0], expires_ns[0])
            return {keys[0]} if status == "INSERT 0 1" else set()
        rows = await self.conn.fetch(Q["record_nonces"], keys, expires_ns)
        return {bytes(row[0]) for row in rows}

    async def prune(self, now: datetime) -> int:
        """Delete the expired nonces; returns how many."""
        status = await self.conn.execute(Q["prune_nonces"], now)
        return int(status.rsplit(" ", 1)[-1])
