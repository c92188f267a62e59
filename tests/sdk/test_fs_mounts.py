"""``spec.fs`` mounts in the executor, against the real server and real S3 (moto)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import Filesystem, Process, ProcessState
from colonies.executor_sdk import Executor, ProcessContext, SyncProcessContext
from colonies.executor_sdk.mounts import MountError, resolve_dir
from colonies.fs import Fs
from tests.conftest import COLONY, Colony
from tests.sdk.util import SUBMITTER, attach, get, make_spec, until

T = "fs-mount-test"
NO_S3 = (
    "fs: cannot mount files: S3 is not configured, set AWS_S3_ENDPOINT, AWS_S3_ACCESSKEY, "
    "AWS_S3_SECRETKEY, AWS_S3_BUCKET"
)


def _read(root: Path) -> dict[str, str]:
    """Relative path → text of every file under ``root`` but the sync planner's .cfs."""
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".cfs"
    }


def _snapshot(label: str, directory: Path, snapshot_id: str = "", **flags: bool) -> dict[str, Any]:
    return {"snapshotid": snapshot_id, "label": label, "dir": str(directory), **flags}


def _dir(label: str, directory: Path, *, keepfiles: bool, start: bool, close: bool) -> Any:
    return {
        "label": label,
        "dir": str(directory),
        "keepfiles": keepfiles,
        "onconflicts": {"onstart": {"keeplocal": start}, "onclose": {"keeplocal": close}},
    }


async def _submit(client: ColoniesClient, func: str, fs: Filesystem | None = None) -> Process:
    spec = make_spec(func, executor_type=T)
    if fs is not None:
        spec.fs = fs
    return await client.submit(spec, key=SUBMITTER)


async def _submit_args(
    client: ColoniesClient, func: str, args: list[Any], fs: Filesystem
) -> Process:
    spec = make_spec(func, *args, executor_type=T)
    spec.fs = fs
    return await client.submit(spec, key=SUBMITTER)


async def _logs(client: ColoniesClient, process: Process) -> list[str]:
    entries = await client.get_logs(process_id=process.process_id, colony=COLONY, key=SUBMITTER)
    return [entry.message for entry in entries]


async def test_snapshot_mount_downloads_exactly_the_snapshot_files(
    client: ColoniesClient, colony: Colony, fs: Fs, tmp_path: Path
) -> None:
    await fs.upload_bytes(b"a1", "/inputs", "a.txt")
    await fs.upload_bytes(b"b1", "/inputs/sub", "b.txt")
    snap = await fs.api.create_snapshot("/inputs", "for-the-run")
    await fs.upload_bytes(b"a2", "/inputs", "a.txt")  # a newer revision, and a new file
    await fs.upload_bytes(b"late", "/inputs", "late.txt")
    target = tmp_path / "in"
    ex = attach(Executor(T), client)

    @ex.function()
    async def look(ctx: ProcessContext) -> Any:
        return str(ctx.mounts["/inputs"]), _read(ctx.mounts["/inputs"])

    mount = _snapshot("/inputs", target, snap.snapshot_id, keepfiles=False, keepsnapshot=True)
    p = await _submit(client, "look", Filesystem(snapshots=[mount]))
    await ex.run(burst=True)

    done = await get(client, p)
    assert done.state == ProcessState.SUCCESS, done.errors
    assert done.output == [str(target), {"a.txt": "a1", "sub/b.txt": "b1"}]
    assert await _logs(client, p) == [f"fs: snapshot /inputs -> {target} (2 files)\n"]
    assert not target.exists()  # keepfiles false
    assert (await fs.api.get_snapshot(snapshot_id=snap.snapshot_id)).name == "for-the-run"


async def test_snapshot_mount_without_id_gets_the_latest_label_files_under_fs_mount(
    client: ColoniesClient, colony: Colony, fs: Fs, tmp_path: Path
) -> None:
    await fs.upload_bytes(b"a1", "/inputs", "a.txt")
    await fs.upload_bytes(b"a2", "/inputs", "a.txt")
    await fs.upload_bytes(b"c", "/inputs/deeper", "c.txt")
    await fs.upload_bytes(b"other", "/inputsx", "x.txt")  # a label that only shares a prefix
    ex = attach(Executor(T), client)

    @ex.function()
    def look(ctx: SyncProcessContext) -> Any:
        return str(ctx.mounts["/inputs"])

    mount = tmp_path / "cfs"
    spec_fs = Filesystem(
        mount=str(mount), snapshots=[{"label": "inputs", "dir": "data", "keepfiles": True}]
    )
    p = await _submit(client, "look", spec_fs)
    await ex.run(burst=True)

    done = await get(client, p)
    assert done.state == ProcessState.SUCCESS, done.errors
    assert done.output == [str(mount / "data")]
    assert _read(mount / "data") == {"a.txt": "a2", "deeper/c.txt": "c"}  # keepfiles true
    assert await _logs(client, p) == [f"fs: label /inputs -> {mount / 'data'} (2 files)\n"]


