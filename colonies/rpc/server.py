from __future__ import annotations

from colonies.rpc.base import Msg


class VersionMsg(Msg, payload_type="versionmsg", action="get version", signed=False, changes=False):
    build_version: str = ""
    build_time: str = ""


class GetServerInfoMsg(
    Msg, payload_type="getserverinfomsg", action="get server info", signed=False
):
    pass


class GetStatisticsMsg(Msg, payload_type="getstatisticsmsg", action="get statistics"):
    pass


class GetClusterMsg(Msg, payload_type="getclustermsg", action="get cluster"):
    pass


class ChangeServerIdMsg(
    Msg,
    payload_type="changeserveridmsg",
    action="change server id",
    changes=True,
    target="server_id",
):
    server_id: str = ""


class GetPauseStatusMsg(Msg, payload_type="getpausestatusmsg", action="get pause status"):
    colony_name: str = ""


class GetDatabaseStatusMsg(
    Msg, payload_type="getdatabasestatusmsg", action="get database status", changes=False
):
    """Ours (no Go type): the schema version, PostgreSQL version and size (server owner)."""
