"""pycolonies 1.0.25 uploads download with ours, and the reverse (same S3, same server)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from aiohttp.test_utils import TestServer
from pycolonies import Colonies

from colonies.fs import Fs
from tests.conftest import EXECUTOR_KEY

FIELDS = {
    "fileid", "colonyname", "label", "name", "size", "sequencenr", "checksum", "checksumalg",
    "ref", "added",
}  # fmt: skip
S3_FIELDS = {
    "server", "port", "tls", "accesskey", "secretkey", "region", "encryptionkey",
    "encryptionalg", "object", "bucket",
}  # fmt: skip


async def test_pycolonies_and_ours_share_files(fs: Fs, server: TestServer, tmp_path: Path) -> None:
    py = Colonies("127.0.0.1", server.port)
    src = tmp_path / "from_py.txt"
    src.write_bytes(b"written by pycolonies")

    added = await asyncio.to_thread(py.upload_file, "test", EXECUTOR_KEY, str(src), "py")
    assert set(added) == FIELDS and set(added["ref"]["s3object"]) == S3_FIELDS
    data = await asyncio.to_thread(
        py.upload_data, "test", EXECUTOR_KEY, "blob.bin", b"\x00\x01bytes", "/py"
    )
    assert data["label"] == "/py" and data["size"] == 7

    f = await fs.api.find_file(label="/py", name="from_py.txt")
    assert f is not None and f.checksum == hashlib.sha256(src.read_bytes()).hexdigest()
    out = await fs.download(f, tmp_path / "ours" / f.name)
    assert out.read_bytes() == b"written by pycolonies"
    blob = await fs.api.find_file(label="/py", name="blob.bin")
    assert blob is not None
    assert (await fs.download(blob, tmp_path / "ours" / "blob.bin")).read_bytes() == (
        b"\x00\x01bytes"
    )

    mine = tmp_path / "from_us.txt"
    mine.write_bytes(b"written by colonies.fs")
    ours = await fs.upload(mine, "/py")
    wire = ours.to_wire()
    assert set(wire) == FIELDS and set(wire["ref"]["s3object"]) == S3_FIELDS
    dst = tmp_path / "py_dst"
    got = await asyncio.to_thread(
        py.download_file, "test", EXECUTOR_KEY, str(dst), "/py", None, "from_us.txt"
    )
    assert Path(got).read_bytes() == b"written by colonies.fs"
    raw = await asyncio.to_thread(
        py.download_data, "test", EXECUTOR_KEY, "/py", None, "from_us.txt"
    )
    assert raw == b"written by colonies.fs"

    listed = await asyncio.to_thread(py.get_files, "/py", "test", EXECUTOR_KEY)
    assert sorted(x["name"] for x in listed) == ["blob.bin", "from_py.txt", "from_us.txt"]
    labels = await asyncio.to_thread(py.get_file_labels, "test", EXECUTOR_KEY)
    assert labels == [{"name": "/py", "files": 3}]
    snap = await asyncio.to_thread(py.create_snapshot, "test", "/py", "s", EXECUTOR_KEY)
    assert len(snap["fileids"]) == 3
    await asyncio.to_thread(py.delete_file, "test", EXECUTOR_KEY, "/py", None, "from_us.txt")
    assert not await fs.store.exists(ours.ref.s3_object.object)
    assert await fs.api.find_file(label="/py", name="from_us.txt") is None


async def test_go_client_references_download(fs: Fs, tmp_path: Path) -> None:
    """The Go FS library stores ``server`` = the whole endpoint and ``port`` = -1, and no
    object at all for an empty file: both download with ours."""
    src = tmp_path / "go.txt"
    src.write_bytes(b"written by the go client")
    key = "ab" * 32
    await fs.store.upload(src, key)
    s3 = {
        "server": fs.store.config.endpoint, "port": -1, "tls": False, "accesskey": "k",
        "secretkey": "s", "region": "", "encryptionkey": "", "encryptionalg": "",
        "object": key, "bucket": fs.store.bucket,
    }  # fmt: skip
    checksum = hashlib.sha256(src.read_bytes()).hexdigest()
    for name, size, digest, obj in (
        ("go.txt", src.stat().st_size, checksum, key),
        ("empty", 0, hashlib.sha256(b"").hexdigest(), "cd" * 32),
    ):
        wire = {
            "fileid": "", "colonyname": "test", "label": "/go", "name": name, "size": size,
            "sequencenr": 0, "checksum": digest, "checksumalg": "SHA256",
            "ref": {"protocol": "", "s3object": {**s3, "object": obj}},
        }  # fmt: skip
        await fs.api.call("addfilemsg", {"file": wire}, key=EXECUTOR_KEY)
    f = await fs.api.find_file(label="/go", name="go.txt")
    assert f is not None and f.ref.protocol == "s3" and f.ref.s3_object.port == -1
    assert (await fs.download(f, tmp_path / "d" / "go.txt")).read_bytes() == src.read_bytes()
    empty = await fs.api.find_file(label="/go", name="empty")
    assert empty is not None
    assert (await fs.download(empty, tmp_path / "d" / "empty")).read_bytes() == b""
