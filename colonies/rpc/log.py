from __future__ import annotations

from colonies.core._wire import Bool, Int
from colonies.rpc.base import Msg

MAX_LOG_COUNT = 500
"""The most entries one getlogsmsg may ask for (the reference's limit)."""


class AddLogMsg(Msg, payload_type="addlogmsg", action="add log", changes=True):
    process_id: str = ""
    message: str = ""


class AddExecutorLogMsg(
    Msg, payload_type="addexecutorlogmsg", action="add executor log", changes=True
):
    colony_name: str = ""
    executor_name: str = ""
    message: str = ""


class GetLogsMsg(Msg, payload_type="getlogsmsg", action="get logs"):
    OMIT_EMPTY = frozenset({"attempt"})
    colony_name: str = ""
    process_id: str = ""
    executor_name: str = ""
    count: Int = 0
    since: Int = 0
    latest: Bool = False
    attempt: Int = 0
    """Ours: only the entries of this attempt of the process (0: all)."""


class SearchLogsMsg(Msg, payload_type="searchlogsmsg", action="search logs"):
    colony_name: str = ""
    text: str = ""
    days: Int = 0
    count: Int = 0
