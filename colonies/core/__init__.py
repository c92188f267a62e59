"""Domain models shared by the server, the SDK and the CLI; no I/O."""

from __future__ import annotations

from colonies.core._wire import ZERO_TIME, WireModel, is_zero_time, utc_now
from colonies.core.attribute import Attribute, AttributeType, attribute_id
from colonies.core.colony import Colony, PauseStatus
from colonies.core.executor import (
    Allocations,
    Capabilities,
    Executor,
    ExecutorState,
    Gpu,
    Hardware,
    Project,
    Software,
)
from colonies.core.function import Function, FunctionArg
from colonies.core.function_spec import Conditions, Filesystem, FunctionSpec
from colonies.core.location import Location
from colonies.core.log import Log
from colonies.core.process import Process, ProcessState
from colonies.core.server_info import Backend, Cluster, Failure, Node, ServerInfo, Version
from colonies.core.statistics import Statistics
from colonies.core.user import User

__all__ = [
    "ZERO_TIME",
    "Allocations",
    "Attribute",
    "AttributeType",
    "Backend",
    "Capabilities",
    "Cluster",
    "Colony",
    "Conditions",
    "Executor",
    "ExecutorState",
    "Failure",
    "Filesystem",
    "Function",
    "FunctionArg",
    "FunctionSpec",
    "Gpu",
    "Hardware",
    "Location",
    "Log",
    "Node",
    "PauseStatus",
    "Process",
    "ProcessState",
    "Project",
    "ServerInfo",
    "Software",
    "Statistics",
    "User",
    "Version",
    "WireModel",
    "attribute_id",
    "is_zero_time",
    "utc_now",
]
