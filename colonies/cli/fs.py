"""``colonies fs``: Colonies FS (file metadata on the server, bytes in S3)."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from colonies.cli.tables import fmt_time, table
from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core._wire import WireModel
from colonies.core.file import File, normalize_label
from colonies.core.snapshot import Snapshot
from colonies.crypto import random_id
from colonies.errors import ColoniesError
from colonies.fs import crypto
from colonies.fs.s3 import S3Error
from colonies.fs.snapshots import (
    clean_plan,
    download_snapshot,
    orphaned_objects,
    remove_orphaned_objects,
    remove_paths,
)
from colonies.fs.sync import SyncPlan, apply_plan, make_plan, read_label
from colonies.fs.transfer import ChecksumError, Fs

T = TypeVar("T")
Job = Callable[[Fs], Awaitable[T]]


def _run(job: Job[T], *, s3: bool = True) -> T:
    """Run ``job`` with an Fs for the environment's server, colony, key and S3 settings."""
    settings = ClientSettings.from_env()
    if not settings.prvkey:
        raise click.ClickException("COLONIES_PRVKEY is not set")
    if not settings.colony_name:
        raise click.ClickException("COLONIES_COLONY_NAME is not set")

    async def main() -> T:
        async with ColoniesClient.from_env(settings) as client:
            api = client
            if s3:
                return await job(await Fs.from_env(api))
            return await job(Fs(api, None, crypto.key_from_env()))  # type: ignore[arg-type]

    try:
        return asyncio.run(main())
    except (ColoniesError, S3Error, crypto.CryptoError, ChecksumError) as err:
        raise click.ClickException(str(err)) from None
    except (FileNotFoundError, NotADirectoryError) as err:
        raise click.ClickException(str(err)) from None


def _print_json(value: Any) -> None:
    def plain(v: Any) -> Any:
        if isinstance(v, WireModel):
            return v.to_wire()
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    click.echo(json.dumps(plain(value), indent=4))


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _table(rows: list[list[Any]], headers: list[str], what: str = "entries") -> None:
    click.echo(table(headers, rows) if rows else f"No {what} found")


def _file_table(files: list[File]) -> None:
    rows = [
        [
            f.file_id,
            f.label,
            f.name,
            _size(f.size),
            f.sequence_nr,
            f.checksum,
            fmt_time(f.added),
            f.ref.s3_object.encryption_alg or "-",
        ]
        for f in files
    ]
    headers = ["FileID", "Label", "Name", "Size", "Seq", "Checksum", "Added", "Encryption"]
    _table(rows, headers)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
label_option = click.option("-l", "--label", required=True, help="Label, e.g. /data.")


@click.group()
def fs() -> None:
    """Sync directories with Colonies FS labels, manage files and snapshots.

    S3 settings come from AWS_S3_ENDPOINT, AWS_S3_ACCESSKEY, AWS_S3_SECRETKEY, AWS_S3_REGION,
    AWS_S3_TLS, AWS_S3_BUCKET and AWS_S3_SKIPVERIFY; set COLONIES_FS_ENCRYPTION_KEY (64 hex)
    to encrypt uploads with AES-256-GCM.
    """


# sync -------------------------------------------------------------------------------


DETAIL_LIMIT = 50
"""Plans touching at most this many files are listed file by file without --syncplans."""


def _print_plan(plan: SyncPlan, detailed: bool) -> None:
    dirs = [d for d in plan.dirs if not d.empty]
    rows = [
        [
            d.rel or ".",
            d.label,
            len(d.upload),
            len(d.download),
            f"{len(d.conflicts)} ({'keep local' if d.keeplocal else 'keep remote'})",
            _size(sum(d.sizes.values())),
        ]
        for d in dirs
    ]
    _table(rows, ["Directory", "Label", "Upload", "Download", "Conflicts", "Size"])
    if detailed:
        for d in dirs:
            click.echo(f"\nDirectory {d.rel or '.'} <-> label {d.label}")
            files: list[list[Any]] = []
            files += [[n, "upload", "only local", _size(d.sizes[n])] for n in d.upload]
            files += [[n, "download", "only remote", _size(d.sizes[n])] for n in d.download]
            action, why = ("upload", "keep local") if d.keeplocal else ("download", "keep remote")
            files += [[n, action, f"conflict, {why}", _size(d.sizes[n])] for n in d.conflicts]
            _table(files, ["File", "Action", "Reason", "Size"])
    click.echo(
        f"{plan.upload_count} to upload, {plan.download_count} to download, "
        f"{_size(plan.transfer_bytes)} in total"
        + ("" if detailed else " (--syncplans lists every file)")
    )


