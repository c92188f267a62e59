"""S3Store: object bytes on any S3-compatible store, configured by ``AWS_S3_*`` (FS.md §3.1).

boto3 is synchronous; the async methods run it in a worker thread. Large files go up and
down in multipart chunks through boto3's transfer manager, so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

# boto3 itself is imported by the first S3Store (a quarter to half a second): a program
# that never touches S3, such as an executor whose processes have no fs mounts, starts
# without it. Its exception classes are cheap and are needed in the handlers below.
from botocore.exceptions import BotoCoreError, ClientError

from colonies.core.file import S3Object

CHUNK = 8 * 1024 * 1024
SMALL = 1024 * 1024
"""Files below this go up in one PUT read into memory (bounded: one per worker)."""
Progress = Callable[[int], None]
"""Called with the number of bytes just transferred (from worker threads)."""


class S3Error(Exception):
    """An S3 operation failed; the message says what to check."""


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


@dataclass(frozen=True)
class S3Config:
    endpoint: str = ""
    access_key: str = ""
    secret_key: str = ""
    region: str = ""
    bucket: str = ""
    tls: bool = False
    skip_verify: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> S3Config:
        env = os.environ if env is None else env
        endpoint = env.get("AWS_S3_ENDPOINT", "")
        for scheme in ("http://", "https://"):
            endpoint = endpoint.removeprefix(scheme)
        return cls(
            endpoint=endpoint.rstrip("/"),
            access_key=env.get("AWS_S3_ACCESSKEY", ""),
            secret_key=env.get("AWS_S3_SECRETKEY", ""),
            region=env.get("AWS_S3_REGION", ""),
            bucket=env.get("AWS_S3_BUCKET", ""),
            tls=_true(env.get("AWS_S3_TLS")),
            skip_verify=_true(env.get("AWS_S3_SKIPVERIFY")),
        )

    def check(self) -> None:
        missing = [
            var
            for var, value in (
                ("AWS_S3_ENDPOINT", self.endpoint),
                ("AWS_S3_ACCESSKEY", self.access_key),
                ("AWS_S3_SECRETKEY", self.secret_key),
                ("AWS_S3_BUCKET", self.bucket),
            )
            if not value
        ]
        if missing:
            raise S3Error(f"S3 is not configured, set {', '.join(missing)}")

    @property
    def url(self) -> str:
        return f"http{'s' if self.tls else ''}://{self.endpoint}"

    def host_port(self) -> tuple[str, int]:
        """``server`` and ``port`` of the File reference, split as pycolonies does."""
        host, sep, port = self.endpoint.rpartition(":")
        if sep and port.isdigit():
            return host, int(port)
        return self.endpoint, 443 if self.tls else 80

    def reference(self, key: str) -> S3Object:
        """The S3 reference stored with a file: never the credentials."""
        server, port = self.host_port()
        return S3Object(
            server=server,
            port=port,
            tls=self.tls,
            region=self.region,
            object=key,
            bucket=self.bucket,
        )


def new_object_key() -> str:
    """A random 64-hex object name, as both reference clients make them."""
    return secrets.token_hex(32)


def sha256_file(path: Path) -> str:
    """Lowercase hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1024 * 1024):
            h.update(block)
    return h.hexdigest()


