from __future__ import annotations

from colonies.core import Process
from colonies.core.blueprint import Blueprint, BlueprintDefinition, BlueprintHistory
from colonies.errors import BadRequest, NotFound
from colonies.rpc.blueprint import (
    AddBlueprintDefinitionMsg,
    AddBlueprintMsg,
    GetBlueprintDefinitionMsg,
    GetBlueprintDefinitionsMsg,
    GetBlueprintHistoryMsg,
    GetBlueprintMsg,
    GetBlueprintsMsg,
    ReconcileBlueprintMsg,
    RemoveBlueprintDefinitionMsg,
    RemoveBlueprintMsg,
    UpdateBlueprintMsg,
    UpdateBlueprintStatusMsg,
)
from colonies.server.auth import (
    require_colony_owner,
    require_member,
    require_member_or_colony_owner,
)
from colonies.server.router import Ctx, RpcRouter
from colonies.server.services import blueprints

router = RpcRouter()


@router.handle(AddBlueprintDefinitionMsg)
async def add_definition(ctx: Ctx, msg: AddBlueprintDefinitionMsg) -> BlueprintDefinition:
    if msg.blueprint_definition is None:
        raise BadRequest("Failed to add blueprint definition, blueprint definition is nil")
    await require_colony_owner(ctx, msg.blueprint_definition.metadata.colony_name)
    return await blueprints.add_definition(ctx.db, msg.blueprint_definition)


@router.handle(GetBlueprintDefinitionMsg)
async def get_definition(ctx: Ctx, msg: GetBlueprintDefinitionMsg) -> BlueprintDefinition:
    await require_member_or_colony_owner(ctx, msg.colony_name)
    definition = await ctx.db.blueprints.get_definition(msg.colony_name, msg.name)
    if definition is None:
        raise NotFound("Blueprint definition not found")
    return definition


@router.handle(GetBlueprintDefinitionsMsg)
async def get_definitions(ctx: Ctx, msg: GetBlueprintDefinitionsMsg) -> list[BlueprintDefinition]:
    await require_member_or_colony_owner(ctx, msg.colony_name)
    return await ctx.db.blueprints.find_definitions(msg.colony_name)


@router.handle(RemoveBlueprintDefinitionMsg)
async def remove_definition(ctx: Ctx, msg: RemoveBlueprintDefinitionMsg) -> None:
    await require_colony_owner(ctx, msg.namespace)
    await blueprints.remove_definition(ctx.db, msg.namespace, msg.name)


@router.handle(AddBlueprintMsg)
async def add_blueprint(ctx: Ctx, msg: AddBlueprintMsg) -> Blueprint:
    if msg.blueprint is None:
        raise BadRequest("Failed to add blueprint, blueprint is nil")
    caller = await require_member_or_colony_owner(ctx, msg.blueprint.metadata.colony_name)
    return await blueprints.add(ctx.db, ctx.events, msg.blueprint, caller)


@router.handle(GetBlueprintMsg)
async def get_blueprint(ctx: Ctx, msg: GetBlueprintMsg) -> Blueprint:
    await require_member_or_colony_owner(ctx, msg.namespace)
    blueprint = await ctx.db.blueprints.get(msg.namespace, msg.name)
    if blueprint is None:
        raise NotFound("Blueprint not found")
    return blueprint


@router.handle(GetBlueprintsMsg)
async def get_blueprints(ctx: Ctx, msg: GetBlueprintsMsg) -> list[Blueprint]:
    await require_member_or_colony_owner(ctx, msg.namespace)
    return await ctx.db.blueprints.find(msg.namespace, msg.kind, msg.location_name)


@router.handle(UpdateBlueprintMsg)
async def update_blueprint(ctx: Ctx, msg: UpdateBlueprintMsg) -> Blueprint:
    if msg.blueprint is None:
        raise BadRequest("Failed to update blueprint, blueprint is nil")
    caller = await require_member_or_colony_owner(ctx, msg.blueprint.metadata.colony_name)
    return await blueprints.update(ctx.db, ctx.events, msg.blueprint, msg.force_generation, caller)


@router.handle(RemoveBlueprintMsg)
async def remove_blueprint(ctx: Ctx, msg: RemoveBlueprintMsg) -> None:
    caller = await require_member_or_colony_owner(ctx, msg.namespace)
    await blueprints.remove(ctx.db, ctx.events, msg.namespace, msg.name, caller)


@router.handle(GetBlueprintHistoryMsg)
async def get_history(ctx: Ctx, msg: GetBlueprintHistoryMsg) -> list[BlueprintHistory]:
    colony_name = await blueprints.colony_of(ctx.db, msg.blueprint_id)
    await require_member_or_colony_owner(ctx, colony_name)
    return await ctx.db.blueprints.history(msg.blueprint_id, msg.limit)


@router.handle(UpdateBlueprintStatusMsg)
async def update_status(ctx: Ctx, msg: UpdateBlueprintStatusMsg) -> None:
    await require_member(ctx, msg.colony_name)
    await blueprints.set_status(ctx.db, msg.colony_name, msg.blueprint_name, msg.status)


@router.handle(ReconcileBlueprintMsg)
async def reconcile(ctx: Ctx, msg: ReconcileBlueprintMsg) -> Process:
    caller = await require_member(ctx, msg.namespace)
    return await blueprints.reconcile(
        ctx.db, ctx.events, msg.namespace, msg.name, msg.force, caller
    )
