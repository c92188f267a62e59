"""S3 fixtures for every test directory (a pytest plugin of tests/conftest.py): a real S3
HTTP endpoint (moto's server mode) for the session and a bucket per test."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from moto.server import ThreadedMotoServer

from colonies.client import ColoniesClient
from colonies.fs import Fs, S3Config, S3Store
from tests.conftest import EXECUTOR_KEY, Colony

ACCESS_KEY = "testing-access"
SECRET_KEY = "testing-secret"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """``host:port`` of a moto S3 server for the session."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_config(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3Config:
    """A fresh bucket name (created on first use); AWS_S3_* set for pycolonies and the CLI."""
    env = {
        "AWS_S3_ENDPOINT": s3_endpoint,
        "AWS_S3_ACCESSKEY": ACCESS_KEY,
        "AWS_S3_SECRETKEY": SECRET_KEY,
        "AWS_S3_REGION": "",
        "AWS_S3_TLS": "false",
        "AWS_S3_BUCKET": "b-" + uuid.uuid4().hex[:20],
        "AWS_S3_SKIPVERIFY": "false",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("COLONIES_FS_ENCRYPTION_KEY", raising=False)
    return S3Config.from_env(env)


@pytest.fixture
async def store(s3_config: S3Config) -> S3Store:
    s = S3Store(s3_config)
    await s.ensure_bucket()
    return s


@pytest.fixture
async def fs(client: ColoniesClient, colony: Colony, store: S3Store) -> AsyncIterator[Fs]:
    yield Fs(client.signed_by(EXECUTOR_KEY, colony=colony.name), store)
