"""``colonies fs``: Colonies FS (file metadata on the server, bytes in S3)."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from colonies.cli import tables
from colonies.cli.options import (
    CliError,
    Env,
    client_options,
    echo_json,
    echo_list,
    json_option,
    run_main,
)
from colonies.core.file import File, normalize_label
from colonies.core.snapshot import Snapshot

if TYPE_CHECKING:
    from colonies.fs.sync import SyncPlan
    from colonies.fs.transfer import Fs

T = TypeVar("T")
Job = Callable[["Fs"], Awaitable[T]]


def _run(env: Env, job: Job[T], *, s3: bool = True) -> T:
    """Run ``job`` with an Fs for the server, colony and key of ``env`` (and, with ``s3``,
    the store of AWS_S3_*); failures become one sentence, as for every command."""
    colony, key = env.colony, env.prvkey

    async def main() -> T:
        from colonies.fs import crypto
        from colonies.fs.transfer import Fs

        async with env.client() as client:
            api = client.signed_by(key, colony=colony)
            if s3:
                return await job(await Fs.from_env(api))
            return await job(Fs(api, None, crypto.key_from_env()))  # type: ignore[arg-type]

    return run_main(env, main, _explain)


def _explain(e: Exception) -> CliError | None:
    """The sentence for a failure of S3, encryption, a checksum or a local path."""
    from colonies.fs.crypto import CryptoError
    from colonies.fs.s3 import S3Error
    from colonies.fs.transfer import ChecksumError

    if isinstance(e, S3Error):
        return CliError(f"{e}. Check the AWS_S3_* variables.")
    if isinstance(e, (CryptoError, ChecksumError)):
        return CliError(str(e))
    if isinstance(e, OSError) and e.filename:
        return CliError(f"Cannot use {e.filename}: {e.strerror or e}.")
    if isinstance(e, (FileNotFoundError, NotADirectoryError)):
        return CliError(str(e))  # the reference's sentence, e.g. "Root directory not found …"
    return None


async def _revisions(
    fs: Fs, colony: str, file_id: str, label: str, name: str, latest: bool = True
) -> list[File]:
    """The file (latest revision, every revision, or by id); a sentence naming it when the
    server has none."""
    from colonies.errors import RPCError

    try:
        files = await fs.api.get_file(file_id=file_id, label=label, name=name, latest=latest)
        said = ""
    except RPCError as err:
        if err.status != 404:
            raise
        files, said = [], f' (the server says "{err.message}")'
    if not files:
        what = f"with id {file_id}" if file_id else f"{name!r} in label {label}"
        hint = "" if file_id else f" `colonies fs ls -l {label}` lists the label's files."
        raise CliError(f"There is no file {what} in colony {colony}{said}.{hint}")
    return files


def _read_label(read: Callable[[Path], str], root: Path) -> str:
    """The label in ROOT/.cfs ("" without one); a sentence when it cannot be read."""
    try:
        return read(root)
    except OSError as e:
        raise CliError(f"Cannot read {root / '.cfs'}: {e.strerror or e}.") from None


def _table(text_rows: list[list[Any]], headers: list[str], what: str = "entries") -> None:
    click.echo(tables.table(headers, text_rows) if text_rows else f"No {what} found")


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
            tables.fmt_size(sum(d.sizes.values())),
        ]
        for d in dirs
    ]
    _table(rows, ["Directory", "Label", "Upload", "Download", "Conflicts", "Size"])
    if detailed:
        for d in dirs:
            click.echo(f"\nDirectory {d.rel or '.'} <-> label {d.label}")
            files: list[list[Any]] = []
            files += [[n, "upload", "only local", tables.fmt_size(d.sizes[n])] for n in d.upload]
            files += [
                [n, "download", "only remote", tables.fmt_size(d.sizes[n])] for n in d.download
            ]
            action, why = ("upload", "keep local") if d.keeplocal else ("download", "keep remote")
            files += [
                [n, action, f"conflict, {why}", tables.fmt_size(d.sizes[n])] for n in d.conflicts
            ]
            _table(files, ["File", "Action", "Reason", "Size"])
    click.echo(
        f"{plan.upload_count} to upload, {plan.download_count} to download, "
        f"{tables.fmt_size(plan.transfer_bytes)} in total"
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
            label=f"Transferring {total_files} files, {tables.fmt_size(total_bytes)}",
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
            f"Transferred {self.files} files, {tables.fmt_size(self.bytes)} in {elapsed:.1f} s "
            f"({self.files / elapsed:.0f} files/s, {tables.fmt_size(int(self.bytes / elapsed))}/s)"
        )


@fs.command("sync")
@client_options
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
    env: Env,
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
    from colonies.fs.sync import apply_plan, make_plan, read_label

    if quiet and not yes:
        raise click.UsageError("--quite needs --yes")
    root = Path(directory)
    label = label or _read_label(read_label, root)
    if not label:
        raise CliError(
            f"No label: give one with -l (e.g. -l /data), or sync a directory that has one "
            f"in its .cfs file ({root / '.cfs'} does not exist)."
        )
    label = normalize_label(label)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CliError(f"Cannot create the directory {root}: {e.strerror or e}.") from None
    if not root.is_dir():
        raise CliError(f"{root} is not a directory: give a directory to sync with -d.")
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

    _run(env, job)


# files --------------------------------------------------------------------------------


@fs.command("ls")
@client_options
@label_option
@json_option
def ls_cmd(env: Env, label: str, as_json: bool) -> None:
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

    files = _run(env, job, s3=False)
    if as_json:
        echo_json([f for f, _ in files])
    elif not files:
        click.echo(f"No files with label {label} found")
    else:
        click.echo(tables.label_files_table(files))


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
@client_options
@_file_options
@click.option("--all", "all_revisions", is_flag=True, help="Every revision.")
@json_option
def info_cmd(
    env: Env, label: str, name: str, file_id: str, all_revisions: bool, as_json: bool
) -> None:
    """Show a file (latest revision, or by ID).

    \b
    Example:
      colonies fs info -l /demo -n a.txt
    """
    fid, flabel, fname = _target(label, name, file_id)
    colony = env.colony

    async def job(fs: Fs) -> list[File]:
        return await _revisions(fs, colony, fid, flabel, fname, latest=not all_revisions)

    files = _run(env, job, s3=False)
    if as_json:
        echo_json(files)
    else:
        click.echo(tables.files_table(files))


@fs.command("get")
@client_options
@_file_options
@click.option("-d", "--dir", "directory", required=True, help="Destination directory.")
def get_cmd(env: Env, label: str, name: str, file_id: str, directory: str) -> None:
    """Download a file (latest revision, or by ID) into a directory.

    \b
    Example:
      colonies fs get -l /demo -n a.txt -d ./out
    """
    fid, flabel, fname = _target(label, name, file_id)
    colony = env.colony

    async def job(fs: Fs) -> Path:
        f = (await _revisions(fs, colony, fid, flabel, fname))[0]
        return await fs.download(f, Path(directory) / f.name)

    click.echo(f"Downloaded {_run(env, job)}")


@fs.command("put")
@client_options
@label_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-n", "--name", default="", help="File name (default: the basename).")
@json_option
def put_cmd(env: Env, label: str, path: str, name: str, as_json: bool) -> None:
    """Upload one file as a new revision.

    \b
    Example:
      colonies fs put -l /demo ./a.txt
    """

    async def job(fs: Fs) -> File:
        return await fs.upload(Path(path), label, name)

    f = _run(env, job)
    if as_json:
        echo_json(f)
    else:
        click.echo(f"Uploaded {f.label}/{f.name} as {f.file_id}")


@fs.command("remove")
@client_options
@_file_options
def remove_cmd(env: Env, label: str, name: str, file_id: str) -> None:
    """Remove a revision (by ID) or every revision of a name, with their objects.

    \b
    Example:
      colonies fs remove -l /demo -n a.txt
    """
    fid, flabel, fname = _target(label, name, file_id)
    colony = env.colony

    async def job(fs: Fs) -> int:
        files = await _revisions(fs, colony, fid, flabel, fname, latest=False)
        for f in files:
            await fs.remove(f)
        return len(files)

    click.echo(f"Removed {_run(env, job)} revision(s)")


# labels -------------------------------------------------------------------------------


@fs.group("label")
def label_group() -> None:
    """List and remove labels.

    \b
    Example:
      colonies fs label ls
    """


@label_group.command("ls")
@client_options
@json_option
def label_ls_cmd(env: Env, as_json: bool) -> None:
    """List every label of the colony.

    \b
    Example:
      colonies fs label ls
    """

    async def job(fs: Fs) -> Any:
        return await fs.api.get_labels("")

    echo_list(_run(env, job, s3=False), as_json, tables.labels_table, "labels")


@label_group.command("remove")
@client_options
@label_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
def label_remove_cmd(env: Env, label: str, yes: bool) -> None:
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

    click.echo(f"Removed {_run(env, job)} revision(s)")


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


@snapshot_group.command("create")
@client_options
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
def snapshot_create_cmd(env: Env, label: str, name: str, as_json: bool) -> None:
    """Snapshot the latest revisions of a label and its sub-labels.

    \b
    Example:
      colonies fs snapshot create -l /demo -n v1
    """

    from colonies.crypto import random_id

    async def job(fs: Fs) -> Snapshot:
        return await fs.api.create_snapshot(normalize_label(label), name or random_id()[:16])

    snap = _run(env, job, s3=False)
    if as_json:
        echo_json(snap)
    else:
        click.echo(tables.snapshots_table([snap]))


@snapshot_group.command("ls")
@client_options
@json_option
def snapshot_ls_cmd(env: Env, as_json: bool) -> None:
    """List snapshots, newest first.

    \b
    Example:
      colonies fs snapshot ls
    """

    async def job(fs: Fs) -> list[Snapshot]:
        return await fs.api.get_snapshots()

    echo_list(_run(env, job, s3=False), as_json, tables.snapshots_table, "snapshots")


@snapshot_group.command("get")
@client_options
@_snapshot_options
@json_option
def snapshot_get_cmd(env: Env, name: str, snapshot_id: str, as_json: bool) -> None:
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

    snap, files = _run(env, job, s3=False)
    if as_json:
        echo_json(snap)
        return
    click.echo(tables.snapshots_table([snap]))
    click.echo(tables.snapshot_files_table(files) if files else "No files in the snapshot")


snapshot_group.add_command(snapshot_get_cmd, "info")


@snapshot_group.command("remove")
@client_options
@_snapshot_options
def snapshot_remove_cmd(env: Env, name: str, snapshot_id: str) -> None:
    """Remove a snapshot (its files stay).

    \b
    Example:
      colonies fs snapshot remove -n v1
    """
    target = _snapshot_target(name, snapshot_id)

    async def job(fs: Fs) -> None:
        await fs.api.remove_snapshot(**target)

    _run(env, job, s3=False)
    click.echo("Snapshot removed")


@snapshot_group.command("removeall")
@client_options
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
def snapshot_removeall_cmd(env: Env, yes: bool) -> None:
    """Remove every snapshot of the colony.

    \b
    Example:
      colonies fs snapshot removeall --yes
    """
    if not yes:
        click.confirm("Remove every snapshot?", abort=True)

    async def job(fs: Fs) -> None:
        await fs.api.remove_all_snapshots()

    _run(env, job, s3=False)
    click.echo("All snapshots removed")


@snapshot_group.command("download")
@client_options
@_snapshot_options
@click.option("-d", "--dir", "directory", required=True, help="Destination directory.")
def snapshot_download_cmd(env: Env, name: str, snapshot_id: str, directory: str) -> None:
    """Download every file of a snapshot (files already equal are skipped).

    \b
    Example:
      colonies fs snapshot download -n v1 -d ./restore
    """
    from colonies.fs.snapshots import download_snapshot

    target = _snapshot_target(name, snapshot_id)

    async def job(fs: Fs) -> Any:
        snap = await fs.api.get_snapshot(**target)
        return await download_snapshot(fs, snap, Path(directory))

    result = _run(env, job)
    click.echo(
        f"Downloaded {len(result.downloaded)}, skipped {len(result.skipped)} unchanged"
        + (f", {len(result.missing)} removed since the snapshot" if result.missing else "")
    )


# clean --------------------------------------------------------------------------------


@fs.command("clean")
@client_options
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
    env: Env,
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
    from colonies.fs.sync import read_label

    if objects:
        _clean_objects(env, timedelta(seconds=older_than), dry, yes, quiet)
        return
    if not directory:
        raise click.UsageError("give --dir")
    root = Path(directory)
    if not root.is_dir():
        raise CliError(f"{root} is not a directory: give the directory to clean with -d.")
    label = normalize_label(label or _read_label(read_label, root) or "")
    if label == "/":
        raise CliError(
            f"No label: give one with -l, or clean a directory that has one in its .cfs file "
            f"({root / '.cfs'} does not exist)."
        )
    _clean_dir(env, root, label, dry, yes, cleanplans, quiet)


def _clean_objects(env: Env, age: timedelta, dry: bool, yes: bool, quiet: bool) -> None:
    from colonies.fs.snapshots import orphaned_objects, remove_orphaned_objects

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

    keys = _run(env, job)
    if not quiet:
        click.echo(f"{len(keys)} orphaned object(s){' (dry run)' if dry else ' deleted'}")


def _clean_dir(
    env: Env, root: Path, label: str, dry: bool, yes: bool, plans: bool, quiet: bool
) -> None:
    from colonies.fs.snapshots import clean_plan, remove_paths

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

    removed = _run(env, job, s3=False)
    if not quiet:
        click.echo(f"{len(removed)} path(s) {'to remove (dry run)' if dry else 'removed'}")
