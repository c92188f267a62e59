"""Submit, assign (claim + long-poll), close, fail, cancel and requeue processes.

Each transition is one function here, from start to end: the statement that changes the
state (the processes trigger announces the change to every server at commit), the
resolution of the workflow the process belongs to (``resolve_workflows``, the one place
that follows a change of a workflow's process), and for assign what happens when the
caller has gone. Handlers authorise and call these; the deadline loop calls
``expire_deadlines``."""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, NoReturn

from colonies.core import (
    ZERO_TIME,
    ExecutorState,
    FunctionSpec,
    Hardware,
    Process,
    ProcessResult,
    ProcessState,
    ResultOutcome,
    utc_now,
)
from colonies.core.function_spec import normalise
from colonies.core.matching import capacity
from colonies.core.retry import (
    EXEC_TIMEOUT,
    Failure,
    plan as retry_plan,
    validate as validate_retry,
)
from colonies.core.units import parse_cpu, parse_memory, render_cpu, render_memory
from colonies.crypto import random_id
from colonies.db import Database
from colonies.db.processes import env_attributes
from colonies.errors import (
    BadRequest,
    ColoniesError,
    Forbidden,
    NotFound,
    RequestTimeout,
    Unavailable,
)
from colonies.server.caller import Caller
from colonies.server.events import Events, Token, Waiter
from colonies.server.services import caching
from colonies.server.tasks import Tasks

NS_PER_DAY = 86_400_000_000_000
UNLIMITED = 2**62


def new_process(spec: FunctionSpec, caller: Caller, now: datetime) -> tuple[Process, Any]:
    """A WAITING process for a spec (normalised in place); returns it with its requirements."""
    if not -50000 <= spec.priority <= 50000:
        raise BadRequest("Failed to submit function spec, priority outside range [-50000, 50000]")
    req = normalise(spec)
    if spec.retry is not None:
        validate_retry(spec.retry)
    submitted_ns = int(now.timestamp()) * 1_000_000_000 + now.microsecond * 1000
    process = Process(
        process_id=random_id(),
        initiator_id=caller.id,
        initiator_name=caller.name,
        state=ProcessState.WAITING,
        priority_time=submitted_ns - spec.priority * NS_PER_DAY,
        submission_time=now,
        wait_deadline=(
            now + timedelta(seconds=spec.max_wait_time) if spec.max_wait_time > 0 else ZERO_TIME
        ),
        spec=spec,
    )
    process.attributes = env_attributes(process)
    return process, req


async def submit(
    db: Database, events: Events, spec: FunctionSpec, caller: Caller, request_id: str = ""
) -> Process:
    """Store a new process and wake this server's matching assigns (other servers hear the
    insert's NOTIFY; the local one would arrive a hop later). A ``request_id`` the caller
    used before returns the process that first submit made instead of a second one."""
    if spec.parameters:
        raise BadRequest(
            "Failed to submit function spec, parameters (a sweep) are expanded in workflow "
            "specs only: submit it as a workflow"
        )
    now = utc_now()
    process, req = new_process(spec, caller, now)
    cached = await caching.check_new(db, process, now)
    if not cached:  # a hit is stored closed: no waiter to wake, no echo to expect
        events.expect_echo(process.process_id)
    if not await db.processes.add(process, req, request_id):
        first = await db.processes.by_request(caller.id, request_id)
        if first is None:
            raise BadRequest("Failed to submit function spec, its request id was used before")
        return first
    if cached:  # closed at once: no executor to wake
        return process

    def wake() -> bool:
        return events.wake(
            spec.conditions.colony_name, spec.conditions.executor_type, process.process_id
        )

    if db.in_transaction:
        db.after_commit(wake)
    elif wake():
        # Let the woken assign send its claim before this reply is rendered and written:
        # the database then works on the claim while this server answers the submit.
        await asyncio.sleep(0)
    return process


