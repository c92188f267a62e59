"""AuditEntry: one state-changing request as the audit log keeps it."""

from __future__ import annotations

from colonies.core._wire import ZERO_TIME, Int, Time, WireModel


class AuditEntry(WireModel):
    """Who asked for what, on which object, and the reply's HTTP status (refusals included).

    ``caller_role`` is what the server's checks established (``server owner``, ``colony
    owner``, ``executor``, ``user``), empty when the caller passed none; ``seq`` orders
    entries written at the same time and is the paging cursor (``before``).
    """

    seq: Int = 0
    time: Time = ZERO_TIME
    caller_id: str = ""
    caller_role: str = ""
    caller_name: str = ""
    payload_type: str = ""
    colony_name: str = ""
    target: str = ""
    status: Int = 0
