"""Blueprints (SEMANTICS §14): stored with their history, reconciled by the handler their
definition names. A kind with a handler gets one reconcile cron per location, and every
create, change, forced reconcile and removal hands the handler a process at once."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from colonies.core import FunctionSpec, Location, Process
from colonies.core._wire import is_zero_time, utc_now
from colonies.core.blueprint import (
    Blueprint,
    BlueprintDefinition,
    BlueprintHistory,
    BlueprintValidationError,
    cleanup_spec,
    cron_name,
    reconcile_cron,
    reconcile_spec,
    same_json,
    validate_spec,
)
from colonies.crypto import random_id
from colonies.db import Database
from colonies.errors import BadRequest, Conflict, NotFound
from colonies.server.caller import Caller
from colonies.server.events import Events
from colonies.server.services import crons, processes

log = logging.getLogger(__name__)


async def add_definition(db: Database, definition: BlueprintDefinition) -> BlueprintDefinition:
    if not definition.metadata.name:
        raise BadRequest("metadata.name is required")
    if not definition.spec.names.kind:
        raise BadRequest("spec.names.kind is required")
    definition.blueprint_definition_id = definition.blueprint_definition_id or random_id()
    return await db.blueprints.add_definition(definition)


async def remove_definition(db: Database, colony_name: str, name: str) -> None:
    """Refused (409) while blueprints of its kind exist."""
    async with db.transaction() as tx:
        definition = await tx.blueprints.get_definition(colony_name, name)
        if definition is None:
            raise NotFound(f"BlueprintDefinition '{name}' not found in namespace '{colony_name}'")
        kind = definition.spec.names.kind
        in_use = await tx.blueprints.count(colony_name, kind)
        if in_use:
            raise Conflict(
                f"cannot remove BlueprintDefinition '{name}': {in_use} blueprint(s) of kind "
                f"'{kind}' still exist"
            )
        await tx.blueprints.remove_definition(colony_name, name)


async def _definition_for(db: Database, blueprint: Blueprint) -> BlueprintDefinition:
    """The definition of a blueprint's kind, after checking the blueprint against its schema."""
    colony_name = blueprint.metadata.colony_name
    if not blueprint.kind:
        raise BadRequest("blueprint kind is required")
    if not blueprint.metadata.name:
        raise BadRequest("blueprint metadata.name is required")
    definition = await db.blueprints.definition_of(colony_name, blueprint.kind)
    if definition is None:
        raise BadRequest(
            f"BlueprintDefinition for kind '{blueprint.kind}' not found in namespace "
            f"'{colony_name}'"
        )
    if definition.spec.schema_ is not None:
        try:
            validate_spec(blueprint.spec, definition.spec.schema_)
        except BlueprintValidationError as exc:
            raise BadRequest(f"blueprint validation failed: {exc}") from None
    return definition


def _history(blueprint: Blueprint, changed_by: str, change_type: str) -> BlueprintHistory:
    return BlueprintHistory(
        history_id=str(uuid.uuid4()),
        blueprint_id=blueprint.blueprint_id,
        kind=blueprint.kind,
        namespace=blueprint.metadata.colony_name,
        name=blueprint.metadata.name,
        generation=blueprint.metadata.generation,
        spec=blueprint.spec,
        status=blueprint.status,
        timestamp=utc_now(),
        changed_by=changed_by,
        change_type=change_type,
    )


async def ensure_cron(
    db: Database, definition: BlueprintDefinition, blueprint: Blueprint, caller: Caller
) -> None:
    """The periodic reconciliation of the blueprint's kind at its location, made if missing."""
    colony_name = blueprint.metadata.colony_name
    name = cron_name(blueprint.kind, blueprint.metadata.location_name)
    if not definition.handles or await db.crons.get_by_name(colony_name, name):
        return
    cron = reconcile_cron(definition, blueprint)
    try:
        await crons.add(db, cron, caller)
    except BadRequest:
        if await db.crons.get_by_name(colony_name, name) is None:
            raise  # not a concurrent request that made the same cron first


async def _drop_cron_if_unused(db: Database, colony_name: str, kind: str, location: str) -> None:
    """Remove the reconcile cron of a kind at a location once no blueprint needs it."""
    if await db.blueprints.count(colony_name, kind, location):
        return
    cron = await db.crons.get_by_name(colony_name, cron_name(kind, location))
    if cron is not None:
        await db.crons.remove(cron.cron_id)


async def _hand_to_handler(
    db: Database, events: Events, spec: FunctionSpec, caller: Caller
) -> Process | None:
    """Submit a handler process, unless the colony is gone (blueprints outlive it)."""
    if await db.colonies.get(spec.conditions.colony_name) is None:
        log.info("colony %s is gone; no %s process", spec.conditions.colony_name, spec.func_name)
        return None
    return await processes.submit(db, events, spec, caller)


