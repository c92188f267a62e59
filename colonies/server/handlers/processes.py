from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from aiohttp import web

from colonies.core import Attempt, Process, ProcessState, ResultOutcome, utc_now
from colonies.core.explain import Explanation
from colonies.errors import BadRequest, ColoniesError, Forbidden, NotFound
from colonies.rpc.process import (
    AssignProcessesMsg,
    AssignProcessMsg,
    CancelProcessMsg,
    CloseFailedMsg,
    CloseProcessesMsg,
    CloseSuccessfulMsg,
    ConfirmProcessesMsg,
    ConfirmProcessMsg,
    ExplainProcessMsg,
    GetProcessAttemptsMsg,
    GetProcessesMsg,
    GetProcessHistMsg,
    GetProcessMsg,
    PauseAssignmentsMsg,
    RemoveAllProcessesMsg,
    RemoveProcessMsg,
    ResumeAssignmentsMsg,
    SetOutputMsg,
    SubmitFunctionSpecMsg,
    SubscribeProcessesMsg,
    SubscribeProcessMsg,
)
from colonies.server.auth import require_colony_owner, require_member
from colonies.server.caller import Caller
from colonies.server.codec import render, send
from colonies.server.events import Event, process_topic, processes_topic
from colonies.server.router import Ctx, RpcRouter
from colonies.server.services import explain, processes as service

router = RpcRouter()
MAX_COUNT = 100


async def _process(ctx: Ctx, process_id: str, action: str) -> tuple[Process, Caller]:
    """The process (500 if missing, as the reference) and the approved-member caller."""
    process = await ctx.db.processes.get(process_id)
    if process is None:
        raise ColoniesError(f"Failed to {action}, process is nil")
    caller = await require_member(ctx, process.spec.conditions.colony_name)
    return process, caller


@router.handle(SubmitFunctionSpecMsg)
async def submit(ctx: Ctx, msg: SubmitFunctionSpecMsg) -> Process:
    if msg.spec is None:
        raise BadRequest("Failed to submit function spec, spec is nil")
    caller = await require_member(ctx, msg.spec.conditions.colony_name)
    return await service.submit(ctx.db, ctx.events, msg.spec, caller, msg.request_id, ctx.submits)


@router.handle(AssignProcessMsg)
async def assign(ctx: Ctx, msg: AssignProcessMsg) -> Process:
    caller = await require_member(ctx, msg.colony_name)
    if not caller.is_executor:
        raise ColoniesError("Failed to assign process, executor not found")
    lease = ctx.settings.delivery_lease_s if msg.confirm_delivery else 0.0
    return await service.assign(
        ctx.db,
        ctx.events,
        ctx.tasks,
        caller,
        msg.timeout,
        msg.available_cpu,
        msg.available_mem,
        lease,
        gone=ctx.gone,
    )


@router.handle(ConfirmProcessMsg)
async def confirm_process(ctx: Ctx, msg: ConfirmProcessMsg) -> None:
    """Ours: the executor received the process it was assigned (PROTOCOL: an extension).
    One statement when all is well; the reasons for a refusal are looked up after."""
    confirmed = await ctx.db.processes.confirm_delivery(msg.process_id, ctx.caller_id)
    if confirmed:
        ctx.checked.colony_name, ctx.checked.name = confirmed
        ctx.checked.role = "executor"
        return
    process = await ctx.db.processes.get(msg.process_id)
    if process is None:
        raise NotFound("Failed to confirm process, process not found")
    await require_member(ctx, process.spec.conditions.colony_name)
    service.refuse_confirmation(process)


