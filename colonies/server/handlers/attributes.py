from __future__ import annotations

from colonies.core import (
    RESOURCE_REPORT_KEY,
    Attribute,
    ProcessState,
    attribute_id,
    parse_resource_report,
)
from colonies.errors import BadRequest, Forbidden, NotFound
from colonies.rpc.attribute import AddAttributeMsg, GetAttributeMsg
from colonies.server.auth import require_member
from colonies.server.router import Ctx, RpcRouter
from colonies.server.services.processes import check_assigned

router = RpcRouter()


@router.handle(AddAttributeMsg)
async def add_attribute(ctx: Ctx, msg: AddAttributeMsg) -> Attribute:
    if msg.attribute is None:
        raise BadRequest("Failed to add attribute, attribute is nil")
    attr = msg.attribute
    process = await ctx.db.processes.get(attr.target_id)
    if process is None:
        raise NotFound("Failed to add attribute, process not found")
    caller = await require_member(ctx, process.spec.conditions.colony_name)
    check_assigned(process, caller.id, "add attribute")
    if process.state != ProcessState.RUNNING:
        raise Forbidden("Failed to add attribute, process is not running")
    attr.attribute_id = attribute_id(attr.target_id, attr.key, attr.attribute_type)
    attr.target_process_graph_id = process.process_graph_id
    attr.state = process.state
    # a back end's resource report also counts in its function's statistics
    report = parse_resource_report(attr.value) if attr.key == RESOURCE_REPORT_KEY else None
    return await ctx.db.attributes.add(attr, report)


@router.handle(GetAttributeMsg)
async def get_attribute(ctx: Ctx, msg: GetAttributeMsg) -> Attribute:
    found = await ctx.db.attributes.get(msg.attribute_id)
    if found is None:
        raise BadRequest("Attribute does not exists")
    attr, colony_name = found
    await require_member(ctx, colony_name)
    return attr
