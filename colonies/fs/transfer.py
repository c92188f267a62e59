"""Fs: upload and download one file (FS.md §3.2-3.3) with SHA-256 checks.

Metadata is added only after the object is completely in S3, and removed objects go before
their metadata, so an interrupted transfer never leaves a File pointing at missing bytes.
Downloads land in a temporary file next to the target and replace it only once verified.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from colonies.client import ColoniesClient
from colonies.core.file import File, Reference, normalize_label
from colonies.fs import crypto
from colonies.fs.s3 import (
    Progress,
    S3Config,
    S3Error,
    S3Store,
    new_object_key,
    sha256_file,
)

PART_SUFFIX = ".cfs-part"


class ChecksumError(Exception):
    """Downloaded bytes do not match the File's checksum."""


def is_part_file(name: str) -> bool:
    return name.startswith(".") and name.endswith(PART_SUFFIX)


class Fs:
    """File transfers for one colony: RPCs through ``api`` (a client with its key and
    colony set, e.g. ``client.signed_by(key, colony=...)``), bytes through ``store``."""

    def __init__(
        self, api: ColoniesClient, store: S3Store, encryption_key: bytes | None = None
    ) -> None:
        self.api = api
        self.store = store
        self.encryption_key = encryption_key

    @classmethod
    async def from_env(cls, api: ColoniesClient) -> Fs:
        """An Fs on the S3 store of ``AWS_S3_*`` (its bucket made if missing), encrypting
        with ``COLONIES_FS_ENCRYPTION_KEY`` when that is set."""
        encryption_key = crypto.key_from_env()
        store = S3Store(S3Config.from_env())
        await store.ensure_bucket()
        return cls(api, store, encryption_key)

    async def upload(
        self, path: Path, label: str, name: str = "", progress: Progress | None = None
    ) -> File:
        """Upload a local file as a new revision of ``label``/``name`` (default: basename)."""
        path = Path(path)
        size = path.stat().st_size
        checksum = await asyncio.to_thread(sha256_file, path)
        key = new_object_key()
        s3 = self.store.config.reference(key)
        if self.encryption_key is not None:
            s3.encryption_alg = crypto.ALGORITHM
            s3.encryption_key = crypto.key_id(self.encryption_key)
            with tempfile.TemporaryDirectory(prefix="cfs-") as tmp:
                sealed = Path(tmp) / "object"
                await asyncio.to_thread(crypto.encrypt_file, self.encryption_key, path, sealed)
                await self.store.upload(sealed, key, progress)
        else:
            await self.store.upload(path, key, progress)
        f = File(
            colony_name=self.api.colony,
            label=normalize_label(label),
            name=name or path.name,
            size=size,
            sequence_nr=1,
            checksum=checksum,
            checksum_alg="SHA256",
            ref=Reference(protocol="s3", s3_object=s3),
        )
        try:
            return await self.api.add_file(f)
        except BaseException:
            await asyncio.shield(self._forget(key))
            raise

    async def _forget(self, key: str) -> None:
        with contextlib.suppress(S3Error):
            await self.store.delete(key)

    async def upload_bytes(self, data: bytes, label: str, name: str) -> File:
        with tempfile.TemporaryDirectory(prefix="cfs-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            return await self.upload(path, label, name)

    async def download(self, f: File, dest: Path, progress: Progress | None = None) -> Path:
        """Fetch ``f`` into the file ``dest`` (replaced only after the checksum matched)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        s3 = f.ref.s3_object
        part = dest.parent / f".{dest.name}.{secrets.token_hex(4)}{PART_SUFFIX}"
        try:
            if s3.encryption_alg:
                key = self._key_for(f)
                sealed = part.with_name(part.name + ".enc")
                try:
                    await self.store.download(s3.object, sealed, progress, s3.bucket, f.size)
                    await asyncio.to_thread(crypto.decrypt_file, key, sealed, part)
                finally:
                    sealed.unlink(missing_ok=True)
            elif f.size == 0 and not await self.store.exists(s3.object):
                part.touch()  # the Go client stores no object for empty files
            else:
                await self.store.download(s3.object, part, progress, s3.bucket, f.size)
            if f.checksum:
                actual = await asyncio.to_thread(sha256_file, part)
                if actual != f.checksum:
                    raise ChecksumError(
                        f"checksum mismatch for {f.label}/{f.name}: expected {f.checksum}, "
                        f"got {actual}"
                    )
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)
        return dest

    def _key_for(self, f: File) -> bytes:
        s3 = f.ref.s3_object
        where = f"{f.label.rstrip('/')}/{f.name}"
        if s3.encryption_alg != crypto.ALGORITHM:
            raise crypto.CryptoError(f"{where} uses unknown encryption {s3.encryption_alg!r}")
        if self.encryption_key is None:
            raise crypto.CryptoError(
                f"{where} is encrypted ({s3.encryption_alg}); set {crypto.KEY_ENV} to the key "
                "it was uploaded with to download it"
            )
        if s3.encryption_key and s3.encryption_key != crypto.key_id(self.encryption_key):
            raise crypto.CryptoError(
                f"{where} was encrypted with another key than {crypto.KEY_ENV}"
            )
        return self.encryption_key

    async def remove(self, f: File) -> None:
        """Delete one revision: its object, then its metadata."""
        await self.store.delete(f.ref.s3_object.object)
        await self.api.remove_file(file_id=f.file_id)
