"""Enrollment tickets: the colony owner creates, lists and revokes them; a new executor
enrols with one, signing with its own fresh key."""

from __future__ import annotations

from colonies.core import Executor
from colonies.core._wire import Int
from colonies.rpc.base import Msg


class AddExecutorTicketMsg(
    Msg,
    payload_type="addexecutorticketmsg",
    action="add executor ticket",
    changes=True,
    target=("reply.ticket_id", "executor_type"),  # never the token
):
    colony_name: str = ""
    executor_type: str = ""
    name_prefix: str = ""
    uses: Int = 0
    expires_in: Int = 0
    """Seconds from now."""


class GetExecutorTicketsMsg(
    Msg, payload_type="getexecutorticketsmsg", action="get executor tickets"
):
    colony_name: str = ""


class RevokeExecutorTicketMsg(
    Msg,
    payload_type="revokeexecutorticketmsg",
    action="revoke executor ticket",
    changes=True,
    target="ticket_id",
):
    colony_name: str = ""
    ticket_id: str = ""


class EnrollExecutorMsg(
    Msg,
    payload_type="enrollexecutormsg",
    action="enroll executor",
    changes=True,
    target="executor.executor_name",
    colony="executor.colony_name",
):
    """Signed by the new executor's key; ``executor`` may leave out what the ticket says."""

    ticket: str = ""
    executor: Executor | None = None
