from __future__ import annotations

from pydantic import Field

from colonies.core._wire import Bool, Int, WireModel


class Backend(WireModel):
    OMIT_EMPTY = frozenset({"tls", "insecure"})

    type: str = "http"
    port: Int = 0
    host: str = ""
    tls: Bool = False
    insecure: Bool = False


class ServerInfo(WireModel):
    build_version: str = ""
    build_time: str = ""
    backends: list[Backend] = Field(default_factory=list)


class Version(WireModel):
    build_version: str = ""
    build_time: str = ""
    msgtype: str = "versionmsg"


class Node(WireModel):
    name: str = ""
    host: str = ""
    port: Int = 0
    peer_port: Int = 0
    relay_port: Int = 0
    api_port: Int = 0


class Cluster(WireModel):
    nodes: list[Node] = Field(default_factory=list)
    leader: Node = Field(default_factory=Node)


class Failure(WireModel):
    status: Int = 0
    message: str = ""


class DatabaseStatus(WireModel):
    """The server's database as ``getdatabasestatusmsg`` reports it (ours; no Go type)."""

    status: str = ""
    schema_version: Int = 0
    latest_schema_version: Int = 0
    database_name: str = ""
    postgres_version: str = ""
    size: Int = 0
