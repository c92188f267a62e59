"""Executors that join with an enrollment ticket: their own key, no colony key, no colony name."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from click.testing import CliRunner

from colonies.cli.executor_start import start
from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Executor as ExecutorModel, ExecutorState, ProcessState
from colonies.crypto import id_from_private_key, new_private_key
from colonies.errors import RPCError
from colonies.executor_sdk import Executor
from tests.conftest import COLONY, COLONY_KEY, Colony
from tests.sdk.util import SUBMITTER, get, submit

T = "enrolled"


async def new_ticket(client: ColoniesClient, executor_type: str = T, uses: int = 1) -> str:
    created = await client.add_executor_ticket(
        executor_type, uses=uses, colony=COLONY, key=COLONY_KEY
    )
    return created.token


def with_ticket(client: ColoniesClient, token: str, *args: str, **options: object) -> Executor:
    """An executor that knows the server and its ticket, and nothing else (no colony, no
    colony key, no executor key)."""
    return Executor(
        *args,
        ticket=token,
        client=client,
        settings=ClientSettings(),
        backoff_s=0.02,
        max_backoff_s=0.2,
        **options,  # type: ignore[arg-type]
    )


async def used(client: ColoniesClient) -> list[int]:
    return [t.used for t in await client.get_executor_tickets(colony=COLONY, key=COLONY_KEY)]


async def test_executor_with_only_a_ticket_enrolls_and_runs_a_process(
    client: ColoniesClient, colony: Colony
) -> None:
    ex = with_ticket(client, await new_ticket(client), T)

    @ex.function()
    def double(x: int) -> int:
        return 2 * x

    p = await submit(client, "double", 21, executor_type=T)
    await ex.run(burst=True)

    assert ((await get(client, p)).state, (await get(client, p)).output) == (
        ProcessState.SUCCESS,
        [42],
    )
    assert ex.colony == COLONY and ex.colony_key == ""
    found = await client.get_executor(ex.name, colony=COLONY, key=SUBMITTER)
    assert (found.executor_id, found.executor_type, found.state) == (
        ex.executor_id,
        T,
        ExecutorState.APPROVED,
    )
    assert [
        f.func_name
        for f in await client.get_functions(executor_name=ex.name, colony=COLONY, key=SUBMITTER)
    ] == ["double"]
    assert await used(client) == [1]


async def test_ticket_from_the_environment_gives_type_and_name(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await new_ticket(client)
    ex = Executor(client=client, settings=ClientSettings(executor_ticket=token))
    ex.add_function("hello", lambda: "hi")
    p = await submit(client, "hello", executor_type=T)
    await ex.run(burst=True)
    assert (await get(client, p)).output == ["hi"]
    assert (ex.executor_type, ex.name) == (T, f"{T}-{ex.executor_id[:8]}")


async def test_a_restart_without_key_file_takes_another_use(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await new_ticket(client)
    await with_ticket(client, token, T).run(burst=True)
    with pytest.raises(RPCError, match=r"is used up \(1 of 1 uses\)") as refused:
        await with_ticket(client, token, T).run(burst=True)
    assert refused.value.status == 403


async def test_key_file_keeps_the_key_so_a_restart_needs_no_ticket_use(
    client: ColoniesClient, colony: Colony, tmp_path: Path
) -> None:
    token, key_file = await new_ticket(client), tmp_path / "worker.key"
    first = with_ticket(client, token, T, key_file=key_file)
    first.add_function("hello", lambda: "first")
    await first.run(burst=True)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert id_from_private_key(key_file.read_text().strip()) == first.executor_id

    again = with_ticket(client, token, key_file=key_file)  # the ticket is used up by now
    again.add_function("hello", lambda: "again")
    p = await submit(client, "hello", executor_type=T)
    await again.run(burst=True)
    assert (await get(client, p)).output == ["again"]
    assert (again.executor_id, again.name, again.executor_type) == (
        first.executor_id,
        first.name,
        T,
    )
    assert await used(client) == [1]


async def test_a_given_key_that_is_already_enrolled_runs_without_a_ticket_use(
    client: ColoniesClient, colony: Colony
) -> None:
    token, key = await new_ticket(client), new_private_key()
    enrolled = await client.enroll_executor(token, ExecutorModel(executor_name="w"), key=key)
    ex = with_ticket(client, token, key=key)  # the ticket is used up by now
    ex.add_function("hello", lambda: "hi")
    p = await submit(client, "hello", executor_type=T)
    await ex.run(burst=True)
    assert (await get(client, p)).output == ["hi"]
    assert (ex.name, ex.executor_id) == ("w", enrolled.executor_id)


async def test_an_unusable_key_file_is_a_clear_error(
    client: ColoniesClient, colony: Colony, tmp_path: Path
) -> None:
    token = await new_ticket(client)
    with pytest.raises(ValueError, match=r"cannot use the key file .*No such file"):
        await with_ticket(client, token, key_file=tmp_path / "no" / "k").run(burst=True)
    (tmp_path / "bad").write_text("not a key\n")
    with pytest.raises(ValueError, match="does not hold a private key"):
        await with_ticket(client, token, key_file=tmp_path / "bad").run(burst=True)
    assert await used(client) == [0]


async def test_a_ticket_for_another_type_or_colony_stops_the_executor_clearly(
    client: ColoniesClient, colony: Colony
) -> None:
    token = await new_ticket(client, executor_type="gpu")
    with pytest.raises(RPCError, match="for executor type <gpu>, not <cpu>"):
        await with_ticket(client, token, "cpu").run(burst=True)
    with pytest.raises(ValueError, match="for colony test, not elsewhere"):
        await with_ticket(client, token, "gpu", colony="elsewhere").run(burst=True)
    with pytest.raises(ValueError, match="ticket is malformed"):
        await with_ticket(client, "ct1.nonsense", "gpu").run(burst=True)
    assert await used(client) == [0]


def start_env(server: TestServer, **variables: str) -> dict[str, str | None]:
    """Only the server address: no colony name and no key of any kind."""
    return {
        "COLONIES_SERVER_HOST": "127.0.0.1",
        "COLONIES_SERVER_PORT": str(server.port),
        "COLONIES_TLS": "false",
        "COLONIES_COLONY_NAME": None,
        "COLONIES_COLONY_PRVKEY": None,
        "COLONIES_EXECUTOR_PRVKEY": None,
        **{f"COLONIES_{name}": value for name, value in variables.items()},
    }


async def test_cli_start_with_a_ticket_runs_a_process(
    client: ColoniesClient, colony: Colony, server: TestServer, tmp_path: Path
) -> None:
    token = await new_ticket(client, uses=2)
    p = await submit(client, "echo", "from a ticket", executor_type=T)
    argv = ["--ticket", token, "--burst", "--key-file", str(tmp_path / "k")]
    result = await asyncio.to_thread(CliRunner().invoke, start, argv, env=start_env(server))
    assert result.exit_code == 0, result.output
    assert (await get(client, p)).output == ["from a ticket"]

    q = await submit(client, "echo", "from the environment", executor_type=T)
    env = start_env(server, EXECUTOR_TICKET=token)
    result = await asyncio.to_thread(CliRunner().invoke, start, ["--burst"], env=env)
    assert result.exit_code == 0, result.output
    assert (await get(client, q)).output == ["from the environment"]
    assert await used(client) == [2]


async def test_cli_start_with_a_bad_or_used_up_ticket_says_why(
    client: ColoniesClient, colony: Colony, server: TestServer
) -> None:
    result = await asyncio.to_thread(
        CliRunner().invoke, start, ["--ticket", "nonsense", "--burst"], env=start_env(server)
    )
    assert result.exit_code == 1
    assert "--ticket is not an enrollment ticket" in result.output
    token = await new_ticket(client, uses=1)
    await with_ticket(client, token, T).run(burst=True)
    result = await asyncio.to_thread(
        CliRunner().invoke, start, ["--ticket", token, "--burst"], env=start_env(server)
    )
    assert result.exit_code == 1
    assert "Enrollment refused: ticket" in result.output and "is used up" in result.output
    assert "Traceback" not in result.output
