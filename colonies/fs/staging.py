"""Staging, scitq's model: inputs, resources and outputs of a containerised process.

A spec lists URIs under ``kwargs`` (a string or a list of strings each):

* ``kwargs.input``: downloaded per process into its ``/input`` (writable);
* ``kwargs.resource``: downloaded once per content into a cache shared by the processes of
  this executor and shown read-only as ``/resource`` (hard links into the cache);
* ``kwargs.output``: everything in ``/output`` is uploaded there when the container ends,
  whether it succeeded or not.

A URI is ``cfs://LABEL/name`` (Colonies FS; ``cfs://LABEL`` or a trailing ``/`` is the
whole label, sub-labels included), ``s3://bucket/key`` (a trailing ``/`` is every object
under the prefix; the executor's ``AWS_S3_*`` credentials), or a local path (``/abs`` or
``file:///abs``) below a directory the operator allowed. ``*`` globs the last part of an
input or resource URI. Actions follow with ``|``, applied in order to what the URI
brought: ``|untar`` extracts every archive (tar, tgz, tar.bz2, tar.xz, zip) and removes it,
``|gunzip`` decompresses every ``.gz`` file in place, ``|mv:subdir`` puts the result in
``subdir``. Outputs take no actions.

Transfers use the FS layer (``Fs.download``/``upload``, ``S3Store``: multipart, streamed to
disk), so memory stays bounded whatever the size; each URI logs one line (what, size, time).
"""

from __future__ import annotations

import asyncio
import fnmatch
import gzip
import hashlib
import json
import lzma
import os
import shutil
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from colonies.client import ColoniesClient
from colonies.core.file import normalize_label
from colonies.fs.s3 import S3Config, S3Error, S3Store
from colonies.fs.sync import label_for, scan_remote
from colonies.fs.transfer import Fs

INPUT, RESOURCE, OUTPUT = "input", "resource", "output"
KINDS = (INPUT, RESOURCE, OUTPUT)
WORKERS = 16
LogFn = Callable[[str], Awaitable[None]]


class StagingError(Exception):
    """A URI is malformed, not allowed, missing, or its transfer failed (one sentence)."""


@dataclass(frozen=True)
class Uri:
    """One staging URI: ``scheme`` is cfs, s3 or file; ``location`` the rest."""

    text: str
    scheme: str
    location: str
    actions: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return self.text.split("|", 1)[0].strip()


@dataclass
class Item:
    """One file a URI brings: where it goes (relative path) and how to get it."""

    rel: str
    size: int
    fingerprint: str
    fetch: Callable[[Path], Awaitable[None]]


@dataclass
class StagingPlan:
    """The URIs of a spec, parsed and checked."""

    inputs: list[Uri] = field(default_factory=list)
    resources: list[Uri] = field(default_factory=list)
    outputs: list[Uri] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.inputs or self.resources or self.outputs)


def _texts(value: Any, kind: str) -> list[str]:
    if value is None or value == "":
        return []
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise StagingError(f"kwargs.{kind} must be a URI or a list of URIs")
    return [v.strip() for v in values]


def parse(text: str, kind: str = INPUT) -> Uri:
    """A URI with its actions; StagingError for what is not one (see the module text)."""
    source, *actions = [part.strip() for part in text.split("|")]
    if actions and kind == OUTPUT:
        raise StagingError(f"output {text} has actions: outputs are uploaded as they are")
    for action in actions:
        name, _, arg = action.partition(":")
        if name in ("untar", "gunzip") and not arg:
            continue
        if name == "mv" and arg and _safe_rel(arg):
            continue
        raise StagingError(
            f"{kind} {text}: unknown action {action!r} (use |untar, |gunzip or |mv:subdir)"
        )
    if "*" in source and kind == OUTPUT:
        raise StagingError(f"output {text} has a glob: an output names one place")
    if source.startswith("cfs://"):
        scheme, location = "cfs", source.removeprefix("cfs://")
    elif source.startswith("s3://"):
        scheme, location = "s3", source.removeprefix("s3://")
        if not location.split("/", 1)[0]:
            raise StagingError(f"{kind} {text} names no bucket (s3://bucket/key)")
    elif source.startswith("file://"):
        scheme, location = "file", source.removeprefix("file://")
    elif source.startswith("/"):
        scheme, location = "file", source
    else:
        raise StagingError(
            f"{kind} {text} is not a cfs://LABEL/path, s3://bucket/key or absolute local path"
        )
    if not location.strip("/") and scheme != "file":
        raise StagingError(f"{kind} {text} names nothing")
    return Uri(text, scheme, location, tuple(actions))


