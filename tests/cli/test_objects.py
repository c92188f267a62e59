"""Colonies, users, executors, locations and the server through the CLI, checked on the server."""

from __future__ import annotations

import json
from pathlib import Path

from colonies.client import ColoniesClient
from colonies.core import ExecutorState
from colonies.crypto import id_from_private_key, new_private_key
from tests.cli.conftest import EXAMPLES, Invoke, as_json, ok
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY, Colony


async def test_colony_add_ls_stats_check_remove(invoke: Invoke, client: ColoniesClient) -> None:
    key = new_private_key()
    colony_id = id_from_private_key(key)
    out = ok(await invoke("colony", "add", "--name", "seed", "--colonyid", colony_id))
    assert "seed" in out and colony_id in out
    table = ok(await invoke("colony", "ls"))
    assert "seed" in table and colony_id in table and "ColonyId" in table
    listed = as_json(await invoke("colony", "ls", "--json"))
    assert listed == [c.to_wire() for c in await client.get_colonies(key=SERVER_KEY)]
    stats = ok(await invoke("colony", "stats"))
    assert "Waiting processes" in stats and "Colony test:" in stats
    assert "Colonies " not in stats  # a colony's statistics do not count colonies
    assert as_json(await invoke("colony", "stats", "--json"))["executors"] == 1
    assert "exists" in ok(await invoke("colony", "check", "--name", "test"))
    ok(await invoke("colony", "remove", "--name", "seed"))
    names = [c.name for c in await client.get_colonies(key=SERVER_KEY)]
    assert names == ["test"]
    again = await invoke("colony", "remove", "--name", "seed")
    assert again.exit_code != 0 and "The server refused the request" in again.stderr
    assert "Traceback" not in again.output and "HTTP status" not in again.stderr
    verbose = await invoke("--verbose", "colony", "remove", "--name", "seed")
    assert verbose.exit_code != 0 and "(HTTP status 400 from http://127.0.0.1:" in verbose.stderr


async def test_user_add_ls_get_remove(invoke: Invoke, client: ColoniesClient) -> None:
    user_id = id_from_private_key(new_private_key())
    added = as_json(
        await invoke(
            "user", "add", "--name", "johan", "--userid", user_id, "--email", "j@x.se", "--json"
        )
    )
    assert added == (await client.get_user("johan", colony="test", key=EXECUTOR_KEY)).to_wire()
    table = ok(await invoke("user", "ls"))
    assert "johan" in table and "j@x.se" in table
    users = as_json(await invoke("user", "ls", "--json"))
    assert users == [u.to_wire() for u in await client.get_users(colony="test", key=EXECUTOR_KEY)]
    detail = ok(await invoke("user", "get", "--name", "johan"))
    assert user_id in detail and "Email" in detail
    assert as_json(await invoke("user", "get", "--name", "johan", "--json"))["userid"] == user_id
    ok(await invoke("user", "remove", "--name", "johan"))
    assert all(u.name != "johan" for u in await client.get_users(colony="test", key=EXECUTOR_KEY))


async def test_executor_add_approve_as_in_the_trace(invoke: Invoke, client: ColoniesClient) -> None:
    executor_id = id_from_private_key(new_private_key())
    out = ok(
        await invoke(
            "executor",
            "add",
            "--name",
            "helloworld-executor",
            "--type",
            "helloworld-executor",
            "--executorid",
            executor_id,
            "--approve",
        )
    )
    assert "added" in out and "approved" in out
    found = await client.get_executor("helloworld-executor", colony="test", key=EXECUTOR_KEY)
    assert found.executor_id == executor_id and found.state == ExecutorState.APPROVED
    table = ok(await invoke("executor", "ls"))
    assert "helloworld-executor" in table and "test-executor" in table
    full = ok(await invoke("executor", "ls", "--full", "--type", "helloworld-executor"))
    assert executor_id in full and "Approved" in full and "test-executor" not in full
    listed = as_json(await invoke("executor", "ls", "--json"))
    assert listed == [
        e.to_wire() for e in await client.get_executors(colony="test", key=EXECUTOR_KEY)
    ]
    got = as_json(await invoke("executor", "get", "--name", "helloworld-executor", "--json"))
    assert got == found.to_wire()
    detail = ok(await invoke("executor", "get", "--name", "helloworld-executor"))
    assert executor_id in detail and "Approved" in detail

    ok(await invoke("executor", "reject", "--name", "helloworld-executor"))
    rejected = await client.get_executor("helloworld-executor", colony="test", key=EXECUTOR_KEY)
    assert rejected.state == ExecutorState.REJECTED
    ok(await invoke("executor", "approve", "--name", "helloworld-executor"))
    approved = await client.get_executor("helloworld-executor", colony="test", key=EXECUTOR_KEY)
    assert approved.state == ExecutorState.APPROVED
    ok(await invoke("executor", "remove", "--name", "helloworld-executor"))
    removed = await client.get_executor("helloworld-executor", colony="test", key=EXECUTOR_KEY)
    assert removed.state == ExecutorState.UNREGISTERED
    assert "helloworld-executor" not in ok(await invoke("executor", "ls"))
    assert "Unregistered" in ok(await invoke("executor", "ls", "--all", "--full"))


