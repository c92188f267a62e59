"""Process and executor logs. A line longer than COLONIES_MAX_LOG_LINE is stored cut, with
a note of how much was dropped; past COLONIES_MAX_LOG_VOLUME the oldest lines of a process
(or of an executor's own log) are dropped; a read returns at most COLONIES_LOG_PAGE bytes
of messages (fewer entries than asked for when they are long; ``since`` reads on)."""

from __future__ import annotations

import time
from datetime import timedelta

from colonies.core import Log, ProcessState, utc_now
from colonies.errors import BadRequest, ColoniesError, Forbidden
from colonies.rpc.log import (
    MAX_LOG_COUNT,
    AddExecutorLogMsg,
    AddLogMsg,
    GetLogsMsg,
    SearchLogsMsg,
)
from colonies.server.auth import require_member
from colonies.server.limits import clip_line
from colonies.server.router import Ctx, RpcRouter
from colonies.server.services.processes import check_assigned

router = RpcRouter()
MAX_SEARCH_COUNT = 100
MAX_SEARCH_DAYS = 30


@router.handle(AddLogMsg)
async def add_log(ctx: Ctx, msg: AddLogMsg) -> None:
    process = await ctx.db.processes.get(msg.process_id)
    if process is None:
        raise ColoniesError("Failed to add log, process is nil")
    colony_name = process.spec.conditions.colony_name
    caller = await require_member(ctx, colony_name)
    check_assigned(process, caller.id, "add log")
    if process.state != ProcessState.RUNNING:
        raise Forbidden("Failed to set output, process is not running")
    log = Log(
        process_id=msg.process_id,
        colony_name=colony_name,
        executor_name=caller.executor_name,
        message=clip_line(msg.message, ctx.settings.max_log_line),
        timestamp=time.time_ns(),
    )
    await ctx.db.logs.add(log, utc_now(), ctx.settings.max_log_volume)


@router.handle(AddExecutorLogMsg)
async def add_executor_log(ctx: Ctx, msg: AddExecutorLogMsg) -> None:
    caller = await require_member(ctx, msg.colony_name)
    if caller.executor_name != msg.executor_name:
        raise Forbidden("Access denied, not the executor itself")
    log = Log(
        colony_name=msg.colony_name,
        executor_name=msg.executor_name,
        message=clip_line(msg.message, ctx.settings.max_log_line),
        timestamp=time.time_ns(),
    )
    await ctx.db.logs.add(log, utc_now(), ctx.settings.max_log_volume)


@router.handle(GetLogsMsg)
async def get_logs(ctx: Ctx, msg: GetLogsMsg) -> list[Log]:
    if msg.count > MAX_LOG_COUNT:
        raise Forbidden(f"Count exceeds max log count ({MAX_LOG_COUNT})")
    if msg.executor_name:
        executor = await ctx.db.executors.get(msg.colony_name, msg.executor_name)
        if executor is None:
            raise ColoniesError("Failed to get logs, executor does not exist")
        await require_member(ctx, executor.colony_name)
        return await ctx.db.logs.for_executor(
            msg.executor_name, msg.count, msg.since, msg.latest, ctx.settings.log_page
        )
    process = await ctx.db.processes.get(msg.process_id)
    if process is None:
        raise ColoniesError("Failed to get logs, process does not exist")
    await require_member(ctx, process.spec.conditions.colony_name)
    return await ctx.db.logs.for_process(
        msg.process_id, msg.count, msg.since, msg.latest, ctx.settings.log_page, msg.attempt
    )


@router.handle(SearchLogsMsg)
async def search_logs(ctx: Ctx, msg: SearchLogsMsg) -> list[Log]:
    await require_member(ctx, msg.colony_name)
    if msg.count > MAX_SEARCH_COUNT:
        raise BadRequest(f"Count exceeds max count ({MAX_SEARCH_COUNT})")
    if msg.days > MAX_SEARCH_DAYS:
        raise BadRequest(f"Count exceeds max day count ({MAX_SEARCH_DAYS})")
    after = utc_now() - timedelta(days=msg.days)
    return await ctx.db.logs.search(
        msg.colony_name, msg.text, after, msg.count, ctx.settings.log_page
    )