def _safe_rel(rel: str) -> bool:
    path = PurePosixPath(rel)
    return not path.is_absolute() and ".." not in path.parts and str(path) not in ("", ".")


def plan(kwargs: dict[str, Any]) -> StagingPlan:
    """The staging URIs of a spec's ``kwargs``; StagingError names the first bad one."""
    found = {kind: [parse(t, kind) for t in _texts(kwargs.get(kind), kind)] for kind in KINDS}
    return StagingPlan(found[INPUT], found[RESOURCE], found[OUTPUT])


def human(nbytes: int) -> str:
    size = float(nbytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _summary(kind: str, uri: Uri, files: int, nbytes: int, seconds: float, how: str = "") -> str:
    rate = f", {human(int(nbytes / seconds))}/s" if seconds > 0.05 and nbytes else ""
    what = f"{files} file{'s' if files != 1 else ''}, {human(nbytes)}"
    return f"staging: {kind} {uri.text}: {what} {how or f'in {seconds:.2f} s{rate}'}"


class Stager:
    """Moves the bytes of staging URIs for one executor.

    ``s3`` is the executor's S3 configuration (``AWS_S3_*``; needed for cfs:// and s3://),
    ``cache_dir`` keeps resources by content hash, ``allow_local`` lists the directories
    below which local paths may be read and written (none: local paths are refused).
    """

    def __init__(
        self,
        s3: S3Config | None,
        cache_dir: Path,
        allow_local: Sequence[Path] = (),
        workers: int = WORKERS,
    ) -> None:
        self.s3 = s3
        self.cache_dir = Path(cache_dir)
        self.allow_local = [Path(p).resolve() for p in allow_local]
        self.workers = workers
        self._store: S3Store | None = None
        self._cache_locks: dict[str, asyncio.Lock] = {}
        self.resource_fetches = 0
        """Resource downloads made (cache misses), for reports and tests."""

    def _s3(self, uri: Uri) -> S3Store:
        if self._store is None:
            if self.s3 is None:
                raise StagingError(f"{uri.text}: this executor has no S3 (set AWS_S3_*)")
            try:
                self._store = S3Store(self.s3)
            except S3Error as err:
                raise StagingError(f"{uri.text}: {err}") from None
        return self._store

    def _fs(self, uri: Uri, api: ColoniesClient) -> Fs:
        return Fs(api, self._s3(uri))

    # what a URI names --------------------------------------------------------------------

    async def items(self, uri: Uri, api: ColoniesClient) -> list[Item]:
        """The files ``uri`` names (StagingError when there are none)."""
        if uri.scheme == "cfs":
            found = await self._cfs_items(uri, api)
        elif uri.scheme == "s3":
            found = await self._s3_items(uri)
        else:
            found = await asyncio.to_thread(self._local_items, uri)
        if not found:
            raise StagingError(f"{uri.text} names no file")
        return found

    async def _cfs_items(self, uri: Uri, api: ColoniesClient) -> list[Item]:
        fs = self._fs(uri, api)
        location = uri.location
        whole = location.endswith("/") or "/" not in location.strip("/")
        if whole:
            label = normalize_label(location)
            remote = await scan_remote(api, label)
            named = [
                (label_for(label, rel), rel, f) for rel, fs_ in remote.items() for f in fs_.values()
            ]
        else:
            head, _, pattern = location.rpartition("/")
            label = normalize_label(head)
            files = await api.get_files(label)
            named = [(label, "", f) for f in files if fnmatch.fnmatchcase(f.name, pattern)]

        def fetcher(lab: str, name: str) -> Callable[[Path], Awaitable[None]]:
            async def fetch(dest: Path) -> None:
                f = await api.find_file(label=lab, name=name)
                if f is None:
                    raise StagingError(f"{uri.text}: {lab}/{name} was removed meanwhile")
                await fs.download(f, dest)

            return fetch

        return [
            Item(
                str(PurePosixPath(rel) / f.name) if rel else f.name,
                f.size,
                f.checksum,
                fetcher(lab, f.name),
            )
            for lab, rel, f in named
        ]

    async def _s3_items(self, uri: Uri) -> list[Item]:
        store = self._s3(uri)
        bucket, _, key = uri.location.partition("/")
        if key.endswith("/") or not key or "*" in key:
            prefix = key.split("*", 1)[0]
            base = prefix.rpartition("/")[0]
            listing = await store.listing(prefix, bucket)
            if "*" in key:
                listing = [o for o in listing if fnmatch.fnmatchcase(o[0], key)]
            objects = [(k, size, etag) for k, _, size, etag in listing if not k.endswith("/")]
        else:
            base = key.rpartition("/")[0]
            size, etag = await store.head(key, bucket)
            objects = [(key, size, etag)]

        def fetcher(k: str, size: int) -> Callable[[Path], Awaitable[None]]:
            async def fetch(dest: Path) -> None:
                await store.download(k, dest, None, bucket, size)

            return fetch

        strip = len(base) + 1 if base else 0
        return [Item(k[strip:], size, etag, fetcher(k, size)) for k, size, etag in objects]

    def _local(self, uri: Uri) -> Path:
        path = Path(uri.location.split("*", 1)[0] or "/").resolve()
        if not any(path == root or root in path.parents for root in self.allow_local):
            raise StagingError(
                f"{uri.text}: local paths are allowed only below the executor's "
                "--allow-local directories"
            )
        return Path(uri.location)

    def _local_items(self, uri: Uri) -> list[Item]:
        path = self._local(uri)
        if "*" in str(path):
            base = path.parent
            files = [p for p in base.glob(path.name) if p.is_file()]
        elif path.is_dir():
            base = path
            files = [p for p in path.rglob("*") if p.is_file()]
        elif path.is_file():
            base, files = path.parent, [path]
        else:
            raise StagingError(f"{uri.text}: no such file or directory")

        def fetcher(src: Path) -> Callable[[Path], Awaitable[None]]:
            async def fetch(dest: Path) -> None:
                await asyncio.to_thread(shutil.copyfile, src, dest)

            return fetch

        items = []
        for p in sorted(files):
            st = p.stat()
            finger = f"{p}:{st.st_size}:{st.st_mtime_ns}"
            items.append(Item(p.relative_to(base).as_posix(), st.st_size, finger, fetcher(p)))
        return items

    # downloads ----------------------------------------------------------------------------

    async def _fetch_all(self, items: list[Item], into: Path) -> int:
        sem = asyncio.Semaphore(self.workers)

        async def one(item: Item) -> None:
            async with sem:
                dest = into / item.rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                await item.fetch(dest)

        try:
            async with asyncio.TaskGroup() as group:
                for item in items:
                    group.create_task(one(item))
        except BaseExceptionGroup as errors:
            raise _as_staging(errors.exceptions[0]) from None
        return sum(item.size for item in items)

    async def _bring(self, uri: Uri, api: ColoniesClient, workspace: Path) -> tuple[int, int]:
        """Download ``uri`` into the empty ``workspace`` and apply its actions there; the
        result is what ``workspace`` holds afterwards (its ``mv:`` subdir included)."""
        items = await self.items(uri, api)
        nbytes = await self._fetch_all(items, workspace)
        await asyncio.to_thread(apply_actions, workspace, uri)
        return len(items), nbytes

    async def stage_inputs(
        self, uris: Iterable[Uri], dest: Path, api: ColoniesClient, log: LogFn
    ) -> int:
        """Each input into ``dest`` (per process); returns the bytes downloaded."""
        total = 0
        dest.mkdir(parents=True, exist_ok=True)
        for uri in uris:
            started = time.monotonic()
            with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".stage-") as tmp:
                files, nbytes = await self._bring(uri, api, Path(tmp))
                await asyncio.to_thread(merge_into, Path(tmp), dest)
            total += nbytes
            await log(_summary(INPUT, uri, files, nbytes, time.monotonic() - started))
        return total

    async def stage_resources(
        self, uris: Iterable[Uri], dest: Path, api: ColoniesClient, log: LogFn
    ) -> int:
        """Each resource from the cache (downloaded first if its content is not there) as
        hard links into ``dest``; returns the bytes downloaded for this process."""
        total = 0
        dest.mkdir(parents=True, exist_ok=True)
        for uri in uris:
            started = time.monotonic()
            items = await self.items(uri, api)
            key = cache_key(uri, items)
            entry = self.cache_dir / key
            lock = self._cache_locks.setdefault(key, asyncio.Lock())
            async with lock:
                fetched = 0
                if not entry.is_dir():
                    self.cache_dir.mkdir(parents=True, exist_ok=True)
                    with tempfile.TemporaryDirectory(dir=self.cache_dir, prefix=".fill-") as tmp:
                        fetched = await self._fetch_all(items, Path(tmp))
                        await asyncio.to_thread(apply_actions, Path(tmp), uri)
                        os.replace(tmp, entry)
                        Path(tmp).mkdir()  # for TemporaryDirectory's clean-up
                    self.resource_fetches += 1
                await asyncio.to_thread(link_tree, entry, dest)
            nbytes = sum(i.size for i in items)
            total += fetched
            seconds = time.monotonic() - started
            how = "" if fetched else "from the cache"
            await log(_summary(RESOURCE, uri, len(items), nbytes, seconds, how))
        return total

    # uploads ------------------------------------------------------------------------------

    async def upload_outputs(
        self, src: Path, uris: Iterable[Uri], api: ColoniesClient, log: LogFn
    ) -> int:
        """Everything below ``src`` to each output URI; returns the bytes uploaded."""
        files = sorted(p for p in src.rglob("*") if p.is_file() and not p.is_symlink())
        total = 0
        for uri in uris:
            started = time.monotonic()
            nbytes = sum(p.stat().st_size for p in files)
            try:
                await self._upload(uri, src, files, api)
            except StagingError:
                raise
            except Exception as err:
                raise _as_staging(err, uri) from None
            total += nbytes
            await log(_summary(OUTPUT, uri, len(files), nbytes, time.monotonic() - started))
        return total

    async def _upload(self, uri: Uri, src: Path, files: list[Path], api: ColoniesClient) -> None:
        sem = asyncio.Semaphore(self.workers)
        if uri.scheme == "file":
            root = self._local(uri)

            def copy() -> None:
                for p in files:
                    target = root / p.relative_to(src)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(p, target)

            await asyncio.to_thread(copy)
            return

        async def one(p: Path) -> None:
            rel = p.relative_to(src)
            async with sem:
                if uri.scheme == "cfs":
                    label = label_for(uri.location, rel.parent.as_posix().strip("."))
                    await self._fs(uri, api).upload(p, label, p.name)
                else:
                    bucket, _, prefix = uri.location.partition("/")
                    key = f"{prefix.rstrip('/')}/{rel.as_posix()}".lstrip("/")
                    await self._s3(uri).upload(p, key, None, bucket)

        try:
            async with asyncio.TaskGroup() as group:
                for p in files:
                    group.create_task(one(p))
        except BaseExceptionGroup as errors:
            raise _as_staging(errors.exceptions[0], uri) from None


