"""Every payload type against every role: only the allowed roles succeed; the others get
the reference's status (403 almost everywhere) and change nothing in the database."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.crypto import id_from_private_key, new_private_key
from colonies.rpc import MESSAGES
from colonies.rpc.envelope import request
from colonies.server import keys
from colonies.server.keys import EVENTS
from tests.conftest import COLONY_KEY, SERVER_KEY, MakeExecutor, spec

ROLES = ("SO", "CO", "AE", "M", "P", "U", "X", "S")
"""SO server owner, CO colony owner, AE the executor the running process is assigned to,
M another approved executor, P a pending executor, U a user, X an approved executor of
another colony, S a stranger."""

MEMBERS = {"AE", "M", "U"}
MEMBERS_OR_OWNER = MEMBERS | {"CO"}
ANY_STATE_MEMBERS = {"AE", "M", "P", "U"}


@dataclass
class World:
    keys: dict[str, str]
    running: str
    waiting: str
    function_id: str
    attribute_id: str
    graph: str = ""
    graph_root: str = ""
    waiting_graph: str = ""
    cron: str = ""
    generator: str = ""
    file_id: str = ""
    blueprint: str = ""
    ticket: str = ""
    ticket_id: str = ""
    cancelled_graph: str = ""

    def id(self, role: str) -> str:
        return id_from_private_key(self.keys[role])


async def build_world(client: ColoniesClient, make_executor: MakeExecutor) -> World:
    keys = {"SO": SERVER_KEY, "CO": COLONY_KEY, "S": new_private_key()}
    other_owner = new_private_key()
    for name, owner in (("test", COLONY_KEY), ("other", other_owner)):
        await client.call(
            "addcolonymsg",
            {"colony": {"colonyid": id_from_private_key(owner), "name": name}},
            key=SERVER_KEY,
        )
    keys["AE"] = await make_executor("ae")
    keys["M"] = await make_executor("m")
    keys["P"] = await make_executor("p", approve=False)
    keys["U"] = new_private_key()
    user = {"colonyname": "test", "userid": id_from_private_key(keys["U"]), "name": "u"}
    await client.call("addusermsg", {"user": user}, key=COLONY_KEY)
    keys["X"] = new_private_key()
    x = {
        "executorid": id_from_private_key(keys["X"]),
        "executorname": "x",
        "executortype": "cli",
        "colonyname": "other",
    }
    await client.call("addexecutormsg", {"executor": x}, key=other_owner)
    await client.call(
        "approveexecutormsg", {"colonyname": "other", "executorname": "x"}, key=other_owner
    )
    await client.call(
        "addlocationmsg", {"location": {"name": "loc", "colonyname": "test"}}, key=COLONY_KEY
    )
    fn = await client.call(
        "addfunctionmsg",
        {"fun": {"executorname": "ae", "colonyname": "test", "funcname": "f"}},
        key=keys["AE"],
    )
    running = await client.call(
        "submitfuncspecmsg", {"spec": spec(env={"e": "1"}, channels=["chat"])}, key=keys["U"]
    )
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=keys["AE"])
    waiting = await client.call("submitfuncspecmsg", {"spec": spec()}, key=keys["U"])
    attr = await client.call(
        "addattributemsg",
        {
            "attribute": {
                "targetid": running["processid"],
                "key": "k",
                "value": "v",
                "attributetype": 1,
            }
        },
        key=keys["AE"],
    )
    await client.call(
        "addlogmsg", {"processid": running["processid"], "message": "m"}, key=keys["AE"]
    )
    # A workflow whose root runs on AE (priority puts it before the waiting process),
    # and a second one that waits.
    nodes = [spec(nodename="a", priority=1), spec(nodename="b", cond_dependencies=["a"])]
    wf = {"colonyname": "test", "functionspecs": nodes}
    graph = await client.call("submitworkflowspecmsg", {"spec": wf}, key=keys["U"])
    root = await client.call(
        "assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=keys["AE"]
    )
    assert root["processid"] == graph["rootprocessids"][0]
    waiting_graph = await client.call("submitworkflowspecmsg", {"spec": wf}, key=keys["U"])
    cancelled = await client.call("submitworkflowspecmsg", {"spec": wf}, key=keys["U"])
    await client.call(
        "cancelprocessgraphmsg", {"processgraphid": cancelled["processgraphid"]}, key=keys["U"]
    )
    cron = {"name": "c", "colonyname": "test", "interval": 60, "workflowspec": WF_JSON}
    added = await client.call("addcronmsg", {"cron": cron}, key=keys["U"])
    gen = {"colonyname": "test", "name": "gen", "workflowspec": WF_JSON, "trigger": 5}
    generator = await client.call("addgeneratormsg", {"generator": gen}, key=keys["U"])
    file = await client.call("addfilemsg", {"file": FILE}, key=keys["U"])
    await client.call("createsnapshotmsg", {**C, "label": "/l", "name": "snap"}, key=keys["U"])
    for name, kind in (("lights", "Light"), ("unused", "Unused")):
        await client.call(
            "addblueprintdefinitionmsg", {"blueprintdefinition": _bpdef(name, kind)}, key=COLONY_KEY
        )
    bp = await client.call("addblueprintmsg", {"blueprint": _bp("l1")}, key=keys["U"])
    ticket = await client.call("addexecutorticketmsg", TICKET, key=COLONY_KEY)
    world = World(
        keys,
        running["processid"],
        waiting["processid"],
        fn["functionid"],
        attr["attributeid"],
        graph["processgraphid"],
        root["processid"],
        waiting_graph["processgraphid"],
        added["cronid"],
        generator["generatorid"],
        file["fileid"],
        bp["blueprintid"],
    )
    world.ticket, world.ticket_id = ticket["token"], ticket["ticketid"]
    world.cancelled_graph = cancelled["processgraphid"]
    return world


WF_JSON = json.dumps({"colonyname": "test", "functionspecs": [spec(nodename="n")]})
Payload = Callable[[World], dict[str, Any]]
C = {"colonyname": "test"}
NS = {"namespace": "test"}
FILE = {"colonyname": "test", "label": "/l", "name": "f", "size": 1, "checksum": "c"}
TICKET = {"colonyname": "test", "executortype": "cli", "uses": 5, "expiresin": 3600}


def _bpdef(name: str, kind: str) -> dict[str, Any]:
    handler = {"executorType": "reconciler", "functionName": "reconcile"}
    return {
        "kind": kind,
        "metadata": {"name": name, **C},
        "spec": {"names": {"kind": kind}, "handler": handler},
    }


def _bp(name: str, power: bool = False) -> dict[str, Any]:
    return {"kind": "Light", "metadata": {"name": name, **C}, "spec": {"power": power}}


def _executor(name: str) -> Payload:
    return lambda w: {**C, "executorname": name}


# payload type → (payload builder, roles that succeed, status for roles that do not)
TABLE: dict[str, tuple[Payload, set[str], int]] = {
    "getstatisticsmsg": (lambda w: {}, {"SO"}, 403),
    "getclustermsg": (lambda w: {}, {"SO"}, 403),
    "getdatabasestatusmsg": (lambda w: {}, {"SO"}, 403),
    "changeserveridmsg": (lambda w: {"serverid": w.id("S")}, {"SO"}, 403),
    "getpausestatusmsg": (lambda w: C, ANY_STATE_MEMBERS, 403),
    "addcolonymsg": (lambda w: {"colony": {"colonyid": w.id("S"), "name": "new"}}, {"SO"}, 403),
    "removecolonymsg": (lambda w: {"colonyname": "other"}, {"SO"}, 403),
    "getcoloniesmsg": (lambda w: {}, {"SO"}, 403),
    "getcolonymsg": (lambda w: C, MEMBERS, 403),
    "getcolonystatsmsg": (lambda w: C, MEMBERS, 403),
    "changecolonyidmsg": (lambda w: {**C, "colonyid": w.id("S")}, {"CO"}, 403),
    "addusermsg": (lambda w: {"user": {**C, "userid": w.id("S"), "name": "new"}}, {"CO"}, 403),
    "getusersmsg": (lambda w: C, ANY_STATE_MEMBERS, 403),
    "getusermsg": (lambda w: {**C, "name": "u"}, ANY_STATE_MEMBERS, 403),
    "getuserbyidmsg": (lambda w: {**C, "userid": w.id("U")}, ANY_STATE_MEMBERS, 403),
    "removeusermsg": (lambda w: {**C, "name": "u"}, {"CO"}, 403),
    "changeuseridmsg": (lambda w: {**C, "userid": w.id("S")}, {"U"}, 403),
    "addexecutormsg": (
        lambda w: {
            "executor": {**C, "executorid": w.id("S"), "executorname": "new", "executortype": "cli"}
        },
        {"CO"},
        403,
    ),
    "getexecutorsmsg": (lambda w: C, ANY_STATE_MEMBERS, 403),
    "getexecutormsg": (_executor("m"), MEMBERS, 403),
    "getexecutorbyidmsg": (lambda w: {**C, "executorid": w.id("M")}, MEMBERS, 403),
    "approveexecutormsg": (_executor("p"), {"CO"}, 403),
    "rejectexecutormsg": (_executor("m"), {"CO"}, 403),
    "removeexecutormsg": (_executor("m"), {"CO"}, 403),
    "reportallocationmsg": (
        lambda w: {**C, "executorname": "ae", "allocations": {"projects": {"p": {}}}},
        {"AE"},
        403,
    ),
    "updateexecutormsg": (
        lambda w: {**C, "executorname": "ae", "capabilities": {"hardware": [{"cpu": "1m"}]}},
        {"AE"},
        403,
    ),
    "changeexecutoridmsg": (lambda w: {**C, "executorid": w.id("S")}, {"AE", "M", "P"}, 403),
    "addfunctionmsg": (
        lambda w: {"fun": {**C, "executorname": "ae", "funcname": "g"}},
        {"AE"},
        403,
    ),
    "getfunctionsmsg": (lambda w: C, MEMBERS, 403),
    "removefunctionmsg": (lambda w: {"functionid": w.function_id}, {"AE"}, 403),
    "submitfuncspecmsg": (lambda w: {"spec": spec()}, MEMBERS, 403),
    # A user is a member but not an executor: the reference answers 500 for it.
    "assignprocessmsg": (lambda w: {**C, "timeout": -1}, {"AE", "M"}, 403),
    "getprocessesmsg": (lambda w: {**C, "count": 10, "state": 0}, MEMBERS, 403),
    "getprocessmsg": (lambda w: {"processid": w.running}, MEMBERS, 403),
    "explainprocessmsg": (lambda w: {"processid": w.waiting}, MEMBERS, 403),
    "getprocesshistmsg": (lambda w: {**C, "seconds": 60, "state": 0}, MEMBERS, 403),
    "removeprocessmsg": (lambda w: {"processid": w.waiting}, MEMBERS, 403),
    "removeallprocessesmsg": (lambda w: {**C, "state": -1}, {"CO"}, 403),
    "closesuccessfulmsg": (lambda w: {"processid": w.running, "out": [1]}, {"AE"}, 403),
    "closefailedmsg": (lambda w: {"processid": w.running, "errors": ["e"]}, {"AE"}, 403),
    "setoutputmsg": (lambda w: {"processid": w.running, "out": [1]}, {"AE"}, 403),
    "confirmprocessmsg": (lambda w: {"processid": w.running}, {"AE"}, 403),
    "assignprocessesmsg": (lambda w: {**C, "timeout": -1, "count": 2}, {"AE", "M"}, 403),
    "confirmprocessesmsg": (lambda w: {**C, "processids": [w.running]}, {"AE"}, 403),
    "closeprocessesmsg": (
        lambda w: {**C, "results": [{"processid": w.running, "out": [1]}]},
        {"AE"},
        403,
    ),
    "cancelprocessmsg": (lambda w: {"processid": w.waiting}, MEMBERS, 403),
    "pauseassignmentsmsg": (lambda w: C, {"CO"}, 403),
    "resumeassignmentsmsg": (lambda w: C, {"CO"}, 403),
    "addattributemsg": (
        lambda w: {
            "attribute": {"targetid": w.running, "key": "k2", "value": "v", "attributetype": 1}
        },
        {"AE"},
        403,
    ),
    "getattributemsg": (lambda w: {"attributeid": w.attribute_id}, MEMBERS, 403),
    "addlocationmsg": (lambda w: {"location": {**C, "name": "loc2"}}, {"CO"}, 403),
    "getlocationsmsg": (lambda w: C, ANY_STATE_MEMBERS, 403),
    "getlocationmsg": (lambda w: {**C, "name": "loc"}, ANY_STATE_MEMBERS, 403),
    "removelocationmsg": (lambda w: {**C, "name": "loc"}, {"CO"}, 403),
    "addlogmsg": (lambda w: {"processid": w.running, "message": "x"}, {"AE"}, 403),
    "addexecutorlogmsg": (lambda w: {**C, "executorname": "ae", "message": "x"}, {"AE"}, 403),
    "getlogsmsg": (lambda w: {**C, "processid": w.running, "count": 10}, MEMBERS, 403),
    "searchlogsmsg": (lambda w: {**C, "text": "m", "days": 1, "count": 10}, MEMBERS, 403),
    "channelappendmsg": (
        lambda w: {"processid": w.running, "name": "chat", "sequence": 1, "payload": "aGk="},
        {"AE", "U"},
        403,
    ),
    "channelreadmsg": (
        lambda w: {"processid": w.running, "name": "chat", "afterseq": 0},
        {"AE", "U"},
        403,
    ),
    "addgeneratormsg": (
        lambda w: {"generator": {**C, "name": "g2", "workflowspec": WF_JSON, "trigger": 1}},
        MEMBERS,
        403,
    ),
    "getgeneratormsg": (lambda w: {"generatorid": w.generator}, MEMBERS, 403),
    "resolvegeneratormsg": (lambda w: {**C, "generatorname": "gen"}, MEMBERS, 403),
    "getgeneratorsmsg": (lambda w: {**C, "count": 10}, MEMBERS, 403),
    "packgeneratormsg": (lambda w: {"generatorid": w.generator, "arg": "a"}, MEMBERS, 403),
    "removegeneratormsg": (lambda w: {"generatorid": w.generator}, MEMBERS, 403),
    "addcronmsg": (
        lambda w: {"cron": {**C, "name": "c2", "interval": 60, "workflowspec": WF_JSON}},
        MEMBERS,
        403,
    ),
    "getcronmsg": (lambda w: {"cronid": w.cron}, MEMBERS, 403),
    "getcronsmsg": (lambda w: {**C, "count": 10}, MEMBERS, 403),
    "runcronmsg": (lambda w: {"cronid": w.cron}, MEMBERS, 403),
    "removecronmsg": (lambda w: {"cronid": w.cron}, MEMBERS, 403),
    "submitworkflowspecmsg": (
        lambda w: {"spec": {**C, "functionspecs": [spec(nodename="n")]}},
        MEMBERS,
        403,
    ),
    "getprocessgraphmsg": (lambda w: {"processgraphid": w.graph}, MEMBERS, 403),
    "getworkflowstatsmsg": (lambda w: {"processgraphid": w.graph}, MEMBERS, 403),
    "getprocessgraphsmsg": (lambda w: {**C, "count": 10, "state": 0}, MEMBERS, 403),
    "removeprocessgraphmsg": (lambda w: {"processgraphid": w.waiting_graph}, MEMBERS, 403),
    "removeallprocessgraphsmsg": (lambda w: {**C, "state": -1}, {"CO"}, 403),
    "cancelprocessgraphmsg": (lambda w: {"processgraphid": w.waiting_graph}, MEMBERS, 403),
    "rerunprocessgraphmsg": (lambda w: {"processgraphid": w.cancelled_graph}, MEMBERS, 403),
    "getprocessattemptsmsg": (lambda w: {"processid": w.running}, MEMBERS, 403),
    "addchildmsg": (
        lambda w: {
            "processgraphid": w.graph,
            "parentprocessid": w.graph_root,
            "spec": spec(nodename="child"),
        },
        {"AE"},
        403,
    ),
    "addfilemsg": (lambda w: {"file": {**FILE, "name": "f2"}}, MEMBERS, 403),
    "getfilemsg": (lambda w: {**C, "label": "/l", "name": "f", "latest": True}, MEMBERS, 403),
    "getfilesmsg": (lambda w: {**C, "label": "/l"}, MEMBERS, 403),
    "getfilelabelsmsg": (lambda w: {**C, "name": "", "exact": False}, MEMBERS, 403),
    "removefilemsg": (lambda w: {**C, "fileid": w.file_id}, MEMBERS, 403),
    "createsnapshotmsg": (lambda w: {**C, "label": "/l", "name": "snap2"}, MEMBERS, 403),
    "getsnapshotmsg": (lambda w: {**C, "name": "snap"}, MEMBERS, 403),
    "getsnapshotsmsg": (lambda w: C, MEMBERS, 403),
    "removesnapshotmsg": (lambda w: {**C, "name": "snap"}, MEMBERS, 403),
    "removeallsnapshotmsg": (lambda w: C, MEMBERS, 403),
    "addblueprintdefinitionmsg": (
        lambda w: {"blueprintdefinition": _bpdef("fans", "Fan")},
        {"CO"},
        403,
    ),
    "getblueprintdefinitionmsg": (lambda w: {**C, "name": "lights"}, MEMBERS_OR_OWNER, 403),
    "getblueprintdefinitionsmsg": (lambda w: C, MEMBERS_OR_OWNER, 403),
    "removeblueprintdefinitionmsg": (lambda w: {**NS, "name": "unused"}, {"CO"}, 403),
    "addblueprintmsg": (lambda w: {"blueprint": _bp("l2")}, MEMBERS_OR_OWNER, 403),
    "getblueprintmsg": (lambda w: {**NS, "name": "l1"}, MEMBERS_OR_OWNER, 403),
    "getblueprintsmsg": (lambda w: NS, MEMBERS_OR_OWNER, 403),
    "updateblueprintmsg": (lambda w: {"blueprint": _bp("l1", True)}, MEMBERS_OR_OWNER, 403),
    "removeblueprintmsg": (lambda w: {**NS, "name": "l1"}, MEMBERS_OR_OWNER, 403),
    "getblueprinthistorymsg": (
        lambda w: {"blueprintid": w.blueprint, "limit": 5},
        MEMBERS_OR_OWNER,
        403,
    ),
    "updateblueprintstatusmsg": (
        lambda w: {**C, "blueprintname": "l1", "status": {"on": True}},
        MEMBERS,
        403,
    ),
    "reconcileblueprintmsg": (lambda w: {**NS, "name": "l1", "force": True}, MEMBERS, 403),
    "addexecutorticketmsg": (lambda w: TICKET, {"CO"}, 403),
    "getexecutorticketsmsg": (lambda w: C, {"CO"}, 403),
    "revokeexecutorticketmsg": (lambda w: {**C, "ticketid": w.ticket_id}, {"CO"}, 403),
    # The ticket is the permission; any key not yet an executor may enrol with it.
    "enrollexecutormsg": (
        lambda w: {"ticket": w.ticket, "executor": {"executorname": "enrolled"}},
        {"SO", "CO", "U", "S"},
        403,
    ),
    # Every colony's entries (colonyname empty): tests/server/test_audit.py.
    "getauditmsg": (lambda w: {**C, "count": 10}, {"SO", "CO"}, 403),
}
UNSIGNED = {"versionmsg", "getserverinfomsg"}
EXCEPTIONS = {("assignprocessmsg", "U"): 500, ("assignprocessesmsg", "U"): 500}


def test_table_covers_every_signed_payload_type() -> None:
    http = {t for t, cls in MESSAGES.items() if not cls.websocket}
    assert set(TABLE) == http - UNSIGNED


AUDITED = {"audit_log", "replay_nonces"}
"""Where refused requests are meant to leave a row."""


async def snapshot(dsn: str) -> list[str]:
    """Every row of every table, as text, to prove a refused request changed nothing (but
    the audit log, which records refusals, and the nonces replay protection records for
    every signed request)."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
        rows = []
        for t in [t for t in tables if t["tablename"] not in AUDITED]:
            for r in await conn.fetch(f"SELECT * FROM {t['tablename']} ORDER BY 1"):
                rows.append(f"{t['tablename']}: {tuple(r)}")
        return rows
    finally:
        await conn.close()