@router.handle(GetProcessesMsg)
async def get_processes(ctx: Ctx, msg: GetProcessesMsg) -> list[Process]:
    await require_member(ctx, msg.colony_name)
    if msg.count > MAX_COUNT:
        raise BadRequest(f"Count is larger than MaxCount limit <{MAX_COUNT}>")
    if msg.state not in tuple(ProcessState):
        raise BadRequest("Failed to get processes, invalid msg.State")
    initiator_id = ""
    if not msg.executor_type and msg.initiator:
        user = await ctx.db.users.get(msg.colony_name, msg.initiator)
        if user is None:
            raise BadRequest(f"User <{msg.initiator}> does not exist")
        initiator_id = user.user_id
    return await ctx.db.processes.find(
        msg.colony_name,
        ProcessState(msg.state),
        msg.count,
        executor_type=msg.executor_type,
        initiator_id=initiator_id,
        label="" if msg.executor_type or msg.initiator else msg.label,
    )


@router.handle(GetProcessMsg)
async def get_process(ctx: Ctx, msg: GetProcessMsg) -> Process:
    process = await ctx.db.processes.get(msg.process_id)
    if process is None:
        raise NotFound("Failed to get process, process not found")
    await require_member(ctx, process.spec.conditions.colony_name)
    return process


@router.handle(GetProcessAttemptsMsg)
async def get_process_attempts(ctx: Ctx, msg: GetProcessAttemptsMsg) -> list[Attempt]:
    """Ours: every attempt of a process, as getprocessmsg's rule allows."""
    process = await ctx.db.processes.get(msg.process_id)
    if process is None:
        raise NotFound("Failed to get process attempts, process not found")
    await require_member(ctx, process.spec.conditions.colony_name)
    return await ctx.db.attempts.for_process(msg.process_id)


@router.handle(GetProcessHistMsg)
async def process_history(ctx: Ctx, msg: GetProcessHistMsg) -> list[Process]:
    await require_member(ctx, msg.colony_name)
    after = utc_now() - timedelta(seconds=msg.seconds)
    return await ctx.db.processes.history(msg.colony_name, msg.state, after, msg.executor_id)


@router.handle(RemoveProcessMsg)
async def remove_process(ctx: Ctx, msg: RemoveProcessMsg) -> None:
    process, _ = await _process(ctx, msg.process_id, "remove process")
    if process.process_graph_id:
        raise BadRequest(
            "Failed to remove, cannot remove a process part of a workflow, delete the entire "
            "workflow instead"
        )
    if process.state == ProcessState.RUNNING:
        raise BadRequest("Failed to remove process, cannot remove a running process")
    await ctx.db.processes.remove(msg.process_id)


@router.handle(RemoveAllProcessesMsg)
async def remove_all_processes(ctx: Ctx, msg: RemoveAllProcessesMsg) -> None:
    await require_colony_owner(ctx, msg.colony_name)
    service.check_removable_state(msg.state, "processes")
    await ctx.db.processes.remove_all(msg.colony_name, msg.state)


@router.handle(CloseSuccessfulMsg)
async def close_successful(ctx: Ctx, msg: CloseSuccessfulMsg) -> None:
    """One statement when all is well (as confirm); the reasons for a refusal are looked
    up after, by the two-step path."""
    now = utc_now()
    closed = await ctx.db.processes.close_own(
        msg.process_id, ctx.caller_id, now, msg.output or None
    )
    if closed is not None:
        await _closed_by_executor(ctx, closed, now)
        return
    process, caller = await _process(ctx, msg.process_id, "close process as successful")
    await service.close_successful(ctx.db, process, caller, msg.output)


@router.handle(CloseFailedMsg)
async def close_failed(ctx: Ctx, msg: CloseFailedMsg) -> None:
    now = utc_now()
    failed = await ctx.db.processes.fail_own(msg.process_id, ctx.caller_id, now, msg.errors)
    if failed is not None:
        await _closed_by_executor(ctx, failed, now)
        return
    process, caller = await _process(ctx, msg.process_id, "close process as failed")
    await service.close_failed(ctx.db, process, caller, msg.errors)


async def _closed_by_executor(ctx: Ctx, closed: tuple[str, str, str], now: datetime) -> None:
    """What a one-statement close leaves to do: the audit's caller, the workflow."""
    ctx.checked.colony_name, ctx.checked.name, graph_id = closed
    ctx.checked.role = "executor"
    await service.resolve_workflows(ctx.db, [graph_id], now)


