"""Pure render functions: objects in, table text out (CLI.md §4); no I/O."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from colonies.cli.style import STYLE
from colonies.config import CliSettings
from colonies.core import (
    Attempt,
    Attribute,
    Cluster,
    Colony,
    Executor,
    ExecutorState,
    Function,
    FunctionResources,
    Location,
    Log,
    Process,
    ProcessGraph,
    ProcessState,
    ServerInfo,
    Statistics,
    User,
    is_zero_time,
)
from colonies.core.audit import AuditEntry
from colonies.core.cron import Cron
from colonies.core.explain import Explanation
from colonies.core.file import File, Label
from colonies.core.generator import Generator
from colonies.core.retry import SKIPPED
from colonies.core.server_info import DatabaseStatus
from colonies.core.snapshot import Snapshot
from colonies.core.step_stats import WorkflowStats
from colonies.core.ticket import ExecutorTicket

STATE_NAMES = {
    ProcessState.WAITING: "Waiting",
    ProcessState.RUNNING: "Running",
    ProcessState.SUCCESS: "Successful",
    ProcessState.FAILED: "Failed",
    ProcessState.CANCELLED: "Cancelled",
}
EXECUTOR_STATES = {
    ExecutorState.PENDING: "Pending",
    ExecutorState.APPROVED: "Approved",
    ExecutorState.REJECTED: "Rejected",
    ExecutorState.UNREGISTERED: "Unregistered",
}
ATTRIBUTE_TYPES = {0: "In", 1: "Out", 2: "Err", 3: "Env"}


_HEX_ID = re.compile(r"^[0-9a-f]{64}$")
_ZERO_QUANTITY = re.compile(r"^0+(\.0+)?[A-Za-z]*$")
STATE_COLOURS = {
    "Waiting": "yellow",
    "Running": "blue",
    "Successful": "green",
    "Failed": "red",
    "Cancelled": "magenta",
    "Skipped": "magenta",
    "Pending": "yellow",
    "Approved": "green",
    "Rejected": "red",
    "Unregistered": "bright_black",
}


def state_text(name: str) -> str:
    """A state name, coloured when the style says so."""
    colour = STATE_COLOURS.get(name)
    if not (STYLE.colour and colour):
        return name
    import click

    return click.style(name, fg=colour)


def unset(value: Any) -> str:
    """A condition as given; empty when unset (0, "", 0m, 0Mi ...)."""
    text = "" if value is None else str(value)
    return "" if text in ("0", "-1") or _ZERO_QUANTITY.match(text) else text


def _fit(rows: list[list[str]], headers: list[str]) -> tuple[list[str], list[list[str]]]:
    """Headers and rows that fit STYLE.width: long ids shortened first, then columns with
    nothing in them left out, then the widest cells of free text cut (never below their
    header, nor below 8 characters)."""
    if not STYLE.width or not rows:
        return headers, rows

    def lengths(headers: list[str], rows: list[list[str]]) -> list[int]:
        return [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def width(headers: list[str], rows: list[list[str]]) -> int:
        # a column costs its width and three for the padding and the border
        return sum(n + 3 for n in lengths(headers, rows)) + 1

    if width(headers, rows) > STYLE.width:
        rows = [[short_id(c) if _HEX_ID.match(c) else c for c in row] for row in rows]
    if width(headers, rows) > STYLE.width and any(headers):
        kept = [i for i in range(len(headers)) if any(r[i] for r in rows)] or [0]
        headers = [headers[i] for i in kept]
        rows = [[r[i] for i in kept] for r in rows]
    while width(headers, rows) > STYLE.width:
        sizes = lengths(headers, rows)
        floor = [max(len(h), 8) for h in headers]
        widest = max(range(len(sizes)), key=lambda i: sizes[i] - floor[i])
        if sizes[widest] <= floor[widest]:
            break
        limit = max(sizes[widest] - (width(headers, rows) - STYLE.width), floor[widest])
        rows = [
            [c[: limit - 1] + "…" if i == widest and len(c) > limit else c for i, c in enumerate(r)]
            for r in rows
        ]
    return headers, rows


def _fmt() -> str:
    return "outline" if CliSettings.from_env().ascii_tables else "rounded_outline"


def fmt_time(value: datetime) -> str:
    """``2006-01-02 15:04:05`` in local time; empty for Go's zero time."""
    if is_zero_time(value):
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def fmt_ns(timestamp: int) -> str:
    if timestamp <= 0:
        return ""
    return fmt_time(datetime.fromtimestamp(timestamp / 1e9).astimezone())


