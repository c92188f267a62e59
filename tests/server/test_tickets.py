"""Enrollment tickets: the colony owner creates, lists and revokes them; a new executor
enrols with one and its own key, for the ticket's colony and executor type only."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.config import Settings
from colonies.core import Executor, ExecutorState, utc_now
from colonies.core.ticket import ExecutorTicket, TicketToken
from colonies.crypto import id_from_private_key, new_private_key
from colonies.db import Database
from colonies.errors import RPCError
from colonies.server.app import create_app
from tests.conftest import COLONY, COLONY_KEY, EXECUTOR_KEY, Colony, spec


async def ticket(client: ColoniesClient, executor_type: str = "cli", **kw: object) -> str:
    created = await client.add_executor_ticket(executor_type, colony=COLONY, key=COLONY_KEY, **kw)  # type: ignore[arg-type]
    return created.token


async def enroll(
    client: ColoniesClient, token: str, key: str | None = None, **fields: object
) -> Executor:
    return await client.enroll_executor(
        token, Executor.model_validate(fields), key=key or new_private_key()
    )


async def refusal(
    client: ColoniesClient, token: str, key: str | None = None, **fields: object
) -> RPCError:
    with pytest.raises(RPCError) as caught:
        await enroll(client, token, key, **fields)
    return caught.value


async def uses(client: ColoniesClient) -> list[int]:
    return [t.used for t in await client.get_executor_tickets(colony=COLONY, key=COLONY_KEY)]


async def test_owner_creates_lists_and_revokes_tickets_and_no_secret_is_kept(
    client: ColoniesClient, colony: Colony, dsn: str
) -> None:
    created = await client.add_executor_ticket(
        "gpu", uses=3, expires_in_s=3600, name_prefix="gpu-", colony=COLONY, key=COLONY_KEY
    )
    token = TicketToken.parse(created.token)
    assert (token.colony_name, token.ticket_id) == (COLONY, created.ticket_id)
    assert (created.executor_type, created.name_prefix, created.uses, created.used) == (
        "gpu",
        "gpu-",
        3,
        0,
    )
    assert timedelta(minutes=59) < created.expires - created.created <= timedelta(hours=1)
    assert created.state(utc_now()) == "active"

    listed = await client.raw("getexecutorticketsmsg", {"colonyname": COLONY}, key=COLONY_KEY)
    assert listed.status == 200
    assert [t["ticketid"] for t in listed.payload] == [created.ticket_id]
    assert "token" not in listed.payload[0] and token.secret not in str(listed.payload)
    conn = await asyncpg.connect(dsn)
    try:
        rows = [dict(r) for r in await conn.fetch("SELECT * FROM executor_tickets")]
    finally:
        await conn.close()
    assert token.secret not in str(rows) and rows[0]["secret_hash"] == token.secret_hash

    revoked = await client.revoke_executor_ticket(created.ticket_id, colony=COLONY, key=COLONY_KEY)
    assert revoked.revoked and revoked.state(utc_now()) == "revoked"
    [listed_ticket] = await client.get_executor_tickets(colony=COLONY, key=COLONY_KEY)
    assert listed_ticket.revoked
    with pytest.raises(RPCError, match="not found") as unknown:
        await client.revoke_executor_ticket("0" * 32, colony=COLONY, key=COLONY_KEY)
    assert unknown.value.status == 400


async def test_only_the_colony_owner_manages_tickets(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await ticket(client)
    ticket_id = TicketToken.parse(token).ticket_id
    for key in (EXECUTOR_KEY, new_private_key()):
        for call in (
            client.add_executor_ticket("cli", colony=COLONY, key=key),
            client.get_executor_tickets(colony=COLONY, key=key),
            client.revoke_executor_ticket(ticket_id, colony=COLONY, key=key),
        ):
            with pytest.raises(RPCError, match="not colony owner") as refused:
                await call
            assert refused.value.status == 403
    [still] = await client.get_executor_tickets(colony=COLONY, key=COLONY_KEY)
    assert not still.revoked


async def test_create_refuses_an_empty_type_and_uses_or_expiry_out_of_bounds(
    client: ColoniesClient, colony: Colony
) -> None:
    for executor_type, kw, text in [
        ("", {}, "executor type is empty"),
        ("cli", {"uses": 0}, "uses must be"),
        ("cli", {"expires_in_s": 0}, "expiresin must be"),
        ("cli", {"expires_in_s": 400 * 24 * 3600}, "expiresin must be"),
    ]:
        with pytest.raises(RPCError, match=text) as refused:
            await client.add_executor_ticket(executor_type, colony=COLONY, key=COLONY_KEY, **kw)  # type: ignore[arg-type]
        assert refused.value.status == 400
    assert await client.get_executor_tickets(colony=COLONY, key=COLONY_KEY) == []


async def test_enrolled_executor_is_approved_with_its_own_key_and_runs_processes(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await ticket(client, "worker")
    key = new_private_key()
    enrolled = await enroll(client, token, key, executorname="w1", executortype="worker")
    assert (enrolled.executor_id, enrolled.colony_name, enrolled.state) == (
        id_from_private_key(key),
        COLONY,
        ExecutorState.APPROVED,
    )
    found = await client.get_executor("w1", colony=COLONY, key=EXECUTOR_KEY)
    assert (found.executor_type, found.state) == ("worker", ExecutorState.APPROVED)
    submitted = await client.call("submitfuncspecmsg", {"spec": spec("worker")}, key=EXECUTOR_KEY)
    assigned = await client.assign(-1, colony=COLONY, key=key)
    assert assigned.process_id == submitted["processid"]
    assert await uses(client) == [1]


async def test_enroll_fills_type_and_name_from_the_ticket(
    client: ColoniesClient, colony: Colony
) -> None:
    key = new_private_key()
    plain = await enroll(client, await ticket(client, "worker"), key)
    assert (plain.executor_type, plain.executor_name) == (
        "worker",
        f"worker-{id_from_private_key(key)[:8]}",
    )
    key = new_private_key()
    prefixed = await enroll(client, await ticket(client, "gpu", name_prefix="gpu-box-"), key)
    assert prefixed.executor_name == f"gpu-box-{id_from_private_key(key)[:8]}"


async def test_a_ticket_for_one_type_registers_no_other_and_keeps_its_use(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await ticket(client, "a")
    err = await refusal(client, token, executorname="b1", executortype="b")
    assert err.status == 403
    assert "for executor type <a>, not <b>" in err.message
    err = await refusal(client, token, executorname="x", colonyname="other")
    assert err.status == 403 and "for colony <test>, not <other>" in err.message
    assert await uses(client) == [0]
    assert [
        e.executor_name for e in await client.get_executors(colony=COLONY, key=EXECUTOR_KEY)
    ] == ["test-executor"]
    assert (await enroll(client, token, executorname="a1", executortype="a")).executor_type == "a"


async def test_names_outside_the_tickets_prefix_are_refused(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await ticket(client, name_prefix="edge-")
    err = await refusal(client, token, executorname="core-1")
    assert err.status == 403
    assert "names starting with <edge->, not <core-1>" in err.message
    assert (await enroll(client, token, executorname="edge-1")).executor_name == "edge-1"


async def test_expired_ticket_is_refused(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    token = TicketToken.new(COLONY)
    past = utc_now() - timedelta(hours=2)
    await db.tickets.add(
        ExecutorTicket(
            ticket_id=token.ticket_id,
            colony_name=COLONY,
            executor_type="cli",
            uses=5,
            expires=past + timedelta(hours=1),
            created=past,
        ),
        token.secret_hash,
    )
    err = await refusal(client, str(token))
    assert err.status == 403
    assert f"ticket {token.ticket_id} expired at" in err.message
    assert await uses(client) == [0]


async def test_concurrent_enrollments_take_exactly_the_tickets_uses(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await ticket(client, uses=3)
    outcomes = await asyncio.gather(
        *(enroll(client, token, executorname=f"w{i}") for i in range(12)),
        return_exceptions=True,
    )
    enrolled = [o for o in outcomes if isinstance(o, Executor)]
    refused = [o for o in outcomes if not isinstance(o, Executor)]
    assert len(enrolled) == 3
    assert all(isinstance(r, RPCError) and r.status == 403 for r in refused)
    assert all("is used up (3 of 3 uses)" in str(r) for r in refused)
    assert await uses(client) == [3]
    names = {e.executor_name for e in await client.get_executors(colony=COLONY, key=EXECUTOR_KEY)}
    assert names == {"test-executor"} | {e.executor_name for e in enrolled}


async def test_one_use_ticket_has_exactly_one_winner(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await ticket(client)
    outcomes = await asyncio.gather(
        *(enroll(client, token, executorname=f"w{i}") for i in range(8)),
        return_exceptions=True,
    )
    assert sum(isinstance(o, Executor) for o in outcomes) == 1
    assert await uses(client) == [1]


async def test_revoked_ticket_is_refused(client: ColoniesClient, colony: Colony) -> None:
    token = await ticket(client, uses=5)
    await enroll(client, token, executorname="before")
    await client.revoke_executor_ticket(
        TicketToken.parse(token).ticket_id, colony=COLONY, key=COLONY_KEY
    )
    err = await refusal(client, token, executorname="after")
    assert err.status == 403 and "is revoked" in err.message
    # Revoking stops new enrollments; an executor enrolled before keeps its place.
    before = await client.get_executor("before", colony=COLONY, key=EXECUTOR_KEY)
    assert before.state == ExecutorState.APPROVED


async def test_unknown_tickets_and_wrong_secrets_say_unknown(
    client: ColoniesClient, colony: Colony
) -> None:
    real = TicketToken.parse(await ticket(client))
    wrong_secret = dataclasses.replace(real, secret=TicketToken.new(COLONY).secret)
    wrong_colony = dataclasses.replace(real, colony_name="other")
    for token in (TicketToken.new(COLONY), wrong_secret, wrong_colony):
        err = await refusal(client, str(token))
        assert err.status == 403 and "unknown ticket" in err.message, err.message
    assert await uses(client) == [0]


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x",
        "ct1.dGVzdA.abc.def",
        "ct2.dGVzdA." + "0" * 32 + "." + "a" * 43,
        "ct1.dG!!!VzdA." + "0" * 32 + "." + "a" * 43,
        "ct1.." + "0" * 32 + "." + "a" * 43,
        "ct1.dGVzdA." + "0" * 31 + "." + "a" * 43,
        "ct1.dGVzdA." + "0" * 32 + "." + "a" * 42 + "=",
        "ct1.dGVzdA." + "0" * 32 + "." + "a" * 43 + ".extra",
        "ct1.__8." + "0" * 32 + "." + "a" * 43,
    ],
)
async def test_malformed_tokens_are_refused(
    client: ColoniesClient, colony: Colony, token: str
) -> None:
    await ticket(client)
    err = await refusal(client, token)
    assert err.status == 403 and "ticket is malformed" in err.message, err.message
    assert await uses(client) == [0]


async def test_a_key_that_is_already_an_executor_cannot_enroll(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await ticket(client)
    err = await refusal(client, token, EXECUTOR_KEY, executorname="second-name")
    assert err.status == 403
    assert "already executor <test-executor> in colony <test>" in err.message
    err = await refusal(client, token, executorid="0" * 64)
    assert err.status == 403 and "id of the key that signs it" in err.message
    assert await uses(client) == [0]


async def test_enrolling_a_taken_name_follows_the_register_rules(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await ticket(client, uses=2)
    await enroll(client, token, executorname="w")
    err = await refusal(client, token, executorname="w")
    assert err.status == 400 and "already exists" in err.message
    assert await uses(client) == [1]


@pytest.fixture
async def reregister_client(settings: Settings) -> AsyncIterator[ColoniesClient]:
    """A server with COLONIES_ALLOW_EXECUTOR_REREGISTER over the same database."""
    allow = dataclasses.replace(settings, allow_executor_reregister=True)
    srv = TestServer(create_app(allow, background_loops=False), host="127.0.0.1")
    await srv.start_server()
    try:
        async with ColoniesClient(str(srv.make_url("")).rstrip("/")) as c:
            yield c
    finally:
        await srv.close()


async def test_reenrolling_a_name_with_reregister_allowed_moves_it_to_the_new_key(
    client: ColoniesClient, colony: Colony, reregister_client: ColoniesClient
) -> None:
    token = await ticket(client, uses=2)
    old = await enroll(reregister_client, token, executorname="w")
    new_key = new_private_key()
    again = await enroll(reregister_client, token, new_key, executorname="w")
    assert again.executor_id == id_from_private_key(new_key) != old.executor_id
    found = await client.get_executor("w", colony=COLONY, key=EXECUTOR_KEY)
    assert (found.executor_id, found.state) == (again.executor_id, ExecutorState.APPROVED)
