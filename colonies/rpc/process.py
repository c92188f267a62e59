from __future__ import annotations

from typing import Any

from pydantic import Field

from colonies.core import FunctionSpec, ProcessResult
from colonies.core._wire import Bool, Int
from colonies.rpc.base import Msg


class SubmitFunctionSpecMsg(
    Msg,
    payload_type="submitfuncspecmsg",
    action="submit function spec",
    changes=True,
    target="reply.process_id",
    colony="spec.conditions.colony_name",
):
    OMIT_EMPTY = frozenset({"requestid"})
    spec: FunctionSpec | None = None
    request_id: str = ""
    """Ours: the client's id of this submit; a retry with the same id gets the first process."""


class AssignProcessMsg(
    Msg,
    payload_type="assignprocessmsg",
    action="assign process",
    changes=True,
    target="reply.process_id",
    unchanged=(404, 408, 499, 503),
):
    OMIT_EMPTY = frozenset({"confirmdelivery"})
    colony_name: str = ""
    timeout: Int = 0
    available_cpu: str = ""
    available_mem: str = ""
    confirm_delivery: Bool = False
    """Ours: the caller confirms each process it receives (``confirmprocessmsg``); one it does
    not confirm within the server's delivery lease waits again."""


class ConfirmProcessMsg(
    Msg, payload_type="confirmprocessmsg", action="confirm process", changes=True
):
    """Ours: the assigned executor received the process (ends its delivery lease)."""

    process_id: str = ""


class AssignProcessesMsg(
    Msg,
    payload_type="assignprocessesmsg",
    action="assign processes",
    changes=True,
    unchanged=(404, 408, 499, 503),
):
    """Ours: ``assignprocessmsg`` claiming up to ``count`` processes at once (the reply is
    a list, at least one). Each must be confirmed (``confirmprocessesmsg``) within the
    server's delivery lease, as with ``confirmdelivery``."""

    colony_name: str = ""
    timeout: Int = 0
    count: Int = 1
    available_cpu: str = ""
    available_mem: str = ""


class ConfirmProcessesMsg(
    Msg, payload_type="confirmprocessesmsg", action="confirm processes", changes=True
):
    """Ours: ``confirmprocessmsg`` for several processes of one colony; the reply lists the
    ids confirmed (any other is not this executor's to run)."""

    colony_name: str = ""
    process_ids: list[str] = Field(default_factory=list)


class CloseProcessesMsg(
    Msg, payload_type="closeprocessesmsg", action="close processes", changes=True
):
    """Ours: close several processes of the caller in one colony, each as successful or
    as failed; the reply has one ``ResultOutcome`` per result."""

    colony_name: str = ""
    results: list[ProcessResult] = Field(default_factory=list)


class GetProcessesMsg(Msg, payload_type="getprocessesmsg", action="get processes"):
    colony_name: str = ""
    count: Int = 0
    state: Int = 0
    executor_type: str = ""
    label: str = ""
    initiator: str = ""


class GetProcessMsg(Msg, payload_type="getprocessmsg", action="get process"):
    process_id: str = ""


class GetProcessAttemptsMsg(
    Msg, payload_type="getprocessattemptsmsg", action="get process attempts"
):
    """Ours: every attempt of a process, oldest first (the last is the current one)."""

    process_id: str = ""


class GetProcessHistMsg(Msg, payload_type="getprocesshistmsg", action="get process history"):
    colony_name: str = ""
    executor_id: str = ""
    seconds: Int = 0
    state: Int = 0


class RemoveProcessMsg(Msg, payload_type="removeprocessmsg", action="remove process", changes=True):
    process_id: str = ""
    all: Bool = False


class RemoveAllProcessesMsg(
    Msg, payload_type="removeallprocessesmsg", action="remove all processes", changes=True
):
    colony_name: str = ""
    state: Int = 0


class CloseSuccessfulMsg(
    Msg, payload_type="closesuccessfulmsg", action="close process as successful", changes=True
):
    process_id: str = ""
    output: list[Any] = Field(default_factory=list, alias="out")


class CloseFailedMsg(
    Msg, payload_type="closefailedmsg", action="close process as failed", changes=True
):
    process_id: str = ""
    errors: list[str] = Field(default_factory=list)


class SetOutputMsg(Msg, payload_type="setoutputmsg", action="set output", changes=True):
    process_id: str = ""
    output: list[Any] = Field(default_factory=list, alias="out")


class CancelProcessMsg(Msg, payload_type="cancelprocessmsg", action="cancel process", changes=True):
    process_id: str = ""


class PauseAssignmentsMsg(
    Msg, payload_type="pauseassignmentsmsg", action="pause assignments", changes=True
):
    colony_name: str = ""


class ResumeAssignmentsMsg(
    Msg, payload_type="resumeassignmentsmsg", action="resume assignments", changes=True
):
    colony_name: str = ""


class SubscribeProcessMsg(
    Msg, payload_type="subscribeprocessmsg", action="subscribe process", websocket=True
):
    colony_name: str = ""
    process_id: str = ""
    executor_type: str = ""
    state: Int = 0
    timeout: Int = 0


class SubscribeProcessesMsg(
    Msg, payload_type="subscribeprocessesmsg", action="subscribe processes", websocket=True
):
    colony_name: str = ""
    executor_type: str = ""
    state: Int = 0
    timeout: Int = 0


class ExplainProcessMsg(
    Msg, payload_type="explainprocessmsg", action="explain process", changes=False
):
    """Ours: why a process waits (reply: core.explain.Explanation)."""

    process_id: str = ""