def fmt_value(value: Any) -> str:
    """A JSON value as Go's ``%v`` would roughly show it (strings bare)."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def fmt_list(values: Iterable[Any] | None) -> str:
    return " ".join(fmt_value(v) for v in values or [])


def fmt_kwargs(values: dict[str, Any] | None) -> str:
    return " ".join(f"{k}:{fmt_value(v)}" for k, v in (values or {}).items())


def fmt_seconds(value: float) -> str:
    return f"{value:.3f} s"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A list table with a header row, fitted to STYLE.width."""
    import tabulate as module
    from tabulate import tabulate

    module.MIN_PADDING = 0  # headers as wide as their text: the width _fit counts
    shown, cells = _fit([["" if c is None else str(c) for c in row] for row in rows], list(headers))
    return tabulate(cells, headers=shown, tablefmt=_fmt(), disable_numparse=True)


def detail(rows: Iterable[tuple[str, Any]], title: str = "") -> str:
    """An object detail table: one row per field name and value."""
    from tabulate import tabulate

    _, cells = _fit([[str(k), "" if v is None else str(v)] for k, v in rows], ["", ""])
    text = tabulate(cells, tablefmt=_fmt(), disable_numparse=True)
    return f"{title}\n{text}" if title else text


def duration(start: datetime, end: datetime) -> str:
    if is_zero_time(start) or is_zero_time(end):
        return ""
    return fmt_seconds((end - start).total_seconds())


# colonies, users, server


def colonies_table(colonies: Sequence[Colony]) -> str:
    return table(["Name", "ColonyId"], [(c.name, c.colony_id) for c in colonies])


def statistics_table(stats: Statistics, title: str = "", server: bool = True) -> str:
    """Server or colony statistics; a colony's leave out the number of colonies."""
    rows = [
        ("Colonies", stats.colonies),
        ("Executors", stats.executors),
        ("Active executors", stats.active_executors),
        ("Unregistered executors", stats.unregistered_executors),
        ("Waiting processes", stats.waiting_processes),
        ("Running processes", stats.running_processes),
        ("Successful processes", stats.successful_processes),
        ("Failed processes", stats.failed_processes),
        ("Cancelled processes", stats.cancelled_processes),
        ("Waiting workflows", stats.waiting_workflows),
        ("Running workflows", stats.running_workflows),
        ("Successful workflows", stats.successful_workflows),
        ("Failed workflows", stats.failed_workflows),
        ("Cancelled workflows", stats.cancelled_workflows),
    ]
    return detail([(k, str(v)) for k, v in rows if server or k != "Colonies"], title)


def users_table(users: Sequence[User]) -> str:
    return table(
        ["Username", "UserId", "Email", "Phone"],
        [(u.name, u.user_id, u.email, u.phone) for u in users],
    )


def user_table(user: User) -> str:
    return detail(
        [
            ("Username", user.name),
            ("UserId", user.user_id),
            ("Colony", user.colony_name),
            ("Email", user.email),
            ("Phone", user.phone),
        ]
    )


def server_info_table(info: ServerInfo, url: str) -> str:
    rows: list[tuple[str, Any]] = [
        ("Server", url),
        ("Version", info.build_version),
        ("BuildTime", info.build_time),
    ]
    for b in info.backends:
        rows.append(("Backend", f"{b.type} {b.host}:{b.port}" + (" (tls)" if b.tls else "")))
    return detail(rows)


# executors and functions