class _Progress:
    """One progress bar on stderr for the bytes of every transfer (fed from worker
    threads), then a summary line. Without a terminal only the bar's label is printed."""

    def __init__(self, total_files: int, total_bytes: int, quiet: bool) -> None:
        self.total_files = total_files
        self.files = self.bytes = 0
        self.lock = threading.Lock()
        self.start = time.monotonic()
        self.quiet = quiet
        self.bar: Any = click.progressbar(
            length=max(total_bytes, 1),
            label=f"Transferring {total_files} files, {_size(total_bytes)}",
            file=sys.stderr,
            show_eta=True,
            show_percent=True,
            item_show_func=lambda _: f"{self.files}/{self.total_files} files",
        )

    def __enter__(self) -> _Progress:
        if not self.quiet:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.quiet:
            self.bar.render_finish()

    def __call__(self, kind: str, path: str, nbytes: int) -> None:
        with self.lock:
            if self.quiet:
                return
            if kind == "bytes":
                self.bytes += nbytes
                self.bar.update(nbytes)
            else:
                self.files += 1
                self.bar.render_progress()  # the file count changed, the bytes did not

    def summary(self) -> str:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        return (
            f"Transferred {self.files} files, {_size(self.bytes)} in {elapsed:.1f} s "
            f"({self.files / elapsed:.0f} files/s, {_size(int(self.bytes / elapsed))}/s)"
        )


@fs.command("sync")
@click.option("-l", "--label", default="", help="Label; default from DIR/.cfs.")
@click.option("-d", "--dir", "directory", default=".", help="Directory (created if missing).")
@click.option(
    "--keeplocal",
    type=click.BOOL,
    default=True,
    is_flag=False,
    flag_value=True,
    help="On conflicts upload the local file (default true); false downloads the remote.",
)
@click.option("--dry", is_flag=True, help="Only show the plan.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before transferring.")
@click.option(
    "--syncplans",
    is_flag=True,
    help=f"List every file of the plan (done anyway up to {DETAIL_LIMIT} files).",
)
@click.option("--quite", "--quiet", "quiet", is_flag=True, help="Print nothing; needs --yes.")
@click.option(
    "--driver", type=click.Choice(["s3"]), default="s3", show_default=True, help="Storage."
)
@click.option("--workers", default=16, show_default=True, help="Parallel transfers.")
def sync_cmd(
    label: str,
    directory: str,
    keeplocal: bool,
    dry: bool,
    yes: bool,
    syncplans: bool,
    quiet: bool,
    driver: str,
    workers: int,
) -> None:
    """Synchronize DIR (recursively) with LABEL.

    Files only in DIR are uploaded, files only in the label downloaded; a file changed on
    both sides is uploaded as a new revision (--keeplocal, the default) or replaced by the
    remote one (--keeplocal=false). Deletions do not propagate.

    \b
    Example:
      colonies fs sync -l /demo -d ./demo --yes
    """
    if quiet and not yes:
        raise click.UsageError("--quite needs --yes")
    root = Path(directory)
    label = label or read_label(root)
    if not label:
        raise click.ClickException("no label given (-l) and no .cfs file in the directory")
    label = normalize_label(label)
    root.mkdir(parents=True, exist_ok=True)
    say = (lambda _text: None) if quiet else click.echo

    async def job(fs: Fs) -> None:
        plan = await make_plan(fs.api, root, label, keeplocal)
        if plan.empty:
            say("Directory and label are already synchronized")
            return
        if not quiet:
            count = plan.upload_count + plan.download_count
            _print_plan(plan, syncplans or dry or count <= DETAIL_LIMIT)
        if dry:
            return
        if not yes:
            answer = await asyncio.to_thread(click.confirm, "Continue?", default=False)
            if not answer:
                say("Aborted")
                return
        progress = _Progress(plan.upload_count + plan.download_count, plan.transfer_bytes, quiet)
        with progress:
            await apply_plan(fs, plan, root, workers=workers, on_event=progress)
        say(progress.summary())

    _run(job)


# files --------------------------------------------------------------------------------


