from __future__ import annotations

from colonies.core import Colony
from colonies.rpc.base import Msg


class AddColonyMsg(
    Msg,
    payload_type="addcolonymsg",
    action="add colony",
    changes=True,
    target="colony.name",
    colony="colony.name",
):
    colony: Colony | None = None


class RemoveColonyMsg(Msg, payload_type="removecolonymsg", action="remove colony", changes=True):
    colony_name: str = ""


class GetColoniesMsg(Msg, payload_type="getcoloniesmsg", action="get colonies"):
    pass


class GetColonyMsg(Msg, payload_type="getcolonymsg", action="get colony"):
    colony_name: str = ""


class GetColonyStatsMsg(Msg, payload_type="getcolonystatsmsg", action="get colony statistics"):
    colony_name: str = ""


class ChangeColonyIdMsg(
    Msg,
    payload_type="changecolonyidmsg",
    action="change colony id",
    changes=True,
    target="colony_id",
):
    colony_name: str = ""
    colony_id: str = ""
