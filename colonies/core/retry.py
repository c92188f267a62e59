"""Retry policies (``FunctionSpec.retry``): which failures retry, the backoff before the next
attempt, and capped resource escalation; and the exit reason of an attempt. Pure functions:
the server's services decide with them, the CLI explains with them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from colonies.core.function_spec import Backoff, Conditions, Retry, RetryOn
from colonies.core.process import ProcessState
from colonies.core.units import parse_cpu, parse_memory
from colonies.errors import BadRequest

MAX_ATTEMPTS = 1000
EXEC_TIMEOUT = "Maximum execution time limit exceeded"
"""The reference's error text of a process past its exec deadline."""

_EXIT_CODE = re.compile(
    r"\bexit(?:ed)?(?: with)?(?: status| code)?[ :=]+(-?\d+)|\bexit_?code[ :=]+(-?\d+)", re.I
)
_TIMEOUT = re.compile(r"time ?out|timed out|time limit", re.I)
_OOM = re.compile(r"\boom\b|oom.?kill|out[ _-]of[ _-]memory", re.I)
_PREEMPTED = re.compile(r"preempt|node[ _-]?fail", re.I)


class Failure(NamedTuple):
    """A failed attempt: its error texts, and whether the server's exec deadline ended it."""

    errors: Sequence[str] = ()
    timed_out: bool = False

    def exit_code(self) -> int | None:
        """The exit status named in an error text (``exited with status 3``, ``exit code 3``)."""
        for error in self.errors:
            found = _EXIT_CODE.search(error)
            if found:
                return int(found.group(1) or found.group(2))
        return None

    def is_timeout(self) -> bool:
        return self.timed_out or any(_TIMEOUT.search(e) for e in self.errors)

    def is_oom(self) -> bool:
        return any(_OOM.search(e) for e in self.errors)

    def is_preemption(self) -> bool:
        """Out of memory, preempted or a failed node: the machine, not the program."""
        return self.is_oom() or any(_PREEMPTED.search(e) for e in self.errors)


class RetryPlan(NamedTuple):
    """What the next attempt gets: its backoff and its (maybe escalated) cpu and memory."""

    delay_s: float
    cpu: int
    mem: int


def validate(retry: Retry) -> None:
    """Refuse a policy the server could not follow (400, naming the field)."""
    if not 0 <= retry.attempts <= MAX_ATTEMPTS:
        raise BadRequest(f"Invalid retry.attempts {retry.attempts}, must be 0 to {MAX_ATTEMPTS}")
    b = retry.backoff
    if b.kind.lower() not in ("", "fixed", "exponential"):
        raise BadRequest(f'Invalid retry.backoff.kind "{b.kind}", use "fixed" or "exponential"')
    for name, value in (("delay", b.delay), ("max", b.max_delay)):
        if not 0 <= value <= 86_400 * 365:
            raise BadRequest(f"Invalid retry.backoff.{name} {value}, must be 0 or more seconds")
    if not 0 <= b.jitter <= 1:
        raise BadRequest(f"Invalid retry.backoff.jitter {b.jitter}, must be 0 to 1")
    e = retry.escalate
    if e is None:
        return
    for name, factor, limit, parse in (
        ("mem", e.mem, e.mem_limit, parse_memory),
        ("cpu", e.cpu, e.cpu_limit, parse_cpu),
    ):
        if factor and not 1 <= factor <= 1000:
            raise BadRequest(f"Invalid retry.escalate.{name} {factor}, a factor of 1 to 1000")
        if factor > 1 and not limit:
            raise BadRequest(
                f"Invalid retry.escalate: {name} grows by {factor} per attempt but "
                f"{name}limit is not set (escalation must be capped)"
            )
        if limit:
            parse(limit)  # BadRequest on a value it cannot read


def matches(on: RetryOn, failure: Failure) -> bool:
    """Whether the policy retries this failure (an empty ``on`` retries every failure)."""
    if on.any or not (on.exit_codes or on.errors or on.timeouts):
        return True
    if on.timeouts and failure.is_timeout():
        return True
    code = failure.exit_code()
    if code is not None and code in on.exit_codes:
        return True
    return any(text in error for text in on.errors for error in failure.errors)


def backoff_delay(backoff: Backoff, tries: int, random: Callable[[], float]) -> float:
    """Seconds before the next attempt after ``tries`` failed ones (1 = the first)."""
    delay = backoff.delay
    if backoff.kind.lower() == "exponential":
        delay *= 2 ** min(max(tries - 1, 0), 60)
    if backoff.max_delay > 0:
        delay = min(delay, backoff.max_delay)
    if backoff.jitter > 0:
        delay *= 1 + backoff.jitter * (2 * random() - 1)
        if backoff.max_delay > 0:
            delay = min(delay, backoff.max_delay)
    return max(delay, 0.0)


def _grow(current: int, factor: float, limit: int) -> int:
    if current <= 0 or factor <= 1:
        return current
    return max(current, min(int(current * factor), limit))


def plan(
    retry: Retry,
    tries: int,
    failure: Failure,
    conditions: Conditions,
    random: Callable[[], float],
) -> RetryPlan | None:
    """The next attempt after ``tries`` failed ones of this run, or None when the policy is
    exhausted or does not retry this failure. Escalation multiplies the spec's cpu and mem
    conditions (one without them has nothing to scale) and stops at the limits."""
    if tries >= retry.attempts or not matches(retry.on, failure):
        return None
    cpu, mem = parse_cpu(conditions.cpu), parse_memory(conditions.mem)
    e = retry.escalate
    if e is not None and (not e.preemption_only or failure.is_preemption()):
        if e.mem_limit:
            mem = _grow(mem, e.mem, parse_memory(e.mem_limit))
        if e.cpu_limit:
            cpu = _grow(cpu, e.cpu, parse_cpu(e.cpu_limit))
    return RetryPlan(backoff_delay(retry.backoff, tries, random), cpu, mem)


def exit_reason(state: ProcessState, errors: Sequence[str], ended_by: str = "") -> str:
    """How an attempt ended, in a few words: ``success``, ``exit code 3``, ``timeout``…"""
    if ended_by == "executor removed":
        return ended_by
    if state != ProcessState.FAILED:
        if state == ProcessState.CANCELLED and any(e.startswith(SKIPPED) for e in errors):
            return "skipped"
        return {
            ProcessState.WAITING: "waiting",
            ProcessState.RUNNING: "running",
            ProcessState.SUCCESS: "success",
            ProcessState.CANCELLED: "cancelled",
        }.get(state, str(state))
    failure = Failure(errors, timed_out=ended_by == "timeout" or EXEC_TIMEOUT in errors)
    if failure.is_oom():
        return "out of memory"
    if failure.is_preemption():
        return "preempted"
    if failure.timed_out:
        return "timeout"
    code = failure.exit_code()
    if code is not None:
        return f"exit code {code}"
    if failure.is_timeout():
        return "timeout"
    return "error" if any(errors) else "failed"


SKIPPED = "Skipped: ancestor "
"""The start of the error text of a workflow node skipped because an ancestor failed (the
``continue`` failure policy; resolve_graph() in schema.sql writes it)."""
