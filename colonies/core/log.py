from __future__ import annotations

from colonies.core._wire import Int, WireModel


class Log(WireModel):
    process_id: str = ""
    colony_name: str = ""
    executor_name: str = ""
    message: str = ""
    timestamp: Int = 0