def executors_table(executors: Sequence[Executor], full: bool = False, states: bool = False) -> str:
    """The executors; ``states`` adds their state to the short table (as ``full`` does)."""
    if states and not full:
        return table(
            ["Name", "Type", "State", "Location", "Last Heard From"],
            [
                (
                    e.executor_name,
                    e.executor_type,
                    EXECUTOR_STATES.get(e.state, str(e.state)),
                    e.location_name,
                    fmt_time(e.last_heard_from_time),
                )
                for e in executors
            ],
        )
    if full:
        return table(
            ["Name", "Id", "Type", "State", "Location", "Last Heard From"],
            [
                (
                    e.executor_name,
                    e.executor_id,
                    e.executor_type,
                    state_text(EXECUTOR_STATES.get(e.state, str(e.state))),
                    e.location_name,
                    fmt_time(e.last_heard_from_time),
                )
                for e in executors
            ],
        )
    return table(
        ["Name", "Type", "Location", "Last Heard From"],
        [
            (e.executor_name, e.executor_type, e.location_name, fmt_time(e.last_heard_from_time))
            for e in executors
        ],
    )


def tickets_table(tickets: Sequence[ExecutorTicket], now: datetime) -> str:
    """Enrollment tickets (never their secrets), with what each allows at ``now``."""
    return table(
        ["Id", "Type", "Name Prefix", "Expires", "Used", "Uses Left", "State", "Created"],
        [
            (
                t.ticket_id,
                t.executor_type,
                t.name_prefix,
                fmt_time(t.expires),
                f"{t.used}/{t.uses}",
                str(max(t.uses - t.used, 0)),
                t.state(now),
                fmt_time(t.created),
            )
            for t in tickets
        ],
    )


def executor_table(e: Executor) -> str:
    rows: list[tuple[str, Any]] = [
        ("Name", e.executor_name),
        ("Id", e.executor_id),
        ("Type", e.executor_type),
        ("Colony", e.colony_name),
        ("State", state_text(EXECUTOR_STATES.get(e.state, str(e.state)))),
        ("RequireFuncRegistration", str(e.require_func_reg)),
        ("CommissionTime", fmt_time(e.commission_time)),
        ("LastHeardFromTime", fmt_time(e.last_heard_from_time)),
        ("Location", e.location_name),
    ]
    text = detail(rows, "Executor:")
    hardware = e.capabilities.hardware or []
    software = e.capabilities.software or []
    if hardware:
        text += "\n\n" + table(
            ["Model", "Nodes", "CPU", "Cores", "Memory", "Storage", "GPU", "GPUs"],
            [
                (h.model, h.nodes, h.cpu, h.cores, h.mem, h.storage, h.gpu.name, h.gpu.count)
                for h in hardware
            ],
        )
    if software:
        text += "\n\n" + table(
            ["Software", "Type", "Version"], [(s.name, s.type, s.version) for s in software]
        )
    return text


def functions_table(functions: Sequence[Function]) -> str:
    """The statistics of each function name over every executor offering it, one detail
    table per function as the reference prints them (averages weighted by calls)."""
    groups: dict[str, list[Function]] = {}
    for f in functions:
        groups.setdefault(f.func_name, []).append(f)
    blocks = []
    for name, fs in sorted(groups.items()):
        used = [f for f in fs if f.counter > 0] or fs

        def avg(attr: str, used: list[Function] = used) -> float:
            total = sum(f.counter for f in used)
            if total == 0:
                return 0.0
            return float(sum(getattr(f, attr) * f.counter for f in used)) / total

        rows = [
            ("FuncName", name),
            ("ExecutorType", ", ".join(sorted({f.executor_type for f in fs if f.executor_type}))),
            ("Calls", str(sum(f.counter for f in fs))),
            (
                "Served by",
                f"{len(fs)} executors ({', '.join(sorted(f.executor_name for f in fs))})",
            ),
            ("MinWaitTime", fmt_seconds(min(f.min_wait_time for f in used))),
            ("MaxWaitTime", fmt_seconds(max(f.max_wait_time for f in used))),
            ("AvgWaitTime", fmt_seconds(avg("avg_wait_time"))),
            ("MinExecTime", fmt_seconds(min(f.min_exec_time for f in used))),
            ("MaxExecTime", fmt_seconds(max(f.max_exec_time for f in used))),
            ("AvgExecTime", fmt_seconds(avg("avg_exec_time"))),
            *_resource_rows([f.resources for f in fs if f.resources is not None]),
        ]
        blocks.append(detail(rows, "Function:"))
    return "\n\n".join(blocks)