@fs.command("ls")
@label_option
@json_option
def ls_cmd(label: str, as_json: bool) -> None:
    """List the files of a label (latest revisions).

    \b
    Example:
      colonies fs ls -l /demo
    """
    label = normalize_label(label)

    async def job(fs: Fs) -> list[tuple[File, int]]:
        out = []
        for data in await fs.api.get_files(label):
            revs = await fs.api.get_file(label=label, name=data.name, latest=False)
            out.append((revs[0], len(revs)))
        return out

    files = _run(job, s3=False)
    if as_json:
        _print_json([f for f, _ in files])
        return
    rows = [
        [
            f.name,
            _size(f.size),
            f.file_id,
            fmt_time(f.added),
            n,
            f.ref.s3_object.encryption_alg or "-",
        ]
        for f, n in files
    ]
    headers = ["Name", "Size", "Latest FileID", "Added", "Revisions", "Encryption"]
    _table(rows, headers, f"files with label {label}")


def _target(label: str, name: str, file_id: str) -> tuple[str, str, str]:
    """(file_id, label, name) of a file given by ID or by label and name."""
    if file_id:
        return file_id, "", ""
    if label and name:
        return "", normalize_label(label), name
    raise click.UsageError("give --fileid, or --label and --name")


file_options = [
    click.option("-l", "--label", default="", help="Label."),
    click.option("-n", "--name", default="", help="File name."),
    click.option("-i", "--fileid", "--id", "file_id", default="", help="File ID."),
]


def _file_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(file_options):
        fn = option(fn)
    return fn


@fs.command("info")
@_file_options
@click.option("--all", "all_revisions", is_flag=True, help="Every revision.")
@json_option
def info_cmd(label: str, name: str, file_id: str, all_revisions: bool, as_json: bool) -> None:
    """Show a file (latest revision, or by ID).

    \b
    Example:
      colonies fs info -l /demo -n a.txt
    """
    fid, flabel, fname = _target(label, name, file_id)

    async def job(fs: Fs) -> list[File]:
        return await fs.api.get_file(
            file_id=fid, label=flabel, name=fname, latest=not all_revisions
        )

    files = _run(job, s3=False)
    if as_json:
        _print_json(files)
    else:
        _file_table(files)


@fs.command("get")
@_file_options
@click.option("-d", "--dir", "directory", required=True, help="Destination directory.")
def get_cmd(label: str, name: str, file_id: str, directory: str) -> None:
    """Download a file (latest revision, or by ID) into a directory.

    \b
    Example:
      colonies fs get -l /demo -n a.txt -d ./out
    """
    fid, flabel, fname = _target(label, name, file_id)

    async def job(fs: Fs) -> Path:
        f = (await fs.api.get_file(file_id=fid, label=flabel, name=fname))[0]
        return await fs.download(f, Path(directory) / f.name)

    click.echo(f"Downloaded {_run(job)}")


@fs.command("put")
@label_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-n", "--name", default="", help="File name (default: the basename).")
@json_option
def put_cmd(label: str, path: str, name: str, as_json: bool) -> None:
    """Upload one file as a new revision.

    \b
    Example:
      colonies fs put -l /demo ./a.txt
    """

    async def job(fs: Fs) -> File:
        return await fs.upload(Path(path), label, name)

    f = _run(job)
    if as_json:
        _print_json(f)
    else:
        click.echo(f"Uploaded {f.label}/{f.name} as {f.file_id}")


@fs.command("remove")
@_file_options
def remove_cmd(label: str, name: str, file_id: str) -> None:
    """Remove a revision (by ID) or every revision of a name, with their objects.

    \b
    Example:
      colonies fs remove -l /demo -n a.txt
    """
    fid, flabel, fname = _target(label, name, file_id)

    async def job(fs: Fs) -> int:
        files = await fs.api.get_file(file_id=fid, label=flabel, name=fname, latest=False)
        for f in files:
            await fs.remove(f)
        return len(files)

    click.echo(f"Removed {_run(job)} revision(s)")


# labels -------------------------------------------------------------------------------


@fs.group("label")
def label_group() -> None:
    """List and remove labels.

    \b
    Example:
      colonies fs label ls
    """


@label_group.command("ls")
@json_option
def label_ls_cmd(as_json: bool) -> None:
    """List every label of the colony.

    \b
    Example:
      colonies fs label ls
    """

    async def job(fs: Fs) -> Any:
        return await fs.api.get_labels("")

    labels = _run(job, s3=False)
    if as_json:
        _print_json(labels)
    else:
        _table(
            [[x.name, x.files] for x in sorted(labels, key=lambda x: x.name)],
            ["Label", "Files"],
            "labels",
        )


