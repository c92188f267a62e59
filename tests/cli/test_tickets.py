"""``colonies executor ticket create|ls|revoke`` against the real test server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from colonies.client import ColoniesClient
from colonies.core import Executor, utc_now
from colonies.core.ticket import TicketToken
from colonies.crypto import new_private_key
from tests.cli.conftest import Invoke, as_json, ok
from tests.conftest import EXECUTOR_KEY, Colony


async def test_create_prints_one_token_that_enrolls_an_executor(
    invoke: Invoke, client: ColoniesClient, colony: Colony
) -> None:
    result = await invoke("executor", "ticket", "create", "--type", "cli")
    [token] = ok(result).splitlines()
    parsed = TicketToken.parse(token)
    assert parsed.colony_name == "test"
    assert parsed.ticket_id in result.stderr and "executor start --ticket" in result.stderr
    enrolled = await client.enroll_executor(token, Executor(), key=new_private_key())
    assert enrolled.executor_type == "cli"


async def test_create_with_json_expiry_uses_and_name_prefix(invoke: Invoke, colony: Colony) -> None:
    created = as_json(
        await invoke(
            "executor",
            "ticket",
            "create",
            "--type",
            "gpu",
            "--expires",
            "1h30m",
            "--uses",
            "5",
            "--name-prefix",
            "gpu-",
            "--json",
        )
    )
    assert TicketToken.parse(created["token"]).ticket_id == created["ticketid"]
    assert (created["executortype"], created["uses"], created["used"], created["nameprefix"]) == (
        "gpu",
        5,
        0,
        "gpu-",
    )
    expires = datetime.fromisoformat(created["expires"])
    assert abs(expires - utc_now() - timedelta(minutes=90)) < timedelta(minutes=1)


async def test_create_defaults_to_one_use_for_24_hours(invoke: Invoke, colony: Colony) -> None:
    created = as_json(await invoke("executor", "ticket", "create", "--type", "cli", "--json"))
    assert created["uses"] == 1
    expires = datetime.fromisoformat(created["expires"])
    assert abs(expires - utc_now() - timedelta(hours=24)) < timedelta(minutes=1)


async def test_create_refuses_bad_expiry_and_uses(invoke: Invoke, colony: Colony) -> None:
    for args, text in [
        (["--expires", "soon"], "is not a duration"),
        (["--expires", "0"], "is not a duration"),
        (["--uses", "0"], "--uses"),
    ]:
        result = await invoke("executor", "ticket", "create", "--type", "cli", *args)
        assert result.exit_code == 2 and text in result.output, result.output
    assert "No tickets found" in ok(await invoke("executor", "ticket", "ls"))


async def test_ls_shows_tickets_without_secrets_and_revoke_stops_them(
    invoke: Invoke, client: ColoniesClient, colony: Colony
) -> None:
    token = ok(await invoke("executor", "ticket", "create", "--type", "cli", "--uses", "3"))
    parsed = TicketToken.parse(token.strip())
    await client.enroll_executor(token.strip(), Executor(), key=new_private_key())

    table = ok(await invoke("executor", "ticket", "ls"))
    assert parsed.ticket_id in table and "1/3" in table and "active" in table
    assert parsed.secret not in table
    listed = as_json(await invoke("executor", "ticket", "ls", "--json"))
    assert [t["ticketid"] for t in listed] == [parsed.ticket_id]
    assert "token" not in listed[0] and parsed.secret not in json.dumps(listed)

    out = ok(await invoke("executor", "ticket", "revoke", "--id", parsed.ticket_id))
    assert out.strip() == f"Ticket {parsed.ticket_id} revoked"
    assert "revoked" in ok(await invoke("executor", "ticket", "ls"))
    missing = await invoke("executor", "ticket", "revoke", "--id", "f" * 32)
    assert missing.exit_code == 1 and "not found" in missing.output


async def test_ticket_commands_need_the_colony_owner_key(invoke: Invoke, colony: Colony) -> None:
    not_owner = {"COLONIES_COLONY_PRVKEY": EXECUTOR_KEY}
    for args in (["create", "--type", "cli"], ["ls"], ["revoke", "--id", "a" * 32]):
        result = await invoke("executor", "ticket", *args, env=not_owner)
        assert result.exit_code == 1
        assert "The server refused the request: Access denied, not colony owner" in result.output
    no_key = await invoke("executor", "ticket", "ls", env={"COLONIES_COLONY_PRVKEY": None})
    assert no_key.exit_code == 1 and "COLONIES_COLONY_PRVKEY is not set" in no_key.output


async def test_config_shows_the_ticket_by_id_never_its_secret(
    invoke: Invoke, colony: Colony
) -> None:
    token = TicketToken.new("test")
    out = ok(await invoke("config", env={"COLONIES_EXECUTOR_TICKET": str(token)}))
    assert f"ticket {token.ticket_id} of colony test" in out
    assert token.secret not in out
