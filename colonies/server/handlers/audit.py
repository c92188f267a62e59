from __future__ import annotations

from colonies.core.audit import AuditEntry
from colonies.errors import BadRequest
from colonies.rpc.audit import GetAuditMsg
from colonies.server.auth import require_colony_owner, require_server_owner
from colonies.server.router import Ctx, RpcRouter

router = RpcRouter()
MAX_AUDIT_COUNT = 500
DEFAULT_AUDIT_COUNT = 100


@router.handle(GetAuditMsg)
async def get_audit(ctx: Ctx, msg: GetAuditMsg) -> list[AuditEntry]:
    """A colony's entries for its owner or the server owner; every colony's for the latter."""
    if not msg.colony_name:
        await require_server_owner(ctx)
    elif ctx.caller_id != await ctx.db.server.server_id():
        await require_colony_owner(ctx, msg.colony_name)
    if msg.count < 0 or msg.count > MAX_AUDIT_COUNT:
        raise BadRequest(f"Count must be between 0 and {MAX_AUDIT_COUNT}, got {msg.count}")
    if msg.before < 0:
        raise BadRequest("Failed to get audit log, before must be an entry's seq (> 0) or 0")
    return await ctx.db.audit.find(
        msg.colony_name, msg.count or DEFAULT_AUDIT_COUNT, msg.since, msg.before, msg.of_type
    )
