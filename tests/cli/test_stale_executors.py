"""An executor registered by hand and left idle: what the CLI says after the server removed it,
and the ways back, as a new user meets them."""

from __future__ import annotations

from datetime import timedelta

from colonies.client import ColoniesClient
from colonies.core import utc_now
from colonies.crypto import id_from_private_key, new_private_key
from colonies.db import Database
from colonies.server import background
from tests.cli.conftest import Invoke, ok, run_cli
from tests.conftest import EXECUTOR_KEY, spec


async def _ten_minutes_pass(db: Database) -> None:
    assert await background.remove_stale_executors(db, 600, utc_now() + timedelta(seconds=601))


async def test_a_stale_executor_is_explained_listed_and_brought_back(
    invoke: Invoke, client: ColoniesClient, db: Database
) -> None:
    key = new_private_key()
    as_worker = {"COLONIES_PRVKEY": key}
    ok(
        await invoke(
            "executor", "add", "--name", "byhand", "--type", "cli",
            "--executorid", id_from_private_key(key), "--approve",
        )
    )  # fmt: skip
    for _ in range(3):
        await client.call("submitfuncspecmsg", {"spec": spec()}, key=EXECUTOR_KEY)
    assert "assigned to executor" in ok(await invoke("process", "assign", env=as_worker))
    await _ten_minutes_pass(db)

    refused = await invoke("process", "assign", "--timeout", "1", env=as_worker)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "Access denied, not a member of Colony with name <test>" in refused.stderr
    assert "executor byhand of colony test, which was unregistered" in refused.stderr
    assert "COLONIES_STALE_EXECUTOR_DURATION" in refused.stderr
    assert "colonies executor approve --name byhand" in refused.stderr

    listed = await invoke("executor", "ls")
    assert "byhand" not in ok(listed)
    assert "1 unregistered executor is hidden (byhand)" in listed.stderr
    assert "--all" in listed.stderr
    every = ok(await invoke("executor", "ls", "--all"))
    assert "Unregistered" in next(line for line in every.splitlines() if "byhand" in line)

    ok(await invoke("executor", "approve", "--name", "byhand"))
    assert "assigned to executor" in ok(await invoke("process", "assign", env=as_worker))

    # removed by hand, the owner adds the name again, here with a new key
    ok(await invoke("executor", "remove", "--name", "byhand"))
    new_key = new_private_key()
    ok(
        await invoke(
            "executor", "add", "--name", "byhand", "--type", "cli",
            "--executorid", id_from_private_key(new_key), "--approve",
        )
    )  # fmt: skip
    out = ok(await invoke("process", "assign", env={"COLONIES_PRVKEY": new_key}))
    assert id_from_private_key(new_key) in out


async def test_a_pending_executor_is_told_to_get_approved(invoke: Invoke) -> None:
    key = new_private_key()
    ok(
        await invoke(
            "executor", "add", "--name", "fresh", "--type", "cli",
            "--executorid", id_from_private_key(key),
        )
    )  # fmt: skip
    refused = await invoke("process", "assign", "--timeout", "1", env={"COLONIES_PRVKEY": key})
    assert refused.exit_code == 1
    assert "executor fresh of colony test, which is registered but not approved" in (refused.stderr)
    assert "colonies executor approve --name fresh" in refused.stderr


def _help(*command: str) -> str:
    return " ".join(run_cli([*command, "--help"], {}).output.split())


def test_the_stale_rule_is_in_the_help() -> None:
    text = _help("executor")
    assert "COLONIES_STALE_EXECUTOR_DURATION seconds, ten minutes by default" in text
    assert "colonies executor approve --name NAME" in text
    assert "--all lists them" in _help("executor", "ls")
    assert "not heard from for ten minutes" in _help("process", "assign")
