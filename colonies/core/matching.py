"""Which executors could ever be assigned a spec, and in words why none can.

Assignment (``db/sql/processes.sql``, ``assign``) matches a waiting process to an executor of
its colony by executor type, executor names, location and declared hardware; this module says
the same in Python, for explanations: ``colonies function submit`` warns about a spec no
registered executor could run, and "why is it pending?" on the server can say why a process
waits. ``capacity`` is also what the assign query compares against.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from colonies.core.executor import Executor, ExecutorState, Hardware
from colonies.core.function_spec import Conditions, Requirements as Resources
from colonies.core.units import parse_cpu, parse_memory
from colonies.errors import BadRequest


def _memory(text: str) -> int:
    try:
        return parse_memory(text.strip())
    except BadRequest:
        return 0


def _cpu(hw: Hardware) -> int:
    """Millicores from ``"4000m"``, a plain core count ``"4"``, or ``cores``."""
    text = hw.cpu.strip()
    if text.endswith("m") and text[:-1].isdigit():
        return int(text[:-1])
    if text.isdigit():
        return int(text) * 1000
    return hw.cores * 1000


def capacity(hw: Hardware) -> Resources:
    """The numbers assignment compares a spec's needs with."""
    return Resources(
        cpu=_cpu(hw),
        mem=_memory(hw.mem),
        storage=_memory(hw.storage),
        nodes=hw.nodes,
        gpu_name=hw.gpu.name,
        gpu_count=hw.gpu.count,
        gpu_mem=_memory(hw.gpu.mem),
    )


def needs(conditions: Conditions) -> Resources:
    """The conditions' hardware needs; a value the server would refuse counts as none."""

    def memory(text: str) -> int:
        try:
            return parse_memory(text)
        except BadRequest:
            return 0

    try:
        cpu = parse_cpu(conditions.cpu)
    except BadRequest:
        cpu = 0
    return Resources(
        cpu=cpu,
        mem=memory(conditions.mem),
        storage=memory(conditions.storage),
        nodes=conditions.nodes,
        gpu_name=conditions.gpu.name,
        gpu_count=conditions.gpu.count,
        gpu_mem=memory(conditions.gpu.mem),
    )


def _bytes(n: int) -> str:
    for unit, size in (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n} bytes"


def shortfalls(want: Resources, have: Resources) -> list[str]:
    """What one hardware entry lacks for ``want``, as phrases; empty when it fits."""
    missing = []
    if have.cpu and want.cpu > have.cpu:
        missing.append(f"cpu {want.cpu}m > {have.cpu}m")
    if have.mem and want.mem > have.mem:
        missing.append(f"mem {_bytes(want.mem)} > {_bytes(have.mem)}")
    if have.storage and want.storage > have.storage:
        missing.append(f"storage {_bytes(want.storage)} > {_bytes(have.storage)}")
    if have.nodes and want.nodes > have.nodes:
        missing.append(f"nodes {want.nodes} > {have.nodes}")
    if want.gpu_count > have.gpu_count:
        missing.append(f"gpu count {want.gpu_count} > {have.gpu_count}")
    if want.gpu_name and want.gpu_name.lower() != have.gpu_name.lower():
        missing.append(f"gpu {want.gpu_name!r} != {have.gpu_name or 'none'!r}")
    if have.gpu_mem and want.gpu_mem > have.gpu_mem:
        missing.append(f"gpu mem {_bytes(want.gpu_mem)} > {_bytes(have.gpu_mem)}")
    return missing


def hardware_fits(want: Resources, hardware: Sequence[Hardware] | None) -> bool:
    """Whether one of the entries fits; an executor that declared none takes anything."""
    return not hardware or any(not shortfalls(want, capacity(hw)) for hw in hardware)


def _names(values: Iterable[str]) -> str:
    found = sorted({v for v in values if v})
    return ", ".join(repr(v) for v in found) if found else "none"


