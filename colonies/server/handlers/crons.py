from __future__ import annotations

from colonies.core.cron import Cron
from colonies.errors import BadRequest, ColoniesError
from colonies.rpc.cron import AddCronMsg, GetCronMsg, GetCronsMsg, RemoveCronMsg, RunCronMsg
from colonies.server.auth import require_member
from colonies.server.router import Ctx, RpcRouter
from colonies.server.services import crons

router = RpcRouter()


async def _cron(ctx: Ctx, cron_id: str, action: str) -> Cron:
    cron = await ctx.db.crons.get(cron_id)
    if cron is None:
        raise ColoniesError(f"Failed to {action}, cron is nil")
    await require_member(ctx, cron.colony_name)
    return cron


@router.handle(AddCronMsg)
async def add_cron(ctx: Ctx, msg: AddCronMsg) -> Cron:
    if msg.cron is None:
        raise BadRequest("Failed to add cron, cron is nil")
    caller = await require_member(ctx, msg.cron.colony_name)
    return await crons.add(ctx.db, msg.cron, caller)


@router.handle(GetCronMsg)
async def get_cron(ctx: Ctx, msg: GetCronMsg) -> Cron:
    cron = await _cron(ctx, msg.cron_id, "get cron")
    cron.checker_period = ctx.settings.cron_period_ms
    return cron


@router.handle(GetCronsMsg)
async def get_crons(ctx: Ctx, msg: GetCronsMsg) -> list[Cron]:
    await require_member(ctx, msg.colony_name)
    return await ctx.db.crons.find(msg.colony_name, msg.count)


@router.handle(RunCronMsg)
async def run_cron(ctx: Ctx, msg: RunCronMsg) -> Cron:
    cron = await ctx.db.crons.get(msg.cron_id)
    if cron is None:
        raise BadRequest("cron not found")
    await require_member(ctx, cron.colony_name)  # checked before running (the reference after)
    return await crons.run_now(ctx.db, ctx.events, msg.cron_id)


@router.handle(RemoveCronMsg)
async def remove_cron(ctx: Ctx, msg: RemoveCronMsg) -> None:
    await _cron(ctx, msg.cron_id, "remove cron")
    await ctx.db.crons.remove(msg.cron_id)