def hardware_filter(hardware: list[Hardware] | None) -> list[dict[str, Any]] | None:
    """The executor's hardware as numbers for the assign query; None if it declared none."""
    if not hardware:
        return None
    return [capacity(hw)._asdict() for hw in hardware]


async def assign(
    db: Database,
    events: Events,
    tasks: Tasks,
    caller: Caller,
    timeout: int,
    available_cpu: str = "",
    available_mem: str = "",
    lease_s: float = 0.0,
    gone: Callable[[], bool] = lambda: False,
) -> Process:
    """Claim a process for an executor, waiting up to ``timeout`` seconds (< 0: no wait);
    with ``lease_s`` > 0 the executor must confirm delivery within that time.

    The one place that handles a caller that has gone. The waiting and claiming run in
    their own task, which the caller's leaving (its request cancelled when the client
    disconnects) does not interrupt halfway: a parked wait ends, a claim runs to its end,
    and what it claimed goes back to the queue instead of to an executor that is gone. So
    does a claim whose caller left while its workflow was resolved, or whose connection
    is closed (``gone``) once the reply is ready to be made."""
    found = await assign_many(
        db, events, tasks, caller, timeout, 1, available_cpu, available_mem, lease_s, gone
    )
    return found[0]


async def assign_many(
    db: Database,
    events: Events,
    tasks: Tasks,
    caller: Caller,
    timeout: int,
    count: int,
    available_cpu: str = "",
    available_mem: str = "",
    lease_s: float = 0.0,
    gone: Callable[[], bool] = lambda: False,
) -> list[Process]:
    """``assign`` claiming up to ``count`` processes (at least one) in one statement."""
    if timeout == 0:
        raise BadRequest("Invalid timeout value, timeout cannot be zero")
    if count < 1:
        raise BadRequest("Invalid count value, count must be at least 1")
    max_cpu = parse_cpu(available_cpu) if available_cpu else UNLIMITED
    max_mem = parse_memory(available_mem) if available_mem else UNLIMITED
    waiter = Waiter()
    work = asyncio.ensure_future(
        _claim_or_wait(db, events, caller, timeout, max_cpu, max_mem, lease_s, count, waiter)
    )
    try:
        found = await asyncio.shield(work)
    except asyncio.CancelledError:
        waiter.leave()
        tasks.keep(work)
        work.add_done_callback(lambda done: _give_back_claimed(tasks, db, caller.id, done))
        raise
    try:
        await resolve_workflows(db, [p.process_graph_id for p in found], utc_now())
        # One turn of the event loop: a close of the connection that has already arrived is
        # seen now. Nothing suspends after this until the reply is in the socket.
        await asyncio.sleep(0)
    except asyncio.CancelledError:  # the caller left while its reply was being made
        for process in found:
            give_back_later(tasks, db, process, caller.id)
        raise
    if gone():  # nobody would receive it: let another executor have it
        for process in found:
            give_back_later(tasks, db, process, caller.id)
        raise ColoniesError("Failed to assign process, the executor disconnected")
    return found


