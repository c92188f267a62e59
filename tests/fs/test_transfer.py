"""Large files, interruptions, bad credentials and encryption against real S3 (moto)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
from pathlib import Path

import boto3
import pytest
from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin

from colonies.fs import CryptoError, Fs, S3Config, S3Error, S3Store, crypto
from colonies.fs.s3 import CHUNK

MB = 1024 * 1024


def _big_file(path: Path, size: int) -> str:
    h = hashlib.sha256()
    block = os.urandom(MB)
    with path.open("wb") as f:
        for i in range(size // MB):
            chunk = block[:-8] + i.to_bytes(8, "big")
            f.write(chunk)
            h.update(chunk)
    return h.hexdigest()


async def test_100mb_file_in_bounded_memory(
    fs: Fs, cli_env: dict[str, str], tmp_path: Path
) -> None:
    src = tmp_path / "big.bin"
    checksum = await asyncio.to_thread(_big_file, src, 100 * MB)
    dest = tmp_path / "down" / "big.bin"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fs.memprobe",
        str(src),
        "/big",
        str(dest),
        env={**os.environ, **cli_env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    result = json.loads(out)
    assert result["checksum"] == checksum
    assert dest.stat().st_size == 100 * MB
    assert await asyncio.to_thread(_sha, dest) == checksum
    print(
        f"100 MB: up {100 / result['up_s']:.0f} MB/s (peak {result['peak_up'] / MB:.0f} MB), "
        f"down {100 / result['down_s']:.0f} MB/s (peak {result['peak_down'] / MB:.0f} MB)"
    )
    assert result["peak_up"] < 100 * MB and result["peak_down"] < 100 * MB
    # the whole process, interpreter and libraries included, grows by far less than the file
    growth = result["rss_peak"] - result["rss_before"]
    print(f"RSS {result['rss_before'] / MB:.0f} MB -> {result['rss_peak'] / MB:.0f} MB")
    assert growth < 100 * MB
    files = await fs.api.get_files("/big")
    assert [(x.name, x.size) for x in files] == [("big.bin", 100 * MB)]


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(MB):
            h.update(block)
    return h.hexdigest()


async def test_interrupted_upload_leaves_no_metadata(fs: Fs, tmp_path: Path) -> None:
    src = tmp_path / "multi.bin"
    await asyncio.to_thread(_big_file, src, 3 * CHUNK)
    seen = 0

    def interrupt(nbytes: int) -> None:
        nonlocal seen
        seen += nbytes
        if seen > CHUNK:
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        await fs.upload(src, "/int", progress=interrupt)
    assert await fs.api.get_labels("") == []
    assert await fs.api.get_files("/int") == []
    # no completed object either (the multipart upload was aborted)
    assert await fs.store.keys() == []


async def test_metadata_failure_removes_the_object(fs: Fs, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_text("x")
    broken = Fs(fs.api.signed_by(fs.api.prvkey, colony="no-such-colony"), fs.store)
    with pytest.raises(Exception, match="does not exists"):
        await broken.upload(src, "/x")
    assert await fs.store.keys() == []


async def test_wrong_secret_gives_a_clear_error(fs: Fs, tmp_path: Path) -> None:
    # A real IAM key, then moto checks signatures from here on.
    iam = boto3.client(
        "iam",
        endpoint_url=fs.store.config.url,
        aws_access_key_id="a",
        aws_secret_access_key="b",
        region_name="us-east-1",
    )
    await asyncio.to_thread(iam.create_user, UserName="cfs")
    key = (await asyncio.to_thread(iam.create_access_key, UserName="cfs"))["AccessKey"]
    before = moto_settings.INITIAL_NO_AUTH_ACTION_COUNT
    moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = ActionAuthenticatorMixin.request_count
    try:
        config = S3Config(
            endpoint=fs.store.config.endpoint,
            access_key=key["AccessKeyId"],
            secret_key="wrong-secret",
            bucket=fs.store.bucket,
        )
        bad = Fs(fs.api, S3Store(config))
        src = tmp_path / "f"
        src.write_text("x")
        with pytest.raises(S3Error, match="AWS_S3_SECRETKEY"):
            await bad.store.ensure_bucket()
        with pytest.raises(S3Error, match="check AWS_S3_ACCESSKEY and AWS_S3_SECRETKEY"):
            await bad.upload(src, "/secret")
    finally:
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = before
    assert await fs.api.get_files("/secret") == []


async def test_encryption(fs: Fs, tmp_path: Path) -> None:
    key = os.urandom(32)
    sealed = Fs(fs.api, fs.store, key)
    src = tmp_path / "secret.txt"
    data = os.urandom(crypto.PLAIN_CHUNK * 2 + 123)
    src.write_bytes(data)
    f = await sealed.upload(src, "/enc")
    assert f.ref.s3_object.encryption_alg == crypto.ALGORITHM
    assert key.hex() not in f.ref.s3_object.encryption_key
    assert f.checksum == hashlib.sha256(data).hexdigest() and f.size == len(data)
    # the object holds ciphertext
    raw = tmp_path / "raw"
    await fs.store.download(f.ref.s3_object.object, raw)
    assert data[:64] not in raw.read_bytes()
    assert (await sealed.download(f, tmp_path / "o" / "s")).read_bytes() == data
    with pytest.raises(CryptoError, match="COLONIES_FS_ENCRYPTION_KEY"):
        await fs.download(f, tmp_path / "o2" / "s")
    with pytest.raises(CryptoError, match="another key"):
        await Fs(fs.api, fs.store, os.urandom(32)).download(f, tmp_path / "o3" / "s")
    for size in (0, crypto.PLAIN_CHUNK):
        p = tmp_path / f"s{size}"
        p.write_bytes(b"z" * size)
        g = await sealed.upload(p, "/enc")
        assert (await sealed.download(g, tmp_path / "o4" / p.name)).read_bytes() == b"z" * size


async def test_cancelled_upload_stops_and_leaves_nothing(fs: Fs, tmp_path: Path) -> None:
    src = tmp_path / "multi.bin"
    await asyncio.to_thread(_big_file, src, 4 * CHUNK)
    started = asyncio.Event()
    loop = asyncio.get_running_loop()

    def progress(nbytes: int) -> None:
        loop.call_soon_threadsafe(started.set)

    task = asyncio.create_task(fs.upload(src, "/cancel", progress=progress))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(50):  # the worker thread notices at its next progress callback
        if not await fs.store.keys():
            break
        await asyncio.sleep(0.1)
    assert await fs.store.keys() == []
    assert await fs.api.get_files("/cancel") == []


def test_s3_settings_from_the_environment() -> None:
    config = S3Config.from_env(
        {
            "AWS_S3_ENDPOINT": "https://s3.example.org:9000/",
            "AWS_S3_ACCESSKEY": "ak",
            "AWS_S3_SECRETKEY": "sk",
            "AWS_S3_REGION": "eu-north-1",
            "AWS_S3_TLS": "yes",
            "AWS_S3_BUCKET": "bucket",
            "AWS_S3_SKIPVERIFY": "true",
        }
    )
    assert config == S3Config("s3.example.org:9000", "ak", "sk", "eu-north-1", "bucket", True, True)
    assert config.url == "https://s3.example.org:9000"
    ref = config.reference("k")
    assert (ref.server, ref.port, ref.tls, ref.bucket) == ("s3.example.org", 9000, True, "bucket")
    assert ref.access_key == ref.secret_key == ""  # credentials never go to the server
    plain = S3Config.from_env({"AWS_S3_ENDPOINT": "minio", "AWS_S3_TLS": "false"})
    assert plain.host_port() == ("minio", 80) and not plain.tls and not plain.skip_verify
    with pytest.raises(S3Error, match="AWS_S3_ACCESSKEY, AWS_S3_SECRETKEY, AWS_S3_BUCKET"):
        S3Store(plain)


async def test_missing_bucket_is_created_once(s3_config: S3Config) -> None:
    store = S3Store(s3_config)
    assert s3_config.bucket not in await _buckets(store)
    await store.ensure_bucket()
    await store.ensure_bucket()  # already there: nothing to do
    assert s3_config.bucket in await _buckets(store)


async def _buckets(store: S3Store) -> list[str]:
    reply = await asyncio.to_thread(store._client.list_buckets)
    return [b["Name"] for b in reply.get("Buckets", [])]
