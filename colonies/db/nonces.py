from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from colonies.db.base import Store
from colonies.db.queries import Q


class NonceStore(Store):
    """The nonces of signed requests within the replay window (server/replay.py)."""

    async def record(self, signed_at_ns: Sequence[int], keys: Sequence[bytes]) -> set[bytes]:
        """Insert (signing time in Unix ns, key) pairs in one statement; returns the keys
        that were not there yet."""
        if len(keys) == 1:  # a plain INSERT costs PostgreSQL less than one over unnest()
            status = await self.conn.execute(Q["record_nonce"], signed_at_ns[0], keys[0])
            return {keys[0]} if status == "INSERT 0 1" else set()
        rows = await self.conn.fetch(Q["record_nonces"], signed_at_ns, keys)
        return {bytes(row[0]) for row in rows}

    async def prune(self, signed_before: datetime) -> int:
        """Delete the nonces of requests signed before the window; returns how many."""
        status = await self.conn.execute(Q["prune_nonces"], signed_before)
        return int(status.rsplit(" ", 1)[-1])