async def _claim_or_wait(
    db: Database,
    events: Events,
    caller: Caller,
    timeout: int,
    max_cpu: int,
    max_mem: int,
    lease_s: float,
    count: int,
    waiter: Waiter,
) -> list[Process]:
    hardware = hardware_filter(caller.executor_capabilities.hardware)
    deadline = time.monotonic() + max(timeout, 0)
    token: Token | None = None  # the new process that woke this waiter, if one did
    while True:
        with events.waiting(caller.colony_name, caller.executor_type, waiter):
            claim = (
                caller.colony_name,
                caller.executor_type,
                caller.executor_name,
                caller.id,
                max_cpu,
                max_mem,
                caller.executor_location,
                hardware,
                utc_now(),
                lease_s,
            )
            if count == 1:
                one = await db.processes.assign(*claim)
                found = [one] if one is not None else []
            else:
                found = await db.processes.assign_many(*claim, count)
            if found:
                if token is not None and all(p.process_id != token.process_id for p in found):
                    # Woken for another process (this claim took older or more urgent
                    # ones): that one may still wait for someone.
                    token.tried.add(waiter)
                    events.hand_on(caller.colony_name, caller.executor_type, token)
                return found
            if token is not None:
                # Not for this executor (or taken meanwhile): the next waiter may match it.
                token.tried.add(waiter)
                if await db.processes.is_assignable(token.process_id):
                    events.hand_on(caller.colony_name, caller.executor_type, token)
            paused = await db.colonies.is_paused(caller.colony_name)
            if paused and timeout < 0:
                raise Unavailable("No processes available: colony assignments are paused")
            remaining = deadline - time.monotonic()
            if timeout < 0 or remaining <= 0 or waiter.left:
                _nothing(paused)
            try:
                async with asyncio.timeout(remaining):  # no extra task, unlike wait_for
                    await waiter.event.wait()
            except TimeoutError:
                _nothing(paused)
            token = waiter.take()
            if waiter.left:
                if token is not None:  # woken for a process it will not claim: pass it on
                    token.tried.add(waiter)
                    events.hand_on(caller.colony_name, caller.executor_type, token)
                _nothing(paused)


def _nothing(paused: bool) -> NoReturn:
    if paused:
        raise RequestTimeout("Assignment timeout: colony assignments are paused")
    raise NotFound("No process available for assignment")


def _give_back_claimed(
    tasks: Tasks, db: Database, executor_id: str, work: asyncio.Future[list[Process]]
) -> None:
    if work.cancelled() or work.exception() is not None:
        return
    for process in work.result():
        give_back_later(tasks, db, process, executor_id)


def give_back_later(tasks: Tasks, db: Database, process: Process, executor_id: str) -> None:
    """``give_back`` in a task of its own, which the caller's cancellation does not stop."""
    tasks.start(give_back(db, process, executor_id))


async def give_back(db: Database, process: Process, executor_id: str) -> None:
    """The assign's caller left after the claim: the process waits again."""
    await db.processes.give_back(process.process_id, executor_id)


def refuse_confirmation(process: Process) -> NoReturn:
    """Why a delivery confirmation the database did not take is refused (403)."""
    if process.state == ProcessState.WAITING and not process.assigned_executor_id:
        raise Forbidden(
            "Failed to confirm process, its delivery lease ended and it waits for an "
            "executor again: do not run it"
        )
    raise Forbidden("Failed to confirm process, it is not running on this executor")


_CLOSE_REFUSED = {
    ProcessState.FAILED: "Tried to set failed process as successful",
    ProcessState.CANCELLED: "Tried to set cancelled process as successful",
    ProcessState.WAITING: "Tried to set waiting process as successful without being running",
}
_FAIL_REFUSED = {
    ProcessState.SUCCESS: "Tried to set successful process as failed",
    ProcessState.FAILED: "Tried to set failed process as failed",
    ProcessState.CANCELLED: "Tried to set cancelled process as failed",
    ProcessState.WAITING: "Tried to set waiting process as failed without being running",
}


def check_removable_state(state: int, what: str) -> None:
    """Remove-all takes -1 (all) or a finished/waiting state, never RUNNING."""
    if state == ProcessState.RUNNING:
        raise BadRequest(f"Not possible to remove running {what}")
    if state not in (-1, 0, 2, 3, 4):
        raise BadRequest(f"Failed to remove {what}, invalid state")


def check_assigned(process: Process, caller_id: str, action: str) -> None:
    """Only the executor a process is assigned to may close, fail or add to it (403)."""
    if not process.assigned_executor_id:
        raise Forbidden(f"Failed to {action}, process is not assigned")
    if process.assigned_executor_id != caller_id:
        raise Forbidden(f"Failed to {action}, not allowed to {action}")