async def test_executor_add_from_a_spec_with_and_without_overrides(
    invoke: Invoke, client: ColoniesClient
) -> None:
    spec = str(EXAMPLES / "executors" / "executor.json")
    first = id_from_private_key(new_private_key())
    added = as_json(
        await invoke("executor", "add", "--spec", spec, "--executorid", first, "--json")
    )
    assert added["executorname"] == "helloworld-executor" and added["state"] == 0
    assert added["capabilities"]["hardware"][0]["cores"] == 16
    second = id_from_private_key(new_private_key())
    ok(
        await invoke(
            "executor",
            "add",
            "--spec",
            spec,
            "--executorid",
            second,
            "--name",
            "gpu",
            "--type",
            "gpu-type",
            "--approve",
            env={"HOSTNAME": "node7"},
        )
    )
    found = await client.get_executor("gpu.node7", colony="test", key=EXECUTOR_KEY)
    assert found.executor_type == "gpu-type" and found.state == ExecutorState.APPROVED
    assert found.capabilities.software and found.capabilities.software[0].type == "docker"
    no_name = await invoke("executor", "add", "--executorid", second, "--type", "x")
    assert no_name.exit_code != 0 and "needs a name" in no_name.stderr
    short = await invoke("executor", "add", "--executorid", "abc", "--name", "x", "--type", "x")
    assert short.exit_code != 0 and "64-character" in short.stderr


async def test_location_add_ls_get_remove(invoke: Invoke, client: ColoniesClient) -> None:
    added = as_json(
        await invoke(
            "location",
            "add",
            "--name",
            "lab",
            "--desc",
            "rack 3",
            "--long",
            "18.5",
            "--lat",
            "59.25",
            "--json",
        )
    )
    assert added["name"] == "lab" and added["long"] == 18.5
    assert "rack 3" in ok(await invoke("location", "ls"))
    listed = as_json(await invoke("location", "ls", "--json"))
    assert listed == [
        loc.to_wire() for loc in await client.get_locations(colony="test", key=EXECUTOR_KEY)
    ]
    assert "59.25" in ok(await invoke("location", "get", "--name", "lab"))
    ok(await invoke("location", "remove", "--name", "lab"))
    assert await client.get_locations(colony="test", key=EXECUTOR_KEY) == []


async def test_server_status_alive_stats_and_version(
    invoke: Invoke, client: ColoniesClient
) -> None:
    info = await client.server_info()
    assert as_json(await invoke("server", "status", "--json")) == info.to_wire()
    assert info.build_version in ok(await invoke("server", "status"))
    assert "is alive" in ok(await invoke("server", "alive"))
    stats = as_json(await invoke("server", "stats", "--json"))
    assert stats == (await client.statistics(key=SERVER_KEY)).to_wire()
    assert stats["colonies"] == 1
    assert "Colonies" in ok(await invoke("server", "stats"))
    version = ok(await invoke("version"))
    assert "CLI version" in version and "Server version" in version
    assert as_json(await invoke("version", "--json")) == (await client.version()).to_wire()
    assert as_json(await invoke("--json", "server", "status")) == info.to_wire()


# The executor spec of the ColonyOS CLI documentation: the reference's older model, with a
# location object and one hardware and one software object instead of lists.
DOCUMENTATION_EXECUTOR = {
    "executorname": "ml-box",
    "executortype": "ml",
    "location": {"long": 21.1, "lat": 65.6, "desc": "North DC"},
    "capabilities": {
        "hardware": {"model": "Ryzen", "cpu": "4000m", "mem": "16Gi", "gpu": {"count": 1}},
        "software": {"name": "colonyos/ml:latest", "type": "k8s", "version": "latest"},
    },
}


async def test_executor_add_takes_the_documentations_spec_and_keeps_its_location(
    invoke: Invoke, client: ColoniesClient, tmp_path: Path
) -> None:
    spec = tmp_path / "executor.json"
    spec.write_text(json.dumps(DOCUMENTATION_EXECUTOR))
    added = await invoke(
        "executor", "add", "--spec", str(spec), "--executorid", "a" * 64, "--approve"
    )
    assert "Executor ml-box added" in ok(added)
    assert "Location North DC added" in added.stderr and "unknown field" not in added.stderr
    got = await client.call(
        "getexecutormsg", {"colonyname": "test", "executorname": "ml-box"}, key=EXECUTOR_KEY
    )
    assert got["locationname"] == "North DC"
    assert got["capabilities"]["hardware"][0]["cpu"] == "4000m"
    assert got["capabilities"]["software"] == [
        {"name": "colonyos/ml:latest", "type": "k8s", "version": "latest"}
    ]
    place = await client.call(
        "getlocationmsg", {"colonyname": "test", "name": "North DC"}, key=EXECUTOR_KEY
    )
    assert (place["long"], place["lat"], place["description"]) == (21.1, 65.6, "North DC")
    listed = ok(await invoke("executor", "ls"))
    assert "North DC" in next(line for line in listed.splitlines() if "ml-box" in line)
    # a second executor at the same place reuses the location
    spec.write_text(json.dumps({**DOCUMENTATION_EXECUTOR, "executorname": "ml-box-2"}))
    again = await invoke("executor", "add", "--spec", str(spec), "--executorid", "b" * 64)
    assert "Executor ml-box-2 added" in ok(again) and "Location" not in again.stderr
    spec.write_text(json.dumps({**DOCUMENTATION_EXECUTOR, "location": {"long": 1}}))
    nameless = await invoke("executor", "add", "--spec", str(spec), "--executorid", "c" * 64)
    assert nameless.exit_code == 1 and 'add "desc"' in nameless.stderr


async def test_the_server_takes_one_hardware_object_as_a_list_of_one(
    client: ColoniesClient, colony: Colony
) -> None:
    executor = {
        "executorid": "d" * 64,
        "executorname": "old-shape",
        "executortype": "cli",
        "colonyname": "test",
        "capabilities": DOCUMENTATION_EXECUTOR["capabilities"],
    }
    added = await client.call("addexecutormsg", {"executor": executor}, key=COLONY_KEY)
    assert [h["model"] for h in added["capabilities"]["hardware"]] == ["Ryzen"]
    assert [s["type"] for s in added["capabilities"]["software"]] == ["k8s"]
