"""Colonies FS mounts of a process (``spec.fs``, FS.md §4, MODEL §4.2).

Before the function runs, each ``fs.snapshots`` entry is downloaded into its ``dir`` (an
empty ``snapshotid`` takes the latest files of the label instead) and each ``fs.dirs`` entry
is synchronized with its label as ``colonies fs sync`` does, ``onstart.keeplocal`` deciding
conflicts. After the function succeeded the dirs are synchronized again (``onclose``)
before the process is closed, so whatever comes next sees the files. Once the process is
closed, local directories go unless ``keepfiles``, and snapshots unless ``keepsnapshot``.

Where a ``dir`` lands: an absolute one is used as given; a relative one lies under
``fs.mount`` if that is set, else under the executor's working directory (a relative
``fs.mount`` is itself taken from the working directory). A relative dir must stay below
that base, and no dir may be the filesystem root, the home or working directory, or one of
their parents: they would be removed afterwards.

Two processes of one executor never hold the same directory at once: the second waits
(``dir_locks``), so the first's clean-up cannot remove files the second works on.

S3 comes from ``AWS_S3_*`` (and ``COLONIES_FS_ENCRYPTION_KEY``) as for ``colonies fs``, and
only processes with mounts touch it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from colonies.client import ColoniesClient
from colonies.core import Process
from colonies.core.file import normalize_label
from colonies.fs.snapshots import SnapshotDownload, download_label, download_snapshot
from colonies.fs.sync import SyncPlan, apply_plan, make_plan
from colonies.fs.transfer import Fs

log = logging.getLogger("colonies.executor")


class MountError(Exception):
    """A mount failed; the message is the process error."""


@dataclass(frozen=True)
class SnapshotMount:
    snapshot_id: str
    label: str
    dir: Path
    keep_files: bool
    keep_snapshot: bool


@dataclass(frozen=True)
class DirMount:
    label: str
    dir: Path
    keep_files: bool
    keeplocal_on_start: bool
    keeplocal_on_close: bool


def resolve_dir(directory: str, mount: str = "", cwd: Path | None = None) -> Path:
    """The absolute local directory of a mount's ``dir`` (see the module docstring)."""
    cwd = (cwd or Path.cwd()).resolve()
    if not directory.strip():
        raise MountError("fs: a mount has no dir")
    base = (cwd / mount).resolve() if mount else cwd
    path = (base / directory).resolve()
    if not Path(directory).is_absolute() and base not in path.parents:
        raise MountError(f"fs: dir {directory} is not below {base}")
    tops = [cwd, base]
    with contextlib.suppress(RuntimeError):  # no home directory to be found
        tops.append(Path.home().resolve())
    guarded = {p for top in tops for p in (top, *top.parents)}
    if path in guarded:
        raise MountError(f"fs: refusing to use {path} as a mount dir (it would be removed)")
    return path


