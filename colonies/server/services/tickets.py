"""Enrollment tickets: created by the colony owner; a new executor enrols with one, signing
with its own key, and is registered and approved for the ticket's executor type."""

from __future__ import annotations

from datetime import datetime, timedelta

from colonies.core import Executor, ExecutorState
from colonies.core.ticket import ExecutorTicket, TicketToken
from colonies.db import Database
from colonies.errors import BadRequest, Forbidden

MAX_EXPIRES_IN_S = 366 * 24 * 3600
MAX_USES = 1_000_000
REFUSED = "Enrollment refused"


async def create(
    db: Database,
    colony_name: str,
    executor_type: str,
    *,
    uses: int,
    expires_in_s: int,
    name_prefix: str = "",
    now: datetime,
) -> ExecutorTicket:
    """A new ticket; the reply is the only place its token (and secret) ever appears."""
    if not executor_type:
        raise BadRequest("Failed to add executor ticket, the executor type is empty")
    if not 1 <= uses <= MAX_USES:
        raise BadRequest(f"Failed to add executor ticket, uses must be 1 to {MAX_USES}")
    if not 1 <= expires_in_s <= MAX_EXPIRES_IN_S:
        raise BadRequest(
            f"Failed to add executor ticket, expiresin must be 1 to {MAX_EXPIRES_IN_S} seconds"
        )
    token = TicketToken.new(colony_name)
    ticket = ExecutorTicket(
        ticket_id=token.ticket_id,
        colony_name=colony_name,
        executor_type=executor_type,
        name_prefix=name_prefix,
        uses=uses,
        expires=now + timedelta(seconds=expires_in_s),
        created=now,
    )
    added = await db.tickets.add(ticket, token.secret_hash)
    added.token = str(token)
    return added


async def enroll(
    db: Database,
    token_text: str,
    executor: Executor,
    caller_id: str,
    *,
    allow_reregister: bool,
    now: datetime,
) -> Executor:
    """Take one use of the ticket and register the caller's key as an approved executor.

    Everything happens in one transaction: a refused enrollment leaves the use unspent.
    """
    try:
        token = TicketToken.parse(token_text)
    except ValueError as err:
        raise Forbidden(
            f"{REFUSED}: the ticket is malformed ({err}); pass the whole token that "
            "`colonies executor ticket create` printed"
        ) from None
    if executor.executor_id and executor.executor_id != caller_id:
        raise Forbidden(f"{REFUSED}: executorid must be the id of the key that signs it")
    async with db.transaction() as tx:
        ticket = await tx.tickets.use(token, now)
        if ticket is None:
            raise Forbidden(await _why_unusable(tx, token, now))
        executor = _for_ticket(executor, ticket, caller_id)
        await _check_key_is_new(tx, executor)
        existing = await tx.executors.get(ticket.colony_name, executor.executor_name)
        reactivate = existing is not None and allow_reregister
        if reactivate:
            await tx.functions.remove_for_executor(ticket.colony_name, executor.executor_name)
        executor.state = ExecutorState.PENDING
        executor.commission_time = now
        added = await tx.executors.add(executor, reactivate=reactivate)
        await tx.executors.set_state(added.colony_name, added.executor_name, ExecutorState.APPROVED)
        added.state = ExecutorState.APPROVED
        return added


async def _why_unusable(db: Database, token: TicketToken, now: datetime) -> str:
    """Which of unknown, revoked, expired or used up; only a caller holding the secret
    learns more than "unknown"."""
    ticket = await db.tickets.get(token)
    if ticket is None:
        return (
            f"{REFUSED}: unknown ticket (no ticket of colony <{token.colony_name}> has this token)"
        )
    state = ticket.state(now)
    if state == "revoked":
        return f"{REFUSED}: ticket {ticket.ticket_id} is revoked"
    if state == "expired":
        return f"{REFUSED}: ticket {ticket.ticket_id} expired at {ticket.expires.isoformat()}"
    if state == "used up":
        return (
            f"{REFUSED}: ticket {ticket.ticket_id} is used up ({ticket.used} of {ticket.uses} uses)"
        )
    return f"{REFUSED}: ticket {ticket.ticket_id} cannot be used now"


def _for_ticket(executor: Executor, ticket: ExecutorTicket, caller_id: str) -> Executor:
    """The executor to register: the caller's id, the ticket's colony and type, and a name
    (``<prefix><id>`` or ``<type>-<id>`` when none is given)."""
    if executor.colony_name and executor.colony_name != ticket.colony_name:
        raise Forbidden(
            f"{REFUSED}: the ticket is for colony <{ticket.colony_name}>, "
            f"not <{executor.colony_name}>"
        )
    if executor.executor_type and executor.executor_type != ticket.executor_type:
        raise Forbidden(
            f"{REFUSED}: the ticket is for executor type <{ticket.executor_type}>, "
            f"not <{executor.executor_type}>"
        )
    name = executor.executor_name or (
        f"{ticket.name_prefix}{caller_id[:8]}"
        if ticket.name_prefix
        else f"{ticket.executor_type}-{caller_id[:8]}"
    )
    if not name.startswith(ticket.name_prefix):
        raise Forbidden(
            f"{REFUSED}: the ticket only allows executor names starting with "
            f"<{ticket.name_prefix}>, not <{name}>"
        )
    return executor.model_copy(
        update={
            "executor_id": caller_id,
            "colony_name": ticket.colony_name,
            "executor_type": ticket.executor_type,
            "executor_name": name,
        }
    )


async def _check_key_is_new(db: Database, executor: Executor) -> None:
    """A key registered as another executor (in any colony) cannot enrol: the server knows a
    key by its first registration, so the new one would never be its member."""
    known = await db.executors.get_by_id(executor.executor_id)
    if known is None:
        return
    if (known.colony_name, known.executor_name) != (executor.colony_name, executor.executor_name):
        raise Forbidden(
            f"{REFUSED}: this key is already executor <{known.executor_name}> in colony "
            f"<{known.colony_name}>; enroll with a new key"
        )
