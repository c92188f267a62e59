"""The roles of PROTOCOL §5. Each check raises Forbidden with the reference's text."""

from __future__ import annotations

from typing import Any

from colonies.core import Capabilities, ExecutorState
from colonies.errors import BadRequest, Forbidden
from colonies.server.caller import Caller
from colonies.server.router import Ctx


async def require_server_owner(ctx: Ctx) -> None:
    if ctx.caller_id != await ctx.db.server.server_id():
        raise Forbidden("Access denied, not server owner")
    ctx.checked.role = "server owner"


def _checking(ctx: Ctx, colony_name: str) -> None:
    if not ctx.checked.colony_name:
        ctx.checked.colony_name = colony_name


async def require_colony_owner(ctx: Ctx, colony_name: str) -> None:
    if not colony_name:
        raise BadRequest("Empty Colony name")
    _checking(ctx, colony_name)
    colony = await ctx.db.colonies.get(colony_name)
    if colony is None:
        raise Forbidden(f"Colony with name <{colony_name}> does not exists")
    if colony.colony_id != ctx.caller_id:
        raise Forbidden("Access denied, not colony owner")
    ctx.checked.role = "colony owner"


async def _membership(ctx: Ctx, colony_name: str) -> Any:
    row = ctx.members.get(ctx.caller_id, colony_name)
    if row is None:
        row = await ctx.db.server.caller_in_colony(ctx.caller_id, colony_name)
        if row["executor_colony"] == colony_name or row["user_name"] is not None:
            ctx.members.put(ctx.caller_id, colony_name, row)
    return row


async def require_member(ctx: Ctx, colony_name: str, *, approved: bool = True) -> Caller:
    """An executor of the colony (approved, unless ``approved=False``) or a user of it."""
    _checking(ctx, colony_name)
    row: Any = await _membership(ctx, colony_name)
    executor_ok = row["executor_colony"] == colony_name and (
        not approved or row["executor_state"] == ExecutorState.APPROVED
    )
    if not executor_ok and row["user_name"] is None:
        if not row["colony_exists"]:
            raise Forbidden(f"Colony with name <{colony_name}> does not exists")
        raise Forbidden(f"Access denied, not a member of Colony with name <{colony_name}>")
    caps = row["executor_capabilities"]
    ctx.checked.role = "executor" if executor_ok else "user"
    ctx.checked.name = row["executor_name"] if executor_ok else row["user_name"]
    return Caller(
        id=ctx.caller_id,
        colony_name=colony_name,
        paused=bool(row["paused"]),
        executor_name=row["executor_name"] if executor_ok else "",
        executor_type=row["executor_type"] if executor_ok else "",
        executor_location=row["executor_location"] if executor_ok else "",
        executor_capabilities=Capabilities.model_validate(caps) if executor_ok else Capabilities(),
        user_name=row["user_name"] or "",
    )


async def require_member_or_colony_owner(ctx: Ctx, colony_name: str) -> Caller:
    """An approved member or else the colony owner (the blueprint messages' rule); a refused
    caller gets the colony-owner check's answer, as in the reference."""
    try:
        return await require_member(ctx, colony_name)
    except Forbidden:
        await require_colony_owner(ctx, colony_name)
    return Caller(id=ctx.caller_id, colony_name=colony_name)