def _did_you_mean(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, sorted(set(choices)), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def names_allow(conditions: Conditions, executor: Executor) -> bool:
    """Whether ``conditions.executornames`` lets this executor take the process."""
    names = conditions.executor_names or []
    return not names or "*" in names or executor.executor_name in names


def location_allows(conditions: Conditions, executor: Executor) -> bool:
    where = conditions.location_name
    return not where or executor.location_name.lower() == where.lower()


def best_shortfalls(want: Resources, executor: Executor) -> list[str]:
    """What the executor's best-fitting hardware entry lacks (empty if one fits)."""
    hardware = executor.capabilities.hardware or []
    if not hardware:
        return []
    return min((shortfalls(want, capacity(hw)) for hw in hardware), key=len)


def why_unassignable(conditions: Conditions, executors: Iterable[Executor]) -> list[str]:
    """Why no executor among ``executors`` (those of the conditions' colony) can ever be
    assigned a process with these conditions, one sentence each; empty when an approved
    executor matches."""
    return [text for _, text in unassignable(conditions, executors)]


def unassignable(conditions: Conditions, executors: Iterable[Executor]) -> list[tuple[str, str]]:
    """``why_unassignable`` with a code per sentence: ``no-type``, ``names``, ``location``,
    ``hardware`` or ``unapproved``. Checked in the order assignment filters: type, names,
    location, hardware, then the state of those that match."""
    colony = conditions.colony_name
    every = list(executors)
    registered = [e for e in every if e.state != ExecutorState.UNREGISTERED]
    kind = conditions.executor_type
    if not kind:
        return [
            (
                "no-type",
                "It names no executor type (conditions.executortype): processes go only to "
                f"executors of the named type, so none will take it. Types registered in "
                f"colony {colony}: {_names(e.executor_type for e in registered)}.",
            )
        ]
    candidates = [e for e in every if e.executor_type == kind]
    if not candidates:
        types = [e.executor_type for e in registered]
        return [
            (
                "no-type",
                f"No executor of type {kind!r} is registered in colony {colony}"
                f"{_did_you_mean(kind, types)}; types registered: {_names(types)}.",
            )
        ]
    named = [e for e in candidates if names_allow(conditions, e)]
    if not named:
        names = [n for n in conditions.executor_names or [] if n != "*"]
        return [
            (
                "names",
                f"No executor of type {kind!r} has one of the names in "
                f"conditions.executornames ({_names(names)}).",
            )
        ]
    candidates = named
    if conditions.location_name:
        at = [e for e in candidates if location_allows(conditions, e)]
        if not at:
            return [
                (
                    "location",
                    f"No executor of type {kind!r} is at location "
                    f"{conditions.location_name!r} (conditions.locationname); their locations: "
                    f"{_names(e.location_name for e in candidates)}.",
                )
            ]
        candidates = at
    want = needs(conditions)
    fitting = [e for e in candidates if hardware_fits(want, e.capabilities.hardware)]
    if not fitting:
        lacks = [f"{e.executor_name} ({', '.join(best_shortfalls(want, e))})" for e in candidates]
        return [
            (
                "hardware",
                f"No executor of type {kind!r} has the hardware the conditions ask for: "
                + "; ".join(lacks)
                + ".",
            )
        ]
    if any(e.state == ExecutorState.APPROVED for e in fitting):
        return []
    which = ", ".join(f"{e.executor_name} ({STATE_WORDS[e.state]})" for e in fitting)
    return [
        (
            "unapproved",
            f"The executors that match are not approved: {which}. The colony owner approves "
            f"one with `colonies executor approve --name {fitting[0].executor_name}`.",
        )
    ]


STATE_WORDS = {
    ExecutorState.APPROVED: "approved",
    ExecutorState.PENDING: "pending approval",
    ExecutorState.REJECTED: "rejected",
    ExecutorState.UNREGISTERED: "unregistered",
}
