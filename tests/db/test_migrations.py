"""Numbered migrations bring an older database to what schema.sql gives a fresh one.

Generic: a version 1 database (``schema_v1.sql``, frozen) upgraded by every file in
``colonies/db/migrations`` must equal a fresh one, so a new migration needs no edit here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg

from colonies.db.migrate import _migrations, migrate

V1 = (Path(__file__).parent / "schema_v1.sql").read_text()
SHAPE = [
    "SELECT table_name, column_name, data_type, is_nullable, column_default "
    "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = 'public'::regnamespace ORDER BY 1",
    "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1",
    "SELECT proname, pg_get_functiondef(oid) FROM pg_proc "
    "WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
    "SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger "
    "WHERE NOT tgisinternal ORDER BY 1",
    "SELECT version FROM schema_migrations ORDER BY 1",
]


async def _shape(conn: asyncpg.Connection[Any]) -> list[list[tuple[Any, ...]]]:
    return [[tuple(r) for r in await conn.fetch(q)] for q in SHAPE]


async def _version_1(conn: asyncpg.Connection[Any]) -> None:
    """Make the database a version 1 one, as made before the first migration."""
    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await conn.execute(V1)


async def test_version_1_database_migrates_to_the_current_schema(dsn: str) -> None:
    newest = max(number for number, _ in _migrations())
    conn = await asyncpg.connect(dsn)
    try:
        current = await _shape(conn)
        await _version_1(conn)
        assert await _shape(conn) != current
        assert await migrate(conn) == newest
        assert await _shape(conn) == current
        assert await migrate(conn) == newest  # nothing left to apply
    finally:
        await conn.close()


async def test_a_migration_numbered_below_the_newest_applied_one_is_still_applied(
    dsn: str,
) -> None:
    """Branches that each add a migration may land in either order."""
    migrations = _migrations()
    lower = migrations[0][0]  # the oldest migration lands last
    conn = await asyncpg.connect(dsn)
    try:
        current = await _shape(conn)
        await _version_1(conn)
        for number, sql in migrations[1:]:
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", number)
        assert await migrate(conn) == migrations[-1][0]
        assert await conn.fetchval(
            "SELECT count(*) FROM schema_migrations WHERE version = $1", lower
        )
        assert await _shape(conn) == current
    finally:
        await conn.close()
