"""Domain models shared by the server, the SDK and the CLI; no I/O."""

from __future__ import annotations

from colonies.core._wire import ZERO_TIME, WireModel, is_zero_time, utc_now
from colonies.core.attempt import Attempt
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
from colonies.core.function import (
    RESOURCE_REPORT_KEY,
    Function,
    FunctionArg,
    FunctionResources,
    parse_resource_report,
)
from colonies.core.function_spec import (
    Backoff,
    Conditions,
    Escalate,
    Filesystem,
    FunctionSpec,
    Retry,
    RetryOn,
)
from colonies.core.location import Location
from colonies.core.log import Log
from colonies.core.process import Process, ProcessState
from colonies.core.process_graph import Edge, GraphNode, ProcessGraph, WorkflowSpec, layout
from colonies.core.process_result import ProcessResult, ResultOutcome
from colonies.core.server_info import Backend, Cluster, Failure, Node, ServerInfo, Version
from colonies.core.statistics import Statistics
from colonies.core.user import User

__all__ = [
    "RESOURCE_REPORT_KEY",
    "ZERO_TIME",
    "Allocations",
    "Attempt",
    "Attribute",
    "AttributeType",
    "Backend",
    "Backoff",
    "Capabilities",
    "Cluster",
    "Colony",
    "Conditions",
    "Edge",
    "Escalate",
    "Executor",
    "ExecutorState",
    "Failure",
    "Filesystem",
    "Function",
    "FunctionArg",
    "FunctionResources",
    "FunctionSpec",
    "Gpu",
    "GraphNode",
    "Hardware",
    "Location",
    "Log",
    "Node",
    "PauseStatus",
    "Process",
    "ProcessGraph",
    "ProcessResult",
    "ProcessState",
    "Project",
    "ResultOutcome",
    "Retry",
    "RetryOn",
    "ServerInfo",
    "Software",
    "Statistics",
    "User",
    "Version",
    "WireModel",
    "WorkflowSpec",
    "attribute_id",
    "is_zero_time",
    "layout",
    "parse_resource_report",
    "utc_now",
]