@pytest.mark.parametrize("payload_type", sorted(TABLE))
async def test_other_roles_are_refused_and_change_nothing(
    payload_type: str,
    server: TestServer,
    client: ColoniesClient,
    make_executor: MakeExecutor,
    dsn: str,
) -> None:
    world = await build_world(client, make_executor)
    build, allowed, status = TABLE[payload_type]
    before = await snapshot(dsn)
    for role in ROLES:
        if role in allowed:
            continue
        reply = await client.raw(payload_type, build(world), key=world.keys[role])
        expected = EXCEPTIONS.get((payload_type, role), status)
        assert (role, reply.status, reply.error) == (role, expected, True), reply.payload
    await server.app[keys.AUDIT].flush()  # the refusals are on the record
    assert await snapshot(dsn) == before


@pytest.mark.parametrize(
    ("payload_type", "role"),
    sorted((payload_type, role) for payload_type, row in TABLE.items() for role in row[1]),
)
async def test_allowed_role_succeeds(
    payload_type: str, role: str, client: ColoniesClient, make_executor: MakeExecutor
) -> None:
    world = await build_world(client, make_executor)
    build = TABLE[payload_type][0]
    reply = await client.raw(payload_type, build(world), key=world.keys[role])
    assert (reply.status, reply.error) == (200, False), reply.payload