@router.handle(AssignProcessesMsg)
async def assign_processes(ctx: Ctx, msg: AssignProcessesMsg) -> list[Process]:
    """Ours: ``assignprocessmsg`` for up to ``count`` processes, always under a delivery
    lease."""
    caller = await require_member(ctx, msg.colony_name)
    if not caller.is_executor:
        raise ColoniesError("Failed to assign process, executor not found")
    return await service.assign_many(
        ctx.db,
        ctx.events,
        ctx.tasks,
        caller,
        msg.timeout,
        min(msg.count, MAX_COUNT),
        msg.available_cpu,
        msg.available_mem,
        ctx.settings.delivery_lease_s,
        gone=ctx.gone,
    )


@router.handle(ConfirmProcessesMsg)
async def confirm_processes(ctx: Ctx, msg: ConfirmProcessesMsg) -> list[str]:
    """Ours: the ids of the given processes whose delivery this confirmed (running on the
    caller, approved in their colony); the others are not the caller's to run. None of
    them is a 403, as for ``confirmprocessmsg``."""
    if len(msg.process_ids) > MAX_COUNT:
        raise BadRequest(f"Count is larger than MaxCount limit <{MAX_COUNT}>")
    confirmed, name = await ctx.db.processes.confirm_deliveries(
        msg.process_ids, ctx.caller_id, msg.colony_name
    )
    if confirmed:
        ctx.checked.colony_name, ctx.checked.name = msg.colony_name, name
        ctx.checked.role = "executor"
    elif msg.process_ids:
        await require_member(ctx, msg.colony_name)
        raise Forbidden("Failed to confirm processes, none is running on this executor")
    return confirmed


@router.handle(CloseProcessesMsg)
async def close_processes(ctx: Ctx, msg: CloseProcessesMsg) -> list[ResultOutcome]:
    """Ours: close several processes of the caller in its colony, one outcome each; when
    none was closed, the first refusal is the reply (for one result: what its single close
    would answer)."""
    caller = await require_member(ctx, msg.colony_name)
    if not caller.is_executor:
        raise Forbidden("Failed to close processes, executor not found")
    if len(msg.results) > MAX_COUNT:
        raise BadRequest(f"Count is larger than MaxCount limit <{MAX_COUNT}>")
    outcomes = await service.close_many(ctx.db, caller, msg.colony_name, msg.results)
    if outcomes and all(o.status != 200 for o in outcomes):
        raise ColoniesError(outcomes[0].message, status=outcomes[0].status)
    return outcomes


@router.handle(SetOutputMsg)
async def set_output(ctx: Ctx, msg: SetOutputMsg) -> None:
    process, caller = await _process(ctx, msg.process_id, "set output")
    service.check_assigned(process, caller.id, "close process as successful")
    if process.state != ProcessState.RUNNING:
        raise Forbidden("Failed to set output, process is not running")
    if msg.output and not await ctx.db.processes.set_output(msg.process_id, caller.id, msg.output):
        raise Forbidden("Failed to set output, process is not running")


@router.handle(CancelProcessMsg)
async def cancel_process(ctx: Ctx, msg: CancelProcessMsg) -> None:
    process, _ = await _process(ctx, msg.process_id, "cancel process")
    await service.cancel(ctx.db, process)


@router.handle(PauseAssignmentsMsg, changes_members=True)
async def pause_assignments(ctx: Ctx, msg: PauseAssignmentsMsg) -> None:
    await require_colony_owner(ctx, msg.colony_name)
    await ctx.db.colonies.set_paused(msg.colony_name, True)


@router.handle(ResumeAssignmentsMsg, changes_members=True)
async def resume_assignments(ctx: Ctx, msg: ResumeAssignmentsMsg) -> None:
    await require_colony_owner(ctx, msg.colony_name)
    await ctx.db.colonies.set_paused(msg.colony_name, False)
    await ctx.db.processes.notify_colony(msg.colony_name)


