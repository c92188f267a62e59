from __future__ import annotations

from pydantic import Field

from colonies.core import Allocations, Capabilities, Executor
from colonies.rpc.base import Msg


class AddExecutorMsg(
    Msg,
    payload_type="addexecutormsg",
    action="add executor",
    changes=True,
    target="executor.executor_name",
    colony="executor.colony_name",
):
    executor: Executor | None = None


class GetExecutorsMsg(Msg, payload_type="getexecutorsmsg", action="get executors"):
    colony_name: str = ""


class GetExecutorMsg(Msg, payload_type="getexecutormsg", action="get executor"):
    colony_name: str = ""
    executor_name: str = ""


class GetExecutorByIdMsg(Msg, payload_type="getexecutorbyidmsg", action="get executor"):
    colony_name: str = ""
    executor_id: str = ""


class ApproveExecutorMsg(
    Msg, payload_type="approveexecutormsg", action="approve executor", changes=True
):
    colony_name: str = ""
    executor_name: str = ""


class RejectExecutorMsg(
    Msg, payload_type="rejectexecutormsg", action="reject executor", changes=True
):
    colony_name: str = ""
    executor_name: str = ""


class RemoveExecutorMsg(
    Msg, payload_type="removeexecutormsg", action="remove executor", changes=True
):
    colony_name: str = ""
    executor_name: str = ""


class ReportAllocationsMsg(
    Msg, payload_type="reportallocationmsg", action="report allocation", changes=True
):
    colony_name: str = ""
    executor_name: str = ""
    allocations: Allocations = Field(default_factory=Allocations)


class UpdateExecutorMsg(
    Msg, payload_type="updateexecutormsg", action="update executor", changes=True
):
    colony_name: str = ""
    executor_name: str = ""
    capabilities: Capabilities = Field(default_factory=Capabilities)


class ChangeExecutorIdMsg(
    Msg,
    payload_type="changeexecutoridmsg",
    action="change executor id",
    changes=True,
    target="executor_id",
):
    colony_name: str = ""
    executor_id: str = ""