async def test_keepsnapshot_false_removes_the_snapshot_after_close(
    client: ColoniesClient, colony: Colony, fs: Fs, tmp_path: Path
) -> None:
    await fs.upload_bytes(b"a", "/inputs", "a.txt")
    snap = await fs.api.create_snapshot("/inputs", "one-off")
    kept = await fs.api.create_snapshot("/inputs", "unrelated")
    ex = attach(Executor(T), client)
    ex.add_function("noop", lambda: None)
    target = tmp_path / "in"
    spec_fs = Filesystem(snapshots=[_snapshot("/inputs", target, snap.snapshot_id, keepfiles=True)])
    p = await _submit(client, "noop", spec_fs)
    await ex.run(burst=True)

    assert (await get(client, p)).state == ProcessState.SUCCESS
    assert [s.snapshot_id for s in await fs.api.get_snapshots()] == [kept.snapshot_id]
    assert _read(target) == {"a.txt": "a"}


async def test_dirs_mount_syncs_down_before_and_up_after(
    client: ColoniesClient, colony: Colony, fs: Fs, tmp_path: Path
) -> None:
    await fs.upload_bytes(b"question", "/work", "in.txt")
    await fs.upload_bytes(b"old", "/work", "notes.txt")
    ex = attach(Executor(T), client)

    @ex.function()
    def answer(ctx: SyncProcessContext) -> str:
        here = ctx.mounts["/work"]
        question = (here / "in.txt").read_text()
        (here / "out.txt").write_text(question + " -> 42")
        (here / "notes.txt").write_text("new")  # a conflict on close; keeplocal uploads it
        return question

    work = tmp_path / "work"
    spec_fs = Filesystem(dirs=[_dir("/work", work, keepfiles=False, start=False, close=True)])
    p = await _submit(client, "answer", spec_fs)
    await ex.run(burst=True)

    done = await get(client, p)
    assert (done.state, done.output) == (ProcessState.SUCCESS, ["question"])
    out = await fs.api.find_file(label="/work", name="out.txt")
    assert out is not None
    assert (await fs.download(out, tmp_path / "check" / "out.txt")).read_text() == (
        "question -> 42"
    )
    notes = await fs.api.get_file(label="/work", name="notes.txt", latest=False)
    assert len(notes) == 2 and notes[0].size == len("new")
    assert await _logs(client, p) == [
        f"fs: sync /work -> {work} (2 down, 0 up)\n",
        f"fs: sync {work} -> /work (0 down, 2 up)\n",
    ]
    assert not work.exists()  # keepfiles false


async def test_failed_function_does_not_sync_its_dirs_back(
    client: ColoniesClient, colony: Colony, fs: Fs, tmp_path: Path
) -> None:
    ex = attach(Executor(T), client)

    @ex.function()
    def half_done(ctx: SyncProcessContext) -> None:
        (ctx.mounts["/results"] / "partial.txt").write_text("half")
        raise RuntimeError("gave up")

    results = tmp_path / "results"
    spec_fs = Filesystem(dirs=[_dir("/results", results, keepfiles=True, start=True, close=True)])
    p = await _submit(client, "half_done", spec_fs)
    await ex.run(burst=True)

    done = await get(client, p)
    assert (done.state, done.errors) == (ProcessState.FAILED, ["RuntimeError: gave up"])
    assert await fs.api.get_files("/results") == []
    assert _read(results) == {"partial.txt": "half"}  # keepfiles true