@label_group.command("remove")
@label_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
def label_remove_cmd(label: str, yes: bool) -> None:
    """Remove a label, its sub-labels, every revision of their files and the objects.

    \b
    Example:
      colonies fs label remove -l /demo --yes
    """
    label = normalize_label(label)
    if not yes:
        click.confirm(f"Remove {label} and everything below it?", abort=True)

    async def job(fs: Fs) -> int:
        count = 0
        root = label.rstrip("/")
        for lab in await fs.api.get_labels(label, exact=False):
            if lab.name != label and not lab.name.startswith(root + "/"):
                continue
            for data in await fs.api.get_files(lab.name):
                for f in await fs.api.get_file(label=lab.name, name=data.name, latest=False):
                    await fs.remove(f)
                    count += 1
        return count

    click.echo(f"Removed {_run(job)} revision(s)")


# snapshots ----------------------------------------------------------------------------


@fs.group("snapshot")
def snapshot_group() -> None:
    """Create, list, show, remove and download snapshots.

    \b
    Example:
      colonies fs snapshot create -l /demo -n v1
    """


def _snapshot_target(name: str, snapshot_id: str) -> dict[str, str]:
    if snapshot_id:
        return {"snapshot_id": snapshot_id}
    if name:
        return {"name": name}
    raise click.UsageError("give --name or --snapshotid")


snapshot_options = [
    click.option("-n", "--name", "--snapshotname", "name", default="", help="Snapshot name."),
    click.option("-i", "--snapshotid", "--id", "snapshot_id", default="", help="Snapshot ID."),
]


def _snapshot_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(snapshot_options):
        fn = option(fn)
    return fn


def _snapshot_table(snaps: list[Any]) -> None:
    rows = [
        [s.snapshot_id, s.name, s.label, len(s.file_ids or []), fmt_time(s.added)] for s in snaps
    ]
    _table(rows, ["SnapshotID", "Name", "Label", "Files", "Added"], "snapshots")


@snapshot_group.command("create")
@label_option
@click.option(
    "-n",
    "--snapshotname",
    "--name",
    "name",
    default="",
    help="Snapshot name, unique in the colony [default: a random one].",
)
@json_option
def snapshot_create_cmd(label: str, name: str, as_json: bool) -> None:
    """Snapshot the latest revisions of a label and its sub-labels.

    \b
    Example:
      colonies fs snapshot create -l /demo -n v1
    """

    async def job(fs: Fs) -> Any:
        return await fs.api.create_snapshot(normalize_label(label), name or random_id()[:16])

    snap = _run(job, s3=False)
    if as_json:
        _print_json(snap)
    else:
        _snapshot_table([snap])


@snapshot_group.command("ls")
@json_option
def snapshot_ls_cmd(as_json: bool) -> None:
    """List snapshots, newest first.

    \b
    Example:
      colonies fs snapshot ls
    """

    async def job(fs: Fs) -> Any:
        return await fs.api.get_snapshots()

    snaps = _run(job, s3=False)
    if as_json:
        _print_json(snaps)
    else:
        _snapshot_table(snaps)


@snapshot_group.command("get")
@_snapshot_options
@json_option
def snapshot_get_cmd(name: str, snapshot_id: str, as_json: bool) -> None:
    """Show a snapshot and its files.

    \b
    Example:
      colonies fs snapshot get -n v1
    """
    target = _snapshot_target(name, snapshot_id)

    async def job(fs: Fs) -> tuple[Snapshot, list[tuple[str, File | None]]]:
        snap = await fs.api.get_snapshot(**target)
        if as_json:
            return snap, []
        return snap, [(i, await fs.api.find_file(file_id=i)) for i in snap.file_ids or []]

    snap, files = _run(job, s3=False)
    if as_json:
        _print_json(snap)
        return
    _snapshot_table([snap])
    rows = [
        [i, f.label, f.name, _size(f.size)] if f else [i, "(removed since)", "", ""]
        for i, f in files
    ]
    _table(rows, ["FileID", "Label", "Name", "Size"])


snapshot_group.add_command(snapshot_get_cmd, "info")


@snapshot_group.command("remove")
@_snapshot_options
def snapshot_remove_cmd(name: str, snapshot_id: str) -> None:
    """Remove a snapshot (its files stay).

    \b
    Example:
      colonies fs snapshot remove -n v1
    """
    target = _snapshot_target(name, snapshot_id)

    async def job(fs: Fs) -> None:
        await fs.api.remove_snapshot(**target)

    _run(job, s3=False)
    click.echo("Snapshot removed")