def _as_staging(err: BaseException, uri: Uri | None = None) -> StagingError:
    if isinstance(err, StagingError):
        return err
    where = f"{uri.text}: " if uri is not None else ""
    text = str(err) or type(err).__name__
    return StagingError(f"{where}{text}")


def cache_key(uri: Uri, items: Iterable[Item]) -> str:
    """The content hash a resource is cached under: its files' checksums (or ETags) and
    sizes, and the actions that shaped them."""
    content = sorted((i.rel, i.fingerprint, i.size) for i in items)
    data = json.dumps([list(uri.actions), content], separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


# actions and trees (worker threads) ------------------------------------------------------


def apply_actions(workspace: Path, uri: Uri) -> None:
    for action in uri.actions:
        name, _, arg = action.partition(":")
        if name == "untar":
            for path in _files(workspace):
                if _is_archive(path):
                    extract(path, path.parent)
                    path.unlink()
        elif name == "gunzip":
            for path in _files(workspace):
                if path.name.endswith(".gz"):
                    gunzip(path)
        elif name == "mv":
            target = workspace / arg
            moving = list(workspace.iterdir())
            target.mkdir(parents=True, exist_ok=True)
            for entry in moving:
                if entry != target and target not in entry.parents and entry not in target.parents:
                    os.replace(entry, target / entry.name)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _is_archive(path: Path) -> bool:
    return zipfile.is_zipfile(path) or tarfile.is_tarfile(path)


def extract(archive: Path, into: Path) -> None:
    """Unpack a tar (plain, gz, bz2, xz) or zip archive; nothing may land outside ``into``."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                for member in z.namelist():
                    if not _safe_rel(member.rstrip("/")):
                        raise StagingError(f"{archive.name}: member {member} leaves the archive")
                z.extractall(into)
            return
        with tarfile.open(archive, "r:*") as t:
            t.extractall(into, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, lzma.LZMAError, OSError, EOFError) as err:
        raise StagingError(f"cannot unpack {archive.name}: {err}") from None


def gunzip(path: Path) -> None:
    target = path.with_name(path.name.removesuffix(".gz"))
    try:
        with gzip.open(path, "rb") as src, target.open("wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
    except (OSError, EOFError) as err:
        target.unlink(missing_ok=True)
        raise StagingError(f"cannot gunzip {path.name}: {err}") from None
    path.unlink()


def merge_into(src: Path, dest: Path) -> None:
    """Move everything below ``src`` into ``dest`` (directories merge, files replace)."""
    dest.mkdir(parents=True, exist_ok=True)
    for entry in src.iterdir():
        target = dest / entry.name
        if entry.is_dir() and not entry.is_symlink() and target.is_dir():
            merge_into(entry, target)
        else:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(entry, target)


def link_tree(src: Path, dest: Path) -> None:
    """``dest`` gets a hard link to each file of ``src`` (a copy across file systems)."""
    for path in src.rglob("*"):
        target = dest / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