async def resolve_workflows(db: Database, graph_ids: Iterable[str], now: datetime) -> None:
    """What follows a change of processes in workflows: release the children whose parents
    all succeeded, cascade a failure, derive each graph's state. The one place that
    resolves graphs (ids '' of processes outside workflows are skipped)."""
    ids = sorted({g for g in graph_ids if g})  # row locks of several graphs in one order
    if ids:
        async with db.transaction() as tx:  # released nodes are checked before anyone sees them
            await tx.graphs.resolve(ids, now)
            await caching.close_cached(tx, ids, now)


async def close_successful(
    db: Database, process: Process, caller: Caller, output: list[Any]
) -> None:
    check_assigned(process, caller.id, "close process as successful")
    if process.state in _CLOSE_REFUSED:
        raise BadRequest(_CLOSE_REFUSED[process.state])
    now = utc_now()
    closed = await db.processes.close_many(
        [(process.process_id, False, output or None, [])],
        caller.id,
        caller.executor_name,
        process.spec.conditions.colony_name,
        now,
    )
    if not closed:
        raise BadRequest("Failed to close process as successful, process changed state")
    await resolve_workflows(db, [process.process_graph_id], now)


async def close_failed(db: Database, process: Process, caller: Caller, errors: list[str]) -> None:
    """Fail the running attempt: with attempts left in its retry policy the process waits
    again (``retry``), else it fails for good and its workflow is resolved."""
    check_assigned(process, caller.id, "close process as failed")
    if process.state in _FAIL_REFUSED:
        raise BadRequest(_FAIL_REFUSED[process.state])
    now = utc_now()
    if await retry(db, process, Failure(errors), now, caller.id):
        return
    if not await db.processes.mark_failed(process.process_id, caller.id, now, errors):
        raise BadRequest("Failed to close process as failed, process changed state")
    await resolve_workflows(db, [process.process_graph_id], now)


async def retry(
    db: Database,
    process: Process,
    failure: Failure,
    now: datetime,
    executor_id: str = "",
    random: Callable[[], float] = _random.random,
) -> bool:
    """Start the next attempt of a failed running process if its retry policy says so:
    the failed one is kept (with its errors and attributes), the process waits again with
    the same id, from the end of its backoff and with escalated resources. False (nothing
    changed) when there is no policy, it is exhausted or does not retry this failure, or
    the process is no longer running (on ``executor_id``, unless '')."""
    policy = process.spec.retry
    if policy is None or policy.attempts <= 1:
        return False
    async with db.transaction() as tx:
        locked = await tx.processes.lock_running_attempt(process.process_id, executor_id)
        if locked is None:
            return False
        attempt, run_attempt = locked
        spec = process.spec.model_copy(deep=True)
        planned = retry_plan(policy, attempt - run_attempt + 1, failure, spec.conditions, random)
        if planned is None:
            return False
        spec.conditions.cpu = render_cpu(planned.cpu)
        spec.conditions.mem = render_memory(planned.mem)
        req = normalise(spec)
        not_before = now + timedelta(seconds=planned.delay_s) if planned.delay_s > 0 else None
        errors = list(failure.errors) or ([EXEC_TIMEOUT] if failure.timed_out else [])
        await tx.attempts.archive(
            [process.process_id],
            "timeout" if failure.timed_out else "failed",
            state=ProcessState.FAILED,
            end_time=now,
            errors=errors,
            backoff_until=not_before,
        )
        return await tx.processes.retry(process.process_id, attempt, not_before, spec, req, now)