class Mounts:
    """The fs mounts of one process: ``prepare``, run, ``sync_back``, close, ``release``."""

    def __init__(
        self,
        process: Process,
        client: ColoniesClient,
        key: str,
        dir_locks: dict[Path, asyncio.Lock] | None = None,
    ) -> None:
        self.process = process
        self.client = client
        self.key = key
        self.dir_locks = {} if dir_locks is None else dir_locks
        """The executor's lock per local directory: two of its processes never share one
        at the same time (the first to finish would remove the other's files)."""
        self._held: list[asyncio.Lock] = []
        self.api = client.signed_by(key, colony=process.spec.conditions.colony_name)
        self.snapshots: list[SnapshotMount] = []
        self.dirs: list[DirMount] = []
        self.paths: dict[str, Path] = {}
        """Label → local directory (the first mount of a label), for ``ctx.mounts``."""
        self._fs: Fs | None = None
        self._to_remove: list[Path] = []

    @property
    def empty(self) -> bool:
        return not (self.process.spec.fs.snapshots or self.process.spec.fs.dirs)

    async def prepare(self) -> None:
        """Download the snapshots and sync the dirs down; MountError says what failed."""
        if self.empty:
            return
        self._parse()
        await self._lock_dirs()
        fs = await self._open()
        for snap in self.snapshots:
            await self._download(fs, snap)
        for d in self.dirs:
            with _failing(f"sync {d.label} into {d.dir}"):
                plan = await self._sync(fs, d, d.keeplocal_on_start)
            self.paths.setdefault(d.label, d.dir)
            await self._log(f"fs: sync {d.label} -> {d.dir} ({_counts(plan)})")

    async def sync_back(self) -> None:
        """Sync the dirs up after the function succeeded; MountError says what failed."""
        if not self.dirs or self._fs is None:
            return
        for d in self.dirs:
            with _failing(f"sync {d.dir} back to {d.label}"):
                plan = await self._sync(self._fs, d, d.keeplocal_on_close)
            await self._log(f"fs: sync {d.dir} -> {d.label} ({_counts(plan)})")

    async def _lock_dirs(self) -> None:
        """Take this process's directories, waiting while another process of this executor
        uses one (always in path order, so two processes cannot wait for each other)."""
        wanted = sorted({m.dir for m in self.snapshots} | {d.dir for d in self.dirs})
        for path in wanted:
            lock = self.dir_locks.setdefault(path, asyncio.Lock())
            if lock.locked():
                await self._log(f"fs: waiting for {path}, another process of this executor uses it")
            await lock.acquire()
            self._held.append(lock)

    def unlock(self) -> None:
        """Let the next process have the directories (also when this one was cut short)."""
        held, self._held = self._held, []
        for lock in held:
            lock.release()

    async def release(self) -> None:
        """After the process closed: remove local dirs and snapshots not to be kept."""
        removing, self._to_remove = self._to_remove, []
        try:
            for path in removing:
                await asyncio.to_thread(shutil.rmtree, path, True)
                log.info("fs: removed %s of process %s", path, self.process.process_id)
        finally:
            self.unlock()
        snapshots, self.snapshots = self.snapshots, []
        for snap in snapshots:
            if not snap.snapshot_id or snap.keep_snapshot:
                continue
            try:
                await self.api.remove_snapshot(snapshot_id=snap.snapshot_id)
            except Exception as err:
                log.warning("fs: could not remove snapshot %s: %s", snap.snapshot_id, err)

    def _parse(self) -> None:
        spec = self.process.spec.fs
        for i, m in enumerate(spec.snapshots or []):
            where = f"fs.snapshots[{i}]"
            snapshot_id, label = _text(m, where, "snapshotid"), _text(m, where, "label")
            if not (snapshot_id or label):
                raise MountError(f"fs: {where} has neither a snapshotid nor a label")
            self.snapshots.append(
                SnapshotMount(
                    snapshot_id=snapshot_id,
                    label=normalize_label(label) if label else "",
                    dir=resolve_dir(_text(m, where, "dir"), spec.mount),
                    keep_files=_flag(m, "keepfiles"),
                    keep_snapshot=_flag(m, "keepsnapshot"),
                )
            )
        for i, m in enumerate(spec.dirs or []):
            where = f"fs.dirs[{i}]"
            label = _text(m, where, "label")
            if not label:
                raise MountError(f"fs: {where} has no label")
            conflicts = m.get("onconflicts")
            conflicts = conflicts if isinstance(conflicts, dict) else {}
            self.dirs.append(
                DirMount(
                    label=normalize_label(label),
                    dir=resolve_dir(_text(m, where, "dir"), spec.mount),
                    keep_files=_flag(m, "keepfiles"),
                    keeplocal_on_start=_flag(conflicts.get("onstart"), "keeplocal"),
                    keeplocal_on_close=_flag(conflicts.get("onclose"), "keeplocal"),
                )
            )
        dirs = [m.dir for m in self.snapshots] + [d.dir for d in self.dirs]
        if len(set(dirs)) < len(dirs):
            raise MountError("fs: two mounts use the same dir")

    async def _open(self) -> Fs:
        """The S3 store of ``AWS_S3_*``, built now that a process needs it."""
        with _failing("mount files"):
            self._fs = await Fs.from_env(self.api)
        return self._fs

    async def _download(self, fs: Fs, snap: SnapshotMount) -> None:
        if not snap.keep_files:
            self._to_remove.append(snap.dir)
        got: SnapshotDownload
        if snap.snapshot_id:
            with _failing(f"download snapshot {snap.snapshot_id} into {snap.dir}"):
                snapshot = await self.api.get_snapshot(snapshot_id=snap.snapshot_id)
                snap.dir.mkdir(parents=True, exist_ok=True)
                got = await download_snapshot(fs, snapshot, snap.dir)
            label, source = normalize_label(snapshot.label), f"snapshot {snapshot.label}"
        else:
            with _failing(f"download {snap.label} into {snap.dir}"):
                snap.dir.mkdir(parents=True, exist_ok=True)
                got = await download_label(fs, snap.label, snap.dir)
            label, source = snap.label, f"label {snap.label}"
        if got.missing:
            raise MountError(
                f"fs: {len(got.missing)} file(s) of {source} were removed from Colonies FS"
            )
        self.paths.setdefault(label, snap.dir)
        files = len(got.downloaded) + len(got.skipped)
        await self._log(f"fs: {source} -> {snap.dir} ({files} files)")

    async def _sync(self, fs: Fs, d: DirMount, keeplocal: bool) -> SyncPlan:
        if not d.keep_files and d.dir not in self._to_remove:
            self._to_remove.append(d.dir)
        d.dir.mkdir(parents=True, exist_ok=True)
        plan = await make_plan(fs.api, d.dir, d.label, keeplocal)
        if not plan.empty:
            await apply_plan(fs, plan, d.dir)
        return plan

    async def _log(self, line: str) -> None:
        log.info("%s (process %s)", line, self.process.process_id)
        try:
            await self.client.add_log(self.process.process_id, line + "\n", key=self.key)
        except Exception as err:
            log.debug("could not add a log line: %s", err)


@contextmanager
def _failing(what: str) -> Iterator[None]:
    """Turn any error into a MountError "fs: cannot <what>: <reason>"."""
    try:
        yield
    except MountError:
        raise
    except Exception as err:
        reason = str(err) or type(err).__name__
        raise MountError(f"fs: cannot {what}: {reason}") from err


def _text(mount: Any, where: str, key: str) -> str:
    if not isinstance(mount, dict):
        raise MountError(f"fs: {where} is not an object")
    value = mount.get(key)
    if value is not None and not isinstance(value, str):
        raise MountError(f"fs: {where}.{key} is not a string")
    return value or ""


def _flag(mount: Any, key: str) -> bool:
    return isinstance(mount, dict) and mount.get(key) is True


def _counts(plan: SyncPlan) -> str:
    return f"{plan.download_count} down, {plan.upload_count} up"
