from __future__ import annotations

from colonies.core._wire import Bool, Int, WireModel


class FunctionArg(WireModel):
    OMIT_EMPTY = frozenset({"description", "required", "enum"})

    name: str = ""
    type: str = ""
    description: str = ""
    required: Bool = False
    enum: list[str] | None = None


class Function(WireModel):
    OMIT_EMPTY = frozenset({"description", "args", "locationname"})

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
