"""Fixtures: a throwaway PostgreSQL cluster, a database per test, a real server, keys."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.crypto import id_from_private_key, new_private_key
from colonies.db import Database
from colonies.db.migrate import migrate
from colonies.db.pool import create_pool
from colonies.localpg import FAST_SETTINGS, LocalPostgres
from colonies.server.app import create_app

for _var in [v for v in os.environ if v.startswith("COLONIES_") and v != "COLONIES_TEST_DSN"]:
    del os.environ[_var]

SERVER_KEY = "fcc79953d8a751bf41db661592dc34d30004b1a651ffa0725b03ac227641499d"
COLONY_KEY = "ba949fa134981372d6da62b6a56f336ab4d843b22c02a4257dcf7d0d73097514"
EXECUTOR_KEY = "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05"
COLONY = "test"
TEMPLATE = "colonies_template"

pytest_plugins = ["tests.s3"]


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A server DSN: COLONIES_TEST_DSN, or a fresh fsync-less cluster for this session."""
    if os.environ.get("COLONIES_TEST_DSN"):
        yield os.environ["COLONIES_TEST_DSN"]
        return
    root = tempfile.mkdtemp(prefix="colonies-test-pg-")
    os.chmod(root, 0o755)
    pg = LocalPostgres(Path(root) / "data", settings=FAST_SETTINGS)
    pg.init()
    pg.start()
    try:
        yield pg.dsn
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


def _with_db(dsn: str, name: str) -> str:
    return urlsplit(dsn)._replace(path="/" + name).geturl()


@pytest.fixture(scope="session")
async def template_db(pg_dsn: str) -> str:
    admin = await asyncpg.connect(pg_dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await admin.close()
    conn = await asyncpg.connect(_with_db(pg_dsn, TEMPLATE))
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return TEMPLATE


@pytest.fixture
async def dsn(pg_dsn: str, template_db: str) -> AsyncIterator[str]:
    """A fresh database cloned from the migrated template, dropped afterwards."""
    name = "t_" + uuid.uuid4().hex[:16]
    admin = await asyncpg.connect(pg_dsn)
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
        yield _with_db(pg_dsn, name)
        await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def db(dsn: str) -> AsyncIterator[Database]:
    pool = await create_pool(dsn, min_size=1, max_size=5)
    try:
        yield Database.over(pool)
    finally:
        await pool.close()


@pytest.fixture
def settings(dsn: str) -> Settings:
    return Settings(db_dsn=dsn, server_id=id_from_private_key(SERVER_KEY), host="127.0.0.1")


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    """A real aiohttp server on a free port, background loops off (tests call run_once)."""
    srv = TestServer(create_app(settings, background_loops=False), host="127.0.0.1")
    await srv.start_server()
    try:
        yield srv
    finally:
        await srv.close()


@pytest.fixture
async def client(server: TestServer) -> AsyncIterator[ColoniesClient]:
    async with ColoniesClient(str(server.make_url("")).rstrip("/")) as c:
        yield c


@dataclass
class Colony:
    """A colony with an approved executor, as most tests need."""

    name: str
    colony_key: str
    executor_key: str
    executor_name: str
    executor_type: str

    @property
    def executor_id(self) -> str:
        return id_from_private_key(self.executor_key)


MakeExecutor = Callable[..., Awaitable[str]]


@pytest.fixture
def make_executor(client: ColoniesClient) -> MakeExecutor:
    """Register (and by default approve) an executor; returns its private key."""

    async def make(
        name: str,
        executor_type: str = "cli",
        colony: str = COLONY,
        approve: bool = True,
        key: str | None = None,
        **extra: Any,
    ) -> str:
        key = key or new_private_key()
        executor = {
            "executorid": id_from_private_key(key),
            "executorname": name,
            "executortype": executor_type,
            "colonyname": colony,
            **extra,
        }
        await client.call("addexecutormsg", {"executor": executor}, key=COLONY_KEY)
        if approve:
            await client.call(
                "approveexecutormsg", {"colonyname": colony, "executorname": name}, key=COLONY_KEY
            )
        return key

    return make


@pytest.fixture
async def colony(client: ColoniesClient, make_executor: MakeExecutor) -> Colony:
    """Colony "test" owned by the dev colony key with approved executor "test-executor"."""
    await client.call(
        "addcolonymsg",
        {"colony": {"colonyid": id_from_private_key(COLONY_KEY), "name": COLONY}},
        key=SERVER_KEY,
    )
    await make_executor("test-executor", key=EXECUTOR_KEY)
    return Colony(COLONY, COLONY_KEY, EXECUTOR_KEY, "test-executor", "cli")


def spec(executor_type: str = "cli", colony: str = COLONY, **fields: Any) -> dict[str, Any]:
    """A function spec as clients send it; ``conditions`` keys may be passed as ``cond_*``."""
    conditions = {"colonyname": colony, "executortype": executor_type}
    for key in [k for k in fields if k.startswith("cond_")]:
        conditions[key.removeprefix("cond_")] = fields.pop(key)
    return {"funcname": "echo", "maxexectime": -1, "conditions": conditions, **fields}
