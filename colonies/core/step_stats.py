"""Step statistics of a workflow, as scitq's ``step stats``: per function and in total, the
processes by state and their wait and run times (pure; the rows come from one query).

Wait time is from submission to start, for processes that started on an executor; run time
from start to end, for those that ended after starting (successful, failed, or cancelled
while running). Cache hits are counted, not timed (they never waited for an executor).
Processes still waiting or running add no time yet. Times are in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import Field

from colonies.core._wire import Int, WireModel
from colonies.core.process import ProcessState


class StepStats(WireModel):
    func_name: str = ""
    total: Int = 0
    waiting: Int = 0
    running: Int = 0
    successful: Int = 0
    failed: Int = 0
    cancelled: Int = 0
    cache_hits: Int = 0
    wait_time_total: float = 0.0
    wait_time_avg: float = 0.0
    run_time_total: float = 0.0
    run_time_avg: float = 0.0


class WorkflowStats(WireModel):
    """The reply of ``getworkflowstatsmsg``: the whole workflow, then each function."""

    process_graph_id: str = ""
    colony_name: str = ""
    state: ProcessState = ProcessState.WAITING
    steps: StepStats = Field(default_factory=StepStats)
    functions: list[StepStats] = Field(default_factory=list)


_FIELDS = {
    ProcessState.WAITING: "waiting",
    ProcessState.RUNNING: "running",
    ProcessState.SUCCESS: "successful",
    ProcessState.FAILED: "failed",
    ProcessState.CANCELLED: "cancelled",
}


class _Sums:
    def __init__(self, name: str) -> None:
        self.stats = StepStats(func_name=name)
        self.started = 0
        self.ran = 0

    def add(self, row: Mapping[str, Any]) -> None:
        s = self.stats
        n = int(row["n"])
        s.total += n
        field = _FIELDS[ProcessState(row["state"])]
        setattr(s, field, getattr(s, field) + n)
        s.cache_hits += int(row["hits"])
        self.started += int(row["started"])
        self.ran += int(row["ran"])
        s.wait_time_total += float(row["wait_s"])
        s.run_time_total += float(row["run_s"])

    def done(self) -> StepStats:
        s = self.stats
        s.wait_time_avg = s.wait_time_total / self.started if self.started else 0.0
        s.run_time_avg = s.run_time_total / self.ran if self.ran else 0.0
        return s


def step_stats(rows: Iterable[Mapping[str, Any]]) -> tuple[StepStats, list[StepStats]]:
    """Totals and per-function figures from rows of (func_name, state, n, hits, started,
    wait_s, ran, run_s), functions by name."""
    total = _Sums("")
    per: dict[str, _Sums] = {}
    for row in rows:
        total.add(row)
        per.setdefault(row["func_name"], _Sums(row["func_name"])).add(row)
    return total.done(), [per[name].done() for name in sorted(per)]