async def _frames_until(
    ws: web.WebSocketResponse, queue: asyncio.Queue[Event], deadline: float
) -> AsyncIterator[Event]:
    """Events from the queue until the deadline (loop time) or the client goes away."""
    loop = asyncio.get_running_loop()
    while not ws.closed:
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        try:
            yield await asyncio.wait_for(queue.get(), remaining)
        except TimeoutError:
            return


async def _may_watch_process(ctx: Ctx, msg: SubscribeProcessMsg) -> str:
    """getprocessmsg's rule: an approved member of the process's colony (the reference's
    text for an unknown process). The grant is that colony."""
    process = await ctx.db.processes.get(msg.process_id)
    if process is None:
        raise Forbidden(f"Invalid process with Id {msg.process_id}")
    await require_member(ctx, process.spec.conditions.colony_name)
    return process.spec.conditions.colony_name


@router.subscribe(SubscribeProcessMsg, authorise=_may_watch_process)
async def subscribe_process(
    ctx: Ctx, msg: SubscribeProcessMsg, colony_name: str, ws: web.WebSocketResponse
) -> None:
    """Frames with the process each time it is in ``state``; closes after ``timeout`` s.

    A notification of a change made just before subscribing can arrive after the first
    read; a frame identical to the previous one is therefore not sent again.
    """
    deadline = asyncio.get_running_loop().time() + msg.timeout
    last = 0  # hash of the last frame sent: an idle subscriber keeps no text either
    with ctx.events.subscribe(process_topic(msg.process_id)) as queue:
        process = await ctx.db.processes.get(msg.process_id)
        if process is None or process.spec.conditions.colony_name != colony_name:
            raise Forbidden(f"Invalid process with Id {msg.process_id}")
        if process.state == msg.state:
            frame = render(process)
            last = hash(frame)
            await send(ws, msg.payload_type, frame)
        del process  # an idle subscriber holds no model while it waits
        async for event in _frames_until(ws, queue, deadline):
            if event.get("s") == msg.state:
                process = await ctx.db.processes.get(msg.process_id)
                if process is not None and process.state == msg.state:
                    frame = render(process)
                    if hash(frame) != last:
                        last = hash(frame)
                        await send(ws, msg.payload_type, frame)


async def _may_watch_processes(ctx: Ctx, msg: SubscribeProcessesMsg) -> str:
    """A registered executor (the reference's rule and text), approved in the colony it
    names (its own colony when it names none), as assignprocessmsg requires. The grant is
    that colony: the only one whose processes the subscriber hears of."""
    executor = await ctx.db.executors.get_by_id(ctx.caller_id)
    if executor is None:
        raise Forbidden("executor not found")
    colony_name = msg.colony_name or executor.colony_name
    await require_member(ctx, colony_name)
    return colony_name


@router.subscribe(SubscribeProcessesMsg, authorise=_may_watch_processes)
async def subscribe_processes(
    ctx: Ctx, msg: SubscribeProcessesMsg, colony_name: str, ws: web.WebSocketResponse
) -> None:
    """One frame per process of the colony and type entering ``state``, shared round
    robin."""
    deadline = asyncio.get_running_loop().time() + msg.timeout
    topic = processes_topic(colony_name, msg.executor_type, msg.state)
    with ctx.events.subscribe(topic) as queue:
        async for event in _frames_until(ws, queue, deadline):
            process = await ctx.db.processes.get(str(event.get("p", "")))
            if process is not None and process.spec.conditions.colony_name == colony_name:
                await send(ws, "subscribeprocessmsg", render(process))


@router.handle(ExplainProcessMsg)
async def explain_process(ctx: Ctx, msg: ExplainProcessMsg) -> Explanation:
    """Ours: why a process waits (issue 13)."""
    process = await ctx.db.processes.get(msg.process_id)
    if process is None:
        raise NotFound("Failed to explain process, process not found")
    await require_member(ctx, process.spec.conditions.colony_name)
    return await explain.why_pending(ctx.db, process)
