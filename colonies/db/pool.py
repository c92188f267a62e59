"""asyncpg pool with JSON codecs and a UTC session."""

from __future__ import annotations

import json

import asyncpg


def _jsonb_out(value: object) -> bytes:
    return b"\x01" + json.dumps(value, separators=(",", ":")).encode()


def _jsonb_in(data: bytes) -> object:
    return json.loads(data[1:])


async def _init(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "json",
        encoder=lambda v: json.dumps(v, separators=(",", ":")),
        decoder=json.loads,
        schema="pg_catalog",
    )
    # jsonb in binary (a version byte, 1, then the text): records that hold a jsonb column
    # (the processes rows of insert_submitted) can only be sent in binary.
    await conn.set_type_codec(
        "jsonb", encoder=_jsonb_out, decoder=_jsonb_in, schema="pg_catalog", format="binary"
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
