from __future__ import annotations

from enum import IntEnum
from typing import Any

from pydantic import Field, model_validator

from colonies.core._wire import ZERO_TIME, Bool, Int, Time, WireModel


class ExecutorState(IntEnum):
    PENDING = 0
    APPROVED = 1
    REJECTED = 2
    UNREGISTERED = 3


class Gpu(WireModel):
    name: str = ""
    mem: str = ""
    count: Int = 0
    node_count: Int = 0


class Hardware(WireModel):
    model: str = ""
    nodes: Int = 0
    cpu: str = ""
    cores: Int = 0
    mem: str = ""
    storage: str = ""
    gpu: Gpu = Field(default_factory=Gpu)
    platform: str = ""
    architecture: str = ""
    network: list[str] | None = None


class Software(WireModel):
    name: str = ""
    type: str = ""
    version: str = ""


class Capabilities(WireModel):
    hardware: list[Hardware] | None = None
    software: list[Software] | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_as_list(cls, data: Any) -> Any:
        """A single hardware or software object (the older shape that the ColonyOS
        documentation's executor spec still uses) is a list of one; replies are lists."""
        if not isinstance(data, dict):
            return data
        return {
            k: [v]
            if isinstance(k, str) and k.lower() in cls._wire_keys and isinstance(v, dict)
            else v
            for k, v in data.items()
        }


class Project(WireModel):
    allocated_cpu: Int = 0
    used_cpu: Int = 0
    allocated_gpu: Int = 0
    used_gpu: Int = 0
    allocated_storage: Int = 0
    used_storage: Int = 0


class Allocations(WireModel):
    projects: dict[str, Project] | None = None


class Executor(WireModel):
    OMIT_EMPTY = frozenset({"locationname", "blueprintid", "blueprintgen"})

    executor_id: str = ""
    executor_type: str = ""
    executor_name: str = ""
    colony_name: str = ""
    state: ExecutorState = ExecutorState.PENDING
    require_func_reg: Bool = False
    commission_time: Time = ZERO_TIME
    last_heard_from_time: Time = ZERO_TIME
    location_name: str = ""
    capabilities: Capabilities = Field(default_factory=Capabilities)
    allocations: Allocations = Field(default_factory=Allocations)
    blueprint_id: str = ""
    blueprint_gen: Int = 0
