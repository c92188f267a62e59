"""Colonies FS fixtures; the S3 ones (s3_endpoint, s3_config, store, fs) are in tests/s3.py."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from colonies.fs import S3Config
from tests.conftest import EXECUTOR_KEY


@pytest.fixture
def cli_env(server: TestServer, s3_config: S3Config) -> dict[str, str]:
    """Environment for CliRunner.invoke."""
    return {
        "COLONIES_SERVER_HOST": "127.0.0.1",
        "COLONIES_SERVER_PORT": str(server.port),
        "COLONIES_TLS": "false",
        "COLONIES_COLONY_NAME": "test",
        "COLONIES_PRVKEY": EXECUTOR_KEY,
        "AWS_S3_ENDPOINT": s3_config.endpoint,
        "AWS_S3_ACCESSKEY": s3_config.access_key,
        "AWS_S3_SECRETKEY": s3_config.secret_key,
        "AWS_S3_REGION": "",
        "AWS_S3_TLS": "false",
        "AWS_S3_BUCKET": s3_config.bucket,
        "AWS_S3_SKIPVERIFY": "false",
    }
