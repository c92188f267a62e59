"""The file and snapshot messages against the real server and database (flow6 captures)."""

from __future__ import annotations

from typing import Any

import pytest

from colonies.client import ColoniesClient
from colonies.db import Database
from colonies.errors import RPCError
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY, Colony

C = {"colonyname": "test"}


def _file(label: str, name: str, checksum: str, obj: str) -> dict[str, Any]:
    s3 = {
        "server": "localhost",
        "port": 9000,
        "tls": False,
        "accesskey": "",
        "secretkey": "",
        "region": "",
        "encryptionkey": "",
        "encryptionalg": "",
        "object": obj,
        "bucket": "b",
    }
    return {
        "fileid": "",
        "colonyname": "test",
        "label": label,
        "name": name,
        "size": 5,
        "sequencenr": 1,
        "checksum": checksum,
        "checksumalg": "SHA256",
        "ref": {"protocol": "s3", "s3object": s3},
    }


async def test_files_and_snapshots_as_the_reference(client: ColoniesClient, colony: Colony) -> None:
    call = client.call
    k = EXECUTOR_KEY
    f1 = await call("addfilemsg", {"file": _file("/data", "a.txt", "c1", "o1")}, key=k)
    assert set(f1) == {
        "fileid", "colonyname", "label", "name", "size", "sequencenr", "checksum",
        "checksumalg", "ref", "added",
    }  # fmt: skip
    assert len(f1["fileid"]) == 64 and f1["added"].endswith("Z")
    assert f1["ref"] == _file("/data", "a.txt", "c1", "o1")["ref"]
    f2 = await call("addfilemsg", {"file": _file("/data", "a.txt", "c2", "o2")}, key=k)
    assert f2["sequencenr"] > f1["sequencenr"]
    b = await call("addfilemsg", {"file": _file("/data/sub", "b.txt", "c3", "o3")}, key=k)
    await call("addfilemsg", {"file": _file("/datax", "c.txt", "c4", "o4")}, key=k)

    files = await call("getfilesmsg", {**C, "label": "/data"}, key=k)
    assert files == [{"name": "a.txt", "checksum": "c2", "size": 5, "s3filename": "o2"}]
    assert await call("getfilesmsg", {**C, "label": "/nothing"}, key=k) == []

    q = {**C, "fileid": None, "label": "/data", "name": "a.txt"}
    latest = await call("getfilemsg", {**q, "latest": True}, key=k)
    assert [r["fileid"] for r in latest] == [f2["fileid"]]
    revs = await call("getfilemsg", {**q, "latest": False}, key=k)
    assert [r["sequencenr"] for r in revs] == [f2["sequencenr"], f1["sequencenr"]]
    by_id = await call("getfilemsg", {**C, "fileid": f1["fileid"], "latest": True}, key=k)
    assert by_id[0]["checksum"] == "c1"
    with pytest.raises(RPCError) as err:
        await call("getfilemsg", {**q, "name": "zz", "latest": True}, key=k)
    assert (err.value.status, err.value.message) == (404, "Failed to get file")
    with pytest.raises(RPCError) as err:
        await call("getfilemsg", {**C, "fileid": None, "label": None, "name": None}, key=k)
    assert (err.value.status, err.value.message) == (500, "malformatted get file msg")

    def labels(reply: list[dict[str, Any]]) -> dict[str, int]:
        return {x["name"]: x["files"] for x in reply}

    everything = {"/data": 2, "/data/sub": 1, "/datax": 1}
    assert labels(await call("getfilelabelsmsg", {**C, "name": "", "exact": False}, key=k)) == (
        everything
    )
    exact = await call("getfilelabelsmsg", {**C, "name": "/data", "exact": True}, key=k)
    assert labels(exact) == {"/data": 2, "/data/sub": 1}
    prefix = await call("getfilelabelsmsg", {**C, "name": "/data", "exact": False}, key=k)
    assert labels(prefix) == everything
    assert await call("getfilelabelsmsg", {**C, "name": "/data/s", "exact": True}, key=k) == []

    snap = await call("createsnapshotmsg", {**C, "label": "/data/", "name": "snap1"}, key=k)
    assert snap["label"] == "/data" and snap["name"] == "snap1"
    assert sorted(snap["fileids"]) == sorted([f2["fileid"], b["fileid"]])
    with pytest.raises(RPCError) as err:
        await call("createsnapshotmsg", {**C, "label": "/data", "name": "snap1"}, key=k)
    assert (err.value.status, err.value.message) == (
        500,
        "Snapshot with name <snap1> in Colony <test> already exists",
    )
    empty = await call("createsnapshotmsg", {**C, "label": "test_label", "name": "snap2"}, key=k)
    assert empty["fileids"] is None and empty["label"] == "test_label"
    got = await call("getsnapshotmsg", {**C, "snapshotid": "", "name": "snap1"}, key=k)
    assert got["snapshotid"] == snap["snapshotid"]
    got = await call("getsnapshotmsg", {**C, "snapshotid": snap["snapshotid"], "name": ""}, key=k)
    assert got["name"] == "snap1"
    with pytest.raises(RPCError) as err:
        await call("getsnapshotmsg", {**C, "snapshotid": "", "name": "nope"}, key=k)
    assert (err.value.status, err.value.message) == (
        500,
        "Snapshot not found with name <nope> in Colony <test> does not exists",
    )
    snaps = await call("getsnapshotsmsg", C, key=k)
    assert [s["name"] for s in snaps] == ["snap2", "snap1"]
    assert await call("removesnapshotmsg", {**C, "snapshotid": "", "name": "snap2"}, key=k) == {}
    assert [s["name"] for s in await call("getsnapshotsmsg", C, key=k)] == ["snap1"]
    assert await call("removeallsnapshotmsg", C, key=k) == {}
    assert await call("getsnapshotsmsg", C, key=k) == []

    rm = {**C, "fileid": None, "label": "/datax", "name": "c.txt"}
    assert await call("removefilemsg", rm, key=k) == {}
    assert await call("getfilesmsg", {**C, "label": "/datax"}, key=k) == []
    await call("removefilemsg", {**C, "fileid": f1["fileid"]}, key=k)
    revs = await call("getfilemsg", {**q, "latest": False}, key=k)
    assert [r["fileid"] for r in revs] == [f2["fileid"]]
    with pytest.raises(RPCError) as err:
        await call("removefilemsg", {**C, "fileid": None, "label": None, "name": None}, key=k)
    assert (err.value.status, err.value.message) == (400, "malformatted remove file msg")


async def test_members_only_and_colony_removal_cascades(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    await client.call("addfilemsg", {"file": _file("/d", "a", "c", "o")}, key=EXECUTOR_KEY)
    await client.call("createsnapshotmsg", {**C, "label": "/d", "name": "s"}, key=EXECUTOR_KEY)
    with pytest.raises(RPCError) as err:
        await client.call("getfilesmsg", {**C, "label": "/d"}, key=COLONY_KEY)
    assert err.value.status == 403
    assert await db.files.conn.fetchval("SELECT count(*) FROM files") == 1
    await client.call("removecolonymsg", C, key=SERVER_KEY)
    assert await db.files.conn.fetchval("SELECT count(*) FROM files") == 0
    assert await db.files.conn.fetchval("SELECT count(*) FROM snapshots") == 0
