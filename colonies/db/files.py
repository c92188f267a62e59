"""File metadata and snapshots of Colonies FS."""

from __future__ import annotations

from typing import Any

import asyncpg

from colonies.core.file import File, FileData, Label, Reference
from colonies.core.snapshot import Snapshot
from colonies.db.base import Store
from colonies.db.queries import Q


def _file(row: Any) -> File:
    return File(
        file_id=row["file_id"],
        colony_name=row["colony_name"],
        label=row["label"],
        name=row["name"],
        size=row["size"],
        sequence_nr=row["sequence_nr"],
        checksum=row["checksum"],
        checksum_alg=row["checksum_alg"],
        ref=Reference.model_validate({**row["ref"], "protocol": "s3"}),
        added=row["added"],
    )


def _snapshot(row: Any) -> Snapshot:
    ids = row["file_ids"]
    return Snapshot(
        snapshot_id=row["snapshot_id"],
        colony_name=row["colony_name"],
        label=row["label"],
        name=row["name"],
        file_ids=list(ids) if ids else None,
        added=row["added"],
    )


def _labels(rows: list[Any]) -> list[Label]:
    return [Label(name=r["label"], files=r["files"]) for r in rows]


class SnapshotExists(Exception):
    pass


class FileStore(Store):
    async def digest(
        self, colony_name: str, label: str, snapshot_id: str = ""
    ) -> list[tuple[str, str, str]]:
        """(label, name, checksum) of a snapshot's files, or with no snapshot id of the
        latest revision of each file of a label and its sub-labels (cache keys)."""
        if snapshot_id:
            rows = await self.conn.fetch(Q["snapshot_digest"], colony_name, snapshot_id)
        else:
            rows = await self.conn.fetch(Q["label_digest"], colony_name, label)
        return [(r["label"], r["name"], r["checksum"]) for r in rows]

    async def add(self, f: File) -> File:
        row = await self.conn.fetchrow(
            Q["insert_file"],
            f.file_id,
            f.colony_name,
            f.label,
            f.name,
            f.size,
            f.checksum,
            f.checksum_alg,
            f.ref.to_wire(),
            f.added,
        )
        return _file(row)

    async def get(self, colony_name: str, file_id: str) -> File | None:
        row = await self.conn.fetchrow(Q["get_file"], colony_name, file_id)
        return _file(row) if row else None

    async def revisions(self, colony_name: str, label: str, name: str) -> list[File]:
        rows = await self.conn.fetch(Q["get_file_revisions"], colony_name, label, name)
        return [_file(r) for r in rows]

    async def latest(self, colony_name: str, label: str, name: str) -> File | None:
        row = await self.conn.fetchrow(Q["get_latest_file"], colony_name, label, name)
        return _file(row) if row else None

    async def file_data(self, colony_name: str, label: str) -> list[FileData]:
        rows = await self.conn.fetch(Q["list_file_data"], colony_name, label)
        return [
            FileData(
                name=r["name"],
                checksum=r["checksum"],
                size=r["size"],
                s3_filename=r["s3_filename"] or "",
            )
            for r in rows
        ]

    async def labels(self, colony_name: str, name: str, exact: bool) -> list[Label]:
        if not name:
            return _labels(await self.conn.fetch(Q["list_all_labels"], colony_name))
        query = Q["list_labels_exact"] if exact else Q["list_labels_prefix"]
        return _labels(await self.conn.fetch(query, colony_name, name))

    async def remove(self, colony_name: str, file_id: str) -> None:
        await self.conn.execute(Q["delete_file"], colony_name, file_id)

    async def remove_revisions(self, colony_name: str, label: str, name: str) -> None:
        await self.conn.execute(Q["delete_file_revisions"], colony_name, label, name)

    async def snapshot_file_ids(self, colony_name: str, label: str) -> list[str]:
        rows = await self.conn.fetch(Q["snapshot_file_ids"], colony_name, label)
        return [r["file_id"] for r in rows]

    async def add_snapshot(self, snap: Snapshot) -> None:
        """Raises SnapshotExists if the name is taken in the colony."""
        try:
            await self.conn.execute(
                Q["insert_snapshot"],
                snap.snapshot_id,
                snap.colony_name,
                snap.label,
                snap.name,
                snap.file_ids,
                snap.added,
            )
        except asyncpg.UniqueViolationError:
            raise SnapshotExists from None

    async def snapshot(self, colony_name: str, snapshot_id: str) -> Snapshot | None:
        row = await self.conn.fetchrow(Q["get_snapshot"], colony_name, snapshot_id)
        return _snapshot(row) if row else None

    async def snapshot_by_name(self, colony_name: str, name: str) -> Snapshot | None:
        row = await self.conn.fetchrow(Q["get_snapshot_by_name"], colony_name, name)
        return _snapshot(row) if row else None

    async def snapshots(self, colony_name: str) -> list[Snapshot]:
        return [_snapshot(r) for r in await self.conn.fetch(Q["list_snapshots"], colony_name)]

    async def remove_snapshot(self, colony_name: str, snapshot_id: str) -> None:
        await self.conn.execute(Q["delete_snapshot"], colony_name, snapshot_id)

    async def remove_snapshot_by_name(self, colony_name: str, name: str) -> None:
        await self.conn.execute(Q["delete_snapshot_by_name"], colony_name, name)

    async def remove_snapshots(self, colony_name: str) -> None:
        await self.conn.execute(Q["delete_snapshots"], colony_name)
