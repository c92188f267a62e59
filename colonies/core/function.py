from __future__ import annotations

import json
import math
from typing import Any

from colonies.core._wire import Bool, Int, WireModel

RESOURCE_REPORT_KEY = "resources"
"""Attribute key under which a back end stores a process's resource report (JSON object:
``wall_s``, ``cpu_s``, ``peak_mem_bytes``, ``staged_in_bytes``, ``staged_out_bytes``)."""

_INT64_MAX = (1 << 63) - 1


class FunctionArg(WireModel):
    OMIT_EMPTY = frozenset({"description", "required", "enum"})

    name: str = ""
    type: str = ""
    description: str = ""
    required: Bool = False
    enum: list[str] | None = None


class FunctionResources(WireModel):
    """What the processes of a function used, summed over their resource reports (ours,
    not the reference's: ``Function.resources``, absent until a report arrives)."""

    reports: Int = 0
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_mem_max: Int = 0
    staged_in_bytes: Int = 0
    staged_out_bytes: Int = 0

    @property
    def avg_wall_seconds(self) -> float:
        return self.wall_seconds / self.reports if self.reports else 0.0


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if math.isfinite(value) and value > 0 else 0.0


def parse_resource_report(value: str) -> FunctionResources | None:
    """One process's resource report (the attribute ``resources``) as one report's worth of
    function statistics; None when ``value`` is not such a report (a JSON object with a
    number ``wall_s``). Missing, negative or non-numeric entries count as 0."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or isinstance(data.get("wall_s"), bool):
        return None
    if not isinstance(data.get("wall_s"), int | float):
        return None

    def whole(key: str) -> int:
        return min(int(_number(data, key)), _INT64_MAX)

    return FunctionResources(
        reports=1,
        wall_seconds=_number(data, "wall_s"),
        cpu_seconds=_number(data, "cpu_s"),
        peak_mem_max=whole("peak_mem_bytes"),
        staged_in_bytes=whole("staged_in_bytes"),
        staged_out_bytes=whole("staged_out_bytes"),
    )


class Function(WireModel):
    OMIT_EMPTY = frozenset({"description", "args", "locationname", "resources"})

    function_id: str = ""
    executor_name: str = ""
    executor_type: str = ""
    colony_name: str = ""
    func_name: str = ""
    description: str = ""
    args: list[FunctionArg] | None = None
    counter: Int = 0
    min_wait_time: float = 0.0
    max_wait_time: float = 0.0
    min_exec_time: float = 0.0
    max_exec_time: float = 0.0
    avg_wait_time: float = 0.0
    avg_exec_time: float = 0.0
    location_name: str = ""
    resources: FunctionResources | None = None
    """Ours: totals of the resource reports of the function's processes (back ends)."""
