from __future__ import annotations

from typing import Any

import asyncpg

from colonies.core import User
from colonies.db.base import Store
from colonies.db.queries import Q
from colonies.errors import BadRequest


def _user(row: Any) -> User:
    return User(
        colony_name=row["colony_name"],
        user_id=row["user_id"],
        name=row["name"],
        email=row["email"],
        phone=row["phone"],
    )


class UserStore(Store):
    async def add(self, user: User) -> User:
        try:
            await self.conn.execute(
                Q["insert_user"], user.colony_name, user.name, user.user_id, user.email, user.phone
            )
        except asyncpg.UniqueViolationError:
            raise BadRequest(
                f"A user with name <{user.name}> already exists in Colony with name "
                f"<{user.colony_name}>"
            ) from None
        return user

    async def get(self, colony_name: str, name: str) -> User | None:
        row = await self.conn.fetchrow(Q["get_user"], colony_name, name)
        return _user(row) if row else None

    async def get_by_id(self, colony_name: str, user_id: str) -> User | None:
        row = await self.conn.fetchrow(Q["get_user_by_id"], colony_name, user_id)
        return _user(row) if row else None

    async def find(self, colony_name: str) -> list[User]:
        return [_user(r) for r in await self.conn.fetch(Q["list_users"], colony_name)]

    async def remove(self, colony_name: str, name: str) -> bool:
        return await self.conn.execute(Q["delete_user"], colony_name, name) != "DELETE 0"

    async def change_id(self, colony_name: str, old_id: str, new_id: str) -> None:
        await self.conn.execute(Q["set_user_id"], colony_name, old_id, new_id)
