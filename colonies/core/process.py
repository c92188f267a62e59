from __future__ import annotations

from enum import IntEnum
from typing import Any

from pydantic import Field

from colonies.core._wire import ZERO_TIME, Bool, Int, Time, WireModel
from colonies.core.attribute import Attribute
from colonies.core.function_spec import FunctionSpec


class ProcessState(IntEnum):
    WAITING = 0
    RUNNING = 1
    SUCCESS = 2
    FAILED = 3
    CANCELLED = 4


class Process(WireModel):
    OMIT_EMPTY = frozenset({"cachekey", "cachehit", "cachedfrom"})

    process_id: str = ""
    initiator_id: str = ""
    initiator_name: str = ""
    assigned_executor_id: str = ""
    is_assigned: Bool = False
    state: ProcessState = ProcessState.WAITING
    priority_time: Int = 0
    submission_time: Time = ZERO_TIME
    start_time: Time = ZERO_TIME
    end_time: Time = ZERO_TIME
    wait_deadline: Time = ZERO_TIME
    exec_deadline: Time = ZERO_TIME
    retries: Int = 0
    attributes: list[Attribute] = Field(default_factory=list)
    spec: FunctionSpec = Field(default_factory=FunctionSpec)
    wait_for_parents: Bool = False
    parents: list[str] = Field(default_factory=list)
    children: list[str] = Field(default_factory=list)
    process_graph_id: str = ""
    input: list[Any] = Field(default_factory=list, alias="in")
    output: list[Any] = Field(default_factory=list, alias="out")
    errors: list[str] = Field(default_factory=list)
    # --- ours (issue 13, caching; core/caching.py): left out when empty ---
    cache_key: str = ""
    """The key of what its result depends on, once known (a spec with caching)."""
    cache_hit: Bool = False
    """Closed at once with the output of an earlier run, without an executor."""
    cached_from: str = ""
    """The id of the process whose run gave that output."""
    # --- end ours ---
