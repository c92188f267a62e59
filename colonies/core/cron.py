"""Cron model and schedule arithmetic (SEMANTICS §10); pure, no I/O."""

from __future__ import annotations

import random as _random
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from colonies.core._wire import ZERO_TIME, Bool, Int, Time, WireModel, is_zero_time


class Cron(WireModel):
    cron_id: str = ""
    initiator_id: str = ""
    initiator_name: str = ""
    colony_name: str = ""
    name: str = ""
    cron_expression: str = ""
    interval: Int = 0
    random: Bool = False
    next_run: Time = ZERO_TIME
    last_run: Time = ZERO_TIME
    workflow_spec: str = ""
    prev_process_graph_id: str = ""
    wait_for_prev_process_graph: Bool = False
    checker_period: Int = 0


DESCRIPTORS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


class CronError(ValueError):
    pass


def go_duration(text: str) -> timedelta:
    """Go's ``time.ParseDuration`` for what ``@every`` takes: ``1h30m``, ``10s``, ``500ms``."""
    pos, seconds = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        seconds += float(match.group(1)) * _UNIT_S[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text or seconds <= 0:
        raise CronError(f"time: invalid duration {text!r}")
    return timedelta(seconds=seconds)


def _parse(expression: str) -> tuple[str, ZoneInfo | None]:
    """The 6-field expression (descriptors expanded) and its time zone prefix, if any."""
    text = expression.strip()
    zone = None
    for prefix in ("CRON_TZ=", "TZ="):
        if text.startswith(prefix):
            name, _, text = text[len(prefix) :].partition(" ")
            try:
                zone = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise CronError(f"provided bad location {name}") from None
            text = text.strip()
    text = DESCRIPTORS.get(text, text)
    if text.startswith("@"):
        return text, zone
    fields = text.split()
    if len(fields) != 6:
        raise CronError(f"expected exactly 6 fields, found {len(fields)}: [{' '.join(fields)}]")
    from croniter import croniter  # here: the CLI imports this module, rarely for crons

    if not croniter.is_valid(text, second_at_beginning=True):
        raise CronError(f"failed to parse cron expression: {text}")
    return text, zone


def validate(cron: Cron) -> None:
    """The reference's checks on add; raises CronError with its texts."""
    if cron.interval == 0 or cron.interval < -1:
        raise CronError("Cron interval must be -1 (disabled) or larger than 0")
    if cron.interval == -1:
        if cron.random:
            raise CronError("Random is not supported with cron expressions, use an interval")
        expression, _ = _parse(cron.cron_expression)
        if expression.startswith("@") and not expression.startswith("@every "):
            raise CronError(f"unrecognized descriptor: {expression}")
        if expression.startswith("@every "):
            go_duration(expression.removeprefix("@every ").strip())


def next_run(
    cron: Cron, window_start: datetime, now: datetime, rng: _random.Random | None = None
) -> tuple[datetime, datetime]:
    """The next run after ``now`` and the start of the interval window it falls in.

    Interval crons run every ``interval`` seconds; with ``random`` the run falls at a
    random moment of each interval window (the reference ignores ``random``). Expression
    crons follow the 6-field (seconds first) expression, in UTC unless ``CRON_TZ=`` says.
    """
    if cron.interval > 0:
        if not cron.random:
            return now + timedelta(seconds=cron.interval), now
        window = timedelta(seconds=cron.interval)
        start = now if is_zero_time(window_start) else max(window_start + window, now)
        offset = (rng or _random).uniform(0, cron.interval)
        return start + timedelta(seconds=offset), start
    expression, zone = _parse(cron.cron_expression)
    if expression.startswith("@every "):
        return now + go_duration(expression.removeprefix("@every ").strip()), now
    base = now.astimezone(zone) if zone else now
    from croniter import croniter

    nxt: datetime = croniter(expression, base, second_at_beginning=True).get_next(datetime)
    return nxt.astimezone(now.tzinfo), now
