"""The twelve blueprint messages against the real server and database (SEMANTICS §14,
PROTOCOL §7.15), including a replay of the reference capture flow8."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from colonies.client import ColoniesClient
from colonies.crypto import id_from_private_key, new_private_key
from colonies.db import Database
from colonies.errors import RPCError
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY, Colony, MakeExecutor
from tests.server.test_security import snapshot

WIRE = Path(__file__).parent.parent / "fixtures" / "wire"
NS = {"namespace": "test"}
C = {"colonyname": "test"}
HANDLER = {"executorType": "reconciler", "functionName": "reconcile"}


def definition(
    name: str = "lights", kind: str = "Light", handler: dict[str, Any] | None = None, **spec: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"names": {"kind": kind}, **spec}
    if handler is not None:
        body["handler"] = handler
    return {"kind": kind, "metadata": {"name": name, **C}, "spec": body}


def blueprint(
    name: str = "l1", kind: str = "Light", spec: dict[str, Any] | None = None, **meta: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "metadata": {"name": name, **C, **meta},
        "spec": {"power": False} if spec is None else spec,
    }


async def error(client: ColoniesClient, payload_type: str, data: dict[str, Any], key: str) -> Any:
    with pytest.raises(RPCError) as err:
        await client.call(payload_type, data, key=key)
    return err.value.status, err.value.message


async def waiting(client: ColoniesClient, executor_type: str = "reconciler") -> list[Any]:
    query = {**C, "count": 100, "state": 0, "executortype": executor_type}
    processes: list[Any] = await client.call("getprocessesmsg", query, key=EXECUTOR_KEY)
    return sorted(processes, key=lambda p: p["submissiontime"])


async def crons(client: ColoniesClient) -> dict[str, Any]:
    found = await client.call("getcronsmsg", {**C, "count": 100}, key=EXECUTOR_KEY)
    return {c["name"]: c for c in found}


def golden(payload_type: str) -> Any:
    return json.loads((WIRE / f"{payload_type}.json").read_text())[0]


def shape(value: Any) -> Any:
    """A reply with its generated ids and server times blanked, to compare with a capture."""
    generated = {"blueprintdefinitionid", "blueprintid", "historyid", "timestamp"}
    if isinstance(value, dict):
        return {k: "…" if k in generated else shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return value


async def test_flow8_replay_gives_the_reference_replies(
    client: ColoniesClient, colony: Colony
) -> None:
    """captures/flow8.py step by step; every reply equals flow8.out but for ids and times."""
    call, ex = client.call, EXECUTOR_KEY
    d = definition(handler=HANDLER)
    added = await call("addblueprintdefinitionmsg", {"blueprintdefinition": d}, key=COLONY_KEY)
    assert shape(added) == shape(golden("addblueprintdefinitionmsg"))
    assert len(added["blueprintdefinitionid"]) == 64
    listed = await call("getblueprintdefinitionsmsg", C, key=ex)
    assert shape(listed) == shape(golden("getblueprintdefinitionsmsg"))

    bp = {**blueprint(), "handler": {"executortype": "x"}}  # pycolonies sends a handler
    reply = await call("addblueprintmsg", {"blueprint": bp}, key=ex)
    assert shape(reply) == shape(golden("addblueprintmsg"))
    got = await call("getblueprintmsg", {**NS, "name": "l1"}, key=ex)
    assert shape(got) == shape(golden("getblueprintmsg")) and got == reply

    bp["spec"]["power"] = True
    await call("updateblueprintmsg", {"blueprint": bp, "forcegeneration": False}, key=ex)
    status = {**C, "blueprintname": "l1", "status": {"power": True}}
    assert await call("updateblueprintstatusmsg", status, key=ex) == {}
    assert len(await call("getblueprintsmsg", NS, key=ex)) == 1
    history = await call(
        "getblueprinthistorymsg", {"blueprintid": got["blueprintid"], "limit": 5}, key=ex
    )
    assert shape(history) == shape(golden("getblueprinthistorymsg"))
    assert [h["timestamp"].endswith("Z") for h in history] == [True, True]

    await call("reconcileblueprintmsg", {**NS, "name": "l1", "force": True}, key=ex)
    kwargs = [(p["spec"]["funcname"], p["spec"]["kwargs"]) for p in await waiting(client)]
    assert kwargs == [
        ("reconcile", {"blueprintName": "l1", "kind": "Light"}),
        ("reconcile", {"blueprintName": "l1", "kind": "Light"}),
        ("reconcile", {"blueprintName": "l1", "force": True, "kind": "Light"}),
    ]
    found = [
        (c["name"], c["interval"], c["waitforprevprocessgraph"])
        for c in (await crons(client)).values()
    ]
    assert found == [("reconcile-Light", 60, True)]
    assert await call("removeblueprintmsg", {**NS, "name": "l1"}, key=ex) == {}
    assert (
        await call("removeblueprintdefinitionmsg", {**NS, "name": "lights"}, key=COLONY_KEY) == {}
    )


async def test_definitions_crud_and_status_codes(client: ColoniesClient, colony: Colony) -> None:
    call, ex = client.call, EXECUTOR_KEY
    add = "addblueprintdefinitionmsg"
    d = await call(add, {"blueprintdefinition": definition()}, key=COLONY_KEY)
    assert await error(client, add, {"blueprintdefinition": definition()}, COLONY_KEY) == (
        409,
        "BlueprintDefinition with name 'lights' or kind 'Light' already exists in colony 'test'",
    )
    same_kind = definition(name="other")
    assert (await error(client, add, {"blueprintdefinition": same_kind}, COLONY_KEY))[0] == 409
    assert await error(client, add, {"blueprintdefinition": definition(name="")}, COLONY_KEY) == (
        400,
        "metadata.name is required",
    )
    assert await error(client, add, {"blueprintdefinition": definition(kind="")}, COLONY_KEY) == (
        400,
        "spec.names.kind is required",
    )
    assert await error(client, add, {}, COLONY_KEY) == (
        400,
        "Failed to add blueprint definition, blueprint definition is nil",
    )
    assert await error(client, add, {"blueprintdefinition": definition(name="x")}, ex) == (
        403,
        "Access denied, not colony owner",
    )

    # Members and the colony owner read definitions.
    for key in (ex, COLONY_KEY):
        assert await call("getblueprintdefinitionmsg", {**C, "name": "lights"}, key=key) == d
        assert await call("getblueprintdefinitionsmsg", C, key=key) == [d]
    missing = {**C, "name": "nope"}
    assert await error(client, "getblueprintdefinitionmsg", missing, ex) == (
        404,
        "Blueprint definition not found",
    )

    remove = "removeblueprintdefinitionmsg"
    assert await error(client, remove, {**NS, "name": "nope"}, COLONY_KEY) == (
        404,
        "BlueprintDefinition 'nope' not found in namespace 'test'",
    )
    await call("addblueprintmsg", {"blueprint": blueprint()}, key=ex)
    assert await error(client, remove, {**NS, "name": "lights"}, COLONY_KEY) == (
        409,
        "cannot remove BlueprintDefinition 'lights': 1 blueprint(s) of kind 'Light' still exist",
    )
    assert await error(client, remove, {**NS, "name": "lights"}, ex) == (
        403,
        "Access denied, not colony owner",
    )
    await call("removeblueprintmsg", {**NS, "name": "l1"}, key=ex)
    assert await call(remove, {**NS, "name": "lights"}, key=COLONY_KEY) == {}
    assert (await error(client, "getblueprintdefinitionmsg", {**C, "name": "lights"}, ex))[0] == 404
    assert await call("getblueprintdefinitionsmsg", C, key=ex) == []


SCHEMA = {
    "type": "object",
    "required": ["power"],
    "properties": {
        "power": {"type": "boolean"},
        "brightness": {"type": "integer", "description": "0-100", "default": 0},
        "level": {"type": "number"},
        "name": {"type": "string"},
        "mode": {"type": "string", "enum": ["on", "off"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "color": {"type": "object", "properties": {"r": {"type": "integer"}}},
    },
}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({}, "required field 'power' is missing"),
        ({"power": 1}, "field 'power' must be a boolean"),
        ({"power": True, "brightness": 1.5}, "field 'brightness' must be an integer"),
        ({"power": True, "brightness": True}, "field 'brightness' must be an integer"),
        ({"power": True, "level": "high"}, "field 'level' must be a number"),
        ({"power": True, "name": 3}, "field 'name' must be a string"),
        (
            {"power": True, "mode": "dim"},
            "field 'mode' has invalid value 'dim', must be one of [on off]",
        ),
        ({"power": True, "tags": "a"}, "field 'tags' must be an array"),
        ({"power": True, "tags": ["a", 2]}, "field 'tags[1]' must be a string"),
        ({"power": True, "color": [1]}, "field 'color' must be an object"),
        ({"power": True, "color": {"r": "red"}}, "field 'color.r' must be an integer"),
    ],
)
async def test_spec_is_validated_against_the_schema(
    client: ColoniesClient, colony: Colony, spec: dict[str, Any], message: str
) -> None:
    d = definition(schema=SCHEMA)
    added = await client.call(
        "addblueprintdefinitionmsg", {"blueprintdefinition": d}, key=COLONY_KEY
    )
    assert added["spec"]["schema"] == SCHEMA  # the default 0 survives Go's omitempty rule
    bp = blueprint(spec=spec)
    assert await error(client, "addblueprintmsg", {"blueprint": bp}, EXECUTOR_KEY) == (
        400,
        f"blueprint validation failed: {message}",
    )
    assert await client.call("getblueprintsmsg", NS, key=EXECUTOR_KEY) == []


async def test_valid_spec_passes_and_updates_are_validated_too(
    client: ColoniesClient, colony: Colony
) -> None:
    d = definition(schema=SCHEMA)
    await client.call("addblueprintdefinitionmsg", {"blueprintdefinition": d}, key=COLONY_KEY)
    spec = {
        "power": True,
        "brightness": 2.0,  # an integral float is an integer, as Go sees JSON numbers
        "level": 3,
        "mode": "on",
        "tags": ["a"],
        "color": {"r": 1, "g": "undeclared keys pass"},
        "extra": {"deep": [1, None, {"x": "y"}]},
    }
    added = await client.call(
        "addblueprintmsg", {"blueprint": blueprint(spec=spec)}, key=EXECUTOR_KEY
    )
    assert added["spec"] == spec
    bad = blueprint(spec={"power": "yes"})
    assert await error(client, "updateblueprintmsg", {"blueprint": bad}, EXECUTOR_KEY) == (
        400,
        "blueprint validation failed: field 'power' must be a boolean",
    )
    got = await client.call("getblueprintmsg", {**NS, "name": "l1"}, key=EXECUTOR_KEY)
    assert got["spec"] == spec


async def test_add_blueprint_errors_and_conflict(client: ColoniesClient, colony: Colony) -> None:
    call, ex = client.call, EXECUTOR_KEY
    add = "addblueprintmsg"
    assert await error(client, add, {"blueprint": blueprint()}, ex) == (
        400,
        "BlueprintDefinition for kind 'Light' not found in namespace 'test'",
    )
    await call("addblueprintdefinitionmsg", {"blueprintdefinition": definition()}, key=COLONY_KEY)
    assert await error(client, add, {"blueprint": blueprint(kind="")}, ex) == (
        400,
        "blueprint kind is required",
    )
    assert (await error(client, add, {"blueprint": blueprint(name="")}, ex))[0] == 400
    assert await error(client, add, {}, ex) == (400, "Failed to add blueprint, blueprint is nil")
    first = await call(add, {"blueprint": blueprint()}, key=ex)
    assert await error(client, add, {"blueprint": blueprint(spec={"power": True})}, ex) == (
        409,
        "blueprint with name 'l1' already exists in colony 'test'",
    )
    assert await call("getblueprintmsg", {**NS, "name": "l1"}, key=ex) == first
    assert await error(client, "getblueprintmsg", {**NS, "name": "nope"}, ex) == (
        404,
        "Blueprint not found",
    )
    assert (await error(client, "removeblueprintmsg", {**NS, "name": "nope"}, ex))[0] == 404
    nope = {"blueprint": blueprint(name="nope")}
    assert await error(client, "updateblueprintmsg", nope, ex) == (
        404,
        "blueprint 'nope' not found in namespace 'test'",
    )
    assert (await error(client, "updateblueprintstatusmsg", {**C, "blueprintname": "x"}, ex)) == (
        404,
        "Blueprint not found",
    )
    assert (await error(client, "reconcileblueprintmsg", {**NS, "name": "nope"}, ex))[0] == 404
    unknown = {"blueprintid": "0" * 64, "limit": 5}
    assert (await error(client, "getblueprinthistorymsg", unknown, ex))[0] == 404
    # The colony owner may add too (it is "M or CO").
    await call(add, {"blueprint": blueprint(name="by-owner")}, key=COLONY_KEY)


async def test_unknown_location_is_created_and_filters_apply(
    client: ColoniesClient, colony: Colony
) -> None:
    call, ex = client.call, EXECUTOR_KEY
    await call("addblueprintdefinitionmsg", {"blueprintdefinition": definition()}, key=COLONY_KEY)
    await call(
        "addblueprintdefinitionmsg",
        {"blueprintdefinition": definition("fans", "Fan")},
        key=COLONY_KEY,
    )
    await call(
        "addlocationmsg", {"location": {**C, "name": "lab", "description": "mine"}}, key=COLONY_KEY
    )
    await call("addblueprintmsg", {"blueprint": blueprint("a", locationname="lab")}, key=ex)
    await call("addblueprintmsg", {"blueprint": blueprint("b", locationname="attic")}, key=ex)
    await call(
        "addblueprintmsg", {"blueprint": blueprint("c", kind="Fan", locationname="attic")}, key=ex
    )
    await call("addblueprintmsg", {"blueprint": blueprint("d")}, key=ex)
    attic = await call("getlocationmsg", {**C, "name": "attic"}, key=ex)
    assert attic["description"] == "Auto-created from blueprint b"
    assert len(attic["locationid"]) == 64
    lab = await call("getlocationmsg", {**C, "name": "lab"}, key=ex)
    assert lab["description"] == "mine"  # an existing location is left alone

    async def names(**query: str) -> list[str]:
        found = await call("getblueprintsmsg", {**NS, **query}, key=ex)
        return [b["metadata"]["name"] for b in found]

    assert await names() == ["a", "b", "c", "d"]
    assert await names(kind="Light") == ["a", "b", "d"]
    assert await names(kind="Light", locationname="attic") == ["b"]
    assert await names(locationname="attic") == ["b", "c"]
    assert await names(kind="Nope") == []
    got = await call("getblueprintmsg", {**NS, "name": "a"}, key=ex)
    assert got["metadata"]["locationname"] == "lab"


async def test_update_generation_history_and_kept_fields(
    client: ColoniesClient, colony: Colony
) -> None:
    call, ex = client.call, EXECUTOR_KEY
    await call("addblueprintdefinitionmsg", {"blueprintdefinition": definition()}, key=COLONY_KEY)
    meta: dict[str, Any] = {
        "labels": {"room": "kitchen"},
        "annotations": {"note": "n"},
        "owner": {"team": "ops"},  # not a field of the model: kept as sent
    }
    bp = blueprint(**meta)
    added = await call("addblueprintmsg", {"blueprint": bp}, key=ex)
    assert "generation" not in added["metadata"]
    assert {k: added["metadata"][k] for k in meta} == meta
    await call(
        "updateblueprintstatusmsg", {**C, "blueprintname": "l1", "status": {"on": 1}}, key=ex
    )

    async def update(force: bool = False, **spec: Any) -> Any:
        body = {**bp, "spec": {"power": False, **spec}}
        return await call(
            "updateblueprintmsg", {"blueprint": body, "forcegeneration": force}, key=ex
        )

    same = await update()  # the same spec: nothing changes
    assert "generation" not in same["metadata"]
    assert same["blueprintid"] == added["blueprintid"]
    changed = await update(power=True)
    assert changed["metadata"]["generation"] == 1
    assert changed["status"] == {"on": 1}  # an update without status keeps it
    forced = await update(power=True, force=True)
    assert forced["metadata"]["generation"] == 2
    numerically_same = await update(power=True, level=1)
    again = await update(power=True, level=1.0)
    assert (numerically_same["metadata"]["generation"], again["metadata"]["generation"]) == (3, 3)
    bool_is_not_number = await update(power=True, level=True)
    assert bool_is_not_number["metadata"]["generation"] == 4

    got = await call("getblueprintmsg", {**NS, "name": "l1"}, key=ex)
    assert got == bool_is_not_number
    assert {k: got["metadata"][k] for k in meta} == meta
    history = await call("getblueprinthistorymsg", {"blueprintid": got["blueprintid"]}, key=ex)
    assert [(h["changetype"], h["generation"]) for h in history] == [
        ("update", 4),
        ("update", 3),
        ("update", 2),
        ("update", 1),
        ("create", 0),
    ]
    assert history[3]["spec"] == {"power": True} and history[3]["status"] == {"on": 1}
    assert "status" not in history[4]
    assert {h["changedby"] for h in history} == {id_from_private_key(ex)}
    assert {h["namespace"] for h in history} == {"test"}
    limited = await call(
        "getblueprinthistorymsg", {"blueprintid": got["blueprintid"], "limit": 2}, key=ex
    )
    assert limited == history[:2]


async def test_reconcile_cron_processes_and_cleanup(client: ColoniesClient, colony: Colony) -> None:
    call, ex = client.call, EXECUTOR_KEY
    await call(
        "addblueprintdefinitionmsg",
        {"blueprintdefinition": definition(handler=HANDLER)},
        key=COLONY_KEY,
    )
    a = await call("addblueprintmsg", {"blueprint": blueprint("a", locationname="lab")}, key=ex)

    cron = (await crons(client))["reconcile-Light-lab"]
    assert (cron["interval"], cron["waitforprevprocessgraph"]) == (60, True)
    assert cron["initiatorname"] == "test-executor"
    workflow = json.loads(cron["workflowspec"])
    assert workflow["colonyname"] == "test"
    [node] = workflow["functionspecs"]
    assert (node["nodename"], node["funcname"], node["kwargs"]) == (
        "reconciler-reconcile",
        "reconcile",
        {"kind": "Light"},
    )
    assert node["conditions"]["executortype"] == "reconciler"
    assert node["conditions"]["locationname"] == "lab"

    [process] = await waiting(client)
    spec = process["spec"]
    assert (spec["nodename"], spec["funcname"], spec["kwargs"]) == (
        "reconciler-reconcile",
        "reconcile",
        {"kind": "Light", "blueprintName": "a"},
    )
    assert spec["conditions"]["executortype"] == "reconciler"
    assert spec["conditions"]["locationname"] == "lab"
    assert (spec["maxexectime"], spec["maxretries"]) == (-1, -1)
    assert process["initiatorid"] == id_from_private_key(ex)

    # A second blueprint at the same place shares the cron; elsewhere gets its own.
    await call("addblueprintmsg", {"blueprint": blueprint("b", locationname="lab")}, key=ex)
    await call("addblueprintmsg", {"blueprint": blueprint("c")}, key=ex)
    assert sorted(await crons(client)) == ["reconcile-Light", "reconcile-Light-lab"]
    assert len(await waiting(client)) == 3

    # Reconcile: a process with the blueprint's kwargs; force adds "force" and a generation.
    plain = await call("reconcileblueprintmsg", {**NS, "name": "a", "force": False}, key=ex)
    assert plain["spec"]["kwargs"] == {"kind": "Light", "blueprintName": "a"}
    assert plain["spec"]["conditions"]["locationname"] == "lab" and plain["state"] == 0
    got = await call("getblueprintmsg", {**NS, "name": "a"}, key=ex)
    assert "generation" not in got["metadata"]
    forced = await call("reconcileblueprintmsg", {**NS, "name": "a", "force": True}, key=ex)
    assert forced["spec"]["kwargs"] == {"kind": "Light", "blueprintName": "a", "force": True}
    got = await call("getblueprintmsg", {**NS, "name": "a"}, key=ex)
    assert got["metadata"]["generation"] == 1
    assert [p["processid"] for p in await waiting(client)][-2:] == [
        plain["processid"],
        forced["processid"],
    ]
    # An update without change submits nothing; a change does.
    await call("updateblueprintmsg", {"blueprint": blueprint("a", locationname="lab")}, key=ex)
    assert len(await waiting(client)) == 5
    changed = blueprint("a", spec={"power": True}, locationname="lab")
    await call("updateblueprintmsg", {"blueprint": changed}, key=ex)
    assert len(await waiting(client)) == 6

    # Removing: the cron goes with the last blueprint of the kind at that location.
    await call("removeblueprintmsg", {**NS, "name": "a"}, key=ex)
    assert sorted(await crons(client)) == ["reconcile-Light", "reconcile-Light-lab"]
    cleanup = (await waiting(client))[-1]["spec"]
    assert (cleanup["nodename"], cleanup["funcname"], cleanup["kwargs"]) == (
        "reconciler-cleanup",
        "cleanup",
        {"kind": "Light", "blueprintName": "a"},
    )
    assert cleanup["conditions"]["executortype"] == "reconciler"
    assert cleanup["conditions"]["locationname"] == "lab"
    await call("removeblueprintmsg", {**NS, "name": "b"}, key=ex)
    assert sorted(await crons(client)) == ["reconcile-Light"]
    await call("removeblueprintmsg", {**NS, "name": "c"}, key=ex)
    assert await crons(client) == {}
    assert len(await waiting(client)) == 9
    history = await call("getblueprinthistorymsg", {"blueprintid": a["blueprintid"]}, key=ex)
    assert [h["changetype"] for h in history] == ["delete", "update", "create"]


async def test_moving_a_blueprint_moves_its_cron(client: ColoniesClient, colony: Colony) -> None:
    call, ex = client.call, EXECUTOR_KEY
    await call(
        "addblueprintdefinitionmsg",
        {"blueprintdefinition": definition(handler=HANDLER)},
        key=COLONY_KEY,
    )
    await call("addblueprintmsg", {"blueprint": blueprint("a", locationname="lab")}, key=ex)
    await call("updateblueprintmsg", {"blueprint": blueprint("a", locationname="attic")}, key=ex)
    assert sorted(await crons(client)) == ["reconcile-Light-attic"]


async def test_kind_without_handler_gets_no_cron_or_process(
    client: ColoniesClient, colony: Colony
) -> None:
    call, ex = client.call, EXECUTOR_KEY
    await call("addblueprintdefinitionmsg", {"blueprintdefinition": definition()}, key=COLONY_KEY)
    await call("addblueprintmsg", {"blueprint": blueprint()}, key=ex)
    await call("updateblueprintmsg", {"blueprint": blueprint(spec={"power": True})}, key=ex)
    assert await error(client, "reconcileblueprintmsg", {**NS, "name": "l1"}, ex) == (
        400,
        "Blueprint has no handler with executor type defined",
    )
    await call("removeblueprintmsg", {**NS, "name": "l1"}, key=ex)
    assert await crons(client) == {}
    assert await waiting(client) == []


async def test_status_update_replaces_status_and_needs_membership(
    client: ColoniesClient, colony: Colony
) -> None:
    call, ex = client.call, EXECUTOR_KEY
    await call("addblueprintdefinitionmsg", {"blueprintdefinition": definition()}, key=COLONY_KEY)
    await call("addblueprintmsg", {"blueprint": blueprint()}, key=ex)
    update = "updateblueprintstatusmsg"
    await call(update, {**C, "blueprintname": "l1", "status": {"a": 1, "b": [True]}}, key=ex)
    await call(update, {**C, "blueprintname": "l1", "status": {"c": "x"}}, key=ex)
    got = await call("getblueprintmsg", {**NS, "name": "l1"}, key=ex)
    assert got["status"] == {"c": "x"} and got["spec"] == {"power": False}
    # Status only: no generation and no history entry.
    assert "generation" not in got["metadata"]
    history = await call("getblueprinthistorymsg", {"blueprintid": got["blueprintid"]}, key=ex)
    assert len(history) == 1
    # The colony owner is not a member: it may add and read, not report status or reconcile.
    assert await error(client, update, {**C, "blueprintname": "l1", "status": {}}, COLONY_KEY) == (
        403,
        "Access denied, not a member of Colony with name <test>",
    )
    reconcile = {**NS, "name": "l1"}
    assert (await error(client, "reconcileblueprintmsg", reconcile, COLONY_KEY))[0] == 403


async def test_refused_callers_change_nothing(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor, dsn: str
) -> None:
    call, ex = client.call, EXECUTOR_KEY
    await call(
        "addblueprintdefinitionmsg",
        {"blueprintdefinition": definition(handler=HANDLER)},
        key=COLONY_KEY,
    )
    added = await call("addblueprintmsg", {"blueprint": blueprint()}, key=ex)
    pending = await make_executor("pending", approve=False)
    stranger = new_private_key()
    requests: list[tuple[str, dict[str, Any]]] = [
        ("addblueprintdefinitionmsg", {"blueprintdefinition": definition("x", "X")}),
        ("removeblueprintdefinitionmsg", {**NS, "name": "lights"}),
        ("getblueprintdefinitionmsg", {**C, "name": "lights"}),
        ("getblueprintdefinitionsmsg", C),
        ("addblueprintmsg", {"blueprint": blueprint("new")}),
        ("getblueprintmsg", {**NS, "name": "l1"}),
        ("getblueprintsmsg", NS),
        ("updateblueprintmsg", {"blueprint": blueprint(spec={"power": True})}),
        ("removeblueprintmsg", {**NS, "name": "l1"}),
        ("getblueprinthistorymsg", {"blueprintid": added["blueprintid"]}),
        ("updateblueprintstatusmsg", {**C, "blueprintname": "l1", "status": {"a": 1}}),
        ("reconcileblueprintmsg", {**NS, "name": "l1", "force": True}),
    ]
    before = await snapshot(dsn)
    for key in (pending, stranger, SERVER_KEY):
        for payload_type, data in requests:
            reply = await client.raw(payload_type, data, key=key)
            assert (payload_type, reply.status) == (payload_type, 403), reply.payload
    assert await snapshot(dsn) == before


async def test_blueprints_outlive_their_colony(
    client: ColoniesClient, colony: Colony, make_executor: MakeExecutor, db: Database
) -> None:
    call, ex = client.call, EXECUTOR_KEY
    await call(
        "addblueprintdefinitionmsg",
        {"blueprintdefinition": definition(handler=HANDLER)},
        key=COLONY_KEY,
    )
    added = await call("addblueprintmsg", {"blueprint": blueprint()}, key=ex)
    await call("removecolonymsg", C, key=SERVER_KEY)

    kept = await db.blueprints.get("test", "l1")
    assert kept is not None and kept.blueprint_id == added["blueprintid"]
    assert await db.blueprints.get_definition("test", "lights") is not None
    assert await db.crons.get_by_name("test", "reconcile-Light") is None  # went with the colony
    gone = await error(client, "getblueprintmsg", {**NS, "name": "l1"}, ex)
    assert gone == (403, "Colony with name <test> does not exists")
    history = {"blueprintid": added["blueprintid"]}
    assert (await error(client, "getblueprinthistorymsg", history, ex))[0] == 403

    # A colony of that name finds them again, and everything works on them.
    colony_id = id_from_private_key(COLONY_KEY)
    await call("addcolonymsg", {"colony": {"colonyid": colony_id, "name": "test"}}, key=SERVER_KEY)
    await make_executor("test-executor", key=ex)
    assert await call("getblueprintmsg", {**NS, "name": "l1"}, key=ex) == added
    await call("updateblueprintmsg", {"blueprint": blueprint(spec={"power": True})}, key=ex)
    assert sorted(await crons(client)) == ["reconcile-Light"]
    await call("removeblueprintmsg", {**NS, "name": "l1"}, key=ex)
    entries = await call("getblueprinthistorymsg", history, key=ex)
    assert [h["changetype"] for h in entries] == ["delete", "update", "create"]
    assert [p["spec"]["funcname"] for p in await waiting(client)] == ["reconcile", "cleanup"]
