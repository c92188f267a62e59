"""Numbered migrations bring an older database to what schema.sql gives a fresh one."""

from __future__ import annotations

from typing import Any

import asyncpg

from colonies.db.migrate import migrate

SHAPE = [
    "SELECT table_name, column_name, data_type, is_nullable, column_default "
    "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = 'public'::regnamespace ORDER BY 1",
]


async def _shape(conn: asyncpg.Connection[Any]) -> list[list[tuple[Any, ...]]]:
    return [[tuple(r) for r in await conn.fetch(q)] for q in SHAPE]


async def test_version_1_database_migrates_to_the_current_schema(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        current = await _shape(conn)
        versions = [r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        assert sorted(versions) == [1, 2, 3]
        # Back to version 1: the tables migrations 0002 and 0003 add are not there yet.
        await conn.execute(
            "DROP TABLE blueprint_history, blueprints, blueprint_definitions, replay_nonces;"
            "DELETE FROM schema_migrations WHERE version > 1"
        )
        assert await _shape(conn) != current
        assert await migrate(conn) == 3
        assert await _shape(conn) == current
        assert await migrate(conn) == 3  # nothing left to apply
    finally:
        await conn.close()
