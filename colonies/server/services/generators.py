"""Trigger generators: pack arguments, spawn workflows when enough have queued or timed out."""

from __future__ import annotations

from datetime import datetime

from colonies.db import Database
from colonies.server.events import Events


async def run_once(db: Database, events: Events, now: datetime) -> int:
    """Fire every generator that is due at ``now``; returns how many workflows were spawned."""
    return 0