async def test_unsigned_types_answer_anyone(client: ColoniesClient) -> None:
    for payload_type in sorted(UNSIGNED):
        reply = await client.raw(payload_type, {}, key=None)
        assert reply.status == 200, reply.payload


# /pubsub: every subscription type against every role, with the rule of its matching RPC
# (getprocessmsg; an approved executor of the colony as for assignprocessmsg;
# channelreadmsg). Allowed roles get frames; the others one error frame, then the close.
Prepare = Callable[[ColoniesClient, World], Awaitable[None]]


async def _nothing(client: ColoniesClient, world: World) -> None:
    pass


async def _submit(client: ColoniesClient, world: World) -> None:
    await client.call("submitfuncspecmsg", {"spec": spec()}, key=world.keys["U"])


async def _append(client: ColoniesClient, world: World) -> None:
    entry = {"processid": world.running, "name": "chat", "sequence": 1, "payload": "aGk="}
    await client.call("channelappendmsg", entry, key=world.keys["U"])


# payload type → (payload, roles that get frames, status for the others, before subscribing,
# after the subscription is registered)
WS_TABLE: dict[str, tuple[Payload, set[str], int, Prepare, Prepare]] = {
    "subscribeprocessmsg": (
        lambda w: {**C, "processid": w.running, "state": 1, "timeout": 5},
        MEMBERS,
        403,
        _nothing,
        _nothing,
    ),
    "subscribeprocessesmsg": (
        lambda w: {**C, "executortype": "cli", "state": 0, "timeout": 5},
        {"AE", "M"},
        403,
        _nothing,
        _submit,
    ),
    "subscribechannelmsg": (
        lambda w: {"processid": w.running, "name": "chat", "afterseq": 0, "timeout": 5},
        {"AE", "U"},
        403,
        _append,
        _nothing,
    ),
}


