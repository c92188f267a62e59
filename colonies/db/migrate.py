"""Bring a database to the current schema: schema.sql on an empty one, then migrations
(both with their named states expanded, see ``queries.expand``)."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from colonies.db.queries import expand

_LOCK_KEY = 0x636F6C6F6E696573  # "colonies": one migrator at a time across servers


def _migrations() -> list[tuple[int, str]]:
    found = []
    for entry in resources.files("colonies.db").joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_.*\.sql", entry.name)
        if match:
            found.append((int(match.group(1)), expand(entry.read_text())))
    return sorted(found)


def latest_version() -> int:
    """The newest schema version this code knows (its last migration)."""
    return max((number for number, _ in _migrations()), default=1)


async def migrate(conn: asyncpg.Connection[Any] | PoolConnectionProxy[Any]) -> int:
    """Apply what is missing; returns the newest schema version now in place."""
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not exists:
            async with conn.transaction():
                schema = resources.files("colonies.db").joinpath("schema.sql").read_text()
                await conn.execute(expand(schema))
        applied: set[int] = {
            r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")
        }
        for number, sql in _migrations():
            # Every migration not recorded yet, also one numbered below the newest applied
            # (branches that each added one may land in either order).
            if number not in applied:
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version) VALUES ($1)", number
                    )
                applied.add(number)
        return max(applied)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
