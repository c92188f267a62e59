"""Colonies FS metadata and snapshot messages (PROTOCOL §7.12)."""

from __future__ import annotations

from colonies.core._wire import Bool
from colonies.core.file import File
from colonies.rpc.base import Msg


class AddFileMsg(
    Msg,
    payload_type="addfilemsg",
    action="add file",
    changes=True,
    target=("reply.file_id", "file.name"),
    colony="file.colony_name",
):
    file: File | None = None


class GetFileMsg(Msg, payload_type="getfilemsg", action="get file"):
    colony_name: str = ""
    file_id: str = ""
    label: str = ""
    name: str = ""
    latest: Bool = False


class GetFilesMsg(Msg, payload_type="getfilesmsg", action="get files"):
    colony_name: str = ""
    label: str = ""


class GetFileLabelsMsg(Msg, payload_type="getfilelabelsmsg", action="get file labels"):
    colony_name: str = ""
    name: str = ""
    exact: Bool = False


class RemoveFileMsg(
    Msg,
    payload_type="removefilemsg",
    action="remove file",
    changes=True,
    target=("file_id", "name"),
):
    colony_name: str = ""
    file_id: str = ""
    label: str = ""
    name: str = ""


class CreateSnapshotMsg(
    Msg,
    payload_type="createsnapshotmsg",
    action="create snapshot",
    changes=True,
    target=("reply.snapshot_id", "name"),
):
    colony_name: str = ""
    label: str = ""
    name: str = ""


class GetSnapshotMsg(Msg, payload_type="getsnapshotmsg", action="get snapshot"):
    colony_name: str = ""
    snapshot_id: str = ""
    name: str = ""


class GetSnapshotsMsg(Msg, payload_type="getsnapshotsmsg", action="get snapshots"):
    colony_name: str = ""


class RemoveSnapshotMsg(
    Msg,
    payload_type="removesnapshotmsg",
    action="remove snapshot",
    changes=True,
    target=("snapshot_id", "name"),
):
    colony_name: str = ""
    snapshot_id: str = ""
    name: str = ""


class RemoveAllSnapshotMsg(
    Msg, payload_type="removeallsnapshotmsg", action="remove all snapshots", changes=True
):
    colony_name: str = ""
