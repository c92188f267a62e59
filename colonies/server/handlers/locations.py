from __future__ import annotations

from colonies.core import Location
from colonies.errors import BadRequest, NotFound
from colonies.rpc.location import (
    AddLocationMsg,
    GetLocationMsg,
    GetLocationsMsg,
    RemoveLocationMsg,
)
from colonies.server.auth import require_colony_owner, require_member
from colonies.server.router import Ctx, RpcRouter

router = RpcRouter()


@router.handle(AddLocationMsg)
async def add_location(ctx: Ctx, msg: AddLocationMsg) -> Location:
    if msg.location is None:
        raise BadRequest("Failed to add location, location is nil")
    await require_colony_owner(ctx, msg.location.colony_name)
    return await ctx.db.locations.add(msg.location)


@router.handle(GetLocationsMsg)
async def get_locations(ctx: Ctx, msg: GetLocationsMsg) -> list[Location]:
    await require_member(ctx, msg.colony_name, approved=False)
    return await ctx.db.locations.find(msg.colony_name)


@router.handle(GetLocationMsg)
async def get_location(ctx: Ctx, msg: GetLocationMsg) -> Location:
    await require_member(ctx, msg.colony_name, approved=False)
    location = await ctx.db.locations.get(msg.colony_name, msg.name)
    if location is None:
        raise NotFound(f"Location with name <{msg.name}> not found")
    return location


@router.handle(RemoveLocationMsg)
async def remove_location(ctx: Ctx, msg: RemoveLocationMsg) -> None:
    await require_colony_owner(ctx, msg.colony_name)
    if not await ctx.db.locations.remove(msg.colony_name, msg.name):
        raise BadRequest(f"Location with name <{msg.name}> not found")
