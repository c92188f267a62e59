"""Cron messages (PROTOCOL §7.10)."""

from __future__ import annotations

from colonies.core._wire import Bool, Int
from colonies.core.cron import Cron
from colonies.rpc.base import Msg


class AddCronMsg(
    Msg,
    payload_type="addcronmsg",
    action="add cron",
    changes=True,
    target=("reply.cron_id", "cron.name"),
    colony="cron.colony_name",
):
    cron: Cron | None = None


class GetCronMsg(Msg, payload_type="getcronmsg", action="get cron"):
    cron_id: str = ""


class GetCronsMsg(Msg, payload_type="getcronsmsg", action="get crons"):
    colony_name: str = ""
    count: Int = 0


class RunCronMsg(Msg, payload_type="runcronmsg", action="run cron", changes=True):
    cron_id: str = ""


class RemoveCronMsg(Msg, payload_type="removecronmsg", action="remove cron", changes=True):
    cron_id: str = ""
    all: Bool = False
