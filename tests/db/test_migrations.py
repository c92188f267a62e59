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


# What each migration added, to take a database back to version 1 (newest first).
UNDO = {
    7: "DROP TABLE log_volumes;",
    6: "DROP VIEW process_view;"
    "ALTER TABLE processes DROP COLUMN delivery_deadline, DROP COLUMN request_id;"
    "ALTER TABLE process_graphs DROP COLUMN request_id;"
    "CREATE VIEW process_view AS SELECT p.*, '[]'::jsonb AS attrs FROM processes p;",
    5: "DROP TABLE audit_log; DROP FUNCTION audit_log_append_only();",
    4: "DROP TABLE executor_tickets;",
    3: "DROP TABLE replay_nonces;",
    2: "DROP TABLE blueprint_history, blueprints, blueprint_definitions;",
}


async def test_version_1_database_migrates_to_the_current_schema(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        current = await _shape(conn)
        versions = sorted(r[0] for r in await conn.fetch("SELECT version FROM schema_migrations"))
        assert versions == [1, *sorted(UNDO)]
        for version in sorted(UNDO, reverse=True):
            await conn.execute(UNDO[version])
        await conn.execute("DELETE FROM schema_migrations WHERE version > 1")
        assert await _shape(conn) != current
        assert await migrate(conn) == max(UNDO)
        assert await _shape(conn) == current
        assert await migrate(conn) == max(UNDO)  # nothing left to apply
    finally:
        await conn.close()


async def test_a_migration_numbered_below_the_newest_applied_one_is_still_applied(
    dsn: str,
) -> None:
    """Branches that each add a migration may land in either order."""
    conn = await asyncpg.connect(dsn)
    try:
        current = await _shape(conn)
        lower = min(v for v in UNDO if v < max(UNDO))
        await conn.execute(UNDO[lower])
        await conn.execute("DELETE FROM schema_migrations WHERE version = $1", lower)
        assert await migrate(conn) == max(UNDO)
        assert await _shape(conn) == current
    finally:
        await conn.close()
