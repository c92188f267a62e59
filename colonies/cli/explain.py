"""Sentences for refusals whose server text (kept, clients match on it) does not say why:
a key whose executor is pending, rejected or was removed as stale."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aiohttp
import click

from colonies.cli.tables import fmt_time
from colonies.core import Executor, ExecutorState, is_zero_time
from colonies.crypto import id_from_private_key
from colonies.errors import ColoniesError

if TYPE_CHECKING:
    from colonies.cli.options import Env

# Server texts (Go grammar) that a key whose executor is not approved gets.
MEMBER_REFUSALS = ("not a member", "executor not found")


def executor_state_sentence(executor: Executor) -> str:
    """What the state of the caller's own executor means and what to type."""
    name, colony = executor.executor_name, executor.colony_name
    approve = f"`colonies executor approve --name {name}` (colony owner key)"
    if executor.state == ExecutorState.PENDING:
        return (
            f"Your key is executor {name} of colony {colony}, which is registered but not "
            f"approved yet: approve it with {approve}."
        )
    if executor.state == ExecutorState.REJECTED:
        return (
            f"Your key is executor {name} of colony {colony}, which was rejected; "
            f"the colony owner may approve it with {approve}."
        )
    if executor.state == ExecutorState.UNREGISTERED:
        heard = executor.last_heard_from_time
        when = "" if is_zero_time(heard) else f", last heard from {fmt_time(heard)}"
        return (
            f"Your key is executor {name} of colony {colony}, which was unregistered{when}: "
            "removed with `colonies executor remove`, or by the server because it was not "
            "heard from for COLONIES_STALE_EXECUTOR_DURATION (ten minutes by default). "
            f"Bring it back with {approve}."
        )
    return ""


def why_refused(env: Env, message: str) -> str:
    """A sentence on why the server refused the signing key as a member, from the state of
    the key's executor in the colony; "" when that does not explain it."""
    if not any(text in message for text in MEMBER_REFUSALS):
        return ""
    try:
        colony, key = env.colony, env.prvkey
    except click.ClickException:
        return ""
    own_id = id_from_private_key(key)

    async def executors() -> list[Executor]:
        async with env.client() as client:
            return await client.get_executors(colony, key)

    try:
        found = asyncio.run(executors())
    except (ColoniesError, aiohttp.ClientError, OSError, ValueError):
        return ""
    mine = next((e for e in found if e.executor_id == own_id), None)
    return executor_state_sentence(mine) if mine else ""
