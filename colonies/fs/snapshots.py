"""Snapshots: download one into a directory (FS.md §3.6), and clean-up helpers."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path

from colonies.core.file import File, normalize_label
from colonies.core.snapshot import Snapshot
from colonies.fs.s3 import sha256_file
from colonies.fs.sync import CFS_FILE, scan_remote
from colonies.fs.transfer import Fs, is_part_file

_OBJECT_KEY = re.compile(r"[0-9a-f]{64}")


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
            dest = snapshot_path(directory, snapshot, f)
            if dest.is_file() and await asyncio.to_thread(sha256_file, dest) == f.checksum:
                result.skipped.append(dest)
                return
            await fs.download(f, dest)
            result.downloaded.append(dest)

    try:
        async with asyncio.TaskGroup() as group:
            for file_id in snapshot.file_ids or []:
                group.create_task(one(file_id))
    except BaseExceptionGroup as group_error:
        raise group_error.exceptions[0] from None
    return result


async def referenced_objects(fs: Fs) -> set[str]:
    """Every object key any revision of any file of the colony points at."""
    keys: set[str] = set()
    for label in await fs.api.get_labels(""):
        for data in await fs.api.get_files(label.name):
            for f in await fs.api.get_file(label=label.name, name=data.name, latest=False):
                keys.add(f.ref.s3_object.object)
    return keys


async def orphaned_objects(fs: Fs) -> list[str]:
    """Objects in the bucket that look like Colonies FS objects (64 hex) but no file of this
    colony references. Only safe to delete when the bucket serves this colony alone."""
    used = await referenced_objects(fs)
    return sorted(k for k in await fs.store.keys() if _OBJECT_KEY.fullmatch(k) and k not in used)


async def remove_orphaned_objects(fs: Fs) -> list[str]:
    keys = await orphaned_objects(fs)
    for key in keys:
        await fs.store.delete(key)
    return keys


async def clean_local(fs: Fs, directory: Path, label: str) -> list[Path]:
    """FS.md §3.5: remove local files (and directories) that the label tree does not have.

    Raises FileNotFoundError if the root label has no files remotely."""
    root = Path(directory)
    remote = await scan_remote(fs.api, label)
    if "" not in remote:
        raise FileNotFoundError("Root directory not found in colonyFS")
    removed: list[Path] = []
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        rel = path.relative_to(root)
        if path.is_dir() and not path.is_symlink():
            if rel.as_posix() not in remote:
                for child in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
                    if child.is_dir() and not child.is_symlink():
                        child.rmdir()
                    else:
                        child.unlink()
                        removed.append(child)
                path.rmdir()
                removed.append(path)
            continue
        if path.name == CFS_FILE or is_part_file(path.name) or not path.exists():
            continue
        parent = rel.parent.as_posix()
        parent = "" if parent == "." else parent
        if path.name not in remote.get(parent, {}):
            path.unlink()
            removed.append(path)
    return removed
