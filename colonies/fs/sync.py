"""The sync planner (FS.md §3.4): a pure plan of what to upload, download or resolve, and
its application.

A directory tree maps onto labels: ``DIR/rel`` ↔ ``LABEL/rel``. Per directory, names only
local are uploaded, names only remote downloaded, and names on both sides with different
checksums are conflicts: ``keeplocal`` uploads the local file as a new revision, otherwise
the remote one replaces it. Deletions never propagate.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from colonies.client import ColoniesClient
from colonies.core.file import FileData, normalize_label
from colonies.fs.s3 import sha256_file
from colonies.fs.transfer import Fs, is_part_file

CFS_FILE = ".cfs"
WORKERS = 16


@dataclass(frozen=True)
class Entry:
    """What one side knows of a file: its checksum and size."""

    checksum: str
    size: int = 0


@dataclass
class DirPlan:
    """The plan for one directory and its label."""

    rel: str
    label: str
    upload: list[str] = field(default_factory=list)
    download: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    keeplocal: bool = True
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.upload or self.download or self.conflicts)

    @property
    def uploads(self) -> list[str]:
        """Every name whose local file goes up."""
        return sorted(self.upload + (self.conflicts if self.keeplocal else []))

    @property
    def downloads(self) -> list[str]:
        """Every name whose remote file comes down."""
        return sorted(self.download + ([] if self.keeplocal else self.conflicts))


@dataclass
class SyncPlan:
    label: str
    keeplocal: bool
    dirs: list[DirPlan] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return all(d.empty for d in self.dirs)

    @property
    def upload_count(self) -> int:
        return sum(len(d.uploads) for d in self.dirs)

    @property
    def download_count(self) -> int:
        return sum(len(d.downloads) for d in self.dirs)

    @property
    def transfer_bytes(self) -> int:
        return sum(d.sizes.get(n, 0) for d in self.dirs for n in d.uploads + d.downloads)


def label_for(root_label: str, rel: str) -> str:
    root = normalize_label(root_label)
    if not rel:
        return root
    return (root.rstrip("/") + "/" + rel.strip("/")) if root != "/" else "/" + rel.strip("/")


def plan_sync(
    label: str,
    local: Mapping[str, Mapping[str, Entry]],
    remote: Mapping[str, Mapping[str, Entry]],
    keeplocal: bool,
) -> SyncPlan:
    """The plan; ``local`` and ``remote`` map a relative directory ("" = root) to its files.

    Sizes recorded for progress are those of the side that will be read.
    """
    plan = SyncPlan(normalize_label(label), keeplocal)
    for rel in sorted(set(local) | set(remote)):
        here, there = local.get(rel, {}), remote.get(rel, {})
        d = DirPlan(rel, label_for(label, rel), keeplocal=keeplocal)
        d.upload = sorted(set(here) - set(there))
        d.download = sorted(set(there) - set(here))
        d.conflicts = sorted(
            n for n in set(here) & set(there) if here[n].checksum != there[n].checksum
        )
        for n in d.uploads:
            d.sizes[n] = here[n].size
        for n in d.downloads:
            d.sizes[n] = there[n].size
        plan.dirs.append(d)
    return plan


def read_label(directory: Path) -> str:
    """The label recorded in ``DIR/.cfs``, or ""."""
    try:
        data = json.loads((directory / CFS_FILE).read_text())
    except (OSError, ValueError):
        return ""
    return str(data.get("label", "")) if isinstance(data, dict) else ""


def scan_local(directory: Path) -> dict[str, dict[str, Entry]]:
    """Every directory under ``directory`` (relative, "" = root) → its regular files."""
    out: dict[str, dict[str, Entry]] = {}
    root = Path(directory)
    if not root.is_dir():
        return {"": {}}
    for path in sorted([root, *(p for p in root.rglob("*") if p.is_dir())]):
        rel = path.relative_to(root).as_posix()
        rel = "" if rel == "." else rel
        files: dict[str, Entry] = {}
        for child in path.iterdir():
            if child.name == CFS_FILE or is_part_file(child.name) or not child.is_file():
                continue
            if child.is_symlink():
                continue
            files[child.name] = Entry(sha256_file(child), child.stat().st_size)
        out[rel] = files
    return out


def _rel(root_label: str, label: str) -> str | None:
    root = normalize_label(root_label)
    if label == root:
        return ""
    prefix = root.rstrip("/") + "/"
    return label[len(prefix) :] if label.startswith(prefix) else None


async def scan_remote(api: ColoniesClient, label: str) -> dict[str, dict[str, FileData]]:
    """Every label at or under ``label`` (relative, "" = root) → its latest files."""
    root = normalize_label(label)
    labels = {x.name for x in await api.get_labels(root, exact=False)}
    rels = {r: lab for lab in labels if (r := _rel(root, lab)) is not None}
    out: dict[str, dict[str, FileData]] = {}
    for rel, lab in rels.items():
        out[rel] = {f.name: f for f in await api.get_files(lab)}
    return out


async def make_plan(api: ColoniesClient, directory: Path, label: str, keeplocal: bool) -> SyncPlan:
    local = await asyncio.to_thread(scan_local, Path(directory))
    remote = await scan_remote(api, label)
    remote_entries = {
        rel: {n: Entry(f.checksum, f.size) for n, f in files.items()}
        for rel, files in remote.items()
    }
    return plan_sync(label, local, remote_entries, keeplocal)


Event = Callable[[str, str, int], None]
"""``(kind, path, nbytes)``: kind is "upload"/"download" when a transfer finished, "bytes"
for progress (from worker threads)."""


async def apply_plan(
    fs: Fs,
    plan: SyncPlan,
    directory: Path,
    *,
    workers: int = WORKERS,
    on_event: Event | None = None,
) -> None:
    """Write each directory's ``.cfs`` and transfer; the first error cancels the rest."""
    root = Path(directory)
    jobs: list[tuple[str, Path, str, str]] = []
    for d in plan.dirs:
        if d.empty:
            continue
        target = root / d.rel if d.rel else root
        target.mkdir(parents=True, exist_ok=True)
        (target / CFS_FILE).write_text(json.dumps({"label": d.label}))
        jobs += [("upload", target / n, d.label, n) for n in d.uploads]
        jobs += [("download", target / n, d.label, n) for n in d.downloads]
    sem = asyncio.Semaphore(max(1, workers))

    def progress(nbytes: int) -> None:
        if on_event is not None:
            on_event("bytes", "", nbytes)

    async def run(kind: str, path: Path, label: str, name: str) -> None:
        async with sem:
            if kind == "upload":
                await fs.upload(path, label, name, progress)
            else:
                f = await fs.api.find_file(label=label, name=name)
                if f is None:
                    raise FileNotFoundError(f"{label}/{name} disappeared from Colonies FS")
                await fs.download(f, path, progress)
            if on_event is not None:
                on_event(kind, str(path), 0)

    try:
        async with asyncio.TaskGroup() as group:
            for job in jobs:
                group.create_task(run(*job))
    except BaseExceptionGroup as group_error:
        raise group_error.exceptions[0] from None


async def sync(
    fs: Fs, directory: Path, label: str, keeplocal: bool = True, workers: int = WORKERS
) -> SyncPlan:
    """Plan and apply in one go; returns the plan that was applied."""
    plan = await make_plan(fs.api, directory, label, keeplocal)
    if not plan.empty:
        await apply_plan(fs, plan, directory, workers=workers)
    return plan