def _resource_rows(reports: Sequence[FunctionResources]) -> list[tuple[str, str]]:
    """The resource totals of a function over its executors (none before a report)."""
    count = sum(r.reports for r in reports)
    if not count:
        return []
    wall = sum(r.wall_seconds for r in reports)
    return [
        ("Reports", str(count)),
        ("TotalWallTime", fmt_seconds(wall)),
        ("AvgWallTime", fmt_seconds(wall / count)),
        ("CPUTime", fmt_seconds(sum(r.cpu_seconds for r in reports))),
        ("PeakMemory", fmt_size(max(r.peak_mem_max for r in reports))),
        ("StagedIn", fmt_size(sum(r.staged_in_bytes for r in reports))),
        ("StagedOut", fmt_size(sum(r.staged_out_bytes for r in reports))),
    ]


# processes


def _time_column(state: ProcessState) -> str:
    if state == ProcessState.WAITING:
        return "Submission Time"
    if state == ProcessState.RUNNING:
        return "Start Time"
    return "End Time"


def _process_time(p: Process, state: ProcessState) -> str:
    if state == ProcessState.WAITING:
        return fmt_time(p.submission_time)
    if state == ProcessState.RUNNING:
        return fmt_time(p.start_time)
    return fmt_time(p.end_time)


def processes_table(processes: Sequence[Process], state: ProcessState) -> str:
    return table(
        ["ID", "FuncName", "Args", "KwArgs", _time_column(state), "ExecutorType", "Initiator"],
        [
            (
                p.process_id,
                p.spec.func_name,
                fmt_list(p.spec.args),
                fmt_kwargs(p.spec.kw_args),
                _process_time(p, state),
                p.spec.conditions.executor_type,
                p.initiator_name,
            )
            for p in processes
        ],
    )


def process_ids(processes: Sequence[Process]) -> str:
    return "\n".join(p.process_id for p in processes)


def retry_text(p: Process) -> str:
    """The retry policy of a spec in one line, '' without one."""
    r = p.spec.retry
    if r is None:
        return ""
    on = r.on
    which = [f"exit codes {fmt_list(on.exit_codes)}"] if on.exit_codes else []
    which += [f"errors with {fmt_list(on.errors)}"] if on.errors else []
    which += ["timeouts"] if on.timeouts else []
    text = f"{r.attempts} attempts on {', '.join(which) if which and not on.any else 'any failure'}"
    b = r.backoff
    if b.delay:
        text += f", {b.kind or 'fixed'} backoff {fmt_seconds(b.delay)}"
        text += f" (max {fmt_seconds(b.max_delay)})" if b.max_delay else ""
    e = r.escalate
    if e is not None:
        for name, factor, limit in (("mem", e.mem, e.mem_limit), ("cpu", e.cpu, e.cpu_limit)):
            if factor > 1:
                text += f", {name} x{factor:g} up to {limit}"
    return text


def attempts_summary(attempts: Sequence[Attempt]) -> str:
    """``3 (latest: Successful on worker-1, success)``."""
    if not attempts:
        return ""
    last = attempts[-1]
    on = f" on {last.executor_name}" if last.executor_name else ""
    state = STATE_NAMES.get(last.state, str(last.state))
    return f"{len(attempts)} (latest: {state}{on}, {last.exit_reason})"


def attempts_table(attempts: Sequence[Attempt]) -> str:
    return table(
        [
            "Attempt",
            "State",
            "ExitReason",
            "Executor",
            "StartTime",
            "EndTime",
            "Duration",
            "Logs",
            "BackoffUntil",
            "Errors",
        ],
        [
            (
                str(a.attempt),
                state_text(STATE_NAMES.get(a.state, str(a.state))),
                a.exit_reason,
                a.executor_name,
                fmt_time(a.start_time),
                fmt_time(a.end_time),
                duration(a.start_time, a.end_time),
                str(a.logs),
                fmt_time(a.backoff_until),
                fmt_list(a.errors),
            )
            for a in attempts
        ],
    )


