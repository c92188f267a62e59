from __future__ import annotations

from colonies.core import Location
from colonies.rpc.base import Msg


class AddLocationMsg(
    Msg,
    payload_type="addlocationmsg",
    action="add location",
    changes=True,
    target="location.name",
    colony="location.colony_name",
):
    location: Location | None = None


class GetLocationsMsg(Msg, payload_type="getlocationsmsg", action="get locations"):
    colony_name: str = ""


class GetLocationMsg(Msg, payload_type="getlocationmsg", action="get location"):
    colony_name: str = ""
    name: str = ""


class RemoveLocationMsg(
    Msg, payload_type="removelocationmsg", action="remove location", changes=True
):
    colony_name: str = ""
    name: str = ""
