"""FsApi: the file and snapshot RPCs (PROTOCOL §7.12) for one colony and key."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from colonies.client import ColoniesClient
from colonies.core.file import File, FileData, Label
from colonies.core.snapshot import Snapshot
from colonies.errors import RPCError

_FILES = TypeAdapter(list[File])
_DATA = TypeAdapter(list[FileData])
_LABELS = TypeAdapter(list[Label])
_SNAPSHOTS = TypeAdapter(list[Snapshot])


class FsApi:
    def __init__(self, client: ColoniesClient, colony_name: str, prvkey: str) -> None:
        self.client = client
        self.colony_name = colony_name
        self.prvkey = prvkey

    async def _call(self, payload_type: str, data: dict[str, Any]) -> Any:
        return await self.client.call(payload_type, data, self.prvkey)

    def _c(self, **fields: Any) -> dict[str, Any]:
        return {"colonyname": self.colony_name, **fields}

    async def add_file(self, f: File) -> File:
        return File.from_wire(await self._call("addfilemsg", {"file": f.to_wire()}))

    async def get_file(
        self, *, file_id: str = "", label: str = "", name: str = "", latest: bool = True
    ) -> list[File]:
        """By id, or by label + name (latest or every revision, newest first)."""
        data = self._c(fileid=file_id, label=label, name=name, latest=latest)
        return _FILES.validate_python(await self._call("getfilemsg", data) or [])

    async def find_file(self, *, file_id: str = "", label: str = "", name: str = "") -> File | None:
        """The file by id or the latest revision by label + name; None if there is none."""
        try:
            files = await self.get_file(file_id=file_id, label=label, name=name)
        except RPCError as err:
            if err.status == 404:
                return None
            raise
        return files[0] if files else None

    async def get_files(self, label: str) -> list[FileData]:
        return _DATA.validate_python(await self._call("getfilesmsg", self._c(label=label)) or [])

    async def get_labels(self, name: str = "", exact: bool = False) -> list[Label]:
        reply = await self._call("getfilelabelsmsg", self._c(name=name, exact=exact))
        return _LABELS.validate_python(reply or [])

    async def remove_file(self, *, file_id: str = "", label: str = "", name: str = "") -> None:
        await self._call("removefilemsg", self._c(fileid=file_id, label=label, name=name))

    async def create_snapshot(self, label: str, name: str) -> Snapshot:
        reply = await self._call("createsnapshotmsg", self._c(label=label, name=name))
        return Snapshot.from_wire(reply)

    async def get_snapshot(self, *, snapshot_id: str = "", name: str = "") -> Snapshot:
        reply = await self._call("getsnapshotmsg", self._c(snapshotid=snapshot_id, name=name))
        return Snapshot.from_wire(reply)

    async def get_snapshots(self) -> list[Snapshot]:
        return _SNAPSHOTS.validate_python(await self._call("getsnapshotsmsg", self._c()) or [])

    async def remove_snapshot(self, *, snapshot_id: str = "", name: str = "") -> None:
        await self._call("removesnapshotmsg", self._c(snapshotid=snapshot_id, name=name))

    async def remove_all_snapshots(self) -> None:
        await self._call("removeallsnapshotmsg", self._c())