def test_ws_table_covers_every_subscription_type() -> None:
    assert set(WS_TABLE) == {t for t, cls in MESSAGES.items() if cls.websocket}


async def _subscribe(
    server: TestServer,
    session: aiohttp.ClientSession,
    payload_type: str,
    data: dict[str, Any],
    key: str,
) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(server.make_url("/pubsub"))
    await ws.send_str(json.dumps(request(payload_type, {**data, "msgtype": payload_type}, key)))
    return ws


async def _frame(ws: aiohttp.ClientWebSocketResponse) -> tuple[str, bool, Any]:
    frame = await asyncio.wait_for(ws.receive(), 10)
    assert frame.type == aiohttp.WSMsgType.TEXT, frame
    envelope = json.loads(frame.data)
    payload = json.loads(base64.b64decode(envelope["payload"]))
    return envelope["payloadtype"], bool(envelope.get("error")), payload


@pytest.mark.parametrize("payload_type", sorted(WS_TABLE))
async def test_ws_other_roles_get_an_error_frame_and_nothing_else(
    payload_type: str, server: TestServer, client: ColoniesClient, make_executor: MakeExecutor
) -> None:
    world = await build_world(client, make_executor)
    build, allowed, status, before, _ = WS_TABLE[payload_type]
    await before(client, world)
    async with aiohttp.ClientSession() as session:
        for role in ROLES:
            if role in allowed:
                continue
            ws = await _subscribe(server, session, payload_type, build(world), world.keys[role])
            kind, error, failure = await _frame(ws)
            assert (role, kind, error, failure["status"]) == (role, "error", True, status)
            closing = await asyncio.wait_for(ws.receive(), 10)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), role
    assert server.app[EVENTS].subscriber_count() == 0


