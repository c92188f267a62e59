"""Colonies FS metadata and snapshots (FS.md, PROTOCOL §7.12).

The server keeps metadata only; clients move the bytes to and from S3 themselves.
"""

from __future__ import annotations

from colonies.core._wire import utc_now
from colonies.core.file import File, FileData, Label
from colonies.core.snapshot import Snapshot
from colonies.crypto import random_id
from colonies.db.files import SnapshotExists
from colonies.errors import BadRequest, ColoniesError, NotFound
from colonies.rpc.file import (
    AddFileMsg,
    CreateSnapshotMsg,
    GetFileLabelsMsg,
    GetFileMsg,
    GetFilesMsg,
    GetSnapshotMsg,
    GetSnapshotsMsg,
    RemoveAllSnapshotMsg,
    RemoveFileMsg,
    RemoveSnapshotMsg,
)
from colonies.server.auth import require_member
from colonies.server.router import Ctx, RpcRouter

router = RpcRouter()


@router.handle(AddFileMsg)
async def add_file(ctx: Ctx, msg: AddFileMsg) -> File:
    if msg.file is None:
        raise BadRequest("Failed to add file, file is nil")
    await require_member(ctx, msg.file.colony_name)
    f = msg.file.model_copy()
    f.file_id = random_id()
    f.added = utc_now()
    f.ref.protocol = "s3"
    return await ctx.db.files.add(f)


@router.handle(GetFileMsg)
async def get_file(ctx: Ctx, msg: GetFileMsg) -> list[File]:
    await require_member(ctx, msg.colony_name)
    files: list[File]
    if msg.file_id:
        one = await ctx.db.files.get(msg.colony_name, msg.file_id)
        files = [one] if one else []
    elif msg.label and msg.name:
        if msg.latest:
            latest = await ctx.db.files.latest(msg.colony_name, msg.label, msg.name)
            files = [latest] if latest else []
        else:
            files = await ctx.db.files.revisions(msg.colony_name, msg.label, msg.name)
    else:
        raise ColoniesError("malformatted get file msg")
    if not files:
        raise NotFound("Failed to get file")
    return files


@router.handle(GetFilesMsg)
async def get_files(ctx: Ctx, msg: GetFilesMsg) -> list[FileData]:
    await require_member(ctx, msg.colony_name)
    return await ctx.db.files.file_data(msg.colony_name, msg.label)


@router.handle(GetFileLabelsMsg)
async def get_file_labels(ctx: Ctx, msg: GetFileLabelsMsg) -> list[Label]:
    await require_member(ctx, msg.colony_name)
    return await ctx.db.files.labels(msg.colony_name, msg.name, msg.exact)


@router.handle(RemoveFileMsg)
async def remove_file(ctx: Ctx, msg: RemoveFileMsg) -> None:
    await require_member(ctx, msg.colony_name)
    if msg.file_id:
        await ctx.db.files.remove(msg.colony_name, msg.file_id)
    elif msg.label and msg.name:
        await ctx.db.files.remove_revisions(msg.colony_name, msg.label, msg.name)
    else:
        raise BadRequest("malformatted remove file msg")


@router.handle(CreateSnapshotMsg)
async def create_snapshot(ctx: Ctx, msg: CreateSnapshotMsg) -> Snapshot:
    await require_member(ctx, msg.colony_name)
    label = msg.label.rstrip("/") if len(msg.label) > 1 else msg.label
    exists = f"Snapshot with name <{msg.name}> in Colony <{msg.colony_name}> already exists"
    async with ctx.db.transaction() as db:
        if await db.files.snapshot_by_name(msg.colony_name, msg.name) is not None:
            raise ColoniesError(exists)
        ids = await db.files.snapshot_file_ids(msg.colony_name, label)
        snap = Snapshot(
            snapshot_id=random_id(),
            colony_name=msg.colony_name,
            label=label,
            name=msg.name,
            file_ids=ids or None,
            added=utc_now(),
        )
        try:
            await db.files.add_snapshot(snap)
        except SnapshotExists:
            raise ColoniesError(exists) from None
    return snap


@router.handle(GetSnapshotMsg)
async def get_snapshot(ctx: Ctx, msg: GetSnapshotMsg) -> Snapshot:
    await require_member(ctx, msg.colony_name)
    if msg.snapshot_id:
        snap = await ctx.db.files.snapshot(msg.colony_name, msg.snapshot_id)
        what = f"id <{msg.snapshot_id}>"
    else:
        snap = await ctx.db.files.snapshot_by_name(msg.colony_name, msg.name)
        what = f"name <{msg.name}>"
    if snap is None:
        raise ColoniesError(
            f"Snapshot not found with {what} in Colony <{msg.colony_name}> does not exists"
        )
    return snap


@router.handle(GetSnapshotsMsg)
async def get_snapshots(ctx: Ctx, msg: GetSnapshotsMsg) -> list[Snapshot]:
    await require_member(ctx, msg.colony_name)
    return await ctx.db.files.snapshots(msg.colony_name)


@router.handle(RemoveSnapshotMsg)
async def remove_snapshot(ctx: Ctx, msg: RemoveSnapshotMsg) -> None:
    await require_member(ctx, msg.colony_name)
    if msg.snapshot_id:
        await ctx.db.files.remove_snapshot(msg.colony_name, msg.snapshot_id)
    else:
        await ctx.db.files.remove_snapshot_by_name(msg.colony_name, msg.name)


@router.handle(RemoveAllSnapshotMsg)
async def remove_all_snapshots(ctx: Ctx, msg: RemoveAllSnapshotMsg) -> None:
    await require_member(ctx, msg.colony_name)
    await ctx.db.files.remove_snapshots(msg.colony_name)
