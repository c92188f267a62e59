"""``colonies dev`` serves a local S3 beside PostgreSQL: its AWS_S3_* variables work for
``colonies fs`` right away, and the objects survive a restart."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest

from colonies.fs.local_s3 import LocalS3, stored_keys
from colonies.localpg import free_port
from tests.devserver import COLONIES, read_env_file, start_dev, stop_dev

T = TypeVar("T")


def _s3(s3: LocalS3) -> Any:
    env = s3.env()
    return boto3.client(
        "s3",
        endpoint_url=f"http://{env['AWS_S3_ENDPOINT']}",
        aws_access_key_id=env["AWS_S3_ACCESSKEY"],
        aws_secret_access_key=env["AWS_S3_SECRETKEY"],
        region_name=env["AWS_S3_REGION"],
    )


def _first_run(data: Path) -> int:
    with LocalS3(data) as s3:
        client = _s3(s3)
        client.put_object(Bucket=s3.bucket, Key="a" * 64, Body=b"one")
        client.put_object(Bucket=s3.bucket, Key="dir/b", Body=b"two")
        client.create_bucket(Bucket="other")
    return s3.port


def _second_run(data: Path) -> tuple[int, bytes, list[str]]:
    with LocalS3(data) as s3:
        client = _s3(s3)
        body = client.get_object(Bucket=s3.bucket, Key="dir/b")["Body"].read()
        client.delete_object(Bucket=s3.bucket, Key="dir/b")
        client.put_object(Bucket=s3.bucket, Key="a" * 64, Body=b"changed")
        s3.mirror()
        return s3.port, body, stored_keys(data)[s3.bucket]


def _third_run(data: Path) -> tuple[bytes, list[str]]:
    with LocalS3(data) as s3:
        client = _s3(s3)
        body = client.get_object(Bucket=s3.bucket, Key="a" * 64)["Body"].read()
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3.bucket).get("Contents", [])]
        return body, keys


def _in_new_process(fn: Callable[[Path], T], data: Path) -> T:
    """moto's state is global to a process (and shared with the session's test server):
    each run of the endpoint gets a fresh process, as a restart of ``colonies dev`` does."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, data).result(timeout=60)


def test_local_s3_keeps_objects_across_restarts(tmp_path: Path) -> None:
    data = tmp_path / "s3"
    port = _in_new_process(_first_run, data)
    assert stored_keys(data) == {"colonies-dev": ["a" * 64, "dir/b"], "other": []}
    again, body, kept = _in_new_process(_second_run, data)
    assert again == port  # file references keep the endpoint
    assert body == b"two" and kept == ["a" * 64]
    assert _in_new_process(_third_run, data) == (b"changed", ["a" * 64])


def _start_dev(data: Path, port: int) -> subprocess.Popen[bytes]:
    env_file = data / "env"
    return start_dev(
        data,
        port,
        ready=lambda: env_file.exists() and "AWS_S3_BUCKET" in env_file.read_text(),
        what="write its env file",
    )


def _colonies(env: dict[str, str], *args: str) -> str:
    deadline = time.monotonic() + 20
    while True:  # the server may still be binding its port
        done = subprocess.run(
            [COLONIES, *args], env={**os.environ, **env}, capture_output=True, text=True
        )
        if done.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def dev_dir() -> Iterator[Path]:
    """Outside pytest's private tmp tree: PostgreSQL may run as another user."""
    root = tempfile.mkdtemp(prefix="colonies-test-dev-")
    os.chmod(root, 0o755)
    try:
        yield Path(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_dev_env_has_working_s3(dev_dir: Path, tmp_path: Path) -> None:
    data, port = dev_dir / "dev", free_port()
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("from the dev server")
    (src / "sub" / "b.bin").write_bytes(os.urandom(100_000))

    proc = _start_dev(data, port)
    try:
        env = read_env_file(data / "env")
        assert env["AWS_S3_ENDPOINT"].startswith("127.0.0.1:")
        assert env["AWS_S3_TLS"] == "false" and env["AWS_S3_BUCKET"] == "colonies-dev"
        assert env["AWS_S3_ACCESSKEY"] and env["AWS_S3_SECRETKEY"] and env["AWS_S3_REGION"]
        out = _colonies(env, "fs", "sync", "-l", "/demo", "-d", str(src), "--yes")
        assert "Transferred 2 files" in out
    finally:
        err = stop_dev(proc)
    assert "Stopping S3" in err
    assert len(stored_keys(data / "s3")["colonies-dev"]) == 2

    proc = _start_dev(data, port)  # a restart keeps metadata and objects
    try:
        assert read_env_file(data / "env")["AWS_S3_ENDPOINT"] == env["AWS_S3_ENDPOINT"]
        _colonies(env, "fs", "sync", "-l", "/demo", "-d", str(dst), "--yes")
        assert (dst / "a.txt").read_text() == "from the dev server"
        assert (dst / "sub" / "b.bin").read_bytes() == (src / "sub" / "b.bin").read_bytes()
    finally:
        err = stop_dev(proc)
    assert "2 restored" in err
