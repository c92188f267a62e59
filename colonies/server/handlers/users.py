from __future__ import annotations

from colonies.core import User
from colonies.errors import BadRequest, Forbidden, NotFound
from colonies.rpc.user import (
    AddUserMsg,
    ChangeUserIdMsg,
    GetUserByIdMsg,
    GetUserMsg,
    GetUsersMsg,
    RemoveUserMsg,
)
from colonies.server.auth import require_colony_owner, require_member
from colonies.server.codec import RawJSON
from colonies.server.router import Ctx, RpcRouter

router = RpcRouter()


@router.handle(AddUserMsg, changes_members=True)
async def add_user(ctx: Ctx, msg: AddUserMsg) -> User:
    if msg.user is None:
        raise BadRequest("Failed to add user, user is nil")
    await require_colony_owner(ctx, msg.user.colony_name)
    if len(msg.user.user_id) != 64:
        raise BadRequest("Failed to add user, invalid user Id length")
    return await ctx.db.users.add(msg.user)


@router.handle(GetUsersMsg)
async def get_users(ctx: Ctx, msg: GetUsersMsg) -> list[User]:
    await require_member(ctx, msg.colony_name, approved=False)
    return await ctx.db.users.find(msg.colony_name)


@router.handle(GetUserMsg)
async def get_user(ctx: Ctx, msg: GetUserMsg) -> User:
    await require_member(ctx, msg.colony_name, approved=False)
    user = await ctx.db.users.get(msg.colony_name, msg.name)
    if user is None:
        raise BadRequest("Failed to get user, user is nil", status=500)
    return user


@router.handle(GetUserByIdMsg)
async def get_user_by_id(ctx: Ctx, msg: GetUserByIdMsg) -> User:
    await require_member(ctx, msg.colony_name, approved=False)
    user = await ctx.db.users.get_by_id(msg.colony_name, msg.user_id)
    if user is None:
        raise NotFound("Failed to get user, user not found")
    return user


@router.handle(RemoveUserMsg, changes_members=True)
async def remove_user(ctx: Ctx, msg: RemoveUserMsg) -> None:
    await require_colony_owner(ctx, msg.colony_name)
    if not await ctx.db.users.remove(msg.colony_name, msg.name):
        raise BadRequest(f"User with name <{msg.name}> not found")


@router.handle(ChangeUserIdMsg, changes_members=True)
async def change_user_id(ctx: Ctx, msg: ChangeUserIdMsg) -> RawJSON:
    caller = await require_member(ctx, msg.colony_name, approved=False)
    if not caller.user_name:
        raise Forbidden("Access denied, not a user of the colony")
    if len(msg.user_id) != 64:
        raise BadRequest("Failed to change user Id, invalid Id length")
    await ctx.db.users.change_id(msg.colony_name, ctx.caller_id, msg.user_id)
    return RawJSON(ctx.payload_json)
