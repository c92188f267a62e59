from __future__ import annotations

from colonies.core import Colony, Statistics
from colonies.errors import BadRequest
from colonies.rpc.colony import (
    AddColonyMsg,
    ChangeColonyIdMsg,
    GetColoniesMsg,
    GetColonyMsg,
    GetColonyStatsMsg,
    RemoveColonyMsg,
)
from colonies.server.auth import require_colony_owner, require_member, require_server_owner
from colonies.server.codec import RawJSON
from colonies.server.router import Ctx, RpcRouter

router = RpcRouter()


@router.handle(AddColonyMsg, changes_members=True)
async def add_colony(ctx: Ctx, msg: AddColonyMsg) -> Colony:
    await require_server_owner(ctx)
    if msg.colony is None:
        raise BadRequest("Failed to add colony, colony is nil")
    if len(msg.colony.colony_id) != 64:
        raise BadRequest("Failed to add colony, invalid colony Id length")
    return await ctx.db.colonies.add(msg.colony)


@router.handle(RemoveColonyMsg, changes_members=True)
async def remove_colony(ctx: Ctx, msg: RemoveColonyMsg) -> None:
    await require_server_owner(ctx)
    if not await ctx.db.colonies.remove(msg.colony_name):
        raise BadRequest(f"Colony with name <{msg.colony_name}> not found")


@router.handle(GetColoniesMsg)
async def get_colonies(ctx: Ctx, msg: GetColoniesMsg) -> list[Colony]:
    await require_server_owner(ctx)
    return await ctx.db.colonies.find()


@router.handle(GetColonyMsg)
async def get_colony(ctx: Ctx, msg: GetColonyMsg) -> Colony | None:
    await require_member(ctx, msg.colony_name)
    return await ctx.db.colonies.get(msg.colony_name)


@router.handle(GetColonyStatsMsg)
async def colony_stats(ctx: Ctx, msg: GetColonyStatsMsg) -> Statistics:
    await require_member(ctx, msg.colony_name)
    return await ctx.db.colonies.statistics(msg.colony_name)


@router.handle(ChangeColonyIdMsg, changes_members=True)
async def change_colony_id(ctx: Ctx, msg: ChangeColonyIdMsg) -> RawJSON:
    await require_colony_owner(ctx, msg.colony_name)
    if len(msg.colony_id) != 64:
        raise BadRequest("Failed to change colony Id, invalid Id length")
    await ctx.db.colonies.set_id(msg.colony_name, msg.colony_id)
    return RawJSON(ctx.payload_json)
