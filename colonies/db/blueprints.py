from __future__ import annotations

from typing import Any

import asyncpg

from colonies.core.blueprint import (
    Blueprint,
    BlueprintDefinition,
    BlueprintDefinitionSpec,
    BlueprintHistory,
    BlueprintMetadata,
)
from colonies.db.base import Store
from colonies.db.queries import Q
from colonies.errors import Conflict


def _definition(row: Any) -> BlueprintDefinition:
    return BlueprintDefinition(
        blueprint_definition_id=row["blueprint_definition_id"],
        kind=row["kind"],
        metadata=BlueprintMetadata.from_wire(row["metadata"]),
        spec=BlueprintDefinitionSpec.from_wire(row["spec"]),
    )


def _blueprint(row: Any) -> Blueprint:
    return Blueprint(
        blueprint_id=row["blueprint_id"],
        kind=row["kind"],
        metadata=BlueprintMetadata.from_wire(row["metadata"]),
        spec=row["spec"],
        status=row["status"],
    )


def _history(row: Any) -> BlueprintHistory:
    return BlueprintHistory(
        history_id=row["history_id"],
        blueprint_id=row["blueprint_id"],
        kind=row["kind"],
        namespace=row["colony_name"],
        name=row["name"],
        generation=row["generation"],
        spec=row["spec"],
        status=row["status"],
        timestamp=row["ts"],
        changed_by=row["changed_by"],
        change_type=row["change_type"],
    )


class BlueprintStore(Store):
    async def add_definition(self, d: BlueprintDefinition) -> BlueprintDefinition:
        try:
            await self.conn.execute(
                Q["insert_blueprint_definition"],
                d.blueprint_definition_id,
                d.metadata.colony_name,
                d.metadata.name,
                d.kind,
                d.spec.names.kind,
                d.metadata.to_wire(),
                d.spec.to_wire(),
            )
        except asyncpg.UniqueViolationError:
            raise Conflict(
                f"BlueprintDefinition with name '{d.metadata.name}' or kind "
                f"'{d.spec.names.kind}' already exists in colony '{d.metadata.colony_name}'"
            ) from None
        return d

    async def get_definition(self, colony_name: str, name: str) -> BlueprintDefinition | None:
        row = await self.conn.fetchrow(Q["get_blueprint_definition"], colony_name, name)
        return _definition(row) if row else None

    async def definition_of(self, colony_name: str, kind: str) -> BlueprintDefinition | None:
        """The definition of a blueprint kind (by its ``spec.names.kind``)."""
        row = await self.conn.fetchrow(Q["get_blueprint_definition_by_kind"], colony_name, kind)
        return _definition(row) if row else None

    async def find_definitions(self, colony_name: str) -> list[BlueprintDefinition]:
        rows = await self.conn.fetch(Q["list_blueprint_definitions"], colony_name)
        return [_definition(r) for r in rows]

    async def remove_definition(self, colony_name: str, name: str) -> bool:
        result = await self.conn.execute(Q["delete_blueprint_definition"], colony_name, name)
        return result != "DELETE 0"

    async def add(self, b: Blueprint) -> Blueprint:
        try:
            await self.conn.execute(
                Q["insert_blueprint"],
                b.blueprint_id,
                b.metadata.colony_name,
                b.metadata.name,
                b.kind,
                b.metadata.location_name,
                b.metadata.to_wire(),
                b.spec,
                b.status,
            )
        except asyncpg.UniqueViolationError:
            raise Conflict(
                f"blueprint with name '{b.metadata.name}' already exists in colony "
                f"'{b.metadata.colony_name}'"
            ) from None
        return b

    async def get(self, colony_name: str, name: str, *, lock: bool = False) -> Blueprint | None:
        """One blueprint; with ``lock`` (inside a transaction) row-locked until it ends."""
        query = Q["lock_blueprint"] if lock else Q["get_blueprint"]
        row = await self.conn.fetchrow(query, colony_name, name)
        return _blueprint(row) if row else None

    async def get_by_id(self, blueprint_id: str) -> Blueprint | None:
        row = await self.conn.fetchrow(Q["get_blueprint_by_id"], blueprint_id)
        return _blueprint(row) if row else None

    async def find(self, colony_name: str, kind: str = "", location: str = "") -> list[Blueprint]:
        rows = await self.conn.fetch(Q["list_blueprints"], colony_name, kind, location)
        return [_blueprint(r) for r in rows]

    async def count(self, colony_name: str, kind: str, location: str | None = None) -> int:
        """Blueprints of a kind, at ``location`` or (None) anywhere."""
        n: int = await self.conn.fetchval(Q["count_blueprints"], colony_name, kind, location)
        return n

    async def update(self, b: Blueprint) -> None:
        await self.conn.execute(
            Q["update_blueprint"],
            b.blueprint_id,
            b.kind,
            b.metadata.location_name,
            b.metadata.to_wire(),
            b.spec,
            b.status,
        )

    async def set_status(self, colony_name: str, name: str, status: dict[str, Any]) -> bool:
        result = await self.conn.execute(Q["set_blueprint_status"], colony_name, name, status)
        return result != "UPDATE 0"

    async def remove(self, blueprint_id: str) -> bool:
        return await self.conn.execute(Q["delete_blueprint"], blueprint_id) != "DELETE 0"

    async def add_history(self, h: BlueprintHistory) -> None:
        await self.conn.execute(
            Q["insert_blueprint_history"],
            h.history_id,
            h.blueprint_id,
            h.namespace,
            h.kind,
            h.name,
            h.generation,
            h.spec,
            h.status,
            h.timestamp,
            h.changed_by,
            h.change_type,
        )

    async def history(self, blueprint_id: str, limit: int) -> list[BlueprintHistory]:
        """Newest first; ``limit`` ≤ 0 means all."""
        rows = await self.conn.fetch(
            Q["list_blueprint_history"], blueprint_id, limit if limit > 0 else None
        )
        return [_history(r) for r in rows]

    async def history_colony(self, blueprint_id: str) -> str | None:
        """The colony a blueprint was in, from its history (also after its removal)."""
        name: str | None = await self.conn.fetchval(Q["blueprint_history_colony"], blueprint_id)
        return name
