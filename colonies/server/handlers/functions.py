from __future__ import annotations

from colonies.core import Function
from colonies.crypto import random_id
from colonies.errors import BadRequest, Forbidden, NotFound
from colonies.rpc.function import AddFunctionMsg, GetFunctionsMsg, RemoveFunctionMsg
from colonies.server.auth import require_member
from colonies.server.router import Ctx, RpcRouter

router = RpcRouter()


@router.handle(AddFunctionMsg)
async def add_function(ctx: Ctx, msg: AddFunctionMsg) -> Function:
    if msg.function is None:
        raise BadRequest("Failed to add function, function is nil")
    fn = msg.function
    caller = await require_member(ctx, fn.colony_name)
    executor = await ctx.db.executors.get(fn.colony_name, fn.executor_name)
    if executor is None:
        raise BadRequest(f"Executor with name <{fn.executor_name}> not found")
    if executor.executor_id != caller.id:
        raise Forbidden("Not allowed to add a function to another executor")
    fn.function_id = fn.function_id or random_id()
    fn.location_name = executor.location_name
    fn.counter = 0
    fn.min_wait_time = fn.max_wait_time = fn.avg_wait_time = 0.0
    fn.min_exec_time = fn.max_exec_time = fn.avg_exec_time = 0.0
    return await ctx.db.functions.add(fn)


@router.handle(GetFunctionsMsg)
async def get_functions(ctx: Ctx, msg: GetFunctionsMsg) -> list[Function]:
    await require_member(ctx, msg.colony_name)
    return await ctx.db.functions.find(msg.colony_name, msg.executor_name)


@router.handle(RemoveFunctionMsg)
async def remove_function(ctx: Ctx, msg: RemoveFunctionMsg) -> None:
    fn = await ctx.db.functions.get(msg.function_id)
    if fn is None:
        raise NotFound(f"Failed to remove function, function with Id <{msg.function_id}> not found")
    await require_member(ctx, fn.colony_name)
    executor = await ctx.db.executors.get(fn.colony_name, fn.executor_name)
    if executor is None or executor.executor_id != ctx.caller_id:
        raise Forbidden("Not allowed to remove a function of another executor")
    await ctx.db.functions.remove(msg.function_id)
