from __future__ import annotations

from colonies.core import Executor, utc_now
from colonies.core.ticket import ExecutorTicket
from colonies.errors import BadRequest
from colonies.rpc.ticket import (
    AddExecutorTicketMsg,
    EnrollExecutorMsg,
    GetExecutorTicketsMsg,
    RevokeExecutorTicketMsg,
)
from colonies.server.auth import require_colony_owner
from colonies.server.router import Ctx, RpcRouter
from colonies.server.services import tickets as service

router = RpcRouter()


@router.handle(AddExecutorTicketMsg)
async def add_executor_ticket(ctx: Ctx, msg: AddExecutorTicketMsg) -> ExecutorTicket:
    await require_colony_owner(ctx, msg.colony_name)
    return await service.create(
        ctx.db,
        msg.colony_name,
        msg.executor_type,
        uses=msg.uses,
        expires_in_s=msg.expires_in,
        name_prefix=msg.name_prefix,
        now=utc_now(),
    )


@router.handle(GetExecutorTicketsMsg)
async def get_executor_tickets(ctx: Ctx, msg: GetExecutorTicketsMsg) -> list[ExecutorTicket]:
    await require_colony_owner(ctx, msg.colony_name)
    return await ctx.db.tickets.find(msg.colony_name)


@router.handle(RevokeExecutorTicketMsg)
async def revoke_executor_ticket(ctx: Ctx, msg: RevokeExecutorTicketMsg) -> ExecutorTicket:
    await require_colony_owner(ctx, msg.colony_name)
    revoked = await ctx.db.tickets.revoke(msg.colony_name, msg.ticket_id)
    if revoked is None:
        raise BadRequest(
            f"Ticket <{msg.ticket_id}> not found in Colony with name <{msg.colony_name}>"
        )
    return revoked


@router.handle(EnrollExecutorMsg, changes_members=True)
async def enroll_executor(ctx: Ctx, msg: EnrollExecutorMsg) -> Executor:
    return await service.enroll(
        ctx.db,
        msg.ticket,
        msg.executor or Executor(),
        ctx.caller_id,
        allow_reregister=ctx.settings.allow_executor_reregister,
        now=utc_now(),
    )