async def test_missing_s3_config_fails_the_process_without_running_it(
    client: ColoniesClient, colony: Colony, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ENDPOINT", "ACCESSKEY", "SECRETKEY", "BUCKET"):
        monkeypatch.delenv(f"AWS_S3_{name}", raising=False)
    ran: list[str] = []
    ex = attach(Executor(T), client)
    ex.add_function("work", lambda: ran.append("work"))
    target = tmp_path / "in"
    spec_fs = Filesystem(snapshots=[_snapshot("/inputs", target, keepfiles=False)])
    with_mounts = await _submit(client, "work", spec_fs)
    plain = await _submit(client, "work")
    await ex.run(burst=True)

    done = await get(client, with_mounts)
    assert (done.state, done.errors) == (ProcessState.FAILED, [NO_S3])
    assert (await get(client, plain)).state == ProcessState.SUCCESS
    assert ran == ["work"]  # only the process without mounts
    assert not target.exists()


async def test_failed_download_fails_the_process_without_running_it(
    client: ColoniesClient, colony: Colony, fs: Fs, tmp_path: Path
) -> None:
    ran: list[str] = []
    ex = attach(Executor(T), client)
    ex.add_function("work", lambda: ran.append("work"))
    target = tmp_path / "in"
    spec_fs = Filesystem(snapshots=[_snapshot("/inputs", target, "no-such-snapshot")])
    p = await _submit(client, "work", spec_fs)
    await ex.run(burst=True)

    done = await get(client, p)
    assert done.state == ProcessState.FAILED and ran == []
    assert done.errors[0].startswith(
        f"fs: cannot download snapshot no-such-snapshot into {target}: "
    )
    assert "Snapshot not found" in done.errors[0] and "Traceback" not in done.errors[0]
    assert not target.exists()


@pytest.fixture
async def s3_recorder(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[str]]:
    """AWS_S3_* pointing at an endpoint that records every request and refuses it."""
    seen: list[str] = []

    async def refuse(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        return web.Response(status=403)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    env = {"ENDPOINT": f"127.0.0.1:{server.port}", "ACCESSKEY": "k", "SECRETKEY": "s"}
    for name, value in {**env, "BUCKET": "recorded", "TLS": "false"}.items():
        monkeypatch.setenv(f"AWS_S3_{name}", value)
    try:
        yield seen
    finally:
        await server.close()


async def test_process_without_mounts_never_touches_s3(
    client: ColoniesClient, colony: Colony, s3_recorder: list[str], tmp_path: Path
) -> None:
    ex = attach(Executor(T), client)
    ex.add_function("plain", lambda: "done")
    p = await _submit(client, "plain")
    await ex.run(burst=True)
    assert (await get(client, p)).output == ["done"]
    assert s3_recorder == []

    # The recorder does see S3 use: a process with a mount reaches it (and is refused).
    spec_fs = Filesystem(snapshots=[_snapshot("/inputs", tmp_path / "in")])
    mounted = await _submit(client, "plain", spec_fs)
    await ex.run(burst=True)
    done = await get(client, mounted)
    assert done.state == ProcessState.FAILED and "S3 refused" in done.errors[0]
    assert s3_recorder != []


def test_relative_dirs_resolve_under_fs_mount_and_dangerous_dirs_are_refused(
    tmp_path: Path,
) -> None:
    cwd = tmp_path / "executor"
    assert resolve_dir("data", "", cwd) == cwd / "data"
    assert resolve_dir("data", str(tmp_path / "cfs"), cwd) == tmp_path / "cfs" / "data"
    assert resolve_dir("data/x", "cfs", cwd) == cwd / "cfs" / "data" / "x"
    assert resolve_dir(str(tmp_path / "abs"), "cfs", cwd) == tmp_path / "abs"
    for bad in ("", ".", "..", "/", "../elsewhere", str(tmp_path)):
        with pytest.raises(MountError):
            resolve_dir(bad, "", cwd)
    with pytest.raises(MountError, match="not below"):
        resolve_dir("../x", "cfs", cwd)


async def test_two_processes_of_one_executor_never_share_a_directory_at_once(
    client: ColoniesClient, colony: Colony, fs: Fs, tmp_path: Path
) -> None:
    ex = attach(Executor(T, concurrency=2), client)
    first_in, let_go = asyncio.Event(), asyncio.Event()
    seen: dict[str, list[str]] = {}  # what each process finds when it starts

    @ex.function()
    async def use(ctx: ProcessContext, name: str) -> str:
        here = ctx.mounts["/shared"]
        seen[name] = sorted(_read(here))
        (here / f"{name}.txt").write_text(name)
        if len(seen) == 1:  # whichever got the directory first holds it until let go
            first_in.set()
            await let_go.wait()
        return name

    shared = tmp_path / "shared"
    spec_fs = Filesystem(dirs=[_dir("/shared", shared, keepfiles=False, start=False, close=True)])
    processes = {n: await _submit_args(client, "use", [n], spec_fs) for n in ("a", "b")}
    run = asyncio.create_task(ex.run(burst=True))
    await first_in.wait()
    [first] = seen
    second = "b" if first == "a" else "a"

    async def second_waits() -> bool:
        logs = await _logs(client, processes[second])
        return any("fs: waiting for" in line for line in logs)

    await until(second_waits)  # assigned, and held back while the first uses the directory
    assert list(seen) == [first]
    let_go.set()
    await run
    states = [(await get(client, p)).state for p in processes.values()]
    assert states == [ProcessState.SUCCESS] * 2
    # the second started after the first had synced its file back and removed the directory
    assert seen == {first: [], second: [f"{first}.txt"]}
    assert not shared.exists()