_AUTH_CODES = ("SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "403")


def _explain(err: Exception, what: str, bucket: str) -> S3Error:
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _AUTH_CODES or status == 403:
            return S3Error(
                f"S3 refused to {what} ({code or status}): check AWS_S3_ACCESSKEY and "
                f"AWS_S3_SECRETKEY, and the rights on bucket {bucket}"
            )
        if code in ("NoSuchKey", "404"):
            return S3Error(f"S3 object not found while trying to {what} in bucket {bucket}")
        return S3Error(f"S3 failed to {what}: {code} {error.get('Message', '')}".strip())
    text = str(err)
    if any(code in text for code in _AUTH_CODES):
        return S3Error(
            f"S3 refused to {what}: check AWS_S3_ACCESSKEY and AWS_S3_SECRETKEY, and the "
            f"rights on bucket {bucket} ({text})"
        )
    return S3Error(f"S3 failed to {what}: {text}")


class Cancelled(Exception):
    """The transfer was cancelled."""


def _watch(progress: Progress | None, cancel: threading.Event) -> Progress:
    def callback(nbytes: int) -> None:
        if cancel.is_set():
            raise Cancelled("transfer cancelled")
        if progress is not None:
            progress(nbytes)

    return callback


class S3Store:
    """One bucket on one endpoint."""

    def __init__(self, config: S3Config, *, max_concurrency: int = 4) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        config.check()
        self.config = config
        self.bucket = config.bucket
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=config.url,
            aws_access_key_id=config.access_key,
            aws_secret_access_key=config.secret_key,
            region_name=config.region or "us-east-1",
            use_ssl=config.tls,
            verify=not config.skip_verify,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=64,
            ),
        )
        self._transfer = TransferConfig(
            multipart_threshold=CHUNK,
            multipart_chunksize=CHUNK,
            max_concurrency=max_concurrency,
            max_io_queue=max_concurrency * 2,
            use_threads=True,
        )

    # synchronous API (worker threads) ------------------------------------------------

    def ensure_bucket_sync(self) -> None:
        """Create the bucket if it does not exist."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            if code not in ("404", "NoSuchBucket", "NotFound"):
                raise _explain(err, "open the bucket", self.bucket) from None
        except BotoCoreError as err:
            raise _explain(err, "reach the S3 endpoint", self.bucket) from None
        args: dict[str, Any] = {"Bucket": self.bucket}
        if self.config.region and self.config.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.config.region}
        try:
            self._client.create_bucket(**args)
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise _explain(err, "create the bucket", self.bucket) from None

    def upload_sync(
        self, path: Path, key: str, progress: Progress | None = None, bucket: str = ""
    ) -> None:
        """Upload into this store's bucket, or ``bucket``."""
        from boto3.exceptions import S3UploadFailedError  # loaded with the client

        bucket = bucket or self.bucket
        try:
            if path.stat().st_size < SMALL:
                data = path.read_bytes()
                self._client.put_object(
                    Bucket=bucket,
                    Key=key,
                    Body=data,
                    ContentType="application/octet-stream",
                )
                if progress is not None:
                    progress(len(data))
                return
            self._client.upload_file(
                str(path),
                bucket,
                key,
                ExtraArgs={"ContentType": "application/octet-stream"},
                Callback=progress,
                Config=self._transfer,
            )
        except (ClientError, BotoCoreError, S3UploadFailedError) as err:
            raise _explain(err, "upload", bucket) from None

    def download_sync(
        self,
        key: str,
        path: Path,
        progress: Progress | None = None,
        bucket: str = "",
        size: int = -1,
    ) -> None:
        """Fetch into ``path``; ``size`` (if known) below CHUNK streams one plain GET
        instead of the transfer manager's HEAD and ranged GETs."""
        try:
            if 0 <= size < CHUNK:
                self._get_streamed(bucket or self.bucket, key, path, progress)
                return
            self._client.download_file(
                bucket or self.bucket, key, str(path), Callback=progress, Config=self._transfer
            )
        except (ClientError, BotoCoreError) as err:
            raise _explain(err, "download", bucket or self.bucket) from None

    def _get_streamed(self, bucket: str, key: str, path: Path, progress: Progress | None) -> None:
        body = self._client.get_object(Bucket=bucket, Key=key)["Body"]
        with path.open("wb") as f:
            while block := body.read(256 * 1024):
                f.write(block)
                if progress is not None:
                    progress(len(block))

    def delete_sync(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as err:
            raise _explain(err, "delete", self.bucket) from None

    def exists_sync(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as err:
            if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise _explain(err, "look up an object", self.bucket) from None

    def objects_sync(self) -> Iterator[tuple[str, datetime]]:
        """Every object key in the bucket with its last modification time."""
        for key, modified, _size, _etag in self.listing_sync():
            yield key, modified

    def listing_sync(
        self, prefix: str = "", bucket: str = ""
    ) -> Iterator[tuple[str, datetime, int, str]]:
        """Key, modification time, size and ETag of every object under ``prefix`` in this
        store's bucket or ``bucket``."""
        bucket = bucket or self.bucket
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield (
                        str(item["Key"]),
                        item["LastModified"],
                        int(item.get("Size", 0)),
                        str(item.get("ETag", "")),
                    )
        except (ClientError, BotoCoreError) as err:
            raise _explain(err, "list objects", bucket) from None

    def head_sync(self, key: str, bucket: str = "") -> tuple[int, str]:
        """Size and ETag of one object (S3Error when it is missing)."""
        bucket = bucket or self.bucket
        try:
            head = self._client.head_object(Bucket=bucket, Key=key)
        except (ClientError, BotoCoreError) as err:
            raise _explain(err, f"find s3://{bucket}/{key}", bucket) from None
        return int(head.get("ContentLength", 0)), str(head.get("ETag", ""))

    def keys_sync(self) -> Iterator[str]:
        """Every object key in the bucket."""
        return (key for key, _ in self.objects_sync())

    # async API -----------------------------------------------------------------------

    async def ensure_bucket(self) -> None:
        await asyncio.to_thread(self.ensure_bucket_sync)

    async def upload(
        self, path: Path, key: str, progress: Progress | None = None, bucket: str = ""
    ) -> None:
        """Upload; cancelling the task stops the transfer (a multipart upload is aborted)."""
        cancel = threading.Event()
        try:
            await asyncio.to_thread(self.upload_sync, path, key, _watch(progress, cancel), bucket)
        except asyncio.CancelledError:
            cancel.set()
            raise

    async def download(
        self,
        key: str,
        path: Path,
        progress: Progress | None = None,
        bucket: str = "",
        size: int = -1,
    ) -> None:
        """Download; cancelling the task stops the transfer."""
        cancel = threading.Event()
        watch = _watch(progress, cancel)
        try:
            await asyncio.to_thread(self.download_sync, key, path, watch, bucket, size)
        except asyncio.CancelledError:
            cancel.set()
            raise

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.delete_sync, key)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.exists_sync, key)

    async def keys(self) -> list[str]:
        return await asyncio.to_thread(lambda: list(self.keys_sync()))

    async def objects(self) -> list[tuple[str, datetime]]:
        return await asyncio.to_thread(lambda: list(self.objects_sync()))

    async def listing(
        self, prefix: str = "", bucket: str = ""
    ) -> list[tuple[str, datetime, int, str]]:
        return await asyncio.to_thread(lambda: list(self.listing_sync(prefix, bucket)))

    async def head(self, key: str, bucket: str = "") -> tuple[int, str]:
        return await asyncio.to_thread(self.head_sync, key, bucket)
