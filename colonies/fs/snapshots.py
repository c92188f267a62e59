"""Snapshots: download one (or a label's latest files) into a directory (FS.md §3.6), and
clean-up helpers."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from colonies.core.file import File, FileData, normalize_label
from colonies.core.snapshot import Snapshot
from colonies.fs.s3 import sha256_file
from colonies.fs.sync import CFS_FILE, label_for, scan_remote
from colonies.fs.transfer import Fs, is_part_file

_OBJECT_KEY = re.compile(r"[0-9a-f]{64}")
ORPHAN_AGE = timedelta(hours=1)


@dataclass
class SnapshotDownload:
    downloaded: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def snapshot_path(directory: Path, snapshot: Snapshot, f: File) -> Path:
    """``DIR`` + the file's label below the snapshot label + the file name."""
    root = normalize_label(snapshot.label)
    label = normalize_label(f.label)
    rel = "" if label == root else label.removeprefix(root.rstrip("/") + "/")
    if rel == label:  # not below the snapshot label: keep the whole label
        rel = label.lstrip("/")
    target = Path(directory) / rel if rel else Path(directory)
    return target / f.name


async def download_snapshot(
    fs: Fs, snapshot: Snapshot, directory: Path, workers: int = 16
) -> SnapshotDownload:
    """Every file of the snapshot into ``directory``; files already equal are skipped and
    file IDs whose metadata has been removed since are reported as missing."""
    result = SnapshotDownload()
    sem = asyncio.Semaphore(workers)

    async def one(file_id: str) -> None:
        async with sem:
            f = await fs.api.find_file(file_id=file_id)
            if f is None:
                result.missing.append(file_id)
                return
            await _fetch(fs, f, snapshot_path(directory, snapshot, f), result)

    await _all(one(file_id) for file_id in snapshot.file_ids or [])
    return result


async def download_label(
    fs: Fs, label: str, directory: Path, workers: int = 16
) -> SnapshotDownload:
    """The latest revision of every file at or below ``label`` into ``directory``, laid out
    as a snapshot of the label would be; names removed meanwhile are reported as missing."""
    result = SnapshotDownload()
    sem = asyncio.Semaphore(workers)
    remote = await scan_remote(fs.api, label)

    async def one(rel: str, name: str) -> None:
        async with sem:
            sub = label_for(label, rel)
            f = await fs.api.find_file(label=sub, name=name)
            if f is None:
                result.missing.append(f"{sub.rstrip('/')}/{name}")
                return
            await _fetch(fs, f, Path(directory) / rel / name, result)

    await _all(one(rel, name) for rel, files in remote.items() for name in files)
    return result


async def _fetch(fs: Fs, f: File, dest: Path, result: SnapshotDownload) -> None:
    """Download ``f`` to ``dest`` unless a file with its checksum is there already."""
    if dest.is_file() and await asyncio.to_thread(sha256_file, dest) == f.checksum:
        result.skipped.append(dest)
        return
    await fs.download(f, dest)
    result.downloaded.append(dest)


async def _all(jobs: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run ``jobs`` together; the first error cancels the others and is raised."""
    try:
        async with asyncio.TaskGroup() as group:
            for job in jobs:
                group.create_task(job)
    except BaseExceptionGroup as group_error:
        raise group_error.exceptions[0] from None


async def referenced_objects(fs: Fs) -> set[str]:
    """Every object key any revision of any file of the colony points at."""
    keys: set[str] = set()
    for label in await fs.api.get_labels(""):
        for data in await fs.api.get_files(label.name):
            for f in await fs.api.get_file(label=label.name, name=data.name, latest=False):
                keys.add(f.ref.s3_object.object)
    return keys


async def orphaned_objects(fs: Fs, older_than: timedelta = ORPHAN_AGE) -> list[str]:
    """Objects in the bucket that look like Colonies FS objects (64 hex), that no file of
    this colony references, and that were written more than ``older_than`` ago (younger
    ones may belong to an upload whose metadata is on its way). Only safe to delete when
    the bucket serves this colony alone."""
    used = await referenced_objects(fs)
    cutoff = datetime.now(UTC) - older_than
    return sorted(
        key
        for key, modified in await fs.store.objects()
        if _OBJECT_KEY.fullmatch(key) and key not in used and modified <= cutoff
    )


async def remove_orphaned_objects(fs: Fs, older_than: timedelta = ORPHAN_AGE) -> list[str]:
    keys = await orphaned_objects(fs, older_than)
    for key in keys:
        await fs.store.delete(key)
    return keys


def _extras(root: Path, remote: dict[str, dict[str, FileData]]) -> list[Path]:
    """Local files the remote label tree lacks, and directories no label lies at or below
    (removed whole)."""
    out: list[Path] = []

    def walk(directory: Path, rel: str) -> None:
        for child in sorted(directory.iterdir()):
            child_rel = f"{rel}/{child.name}" if rel else child.name
            if child.is_dir() and not child.is_symlink():
                below = child_rel + "/"
                if child_rel in remote or any(r.startswith(below) for r in remote):
                    walk(child, child_rel)
                else:
                    out.append(child)
            elif child.name == CFS_FILE or is_part_file(child.name):
                continue
            elif child.name not in remote.get(rel, {}):
                out.append(child)

    walk(root, "")
    return out


async def clean_plan(fs: Fs, directory: Path, label: str) -> list[Path]:
    """FS.md §3.5: what ``fs clean`` removes from DIR for LABEL (nothing is touched).

    Raises FileNotFoundError if the root label has no files remotely."""
    remote = await scan_remote(fs.api, label)
    if "" not in remote:
        raise FileNotFoundError("Root directory not found in colonyFS")
    root = Path(directory)
    if not root.is_dir():
        return []
    return await asyncio.to_thread(_extras, root, remote)


def remove_paths(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


async def clean_local(fs: Fs, directory: Path, label: str) -> list[Path]:
    """Remove what :func:`clean_plan` lists; returns it."""
    paths = await clean_plan(fs, directory, label)
    await asyncio.to_thread(remove_paths, paths)
    return paths
