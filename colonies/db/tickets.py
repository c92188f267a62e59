"""Enrollment tickets (``core.ticket``); the secret exists here only as its hash."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from colonies.core.ticket import ExecutorTicket, TicketToken
from colonies.db.base import Store
from colonies.db.queries import Q


def ticket_from_row(row: Any) -> ExecutorTicket:
    return ExecutorTicket(
        ticket_id=row["ticket_id"],
        colony_name=row["colony_name"],
        executor_type=row["executor_type"],
        name_prefix=row["name_prefix"],
        uses=row["uses"],
        used=row["used"],
        expires=row["expires"],
        revoked=row["revoked"],
        created=row["created"],
    )


class TicketStore(Store):
    async def add(self, ticket: ExecutorTicket, secret_hash: str) -> ExecutorTicket:
        row = await self.conn.fetchrow(
            Q["insert_executor_ticket"],
            ticket.ticket_id,
            ticket.colony_name,
            secret_hash,
            ticket.executor_type,
            ticket.name_prefix,
            ticket.uses,
            ticket.expires,
            ticket.created,
        )
        return ticket_from_row(row)

    async def find(self, colony_name: str) -> list[ExecutorTicket]:
        rows = await self.conn.fetch(Q["list_executor_tickets"], colony_name)
        return [ticket_from_row(r) for r in rows]

    async def revoke(self, colony_name: str, ticket_id: str) -> ExecutorTicket | None:
        row = await self.conn.fetchrow(Q["revoke_executor_ticket"], colony_name, ticket_id)
        return ticket_from_row(row) if row else None

    async def use(self, token: TicketToken, now: datetime) -> ExecutorTicket | None:
        """Take one use of the ticket if it is valid at ``now``; None if it is not."""
        row = await self.conn.fetchrow(
            Q["use_executor_ticket"], token.ticket_id, token.colony_name, token.secret_hash, now
        )
        return ticket_from_row(row) if row else None

    async def get(self, token: TicketToken) -> ExecutorTicket | None:
        """The ticket of a token whose secret and colony match it, else None."""
        row = await self.conn.fetchrow(Q["get_executor_ticket"], token.ticket_id)
        if row is None or row["colony_name"] != token.colony_name:
            return None
        if not hmac.compare_digest(row["secret_hash"], token.secret_hash):
            return None
        return ticket_from_row(row)
