"""A local S3-compatible endpoint for ``colonies dev``: moto's server mode on 127.0.0.1.

moto keeps buckets and objects in memory (large objects spill to temporary files). To keep
them across restarts, every bucket and object is mirrored into ``DIR/objects`` while the
server runs (every few seconds, and once more on stop) and put back on the next start.
Only a crash of the process loses what was written since the last mirror.

moto does not check credentials: any access and secret key are accepted, which is why it
only listens on the loopback interface. It comes with the ``dev`` extra (``moto[server]``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import boto3
from botocore.config import Config

from colonies.localpg import free_port

ACCESS_KEY = "colonies-dev"
SECRET_KEY = "colonies-dev-secret"
REGION = "us-east-1"
MIRROR_SECONDS = 5.0


class S3DevUnavailable(RuntimeError):
    """moto's server mode is not installed."""


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class LocalS3:
    """One moto S3 server whose buckets are mirrored under ``data_dir``."""

    def __init__(self, data_dir: Path, port: int = 0, bucket: str = "colonies-dev") -> None:
        self.data_dir = Path(data_dir).absolute()
        self.bucket = bucket
        self.port = port or self._kept_port()
        self._server: Any = None
        self._client: Any = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.restored = 0

    # where things live ---------------------------------------------------------------

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def _manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"

    def _kept_port(self) -> int:
        """The port of the last run if it is still free (clients keep it in file
        references), else a new one."""
        try:
            port = int((self.data_dir / "port").read_text())
        except (OSError, ValueError):
            return free_port()
        return port if _port_free(port) else free_port()

    def _path(self, bucket: str, key: str) -> Path:
        return self.objects_dir / quote(bucket, safe="") / quote(key, safe="")

    def _read_manifest(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self._manifest_path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_manifest(self, manifest: dict[str, dict[str, str]]) -> None:
        tmp = self._manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
        os.replace(tmp, self._manifest_path)

    # life cycle ------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The ``AWS_S3_*`` variables of FS.md §3.1 for this endpoint."""
        return {
            "AWS_S3_ENDPOINT": self.endpoint,
            "AWS_S3_ACCESSKEY": ACCESS_KEY,
            "AWS_S3_SECRETKEY": SECRET_KEY,
            "AWS_S3_REGION": REGION,
            "AWS_S3_TLS": "false",
            "AWS_S3_SKIPVERIFY": "false",
            "AWS_S3_BUCKET": self.bucket,
        }

    def start(self) -> None:
        """Serve, put back the mirrored objects, create the bucket, start mirroring."""
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as err:
            raise S3DevUnavailable(
                f"no local S3 ({err.name} is missing): install the dev extra, "
                "pip install 'colonies[dev]' (it brings moto[server])"
            ) from None
        if not _port_free(self.port):
            raise OSError(f"S3 port {self.port} is in use")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        (self.data_dir / "port").write_text(str(self.port))
        self._client = boto3.client(
            "s3",
            endpoint_url=f"http://{self.endpoint}",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}),
        )
        self.restored = self.restore()
        if self.bucket not in self._buckets():
            self._client.create_bucket(Bucket=self.bucket)
        self._stop.clear()
        self._thread = threading.Thread(target=self._mirror_loop, name="s3-mirror", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Mirror one last time and stop serving."""
        if self._server is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            self.mirror()
        finally:
            self._server.stop()
            self._server = None

    def __enter__(self) -> LocalS3:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # mirror ------------------------------------------------------------------------------

    def _buckets(self) -> list[str]:
        return [str(b["Name"]) for b in self._client.list_buckets().get("Buckets", [])]

    def _objects(self, bucket: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                out[str(item["Key"])] = str(item["ETag"])
        return out

    def restore(self) -> int:
        """Upload every mirrored object (after a restart, moto is empty); returns how many."""
        count = 0
        with self._lock:
            manifest = self._read_manifest()
            for bucket, objects in manifest.items():
                if bucket not in self._buckets():
                    self._client.create_bucket(Bucket=bucket)
                for key in list(objects):
                    path = self._path(bucket, key)
                    if not path.is_file():
                        del objects[key]
                        continue
                    self._client.upload_file(str(path), bucket, key)
                    count += 1
                objects.update(
                    {k: etag for k, etag in self._objects(bucket).items() if k in objects}
                )
            self._write_manifest(manifest)
        return count

    def mirror(self) -> None:
        """Bring ``objects_dir`` in line with the server: new or changed objects are
        downloaded, deleted ones removed. Unchanged objects cost one listing."""
        with self._lock:
            manifest = self._read_manifest()
            current = {bucket: self._objects(bucket) for bucket in self._buckets()}
            for bucket, objects in current.items():
                kept = manifest.setdefault(bucket, {})
                folder = self.objects_dir / quote(bucket, safe="")
                folder.mkdir(parents=True, exist_ok=True)
                for key, etag in objects.items():
                    if kept.get(key) == etag and self._path(bucket, key).is_file():
                        continue
                    path = self._path(bucket, key)
                    part = path.with_name(path.name + ".part")
                    try:
                        self._client.download_file(bucket, key, str(part))
                    except Exception:  # deleted meanwhile: the next round sees it
                        part.unlink(missing_ok=True)
                        continue
                    os.replace(part, path)
                    kept[key] = etag
            for bucket in list(manifest):
                if bucket not in current:
                    for key in manifest.pop(bucket):
                        self._path(bucket, key).unlink(missing_ok=True)
                    continue
                for key in [k for k in manifest[bucket] if k not in current[bucket]]:
                    del manifest[bucket][key]
                    self._path(bucket, key).unlink(missing_ok=True)
            self._write_manifest(manifest)

    def _mirror_loop(self) -> None:
        while not self._stop.wait(MIRROR_SECONDS):
            with contextlib.suppress(Exception):
                self.mirror()


def stored_keys(data_dir: Path) -> dict[str, list[str]]:
    """Bucket → object keys mirrored under ``data_dir`` (for inspection and tests)."""
    root = Path(data_dir) / "objects"
    if not root.is_dir():
        return {}
    return {
        unquote(b.name): sorted(
            unquote(p.name) for p in b.iterdir() if not p.name.endswith(".part")
        )
        for b in root.iterdir()
        if b.is_dir()
    }
