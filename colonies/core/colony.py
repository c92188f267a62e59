from __future__ import annotations

from colonies.core._wire import Bool, WireModel


class Colony(WireModel):
    colony_id: str = ""
    name: str = ""


class PauseStatus(WireModel):
    msgtype: str = "pausestatusreplymsg"
    colony_name: str = ""
    is_paused: Bool = False