async def close_many(
    db: Database, caller: Caller, colony_name: str, results: list[ProcessResult]
) -> list[ResultOutcome]:
    """Close several processes of the caller (an approved executor of the colony) in one
    statement, then resolve their workflows. A result the statement did not take is a
    failure with a retry policy (closed here as ``closefailedmsg`` closes it, so it may
    wait again), or gets the status and text its single close (``closesuccessfulmsg``/
    ``closefailedmsg``) would have had; a process given twice counts once."""
    unique = list({r.process_id: r for r in results}.values())
    now = utc_now()
    rows = [(r.process_id, r.failed, r.output or None, r.errors) for r in unique]
    closed = await db.processes.close_many(rows, caller.id, caller.executor_name, colony_name, now)
    await resolve_workflows(db, closed.values(), now)
    outcomes = []
    for r in unique:
        if r.process_id in closed:
            outcomes.append(ResultOutcome(process_id=r.process_id))
        else:
            outcomes.append(await _close_one(db, caller, colony_name, r))
    return outcomes


async def _close_one(
    db: Database, caller: Caller, colony_name: str, result: ProcessResult
) -> ResultOutcome:
    """A result the batch statement did not take: a failure with a retry policy is closed
    as its single close would (``close_failed``); else why it was refused, in the single
    close's words."""
    action = "close process as failed" if result.failed else "close process as successful"
    refused = _FAIL_REFUSED if result.failed else _CLOSE_REFUSED
    try:
        process = await db.processes.get(result.process_id)
        if process is None:
            raise ColoniesError(f"Failed to {action}, process is nil")
        if process.spec.conditions.colony_name != colony_name:
            raise Forbidden(f"Failed to {action}, not allowed to {action}")
        if result.failed and process.spec.retry is not None:
            await close_failed(db, process, caller, result.errors)
            return ResultOutcome(process_id=result.process_id)
        check_assigned(process, caller.id, action)
        if process.state in refused:
            raise BadRequest(refused[process.state])
        raise BadRequest(f"Failed to {action}, process changed state")
    except ColoniesError as err:
        return ResultOutcome(process_id=result.process_id, status=err.status, message=err.message)


async def cancel(db: Database, process: Process) -> None:
    if process.process_graph_id:
        raise BadRequest(
            "Failed to cancel, cannot cancel a process part of a workflow, cancel the entire "
            "workflow instead"
        )
    if process.state not in (ProcessState.WAITING, ProcessState.RUNNING):
        raise BadRequest(f"Tried to cancel a {process.state.name.lower()} process")
    if not await db.processes.mark_cancelled(process.process_id, utc_now()):
        raise BadRequest("Failed to cancel process, process changed state")


async def expire_deadlines(db: Database, now: datetime) -> None:
    """Requeue running processes whose delivery was not confirmed in time; requeue (their
    maxretries, then their retry policy) or fail those past their exec deadline; release
    retried processes whose backoff ended; fail overdue waiting ones; resolve their
    workflows. Each step but the retry policy's is one statement over every process it
    concerns."""
    await db.processes.requeue_undelivered(now)
    async with db.transaction() as tx:
        expired = await tx.processes.expired_with_retries(now)
        if expired:
            await tx.attempts.archive(
                expired, "timeout", state=ProcessState.FAILED, end_time=now, errors=[EXEC_TIMEOUT]
            )
            await tx.processes.requeue_expired(expired, now)
    for process in await db.processes.expired_with_retry_policy(now):
        await retry(db, process, Failure([EXEC_TIMEOUT], timed_out=True), now)
    await db.processes.release_backoffs(now)
    await resolve_workflows(db, await db.processes.fail_expired(now), now)


async def remove_executor(db: Database, colony_name: str, executor_name: str) -> bool:
    """Soft-delete an executor: UNREGISTERED, its running processes requeued, functions gone."""
    async with db.transaction() as tx:
        executor_id = await tx.executors.set_state(
            colony_name, executor_name, ExecutorState.UNREGISTERED
        )
        if executor_id is None:
            return False
        running = await tx.processes.running_on(executor_id)
        if running:
            await tx.attempts.archive(running, "executor removed", state=ProcessState.FAILED)
            await tx.processes.release(running)
        await tx.functions.remove_for_executor(colony_name, executor_name)
    return True
