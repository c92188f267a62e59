from __future__ import annotations

from typing import Any

import asyncpg

from colonies.core import Location
from colonies.db.base import Store
from colonies.db.queries import Q
from colonies.errors import BadRequest


def _location(row: Any) -> Location:
    return Location(
        location_id=row["location_id"],
        name=row["name"],
        colony_name=row["colony_name"],
        description=row["description"],
        long=row["long"],
        lat=row["lat"],
    )


class LocationStore(Store):
    async def add(self, loc: Location) -> Location:
        try:
            await self.conn.execute(
                Q["insert_location"],
                loc.colony_name,
                loc.name,
                loc.location_id,
                loc.description,
                loc.long,
                loc.lat,
            )
        except asyncpg.UniqueViolationError:
            raise BadRequest(
                f"Location with name <{loc.name}> already exists in Colony <{loc.colony_name}>"
            ) from None
        return loc

    async def add_if_absent(self, loc: Location) -> bool:
        """Add unless the colony has a location of that name; whether it was added."""
        row = await self.conn.fetchrow(
            Q["insert_location_if_absent"],
            loc.colony_name,
            loc.name,
            loc.location_id,
            loc.description,
            loc.long,
            loc.lat,
        )
        return row is not None

    async def get(self, colony_name: str, name: str) -> Location | None:
        row = await self.conn.fetchrow(Q["get_location"], colony_name, name)
        return _location(row) if row else None

    async def find(self, colony_name: str) -> list[Location]:
        return [_location(r) for r in await self.conn.fetch(Q["list_locations"], colony_name)]

    async def remove(self, colony_name: str, name: str) -> bool:
        return await self.conn.execute(Q["delete_location"], colony_name, name) != "DELETE 0"