async def _registered(server: TestServer) -> None:
    """Until the server holds the subscription (a condition, not a guess at a delay)."""
    for _ in range(1000):
        if server.app[EVENTS].subscriber_count():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the subscription was never registered")


@pytest.mark.parametrize(
    ("payload_type", "role"),
    sorted((payload_type, role) for payload_type, row in WS_TABLE.items() for role in row[1]),
)
async def test_ws_allowed_role_gets_frames(
    payload_type: str,
    role: str,
    server: TestServer,
    client: ColoniesClient,
    make_executor: MakeExecutor,
) -> None:
    world = await build_world(client, make_executor)
    build, _, _, before, after = WS_TABLE[payload_type]
    await before(client, world)
    async with aiohttp.ClientSession() as session:
        ws = await _subscribe(server, session, payload_type, build(world), world.keys[role])
        await _registered(server)
        await after(client, world)
        kind, error, payload = await _frame(ws)
        await ws.close()
    assert (kind, error) == (
        "subscribeprocessmsg" if payload_type != "subscribechannelmsg" else payload_type,
        False,
    ), payload
    if payload_type == "subscribechannelmsg":
        assert [entry["payload"] for entry in payload] == ["aGk="]
    else:
        assert payload["spec"]["conditions"]["colonyname"] == "test"
