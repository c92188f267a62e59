from __future__ import annotations

from colonies.core import (
    Backend,
    Cluster,
    Node,
    PauseStatus,
    ServerInfo,
    Statistics,
    Version,
)
from colonies.core.server_info import DatabaseStatus
from colonies.db.migrate import latest_version
from colonies.errors import BadRequest
from colonies.rpc.server import (
    ChangeServerIdMsg,
    GetClusterMsg,
    GetDatabaseStatusMsg,
    GetPauseStatusMsg,
    GetServerInfoMsg,
    GetStatisticsMsg,
    VersionMsg,
)
from colonies.server.auth import require_member, require_server_owner
from colonies.server.codec import RawJSON
from colonies.server.router import Ctx, RpcRouter

router = RpcRouter()


@router.handle(VersionMsg)
async def version(ctx: Ctx, msg: VersionMsg) -> Version:
    return Version(build_version=ctx.settings.build_version, build_time=ctx.settings.build_time)


@router.handle(GetServerInfoMsg)
async def server_info(ctx: Ctx, msg: GetServerInfoMsg) -> ServerInfo:
    s = ctx.settings
    backend = Backend(port=s.port, host=s.advertised_host or s.host, tls=s.tls)
    return ServerInfo(build_version=s.build_version, build_time=s.build_time, backends=[backend])


@router.handle(GetStatisticsMsg)
async def statistics(ctx: Ctx, msg: GetStatisticsMsg) -> Statistics:
    await require_server_owner(ctx)
    return await ctx.db.server.statistics()


@router.handle(GetDatabaseStatusMsg)
async def database_status(ctx: Ctx, msg: GetDatabaseStatusMsg) -> DatabaseStatus:
    await require_server_owner(ctx)
    return await ctx.db.server.database_status(latest_version())


@router.handle(GetClusterMsg)
async def cluster(ctx: Ctx, msg: GetClusterMsg) -> Cluster:
    await require_server_owner(ctx)
    s = ctx.settings
    node = Node(name="colonies", host=s.advertised_host or s.host, port=s.port, api_port=s.port)
    return Cluster(nodes=[node], leader=node)


@router.handle(ChangeServerIdMsg)
async def change_server_id(ctx: Ctx, msg: ChangeServerIdMsg) -> RawJSON:
    await require_server_owner(ctx)
    if not msg.server_id:
        raise BadRequest("Failed to change server Id, new Id is empty")
    await ctx.db.server.set_server_id(msg.server_id)
    return RawJSON(ctx.payload_json)


@router.handle(GetPauseStatusMsg, reply_type="pausestatusreplymsg")
async def pause_status(ctx: Ctx, msg: GetPauseStatusMsg) -> PauseStatus:
    caller = await require_member(ctx, msg.colony_name, approved=False)
    return PauseStatus(colony_name=msg.colony_name, is_paused=caller.paused)