def process_table(p: Process, attempts: Sequence[Attempt] = ()) -> str:
    spec, cond = p.spec, p.spec.conditions
    sections = [
        detail(
            [
                ("Id", p.process_id),
                ("IsAssigned", str(p.is_assigned)),
                ("InitiatorId", p.initiator_id),
                ("Initiator", p.initiator_name),
                ("AssignedExecutorId", p.assigned_executor_id),
                ("State", state_text(STATE_NAMES.get(p.state, str(p.state)))),
                ("PriorityTime", str(p.priority_time)),
                ("SubmissionTime", fmt_time(p.submission_time)),
                ("StartTime", fmt_time(p.start_time)),
                ("EndTime", fmt_time(p.end_time)),
                ("WaitDeadline", fmt_time(p.wait_deadline)),
                ("ExecDeadline", fmt_time(p.exec_deadline)),
                ("WaitingTime", duration(p.submission_time, p.start_time)),
                ("ProcessingTime", duration(p.start_time, p.end_time)),
                ("Retries", str(p.retries)),
                *([("Attempts", attempts_summary(attempts))] if attempts else []),
                ("Input", fmt_list(p.input)),
                ("Output", fmt_list(p.output)),
                ("Errors", fmt_list(p.errors)),
                *([("Cache", cache_hit_text(p))] if p.cache_hit else []),
            ],
            "Process:",
        ),
        detail(
            [
                ("Func", spec.func_name),
                ("Args", fmt_list(spec.args)),
                ("KwArgs", fmt_kwargs(spec.kw_args)),
                ("MaxWaitTime", str(spec.max_wait_time)),
                ("MaxExecTime", str(spec.max_exec_time)),
                ("MaxRetries", str(spec.max_retries)),
                *([("Retry", retry_text(p))] if spec.retry else []),
                ("Priority", str(spec.priority)),
                ("Label", spec.label),
            ],
            "Function Specification:",
        ),
        detail(
            [
                ("Colony", cond.colony_name),
                ("ExecutorNames", fmt_list(cond.executor_names)),
                ("ExecutorType", cond.executor_type),
                ("Dependencies", fmt_list(cond.dependencies)),
                ("Nodes", unset(cond.nodes)),
                ("CPU", unset(cond.cpu)),
                ("Memory", unset(cond.mem)),
                ("Processes", unset(cond.processes)),
                ("ProcessesPerNode", unset(cond.processes_per_node)),
                ("Storage", unset(cond.storage)),
                ("Walltime", unset(cond.walltime)),
                ("GPUName", cond.gpu.name),
                ("GPUs", unset(cond.gpu.count)),
                ("GPUMemory", unset(cond.gpu.mem)),
            ],
            "Conditions:",
        ),
    ]
    if p.attributes:
        sections.append("Attributes:\n" + attributes_table(p.attributes))
    return "\n\n".join(sections)


def attributes_table(attributes: Sequence[Attribute]) -> str:
    return table(
        ["ID", "Key", "Value", "Type", "State"],
        [
            (
                a.attribute_id,
                a.key,
                a.value,
                ATTRIBUTE_TYPES.get(a.attribute_type, str(a.attribute_type)),
                str(a.state),
            )
            for a in attributes
        ],
    )


def attribute_table(a: Attribute) -> str:
    return detail(
        [
            ("ID", a.attribute_id),
            ("TargetID", a.target_id),
            ("TargetColony", a.target_colony_name),
            ("TargetProcessGraphID", a.target_process_graph_id),
            ("AttributeType", ATTRIBUTE_TYPES.get(a.attribute_type, str(a.attribute_type))),
            ("Key", a.key),
            ("Value", a.value),
        ]
    )


# workflows