@snapshot_group.command("removeall")
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
def snapshot_removeall_cmd(yes: bool) -> None:
    """Remove every snapshot of the colony.

    \b
    Example:
      colonies fs snapshot removeall --yes
    """
    if not yes:
        click.confirm("Remove every snapshot?", abort=True)

    async def job(fs: Fs) -> None:
        await fs.api.remove_all_snapshots()

    _run(job, s3=False)
    click.echo("All snapshots removed")


@snapshot_group.command("download")
@_snapshot_options
@click.option("-d", "--dir", "directory", required=True, help="Destination directory.")
def snapshot_download_cmd(name: str, snapshot_id: str, directory: str) -> None:
    """Download every file of a snapshot (files already equal are skipped).

    \b
    Example:
      colonies fs snapshot download -n v1 -d ./restore
    """
    target = _snapshot_target(name, snapshot_id)

    async def job(fs: Fs) -> Any:
        snap = await fs.api.get_snapshot(**target)
        return await download_snapshot(fs, snap, Path(directory))

    result = _run(job)
    click.echo(
        f"Downloaded {len(result.downloaded)}, skipped {len(result.skipped)} unchanged"
        + (f", {len(result.missing)} removed since the snapshot" if result.missing else "")
    )


# clean --------------------------------------------------------------------------------


@fs.command("clean")
@click.option("-l", "--label", default="", help="Label; default from DIR/.cfs.")
@click.option("-d", "--dir", "directory", default="", help="Directory to clean.")
@click.option(
    "--objects",
    is_flag=True,
    help="Instead: delete bucket objects no file of the colony refers to "
    "(only if the bucket serves this colony alone).",
)
@click.option(
    "--older-than",
    type=int,
    default=3600,
    show_default=True,
    help="With --objects: only objects written at least this many seconds ago "
    "(younger ones may belong to an upload in progress).",
)
@click.option("--dry", is_flag=True, help="Only list what would be removed.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
@click.option("--cleanplans", is_flag=True, help="List every path (or object) to remove.")
@click.option("--quite", "--quiet", "quiet", is_flag=True, help="Print nothing; needs --yes.")
def clean_cmd(
    label: str,
    directory: str,
    objects: bool,
    older_than: int,
    dry: bool,
    yes: bool,
    cleanplans: bool,
    quiet: bool,
) -> None:
    """Remove local files and directories that the label does not have, or (--objects)
    orphaned S3 objects.

    \b
    Examples:
      colonies fs clean -d ./demo --dry
      colonies fs clean --objects --yes
    """
    if quiet and not yes:
        raise click.UsageError("--quite needs --yes")
    if objects:
        _clean_objects(timedelta(seconds=older_than), dry, yes, quiet)
        return
    if not directory:
        raise click.UsageError("give --dir")
    root = Path(directory)
    label = normalize_label(label or read_label(root) or "")
    if label == "/":
        raise click.ClickException("no label given (-l) and no .cfs file in the directory")
    _clean_dir(root, label, dry, yes, cleanplans, quiet)


def _clean_objects(age: timedelta, dry: bool, yes: bool, quiet: bool) -> None:
    async def job(fs: Fs) -> list[str]:
        keys = await orphaned_objects(fs, age)
        if not quiet:
            for key in keys:
                click.echo(key)
        if dry or not keys:
            return keys
        if not yes:
            question = f"Delete {len(keys)} orphaned object(s)?"
            if not await asyncio.to_thread(click.confirm, question, default=False):
                return []
        return await remove_orphaned_objects(fs, age)

    keys = _run(job)
    if not quiet:
        click.echo(f"{len(keys)} orphaned object(s){' (dry run)' if dry else ' deleted'}")


def _clean_dir(root: Path, label: str, dry: bool, yes: bool, plans: bool, quiet: bool) -> None:
    async def job(fs: Fs) -> list[Path]:
        paths = await clean_plan(fs, root, label)
        if not paths:
            return paths
        if (plans or dry or len(paths) <= DETAIL_LIMIT) and not quiet:
            kinds = [[str(p), "directory" if p.is_dir() else "file"] for p in paths]
            _table(kinds, ["Path", "Kind"])
        if dry:
            return paths
        if not yes:
            question = f"Remove {len(paths)} path(s) in {root} that {label} does not have?"
            if not await asyncio.to_thread(click.confirm, question, default=False):
                return []
        await asyncio.to_thread(remove_paths, paths)
        return paths

    removed = _run(job, s3=False)
    if not quiet:
        click.echo(f"{len(removed)} path(s) {'to remove (dry run)' if dry else 'removed'}")