async def add(db: Database, events: Events, blueprint: Blueprint, caller: Caller) -> Blueprint:
    """Store a new blueprint (creating its location if unknown) with a "create" entry; with a
    handler, make sure the kind's cron exists and reconcile the blueprint now."""
    definition = await _definition_for(db, blueprint)
    blueprint.blueprint_id = blueprint.blueprint_id or random_id()
    meta = blueprint.metadata
    async with db.transaction() as tx:
        if meta.location_name:
            location = Location(
                location_id=random_id(),
                name=meta.location_name,
                colony_name=meta.colony_name,
                description=f"Auto-created from blueprint {meta.name}",
            )
            await tx.locations.add_if_absent(location)
        await tx.blueprints.add(blueprint)
        await tx.blueprints.add_history(_history(blueprint, caller.id, "create"))
    if definition.handles:
        await ensure_cron(db, definition, blueprint, caller)
        await _hand_to_handler(db, events, reconcile_spec(definition, blueprint), caller)
    return blueprint


def _merge(old: Blueprint, new: Blueprint, bump: bool) -> None:
    """What an update keeps of the stored blueprint: its id, the generation (+1 on a change),
    and the status, creation time and last reconciliation the update leaves empty."""
    new.blueprint_id = old.blueprint_id
    meta, before = new.metadata, old.metadata
    meta.generation = before.generation + 1 if bump else before.generation
    new.status = new.status or old.status
    if is_zero_time(meta.created_at):
        meta.created_at = before.created_at
    if is_zero_time(meta.last_reconciliation_time):
        meta.last_reconciliation_time = before.last_reconciliation_time
    meta.last_reconciliation_process = (
        meta.last_reconciliation_process or before.last_reconciliation_process
    )


async def update(
    db: Database, events: Events, blueprint: Blueprint, force: bool, caller: Caller
) -> Blueprint:
    """Replace a blueprint. A changed spec (or ``force``) bumps the generation, records an
    "update" and reconciles now; otherwise the generation stays and nothing is submitted."""
    meta = blueprint.metadata
    async with db.transaction() as tx:
        old = await tx.blueprints.get(meta.colony_name, meta.name, lock=True)
        if old is None:
            raise NotFound(f"blueprint '{meta.name}' not found in namespace '{meta.colony_name}'")
        definition = await _definition_for(tx, blueprint)
        changed = force or not same_json(old.spec, blueprint.spec)
        _merge(old, blueprint, changed)
        await tx.blueprints.update(blueprint)
        if changed:
            await tx.blueprints.add_history(_history(blueprint, caller.id, "update"))
        if (old.kind, old.metadata.location_name) != (blueprint.kind, meta.location_name):
            await _drop_cron_if_unused(tx, meta.colony_name, old.kind, old.metadata.location_name)
    if definition.handles:
        await ensure_cron(db, definition, blueprint, caller)
        if changed:
            await _hand_to_handler(db, events, reconcile_spec(definition, blueprint), caller)
    return blueprint


async def set_status(db: Database, colony_name: str, name: str, status: dict[str, Any]) -> None:
    if not await db.blueprints.set_status(colony_name, name, status):
        raise NotFound("Blueprint not found")


async def reconcile(
    db: Database, events: Events, colony_name: str, name: str, force: bool, caller: Caller
) -> Process:
    """Submit a reconciliation of one blueprint now; ``force`` also bumps its generation."""
    async with db.transaction() as tx:
        blueprint = await tx.blueprints.get(colony_name, name, lock=True)
        if blueprint is None:
            raise NotFound("Blueprint not found")
        definition = await tx.blueprints.definition_of(colony_name, blueprint.kind)
        if definition is None or not definition.handles:
            raise BadRequest("Blueprint has no handler with executor type defined")
        if force:
            blueprint.metadata.generation += 1
            await tx.blueprints.update(blueprint)
    await ensure_cron(db, definition, blueprint, caller)
    spec = reconcile_spec(definition, blueprint, force=force)
    return await processes.submit(db, events, spec, caller)


async def remove(db: Database, events: Events, colony_name: str, name: str, caller: Caller) -> None:
    """Delete with a "delete" entry; drop the kind's cron at that location if it was the last
    blueprint there, and tell the handler to clean up."""
    async with db.transaction() as tx:
        blueprint = await tx.blueprints.get(colony_name, name, lock=True)
        if blueprint is None:
            raise NotFound("Blueprint not found")
        await tx.blueprints.remove(blueprint.blueprint_id)
        await tx.blueprints.add_history(_history(blueprint, caller.id, "delete"))
        location = blueprint.metadata.location_name
        await _drop_cron_if_unused(tx, colony_name, blueprint.kind, location)
        definition = await tx.blueprints.definition_of(colony_name, blueprint.kind)
    if definition is not None and definition.handles:
        await _hand_to_handler(db, events, cleanup_spec(definition, blueprint), caller)


async def colony_of(db: Database, blueprint_id: str) -> str:
    """The colony of a blueprint, also of a removed one (from its history); 404 if unknown."""
    blueprint = await db.blueprints.get_by_id(blueprint_id)
    if blueprint is not None:
        return blueprint.metadata.colony_name
    colony_name = await db.blueprints.history_colony(blueprint_id)
    if colony_name is None:
        raise NotFound("Blueprint not found")
    return colony_name
