"""Upload, download and sync against real S3 (moto server) and the real server."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from colonies.fs import Entry, Fs, plan_sync, sync
from colonies.fs.snapshots import clean_local, clean_plan, download_snapshot
from colonies.fs.sync import read_label


def _tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _read(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name != ".cfs"
    }


def test_plan_is_pure_and_follows_the_rules() -> None:
    local = {"": {"a": Entry("1", 1), "b": Entry("2", 2), "c": Entry("3", 3)}, "sub": {}}
    remote = {"": {"b": Entry("2", 2), "c": Entry("x", 30), "d": Entry("4", 4)}, "r": {}}
    plan = plan_sync("data/", local, remote, keeplocal=True)
    root = plan.dirs[0]
    assert (root.rel, root.label) == ("", "/data")
    assert (root.upload, root.download, root.conflicts) == (["a"], ["d"], ["c"])
    assert root.uploads == ["a", "c"] and root.downloads == ["d"]
    assert [d.label for d in plan.dirs] == ["/data", "/data/r", "/data/sub"]
    assert plan.transfer_bytes == 1 + 3 + 4
    down = plan_sync("/data", local, remote, keeplocal=False)
    assert down.dirs[0].uploads == ["a"] and down.dirs[0].downloads == ["c", "d"]
    assert down.transfer_bytes == 1 + 30 + 4
    assert plan_sync("/x", {"": {"a": Entry("1")}}, {"": {"a": Entry("1")}}, True).empty


async def test_upload_download_one_file(fs: Fs, tmp_path: Path) -> None:
    src = tmp_path / "hello.txt"
    src.write_bytes(b"hello world")
    f = await fs.upload(src, "data")
    assert f.label == "/data" and f.name == "hello.txt" and f.size == 11
    assert f.checksum == hashlib.sha256(b"hello world").hexdigest()
    assert f.checksum_alg == "SHA256"
    s3 = f.ref.s3_object
    assert len(s3.object) == 64 and s3.bucket == fs.store.bucket
    assert s3.access_key == s3.secret_key == "" and s3.port == fs.store.config.host_port()[1]
    out = await fs.download(f, tmp_path / "out" / "copy.txt")
    assert out.read_bytes() == b"hello world"
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    fe = await fs.upload(empty, "/data")
    assert (await fs.download(fe, tmp_path / "e2")).read_bytes() == b""
    await fs.remove(f)
    assert not await fs.store.exists(s3.object)
    assert await fs.api.find_file(label="/data", name="hello.txt") is None


async def test_sync_up_down_conflicts_and_revisions(fs: Fs, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    _tree(a, {"x.txt": b"x1", "y.txt": b"y1", "sub/z.txt": b"z1", "sub/deep/w": b"w"})
    plan = await sync(fs, a, "/proj")
    assert plan.upload_count == 4 and plan.download_count == 0
    assert read_label(a / "sub") == "/proj/sub"
    labels = {x.name: x.files for x in await fs.api.get_labels("/proj", exact=True)}
    assert labels == {"/proj": 2, "/proj/sub": 1, "/proj/sub/deep": 1}

    plan = await sync(fs, b, "/proj")
    assert plan.download_count == 4 and _read(b) == _read(a)
    assert (await sync(fs, a, "/proj")).empty

    # change x on both sides: keeplocal uploads b's version as a new revision
    (a / "x.txt").write_bytes(b"x-from-a")
    (b / "x.txt").write_bytes(b"x-from-b")
    (b / "new.txt").write_bytes(b"new")
    plan = await sync(fs, b, "/proj", keeplocal=True)
    assert plan.dirs[0].conflicts == ["x.txt"] and plan.dirs[0].uploads == ["new.txt", "x.txt"]
    revs = await fs.api.get_file(label="/proj", name="x.txt", latest=False)
    assert len(revs) == 2 and revs[0].checksum == hashlib.sha256(b"x-from-b").hexdigest()
    # without keeplocal a's local change is overwritten by the remote one
    plan = await sync(fs, a, "/proj", keeplocal=False)
    assert plan.dirs[0].downloads == ["new.txt", "x.txt"] and not plan.dirs[0].uploads
    assert (a / "x.txt").read_bytes() == b"x-from-b"
    assert _read(a) == _read(b)

    # deletions never propagate: a locally removed file comes back
    (a / "y.txt").unlink()
    await sync(fs, a, "/proj")
    assert (a / "y.txt").read_bytes() == b"y1"


async def test_many_small_files(fs: Fs, tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    _tree(src, {f"d{i % 10}/f{i}.txt": f"file {i}".encode() for i in range(200)})
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    plan = await sync(fs, src, "/many")
    up = loop.time() - t0
    t0 = loop.time()
    await sync(fs, dst, "/many")
    down = loop.time() - t0
    assert plan.upload_count == 200 and _read(dst) == _read(src)
    print(f"200 small files: up {up:.2f}s, down {down:.2f}s")


async def test_wrong_checksum_is_refused(fs: Fs, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"data")
    f = await fs.upload(src, "/c")
    f.checksum = "0" * 64
    with pytest.raises(Exception, match="checksum mismatch"):
        await fs.download(f, tmp_path / "out" / "f")
    assert not (tmp_path / "out" / "f").exists()
    assert list((tmp_path / "out").iterdir()) == []


async def test_snapshot_restore_and_clean(fs: Fs, tmp_path: Path) -> None:
    src = tmp_path / "src"
    _tree(src, {"a": b"a1", "x/y/b": b"b1", "x/y/c": b"c1"})
    await sync(fs, src, "/s")
    snap = await fs.api.create_snapshot("/s", "v1")
    assert snap.label == "/s" and len(snap.file_ids or []) == 3
    assert [s.name for s in await fs.api.get_snapshots()] == ["v1"]
    assert (await fs.api.get_snapshot(name="v1")).snapshot_id == snap.snapshot_id

    (src / "a").write_bytes(b"a2")
    await sync(fs, src, "/s")
    gone = await fs.api.find_file(label="/s/x/y", name="c")
    assert gone is not None
    await fs.remove(gone)  # snapshots do not pin files

    out = tmp_path / "restore"
    result = await download_snapshot(fs, snap, out)
    assert _read(out) == {"a": b"a1", "x/y/b": b"b1"}
    assert result.missing == [gone.file_id] and len(result.downloaded) == 2
    again = await download_snapshot(fs, snap, out)
    assert len(again.skipped) == 2 and not again.downloaded

    # clean keeps x (no files of its own, but /s/x/y has some) and drops what is unknown
    (out / "x" / "junk").write_bytes(b"j")
    (out / "z").mkdir()
    assert await clean_plan(fs, out, "/s") == [out / "x" / "junk", out / "z"]
    assert await clean_local(fs, out, "/s") == [out / "x" / "junk", out / "z"]
    assert _read(out) == {"a": b"a1", "x/y/b": b"b1"}

    await fs.api.remove_snapshot(snapshot_id=snap.snapshot_id)
    assert await fs.api.get_snapshots() == []


async def test_sync_down_a_label_with_only_sub_labels(fs: Fs, tmp_path: Path) -> None:
    """The root label itself has no files; its sub-labels still come down (the Go client's
    exact-label query would find nothing here)."""
    src, dst = tmp_path / "src", tmp_path / "dst"
    _tree(src, {"one/f": b"1", "two/g": b"2"})
    await sync(fs, src, "/only")
    assert await fs.api.get_files("/only") == []
    plan = await sync(fs, dst, "/only")
    assert plan.download_count == 2 and _read(dst) == _read(src)