def workflows_table(graphs: Sequence[ProcessGraph], state: ProcessState) -> str:
    return table(
        ["ID", _time_column(state), "Initiator", "Processes"],
        [
            (
                g.process_graph_id,
                fmt_time(
                    g.submission_time
                    if state == ProcessState.WAITING
                    else g.start_time
                    if state == ProcessState.RUNNING
                    else g.end_time
                ),
                g.initiator_name,
                str(len(g.process_ids)),
            )
            for g in graphs
        ],
    )


def is_skipped(p: Process) -> bool:
    """A node the continue policy skipped because an ancestor failed."""
    return p.state == ProcessState.CANCELLED and any(str(e).startswith(SKIPPED) for e in p.errors)


def node_state(p: Process) -> str:
    return "Skipped" if is_skipped(p) else STATE_NAMES.get(p.state, str(p.state))


def cache_hit_text(p: Process) -> str:
    """``cache hit from <process id>``: the run whose output a cached process took."""
    return f"cache hit from {p.cached_from}"


def node_reason(p: Process) -> str:
    """Why a workflow node did not succeed, in a few words, or that it was a cache hit
    ('' if it ran and succeeded or may yet)."""
    if p.state == ProcessState.SUCCESS and p.cache_hit:
        return cache_hit_text(p)
    if is_skipped(p):
        return str(p.errors[0]).removeprefix("Skipped: ").replace(" (process ", " (").strip()
    if p.state == ProcessState.FAILED:
        if p.errors:
            return "; ".join(str(e) for e in p.errors)
        if is_zero_time(p.start_time):
            return "not run: the workflow failed (fail-fast)"
        return "failed with the workflow (fail-fast)" if is_zero_time(p.end_time) else "failed"
    if p.state == ProcessState.CANCELLED:
        return "cancelled"
    return ""


def workflow_table(graph: ProcessGraph, processes: Sequence[Process]) -> str:
    head = detail(
        [
            ("Id", graph.process_graph_id),
            ("Colony", graph.colony_name),
            ("Initiator", graph.initiator_name),
            ("State", state_text(STATE_NAMES.get(graph.state, str(graph.state)))),
            ("FailurePolicy", graph.failure_policy or "fail-fast"),
            ("SubmissionTime", fmt_time(graph.submission_time)),
            ("StartTime", fmt_time(graph.start_time)),
            ("EndTime", fmt_time(graph.end_time)),
            ("ProcessingTime", duration(graph.start_time, graph.end_time)),
        ],
        "Workflow:",
    )
    body = table(
        ["NodeName", "FuncName", "ProcessId", "State", "ExecutorType", "Dependencies", "Why"],
        [
            (
                p.spec.node_name,
                p.spec.func_name,
                p.process_id,
                state_text(node_state(p)),
                p.spec.conditions.executor_type,
                fmt_list(p.spec.conditions.dependencies),
                node_reason(p),
            )
            for p in processes
        ],
    )
    return f"{head}\n\nProcesses:\n{body}"


def workflow_stats_table(stats: WorkflowStats) -> str:
    """Step statistics: one row per function, then the whole workflow (times in seconds)."""
    rows = [*stats.functions, stats.steps.model_copy(update={"func_name": "(all)"})]
    return table(
        [
            "Function",
            "Total",
            "Waiting",
            "Running",
            "Successful",
            "Failed",
            "Cancelled",
            "Cached",
            "Wait total",
            "Wait avg",
            "Run total",
            "Run avg",
        ],
        [
            (
                s.func_name,
                s.total,
                s.waiting,
                s.running,
                s.successful,
                s.failed,
                s.cancelled,
                s.cache_hits,
                f"{s.wait_time_total:.3f}",
                f"{s.wait_time_avg:.3f}",
                f"{s.run_time_total:.3f}",
                f"{s.run_time_avg:.3f}",
            )
            for s in rows
        ],
    )


