"""The audit log read (ours; the reference has no audit log)."""

from __future__ import annotations

from pydantic import Field

from colonies.core._wire import ZERO_TIME, Int, Time
from colonies.rpc.base import Msg

__all__ = ["GetAuditMsg"]


class GetAuditMsg(Msg, payload_type="getauditmsg", action="get audit log"):
    """The newest entries first; ``colonyname`` empty means every colony (server owner).

    ``since`` keeps entries at or after a time; ``before`` (an entry's ``seq``) those older
    than that entry, for the next page; ``payloadtype`` keeps one payload type.
    """

    colony_name: str = ""
    count: Int = 0
    since: Time = ZERO_TIME
    before: Int = 0
    of_type: str = Field(default="", alias="payloadtype")
