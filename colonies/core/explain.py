"""Why is it pending? The reasons a waiting process has not been assigned, in sentences and
as data (pure; ``server/services/explain.py`` gathers the facts). HTCondor's
``condor_q -better-analyze`` is the model: how many executors pass each condition in turn,
what stops the process, and the nearest candidate with what it lacks.

The static part (type, names, location, hardware, approval) is ``core.matching``, the same
sentences ``colonies function submit`` warns with; this module adds what changes with time:
a paused colony, parents not done, a retry's backoff, executors not heard from, busy ones,
and the queue ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from pydantic import Field

from colonies.core._wire import ZERO_TIME, Bool, Int, Time, WireModel, is_zero_time
from colonies.core.executor import Executor, ExecutorState
from colonies.core.matching import (
    STATE_WORDS,
    best_shortfalls,
    location_allows,
    names_allow,
    needs,
    unassignable,
)
from colonies.core.process import Process, ProcessState

QUIET_AFTER_S = 120.0
"""An executor not heard from (no assign, no heartbeat) for longer is called stale here."""

STATE_NAMES = {
    ProcessState.WAITING: "waiting",
    ProcessState.RUNNING: "running",
    ProcessState.SUCCESS: "successful",
    ProcessState.FAILED: "failed",
    ProcessState.CANCELLED: "cancelled",
}


class Reason(WireModel):
    """One reason, with a stable code: ``not-waiting``, ``parents``, ``parent-failed``,
    ``backoff``, ``paused``, ``no-type``, ``names``, ``location``, ``hardware``,
    ``unapproved``, ``stale``, ``busy``, ``queued`` or ``ready``."""

    code: str = ""
    text: str = ""


class ConditionCount(WireModel):
    """One row of the analysis: how many executors pass this and every earlier condition."""

    condition: str = ""
    matching: Int = 0


class Candidate(WireModel):
    """The executor that comes closest to taking the process, and what it lacks."""

    executor_name: str = ""
    executor_type: str = ""
    location_name: str = ""
    state: str = ""
    lacks: list[str] = Field(default_factory=list)


class Explanation(WireModel):
    """The reply of ``explainprocessmsg``."""

    process_id: str = ""
    node_name: str = ""
    func_name: str = ""
    executor_type: str = ""
    state: ProcessState = ProcessState.WAITING
    pending: Bool = False
    reasons: list[Reason] = Field(default_factory=list)
    analysis: list[ConditionCount] = Field(default_factory=list)
    nearest: Candidate | None = None
    waiting_ahead: Int = 0
    explained_at: Time = ZERO_TIME


def _ago(now: datetime, then: datetime) -> str:
    if is_zero_time(then):
        return "never"
    s = int((now - then).total_seconds())
    if s < 120:
        return f"{s} s ago"
    if s < 7200:
        return f"{s // 60} min ago"
    return f"{s // 3600} h ago"


Stage = tuple[str, list[Executor], dict[str, list[str]]]


def _stages(
    process: Process,
    executors: Sequence[Executor],
    running: dict[str, int],
    now: datetime,
) -> list[Stage]:
    """Each condition in assignment order: (description, executors passing it and all before,
    what each executor that failed exactly here lacks)."""
    cond = process.spec.conditions
    want = needs(cond)
    quiet = {
        e.executor_id
        for e in executors
        if is_zero_time(e.last_heard_from_time)
        or (now - e.last_heard_from_time).total_seconds() > QUIET_AFTER_S
    }
    checks: list[tuple[str, Callable[[Executor], bool], Callable[[Executor], list[str]]]] = [
        (
            f"executortype == {cond.executor_type!r}",
            lambda e: e.executor_type == cond.executor_type,
            lambda e: [f"type {e.executor_type!r}, not {cond.executor_type!r}"],
        ),
        (
            f"executornames in {cond.executor_names}" if cond.executor_names else "any name",
            lambda e: names_allow(cond, e),
            lambda e: [f"name {e.executor_name!r} not in conditions.executornames"],
        ),
        (
            f"locationname == {cond.location_name!r}" if cond.location_name else "any location",
            lambda e: location_allows(cond, e),
            lambda e: [f"at location {e.location_name or 'none'!r}, not {cond.location_name!r}"],
        ),
        (
            "hardware fits (cpu, mem, storage, nodes, gpu)",
            lambda e: not best_shortfalls(want, e),
            lambda e: best_shortfalls(want, e),
        ),
        (
            "approved",
            lambda e: e.state == ExecutorState.APPROVED,
            lambda e: [STATE_WORDS[e.state]],
        ),
        (
            f"heard from in the last {int(QUIET_AFTER_S)} s",
            lambda e: e.executor_id not in quiet,
            lambda e: [f"last heard from {_ago(now, e.last_heard_from_time)}"],
        ),
        (
            "idle (running nothing)",
            lambda e: running.get(e.executor_id, 0) == 0,
            lambda e: [f"busy with {running.get(e.executor_id, 0)} running process(es)"],
        ),
    ]
    out = []
    passing = list(executors)
    for text, ok, lack in checks:
        failed = {e.executor_id: lack(e) for e in passing if not ok(e)}
        passing = [e for e in passing if ok(e)]
        out.append((text, passing, failed))
    return out


def _nearest(stages: list[Stage], executors: Sequence[Executor]) -> Candidate | None:
    """The executor that passed the most conditions (the first listed on a tie), or None when
    one passed them all or there are none."""
    if not executors or stages[-1][1]:
        return None
    for i in range(len(stages) - 1, -1, -1):
        before = stages[i - 1][1] if i else list(executors)
        if before:
            best = before[0]
            lacks = stages[i][2].get(best.executor_id, [])
            return Candidate(
                executor_name=best.executor_name,
                executor_type=best.executor_type,
                location_name=best.location_name,
                state=STATE_WORDS[best.state],
                lacks=[x for x in lacks if x],
            )
    return None


def _not_waiting(process: Process) -> Reason:
    if process.state == ProcessState.RUNNING:
        text = (
            f"It is not pending: it runs on executor {process.assigned_executor_id} "
            f"since {process.start_time.isoformat()}."
        )
    elif process.cache_hit:
        text = f"It is not pending: it closed at once from the cache ({process.cached_from})."
    else:
        text = f"It is not pending: it is {STATE_NAMES[process.state]}."
    return Reason(code="not-waiting", text=text)


def _named(processes: Sequence[Process]) -> str:
    shown = ", ".join(
        f"{p.spec.node_name or p.process_id} ({STATE_NAMES[p.state]})" for p in processes[:10]
    )
    more = f" and {len(processes) - 10} more" if len(processes) > 10 else ""
    return (shown or "none left") + more


def _parent_reasons(parents: Sequence[Process]) -> list[Reason]:
    done = (ProcessState.FAILED, ProcessState.CANCELLED)
    failed = [p for p in parents if p.state in done]
    open_ = [p for p in parents if p.state not in (ProcessState.SUCCESS, *done)]
    found = []
    if failed:
        found.append(
            Reason(
                code="parent-failed",
                text=f"A parent did not succeed: {_named(failed)}; it will not run unless the "
                "workflow is rerun.",
            )
        )
    if open_ or not failed:
        found.append(
            Reason(code="parents", text=f"It waits for its parents to succeed: {_named(open_)}.")
        )
    return found


def _live_reasons(
    process: Process,
    stages: list[Stage],
    running: dict[str, int],
    waiting_ahead: int,
    now: datetime,
    nothing_else: bool,
) -> list[Reason]:
    """With executors that match and are approved: stale, busy, the queue, or ready."""
    approved, live, idle = stages[4][1], stages[5][1], stages[6][1]
    found = []
    if not live:
        which = ", ".join(
            f"{e.executor_name} ({_ago(now, e.last_heard_from_time)})" for e in approved[:5]
        )
        found.append(
            Reason(
                code="stale",
                text="The executors that could run it have not been heard from in "
                f"{int(QUIET_AFTER_S)} s: {which}. Is their process running?",
            )
        )
    elif not idle:
        which = ", ".join(f"{e.executor_name} ({running.get(e.executor_id, 0)})" for e in live[:5])
        found.append(
            Reason(
                code="busy",
                text=f"Every executor that could run it is busy with running processes: {which}.",
            )
        )
    if waiting_ahead and live:
        found.append(
            Reason(
                code="queued",
                text=f"{waiting_ahead} waiting process(es) of type "
                f"{process.spec.conditions.executor_type!r} come before it (priority, then "
                "submission time).",
            )
        )
    if idle and not waiting_ahead and nothing_else and not found:
        found.append(
            Reason(
                code="ready",
                text=f"Executor {idle[0].executor_name} can run it and is idle: it should take "
                "it at its next assign.",
            )
        )
    return found


def explain(
    process: Process,
    executors: Sequence[Executor],
    *,
    now: datetime,
    paused: bool = False,
    parents: Sequence[Process] = (),
    running: dict[str, int] | None = None,
    waiting_ahead: int = 0,
    not_before: datetime | None = None,
) -> Explanation:
    """Why ``process`` waits. ``executors`` are those of its colony, ``running`` counts the
    running processes per executor id, ``parents`` are its parents (for a held workflow
    node), ``waiting_ahead`` counts the assignable processes of its type picked before it,
    ``not_before`` is the end of a retry's backoff (None: none)."""
    spec = process.spec
    out = Explanation(
        process_id=process.process_id,
        node_name=spec.node_name,
        func_name=spec.func_name,
        executor_type=spec.conditions.executor_type,
        state=process.state,
        pending=process.state == ProcessState.WAITING,
        waiting_ahead=waiting_ahead,
        explained_at=now,
    )
    reasons = out.reasons
    if process.state != ProcessState.WAITING:
        reasons.append(_not_waiting(process))
        return out
    if process.wait_for_parents:
        reasons.extend(_parent_reasons(parents))
    if not_before is not None and not_before > now:
        reasons.append(
            Reason(
                code="backoff",
                text="It waits for its retry backoff until "
                f"{not_before.isoformat()} ({int((not_before - now).total_seconds())} s).",
            )
        )
    if paused:
        reasons.append(
            Reason(
                code="paused",
                text=f"Assignments in colony {spec.conditions.colony_name} are paused: "
                "`colonies process resume` (colony owner) lets executors take work.",
            )
        )
    running = running or {}
    stages = _stages(process, executors, running, now)
    out.analysis = [ConditionCount(condition=t, matching=len(p)) for t, p, _ in stages]
    for code, text in unassignable(spec.conditions, executors):
        reasons.append(Reason(code=code, text=text))
    static = {"no-type", "names", "location", "hardware", "unapproved"}
    if not any(r.code in static for r in reasons):
        reasons.extend(_live_reasons(process, stages, running, waiting_ahead, now, not reasons))
    out.nearest = _nearest(stages, executors)
    return out