def explanation_text(e: Explanation) -> str:
    """Why a process waits: the sentences, the condition analysis, the nearest candidate."""
    name = f" ({e.node_name})" if e.node_name else ""
    state = STATE_NAMES.get(e.state, str(e.state)).lower()
    lines = [
        f"Process {e.process_id}{name}, function {e.func_name!r}, type "
        f"{e.executor_type!r}: {state}."
    ]
    lines += [f"- {r.text}" for r in e.reasons]
    if e.analysis:
        lines += ["", "Executors of the colony passing each condition in turn:"]
        lines.append(
            table(["Condition", "Executors"], [(c.condition, c.matching) for c in e.analysis])
        )
    if e.nearest is not None:
        n = e.nearest
        lines += [
            "",
            f"Nearest candidate: {n.executor_name} (type {n.executor_type!r}, {n.state}): "
            f"{'; '.join(n.lacks) or 'nothing listed'}.",
        ]
    return "\n".join(lines)


# logs


def logs_text(logs: Sequence[Log]) -> str:
    """Log messages as written (the reference prints them raw)."""
    return "".join(m if m.endswith("\n") else m + "\n" for m in (log.message for log in logs))


def logs_table(logs: Sequence[Log]) -> str:
    return table(
        ["Timestamp", "ProcessId", "Executor", "Message"],
        [
            (fmt_ns(log.timestamp), log.process_id, log.executor_name, log.message.rstrip("\n"))
            for log in logs
        ],
    )


# crons and generators


def crons_table(crons: Sequence[Cron]) -> str:
    return table(
        ["ID", "Name", "Cron", "Interval", "Random", "NextRun"],
        [
            (
                c.cron_id,
                c.name,
                c.cron_expression,
                str(c.interval) if c.interval > 0 else "",
                str(c.random),
                fmt_time(c.next_run),
            )
            for c in crons
        ],
    )


def cron_table(c: Cron) -> str:
    return detail(
        [
            ("Id", c.cron_id),
            ("Name", c.name),
            ("Colony", c.colony_name),
            ("Initiator", c.initiator_name),
            ("Cron", c.cron_expression),
            ("Interval", str(c.interval)),
            ("Random", str(c.random)),
            ("NextRun", fmt_time(c.next_run)),
            ("LastRun", fmt_time(c.last_run)),
            ("PrevProcessGraphId", c.prev_process_graph_id),
            ("WaitForPrevProcessGraph", str(c.wait_for_prev_process_graph)),
        ],
        "Cron:",
    )


def generators_table(generators: Sequence[Generator]) -> str:
    return table(
        ["ID", "Name", "Trigger", "Timeout", "LastRun"],
        [
            (g.generator_id, g.name, str(g.trigger), str(g.timeout), fmt_time(g.last_run))
            for g in generators
        ],
    )


def generator_table(g: Generator) -> str:
    return detail(
        [
            ("Id", g.generator_id),
            ("Name", g.name),
            ("Colony", g.colony_name),
            ("Initiator", g.initiator_name),
            ("Trigger", str(g.trigger)),
            ("Timeout", str(g.timeout)),
            ("QueueSize", str(g.queue_size)),
            ("FirstPack", fmt_time(g.first_pack)),
            ("LastRun", fmt_time(g.last_run)),
        ],
        "Generator:",
    )


def workflow_spec_table(workflow_spec: str) -> str:
    """The function specs stored (as JSON text) in a cron or a generator."""
    try:
        specs = json.loads(workflow_spec).get("functionspecs") or []
    except (ValueError, AttributeError):
        return ""
    return table(
        ["NodeName", "FuncName", "ExecutorType", "Dependencies"],
        [
            (
                s.get("nodename", ""),
                s.get("funcname", ""),
                (s.get("conditions") or {}).get("executortype", ""),
                fmt_list((s.get("conditions") or {}).get("dependencies")),
            )
            for s in specs
            if isinstance(s, dict)
        ],
    )


# locations


def locations_table(locations: Sequence[Location]) -> str:
    return table(
        ["Name", "Description", "Longitude", "Latitude"],
        [(loc.name, loc.description, str(loc.long), str(loc.lat)) for loc in locations],
    )


