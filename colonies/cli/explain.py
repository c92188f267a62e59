"""Sentences the server's answers leave out: why a key is refused (its executor is pending,
rejected or was removed as stale; the server's text is kept, clients match on it), and why
a spec could never be assigned (warned about at submit)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from colonies.cli.tables import fmt_time
from colonies.core import Executor, ExecutorState, FunctionSpec, is_zero_time
from colonies.core.matching import why_unassignable
from colonies.crypto import id_from_private_key
from colonies.errors import ColoniesError

if TYPE_CHECKING:
    from colonies.cli.options import Env
    from colonies.client import ColoniesClient

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
            return await client.get_executors(colony=colony, key=key)

    try:
        found = asyncio.run(executors())
    except (ColoniesError, OSError, ValueError):  # transport failures are ColoniesErrors
        return ""
    mine = next((e for e in found if e.executor_id == own_id), None)
    return executor_state_sentence(mine) if mine else ""


async def warn_unassignable(
    client: ColoniesClient, key: str, colony: str, specs: Sequence[FunctionSpec]
) -> None:
    """Warn (stderr) about each spec that no executor registered in ``colony`` could ever
    be assigned, saying why (``core.matching``); quiet when the executors cannot be listed
    (the request that follows then says what is wrong)."""
    try:
        executors = await client.get_executors(colony=colony, key=key)
    except (ColoniesError, OSError, ValueError):  # transport failures are ColoniesErrors
        return
    for spec in specs:
        reasons = why_unassignable(
            spec.conditions.model_copy(update={"colony_name": colony}), executors
        )
        node = f" {spec.node_name!r}" if len(specs) > 1 and spec.node_name else ""
        for reason in reasons:
            click.echo(
                f"Warning: no executor can run the spec{node} as things stand, so its process "
                f"would wait: {reason}",
                err=True,
            )
