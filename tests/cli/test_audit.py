"""``colonies audit ls``: the table, --json, the empty case, paging and which key signs."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from colonies.crypto import id_from_private_key, new_private_key
from colonies.server import keys
from tests.cli.conftest import Invoke, as_json, ok
from tests.conftest import SERVER_KEY


async def test_audit_ls_shows_the_colony_entries_newest_first(
    invoke: Invoke, server: TestServer
) -> None:
    ok(await invoke("location", "add", "--name", "lab", "--desc", "d"))
    await server.app[keys.AUDIT].flush()
    out = ok(await invoke("audit", "ls"))
    lines = out.splitlines()
    assert "Seq" in lines[1] and "Role" in lines[1] and "Status" in lines[1]
    assert "addlocationmsg" in lines[3] and "colony owner" in lines[3] and "lab" in lines[3]
    assert "200" in lines[3]
    assert "approveexecutormsg" in out and "addexecutormsg" in out
    assert "addcolonymsg" in out  # the server owner added the colony to this colony

    entries = as_json(await invoke("audit", "ls", "--json", "--count", "2"))
    assert [e["payloadtype"] for e in entries] == ["addlocationmsg", "approveexecutormsg"]
    assert entries[0]["callerrole"] == "colony owner" and entries[0]["colonyname"] == "test"
    older = as_json(await invoke("audit", "ls", "--json", "--before", str(entries[1]["seq"])))
    assert [e["payloadtype"] for e in older] == ["addexecutormsg", "addcolonymsg"]

    paged = ok(await invoke("audit", "ls", "--count", "2"))
    assert f"--before {entries[1]['seq']}" in paged


async def test_audit_ls_says_when_nothing_matches(invoke: Invoke, server: TestServer) -> None:
    await server.app[keys.AUDIT].flush()
    assert "No audit entries found" in ok(await invoke("audit", "ls", "--type", "nosuchmsg"))
    assert "No audit entries found" in ok(await invoke("audit", "ls", "--since", "2999-01-01"))
    assert ok(await invoke("audit", "ls", "--since", "1h")).count("addexecutormsg") == 1
    bad = await invoke("audit", "ls", "--since", "yesterday")
    assert bad.exit_code == 1 and "neither a duration" in bad.output


async def test_audit_ls_signs_with_the_colony_key_unless_told_or_only_the_server_key_is_set(
    invoke: Invoke, server: TestServer
) -> None:
    await server.app[keys.AUDIT].flush()
    stranger = {"COLONIES_COLONY_PRVKEY": new_private_key()}
    refused = await invoke("audit", "ls", env=stranger)
    assert refused.exit_code == 1 and "not colony owner" in refused.output
    assert "addcolonymsg" in ok(await invoke("audit", "ls", "--server", env=stranger))
    only_server = {"COLONIES_COLONY_PRVKEY": None}
    assert "addcolonymsg" in ok(await invoke("audit", "ls", env=only_server))
    everything = as_json(await invoke("audit", "ls", "--all", "--json"))
    assert {e["callerid"] for e in everything} >= {id_from_private_key(SERVER_KEY)}
    refused = await invoke("audit", "ls", "--all", env={"COLONIES_SERVER_PRVKEY": None})
    assert refused.exit_code == 1 and "COLONIES_SERVER_PRVKEY is not set" in refused.output


async def test_audit_help_has_an_example(invoke: Invoke) -> None:
    out = ok(await invoke("audit", "ls", "--help"))
    assert "Example:" in out and "colonies audit ls --since 1h" in out