def location_table(loc: Location) -> str:
    return detail(
        [
            ("Name", loc.name),
            *([("Id", loc.location_id)] if loc.location_id else []),
            ("Colony", loc.colony_name),
            ("Description", loc.description),
            ("Longitude", str(loc.long)),
            ("Latitude", str(loc.lat)),
        ]
    )


def config_table(rows: Sequence[tuple[str, str, str]]) -> str:
    return table(["Variable", "Value", "Used for"], rows)


def mask(key: str) -> str:
    """A private key shown as its first and last four characters."""
    if not key:
        return ""
    return f"{key[:4]}…{key[-4:]}" if len(key) > 8 else "****"


def cluster_table(cluster: Cluster) -> str:
    return table(
        ["Name", "Host", "APIPort", "EtcdClientPort", "EtcdPeerPort", "RelayPort", "Leader"],
        [
            (
                n.name,
                n.host,
                str(n.api_port),
                str(n.port),
                str(n.peer_port),
                str(n.relay_port),
                "True" if n.name == cluster.leader.name else "False",
            )
            for n in cluster.nodes
        ],
    )


# audit log


def short_id(value: str) -> str:
    """The first and last characters of a 64-hex id, enough to tell keys apart."""
    return f"{value[:8]}…{value[-4:]}" if len(value) > 16 else value


def audit_table(entries: Sequence[AuditEntry]) -> str:
    return table(
        ["Seq", "Time", "Caller", "Role", "Type", "Colony", "Target", "Status"],
        [
            (
                str(e.seq),
                fmt_time(e.time),
                e.caller_name or short_id(e.caller_id),
                e.caller_role or "-",
                e.payload_type,
                e.colony_name,
                e.target,
                str(e.status),
            )
            for e in entries
        ],
    )


# Colonies FS


def fmt_size(n: int) -> str:
    """Bytes as B, KiB, MiB or GiB."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def files_table(files: Sequence[File]) -> str:
    """File revisions, one row each."""
    return table(
        ["FileID", "Label", "Name", "Size", "Seq", "Checksum", "Added", "Encryption"],
        [
            (
                f.file_id,
                f.label,
                f.name,
                fmt_size(f.size),
                str(f.sequence_nr),
                f.checksum,
                fmt_time(f.added),
                f.ref.s3_object.encryption_alg or "-",
            )
            for f in files
        ],
    )


def label_files_table(files: Sequence[tuple[File, int]]) -> str:
    """The latest revision of each file of a label, with its number of revisions."""
    return table(
        ["Name", "Size", "Latest FileID", "Added", "Revisions", "Encryption"],
        [
            (
                f.name,
                fmt_size(f.size),
                f.file_id,
                fmt_time(f.added),
                str(n),
                f.ref.s3_object.encryption_alg or "-",
            )
            for f, n in files
        ],
    )


def labels_table(labels: Sequence[Label]) -> str:
    return table(
        ["Label", "Files"], [(x.name, str(x.files)) for x in sorted(labels, key=lambda x: x.name)]
    )


def snapshots_table(snapshots: Sequence[Snapshot]) -> str:
    return table(
        ["SnapshotID", "Name", "Label", "Files", "Added"],
        [
            (s.snapshot_id, s.name, s.label, str(len(s.file_ids or [])), fmt_time(s.added))
            for s in snapshots
        ],
    )


def snapshot_files_table(files: Sequence[tuple[str, File | None]]) -> str:
    """The files of a snapshot; one removed since shows as such."""
    return table(
        ["FileID", "Label", "Name", "Size"],
        [
            (i, f.label, f.name, fmt_size(f.size)) if f else (i, "(removed since)", "", "")
            for i, f in files
        ],
    )


def database_table(d: DatabaseStatus, address: str) -> str:
    behind = d.schema_version < d.latest_schema_version
    return detail(
        [
            ("Server", address),
            ("Status", d.status),
            (
                "SchemaVersion",
                f"{d.schema_version}"
                + (f" (newest known {d.latest_schema_version})" if behind else ""),
            ),
            ("Database", d.database_name),
            ("PostgreSQL", d.postgres_version),
            ("Size", fmt_size(d.size)),
        ]
    )
