from __future__ import annotations

from colonies.core import Executor, ExecutorState, utc_now
from colonies.errors import BadRequest, ColoniesError, Forbidden, NotFound
from colonies.rpc.executor import (
    AddExecutorMsg,
    ApproveExecutorMsg,
    ChangeExecutorIdMsg,
    GetExecutorByIdMsg,
    GetExecutorMsg,
    GetExecutorsMsg,
    RejectExecutorMsg,
    RemoveExecutorMsg,
    ReportAllocationsMsg,
    UpdateExecutorMsg,
)
from colonies.server.auth import require_colony_owner, require_member
from colonies.server.codec import RawJSON
from colonies.server.router import Ctx, RpcRouter
from colonies.server.services import processes as service

router = RpcRouter()


@router.handle(AddExecutorMsg, changes_members=True)
async def add_executor(ctx: Ctx, msg: AddExecutorMsg) -> Executor:
    if msg.executor is None:
        raise BadRequest("Failed to add executor, executor is nil")
    executor = msg.executor
    await require_colony_owner(ctx, executor.colony_name)
    if len(executor.executor_id) != 64:
        raise BadRequest("Failed to add executor, invalid executor Id length")
    existing = await ctx.db.executors.get(executor.colony_name, executor.executor_name)
    # A removed (unregistered) name is the owner's to reuse; an active one only with
    # COLONIES_ALLOW_EXECUTOR_REREGISTER, as in the reference.
    reactivate = existing is not None and (
        existing.state == ExecutorState.UNREGISTERED or ctx.settings.allow_executor_reregister
    )
    if reactivate:
        await ctx.db.functions.remove_for_executor(executor.colony_name, executor.executor_name)
    executor.state = ExecutorState.PENDING
    executor.commission_time = utc_now()
    return await ctx.db.executors.add(executor, reactivate=reactivate)


@router.handle(GetExecutorsMsg)
async def get_executors(ctx: Ctx, msg: GetExecutorsMsg) -> list[Executor]:
    await require_member(ctx, msg.colony_name, approved=False)
    return await ctx.db.executors.find(msg.colony_name)


@router.handle(GetExecutorMsg)
async def get_executor(ctx: Ctx, msg: GetExecutorMsg) -> Executor:
    await require_member(ctx, msg.colony_name)
    executor = await ctx.db.executors.get(msg.colony_name, msg.executor_name)
    if executor is None:
        raise ColoniesError("Failed to get executor, executor is nil")
    return executor


@router.handle(GetExecutorByIdMsg)
async def get_executor_by_id(ctx: Ctx, msg: GetExecutorByIdMsg) -> Executor:
    executor = await ctx.db.executors.get_by_id(msg.executor_id)
    if executor is None:
        raise NotFound("Failed to get executor, executor not found")
    await require_member(ctx, executor.colony_name)
    return executor


async def _set_state(ctx: Ctx, colony_name: str, name: str, state: ExecutorState) -> None:
    await require_colony_owner(ctx, colony_name)
    if await ctx.db.executors.set_state(colony_name, name, state) is None:
        raise ColoniesError("Failed to change executor state, executor is nil")


@router.handle(ApproveExecutorMsg, changes_members=True)
async def approve_executor(ctx: Ctx, msg: ApproveExecutorMsg) -> None:
    await _set_state(ctx, msg.colony_name, msg.executor_name, ExecutorState.APPROVED)


@router.handle(RejectExecutorMsg, changes_members=True)
async def reject_executor(ctx: Ctx, msg: RejectExecutorMsg) -> None:
    await _set_state(ctx, msg.colony_name, msg.executor_name, ExecutorState.REJECTED)


@router.handle(RemoveExecutorMsg, changes_members=True)
async def remove_executor(ctx: Ctx, msg: RemoveExecutorMsg) -> None:
    await require_colony_owner(ctx, msg.colony_name)
    if not await service.remove_executor(ctx.db, msg.colony_name, msg.executor_name):
        raise ColoniesError("Failed to remove executor, executor is nil")


async def _require_self(ctx: Ctx, colony_name: str, executor_name: str) -> None:
    caller = await require_member(ctx, colony_name, approved=False)
    if not caller.is_executor or caller.executor_name != executor_name:
        raise Forbidden("Access denied, not the executor itself")


@router.handle(ReportAllocationsMsg)
async def report_allocations(ctx: Ctx, msg: ReportAllocationsMsg) -> None:
    await _require_self(ctx, msg.colony_name, msg.executor_name)
    await ctx.db.executors.set_allocations(msg.colony_name, msg.executor_name, msg.allocations)


@router.handle(UpdateExecutorMsg, changes_members=True)
async def update_executor(ctx: Ctx, msg: UpdateExecutorMsg) -> None:
    await _require_self(ctx, msg.colony_name, msg.executor_name)
    await ctx.db.executors.set_capabilities(msg.colony_name, msg.executor_name, msg.capabilities)


@router.handle(ChangeExecutorIdMsg, changes_members=True)
async def change_executor_id(ctx: Ctx, msg: ChangeExecutorIdMsg) -> RawJSON:
    caller = await require_member(ctx, msg.colony_name, approved=False)
    if not caller.is_executor:
        raise Forbidden("Access denied, caller is not an executor")
    if len(msg.executor_id) != 64:
        raise BadRequest("Failed to change executor Id, invalid Id length")
    await ctx.db.executors.change_id(msg.colony_name, ctx.caller_id, msg.executor_id)
    return RawJSON(ctx.payload_json)
