"""asyncpg pool with JSON codecs and a UTC session."""

from __future__ import annotations

import json

import asyncpg


async def _init(conn: asyncpg.Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename,
            encoder=lambda v: json.dumps(v, separators=(",", ":")),
            decoder=json.loads,
            schema="pg_catalog",
        )


async def _reset(conn: asyncpg.Connection) -> None:
    """On release: only end a transaction left open. asyncpg's default reset sends
    ``RESET ALL; UNLISTEN *; ...`` after every use, doubling the round trips; we keep no
    session state on pooled connections."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def create_pool(dsn: str, min_size: int = 2, max_size: int = 20) -> asyncpg.Pool:
    """A pool whose connections speak JSON for json/jsonb and run in UTC."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init,
        reset=_reset,
        server_settings={"timezone": "UTC", "application_name": "colonies"},
    )
    assert pool is not None
    return pool
