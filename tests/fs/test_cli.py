"""``colonies fs`` end to end: CliRunner in a worker thread (the server runs on the loop)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner, Result

from colonies.cli.main import cli
from colonies.fs import Fs

Env = dict[str, str]


async def _cli(env: Env, *args: str, input: str | None = None) -> Result:
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, cli, ["fs", *args], env=env, input=input, catch_exceptions=False
    )


async def _ok(env: Env, *args: str, input: str | None = None) -> str:
    result = await _cli(env, *args, input=input)
    assert result.exit_code == 0, result.output
    return result.output


async def test_sync_ls_info_get_remove(fs: Fs, cli_env: Env, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    (a / "sub").mkdir(parents=True)
    (a / "one.txt").write_text("one")
    (a / "sub" / "two.txt").write_text("two")

    out = await _ok(cli_env, "sync", "-l", "/cli", "-d", str(a), "--dry")
    assert "one.txt" in out and "upload" in out and "2 to upload" in out
    assert "/cli/sub" in out and "Directory" in out  # the summary table
    assert await fs.api.get_files("/cli") == []
    quiet = await _cli(cli_env, "sync", "-l", "/cli", "-d", str(a), "--quite")
    assert quiet.exit_code == 2 and "--quite needs --yes" in quiet.output
    out = await _ok(cli_env, "sync", "-l", "/cli", "-d", str(a), "--yes")
    assert "Transferring 2 files" in out and "Transferred 2 files" in out
    out = await _ok(cli_env, "sync", "-d", str(a), "--yes")  # label from .cfs
    assert "already synchronized" in out

    out = await _ok(cli_env, "sync", "-l", "cli", "-d", str(b), input="n\n")
    assert "Aborted" in out and not (b / "one.txt").exists()
    await _ok(cli_env, "sync", "-l", "cli", "-d", str(b), input="y\n")
    assert (b / "sub" / "two.txt").read_text() == "two"

    (a / "one.txt").write_text("changed")
    (b / "one.txt").write_text("other")
    await _ok(cli_env, "sync", "-l", "/cli", "-d", str(a), "-y")
    out = await _ok(cli_env, "sync", "-l", "/cli", "-d", str(b), "-y", "--keeplocal=false")
    assert "conflict, keep remote" in out
    assert (b / "one.txt").read_text() == "changed"
    (b / "one.txt").write_text("mine")
    assert await _ok(cli_env, "sync", "-d", str(b), "-y", "--quite") == ""
    assert (b / "one.txt").read_text() == "mine"  # keeplocal by default: uploaded
    await _ok(cli_env, "sync", "-d", str(a), "-y", "--keeplocal=false")
    assert (a / "one.txt").read_text() == "mine"
    (a / "one.txt").write_text("changed")
    await _ok(cli_env, "sync", "-d", str(a), "-y")

    listed = json.loads(await _ok(cli_env, "ls", "-l", "/cli", "--json"))
    assert [f["name"] for f in listed] == ["one.txt"]
    assert "Revisions" in await _ok(cli_env, "ls", "-l", "/cli")
    info = json.loads(await _ok(cli_env, "info", "-l", "/cli", "-n", "one.txt", "--json"))
    assert info[0]["size"] == len("changed") and info[0]["checksumalg"] == "SHA256"
    assert len(info) == 1 and info[0]["sequencenr"] > 0
    revs = json.loads(await _ok(cli_env, "info", "--fileid", info[0]["fileid"], "--json", "--all"))
    assert [r["fileid"] for r in revs] == [info[0]["fileid"]]
    await _ok(cli_env, "get", "-i", info[0]["fileid"], "-d", str(tmp_path / "got"))
    assert (tmp_path / "got" / "one.txt").read_text() == "changed"
    no_dir = await _cli(cli_env, "get", "-l", "/cli", "-n", "one.txt")
    assert no_dir.exit_code == 2 and "--dir" in no_dir.output
    labels = json.loads(await _ok(cli_env, "label", "ls", "--json"))
    assert {x["name"]: x["files"] for x in labels} == {"/cli": 4, "/cli/sub": 1}

    out = await _ok(cli_env, "remove", "-l", "/cli", "-n", "one.txt")
    assert "Removed 4 revision(s)" in out
    await _ok(cli_env, "label", "remove", "-l", "/cli", "--yes")
    assert await fs.api.get_labels("") == []
    assert await fs.store.keys() == []


async def test_snapshots_clean_and_errors(fs: Fs, cli_env: Env, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    (src / "a").write_text("a1")
    (src / "d" / "b").write_text("b1")
    await _ok(cli_env, "sync", "-l", "/snap", "-d", str(src), "-y")
    create = ["snapshot", "create", "-l", "/snap", "--snapshotname", "s1", "--json"]
    snap = json.loads(await _ok(cli_env, *create))
    assert len(snap["fileids"]) == 2

    (src / "a").write_text("a2")
    await _ok(cli_env, "sync", "-l", "/snap", "-d", str(src), "-y")
    restore = tmp_path / "restore"
    out = await _ok(cli_env, "snapshot", "download", "-n", "s1", "-d", str(restore))
    assert "Downloaded 2" in out
    assert (restore / "a").read_text() == "a1" and (restore / "d" / "b").read_text() == "b1"
    out = await _ok(cli_env, "snapshot", "download", "-i", snap["snapshotid"], "-d", str(restore))
    assert "skipped 2" in out

    listed = json.loads(await _ok(cli_env, "snapshot", "ls", "--json"))
    assert [s["name"] for s in listed] == ["s1"]
    got = json.loads(await _ok(cli_env, "snapshot", "get", "-n", "s1", "--json"))
    assert got["snapshotid"] == snap["snapshotid"]
    dup = await _cli(cli_env, "snapshot", "create", "-l", "/snap", "-n", "s1")
    assert dup.exit_code == 1
    assert "Snapshot with name <s1> in Colony <test> already exists" in dup.output
    await _ok(cli_env, "snapshot", "remove", "-n", "s1")
    assert json.loads(await _ok(cli_env, "snapshot", "ls", "--json")) == []
    assert (await _ok(cli_env, "snapshot", "ls")).strip() == "No snapshots found"
    assert (await _ok(cli_env, "ls", "-l", "/nothing")).strip() == (
        "No files with label /nothing found"
    )

    # clean: local extras go, remote files stay
    (src / "extra.txt").write_text("x")
    (src / "gone").mkdir()
    (src / "gone" / "f").write_text("f")
    (src / "d" / "extra").write_text("e")
    out = await _ok(cli_env, "clean", "-d", str(src), "--dry")
    assert "3 path(s) to remove (dry run)" in out and str(src / "gone") in out
    assert (src / "extra.txt").exists() and (src / "gone" / "f").exists()
    out = await _ok(cli_env, "clean", "-d", str(src), "-y")
    assert "3 path(s) removed" in out
    assert not (src / "extra.txt").exists() and not (src / "gone").exists()
    assert not (src / "d" / "extra").exists()
    assert (src / "a").exists() and (src / "d" / "b").exists() and (src / ".cfs").exists()
    nowhere = await _cli(cli_env, "clean", "-d", str(src), "-l", "/nothing", "-y")
    assert nowhere.exit_code == 1 and "Root directory not found in colonyFS" in nowhere.output

    # orphaned objects: an object no file refers to
    orphan = tmp_path / "orphan"
    orphan.write_text("o")
    await fs.store.upload(orphan, "f" * 64)
    out = await _ok(cli_env, "clean", "--objects", "--dry")
    assert "0 orphaned" in out  # younger than an hour: may be an upload in progress
    out = await _ok(cli_env, "clean", "--objects", "--dry", "--older-than", "0")
    assert "f" * 64 in out and "1 orphaned" in out
    await _ok(cli_env, "clean", "--objects", "-y", "--older-than", "0")
    assert not await fs.store.exists("f" * 64)
    assert len(await fs.store.keys()) == 3  # a1, a2, b

    no_secret = {**cli_env, "AWS_S3_SECRETKEY": ""}
    bad = await _cli(no_secret, "get", "-l", "/snap", "-n", "a", "-d", str(tmp_path / "x"))
    assert bad.exit_code == 1 and "AWS_S3_SECRETKEY" in bad.output
    missing = await _cli(cli_env, "info", "-l", "/snap", "-n", "nope")
    assert missing.exit_code == 1 and "Failed to get file" in missing.output


async def test_large_plans_are_summarised(fs: Fs, cli_env: Env, tmp_path: Path) -> None:
    src = tmp_path / "many"
    src.mkdir()
    for i in range(60):
        (src / f"f{i:02d}").write_text(str(i))
    out = await _ok(cli_env, "sync", "-l", "/many", "-d", str(src), input="n\n")
    assert "60 to upload" in out and "--syncplans lists every file" in out
    assert "f00" not in out and "Aborted" in out
    out = await _ok(cli_env, "sync", "-l", "/many", "-d", str(src), "--syncplans", input="n\n")
    assert "f00" in out and "f59" in out and "--syncplans lists" not in out
    assert await fs.api.get_files("/many") == []
