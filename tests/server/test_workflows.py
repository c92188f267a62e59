"""Workflows: DAGs of processes released in order, with parents' outputs as inputs."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from pycolonies import Colonies

from colonies.client import ColoniesClient
from colonies.core import utc_now
from colonies.db import Database
from colonies.errors import RPCError
from colonies.server import background
from tests.conftest import COLONY_KEY, Colony, spec


def node(name: str, *deps: str, executor_type: str = "cli", **fields: Any) -> dict[str, Any]:
    return spec(executor_type, nodename=name, funcname=name, cond_dependencies=list(deps), **fields)


async def submit_wf(client: ColoniesClient, key: str, *nodes: dict[str, Any]) -> Any:
    wf = {"colonyname": "test", "functionspecs": list(nodes)}
    return await client.call("submitworkflowspecmsg", {"spec": wf}, key=key)


async def run_next(client: ColoniesClient, key: str, out: list[Any] | None = None) -> Any:
    """Assign one process, close it with ``out`` (default: its node name), return it."""
    p = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    name = p["spec"]["nodename"]
    await client.call(
        "closesuccessfulmsg",
        {"processid": p["processid"], "out": out if out is not None else [name]},
        key=key,
    )
    return p


async def nothing_assignable(client: ColoniesClient, key: str) -> bool:
    reply = await client.raw("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    return reply.status == 404


async def graph(client: ColoniesClient, key: str, graph_id: str) -> Any:
    return await client.call("getprocessgraphmsg", {"processgraphid": graph_id}, key=key)


async def test_diamond_runs_in_order_with_parent_outputs_as_input(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    g = await submit_wf(client, key, node("a"), node("b", "a"), node("c", "a"), node("d", "b", "c"))
    assert len(g["processids"]) == 4 and len(g["rootprocessids"]) == 1
    assert g["state"] == 0 and g["nodes"] == [] and g["edges"] == []
    a = await run_next(client, key)
    assert a["spec"]["nodename"] == "a" and a["in"] == []
    assert (await graph(client, key, g["processgraphid"]))["state"] == 1
    b = await run_next(client, key)
    assert await nothing_assignable(client, key) is False  # c is waiting too
    c = await client.call(
        "getprocessesmsg", {"colonyname": "test", "count": 10, "state": 1}, key=key
    )
    assert [p["spec"]["nodename"] for p in c] == ["c"]
    assert b["spec"]["nodename"] in ("b", "c") and b["in"] == ["a"]
    await client.call("closesuccessfulmsg", {"processid": c[0]["processid"], "out": ["c"]}, key=key)
    d = await run_next(client, key)
    assert d["spec"]["nodename"] == "d"
    got = await client.call("getprocessmsg", {"processid": d["processid"]}, key=key)
    assert got["in"] == ["b", "c"]  # in the order of d's dependencies
    final = await graph(client, key, g["processgraphid"])
    assert final["state"] == 2 and final["endtime"] >= final["starttime"]
    stats = await client.call("getcolonystatsmsg", {"colonyname": "test"}, key=key)
    assert stats["successfulworkflows"] == 1 and stats["successfulprocesses"] == 4


async def test_child_input_follows_parent_order(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    await submit_wf(client, key, node("x"), node("y"), node("z", "y", "x"))
    for _ in range(2):
        await run_next(client, key)
    z = await run_next(client, key)
    assert z["spec"]["nodename"] == "z" and z["in"] == ["y", "x"]


async def test_failed_node_cascades_to_the_whole_graph(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    g = await submit_wf(client, key, node("a"), node("b", "a"), node("c", "a"), node("d", "b"))
    await run_next(client, key)
    b = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    c = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    if b["spec"]["nodename"] != "b":
        b, c = c, b
    await client.call("closefailedmsg", {"processid": b["processid"], "errors": ["boom"]}, key=key)
    final = await graph(client, key, g["processgraphid"])
    assert final["state"] == 3
    for pid in final["processids"]:
        p = await client.call("getprocessmsg", {"processid": pid}, key=key)
        assert p["state"] == 3, p["spec"]["nodename"]
    reply = await client.raw("closesuccessfulmsg", {"processid": c["processid"]}, key=key)
    assert (reply.status, reply.message) == (400, "Tried to set failed process as successful")


async def test_failed_leaf_does_not_cascade(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    g = await submit_wf(client, key, node("a"), node("b", "a"), node("c", "a"))
    await run_next(client, key)
    b = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    c = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    await client.call("closefailedmsg", {"processid": b["processid"], "errors": ["e"]}, key=key)
    assert (await graph(client, key, g["processgraphid"]))["state"] == 3
    sibling = await client.call("getprocessmsg", {"processid": c["processid"]}, key=key)
    assert sibling["state"] == 1
    await client.call("closesuccessfulmsg", {"processid": c["processid"]}, key=key)


async def test_add_child_inserted_between_parent_and_children(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    g = await submit_wf(client, key, node("a"), node("b", "a"))
    a = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    x = await client.call(
        "addchildmsg",
        {
            "processgraphid": g["processgraphid"],
            "parentprocessid": a["processid"],
            "childprocessid": "",
            "insert": True,
            "spec": node("x"),
        },
        key=key,
    )
    assert (x["state"], x["waitforparents"], x["initiatorid"]) == (0, True, "")
    b_id = next(pid for pid in g["processids"] if pid != a["processid"])
    pa = await client.call("getprocessmsg", {"processid": a["processid"]}, key=key)
    px = await client.call("getprocessmsg", {"processid": x["processid"]}, key=key)
    pb = await client.call("getprocessmsg", {"processid": b_id}, key=key)
    assert pa["children"] == [x["processid"]] and px["parents"] == [a["processid"]]
    assert px["children"] == [b_id] and pb["parents"] == [x["processid"]]
    await client.call(
        "closesuccessfulmsg", {"processid": a["processid"], "out": ["fromA"]}, key=key
    )
    nxt = await run_next(client, key, ["fromX"])
    assert (nxt["spec"]["nodename"], nxt["in"]) == ("x", ["fromA"])
    last = await run_next(client, key)
    assert (last["spec"]["nodename"], last["in"]) == ("b", ["fromX"])
    final = await graph(client, key, g["processgraphid"])
    assert final["state"] == 2 and len(final["processids"]) == 3


async def test_add_child_appended_before_an_existing_child(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    g = await submit_wf(client, key, node("a"), node("b", "a"))
    a = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    b_id = next(pid for pid in g["processids"] if pid != a["processid"])
    x = await client.call(
        "addchildmsg",
        {
            "processgraphid": g["processgraphid"],
            "parentprocessid": a["processid"],
            "childprocessid": b_id,
            "insert": False,
            "spec": node("x"),
        },
        key=key,
    )
    pb = await client.call("getprocessmsg", {"processid": b_id}, key=key)
    assert pb["parents"] == [a["processid"], x["processid"]]
    await client.call("closesuccessfulmsg", {"processid": a["processid"]}, key=key)
    assert (await run_next(client, key))["spec"]["nodename"] == "x"
    assert (await run_next(client, key))["spec"]["nodename"] == "b"


async def test_add_child_only_by_the_parents_executor_while_running(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    g = await submit_wf(client, key, node("a"))
    root = g["rootprocessids"][0]
    msg = {"processgraphid": g["processgraphid"], "parentprocessid": root, "spec": node("x")}
    reply = await client.raw("addchildmsg", msg, key=key)
    assert (reply.status, reply.message) == (400, f"Process with Id {root} is not running")


@pytest.mark.parametrize(
    ("nodes", "status", "message"),
    [
        ([node(""), node("b")], 500, "Nodename is missing, check function spec for errors"),
        ([node("a"), node("a")], 500, "Duplicate nodename: a"),
        ([node("a"), node("b", "nope")], 500, "Failed to submit workflow, invalid dependencies"),
        ([node("a", "b"), node("b", "a")], 400, "dependency cycle"),
        ([], 400, "no function specs"),
    ],
)
async def test_invalid_workflows_store_nothing(
    client: ColoniesClient,
    colony: Colony,
    db: Database,
    nodes: list[dict[str, Any]],
    status: int,
    message: str,
) -> None:
    reply = await client.raw(
        "submitworkflowspecmsg",
        {"spec": {"colonyname": "test", "functionspecs": nodes}},
        key=colony.executor_key,
    )
    assert reply.status == status and message in reply.message
    assert await db.graphs.find("test", 0, 100) == []
    stats = await client.call("getcolonystatsmsg", {"colonyname": "test"}, key=colony.executor_key)
    assert stats["waitingprocesses"] == 0


async def test_graph_nodes_edges_list_cancel_and_remove(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    g = await submit_wf(client, key, node("node1"), node("node2", "node1"))
    full = await graph(client, key, g["processgraphid"])
    assert [n["data"]["label"] for n in full["nodes"]] == ["node1", "node2"]
    assert [n["type"] for n in full["nodes"]] == ["input", "output"]
    assert [n["position"]["y"] for n in full["nodes"]] == [0, 80]
    assert full["nodes"][0]["style"] == {"color": "", "background": "#eee8d8"}
    assert full["edges"] == [
        {
            "id": f"{full['processids'][0]}-{full['processids'][1]}",
            "source": full["processids"][0],
            "target": full["processids"][1],
            "animated": False,
        }
    ]
    waiting = await client.call(
        "getprocessgraphsmsg", {"colonyname": "test", "count": 10, "state": 0}, key=key
    )
    assert [w["processgraphid"] for w in waiting] == [g["processgraphid"]]
    assert waiting[0]["nodes"] == []
    reply = await client.raw(
        "getprocessgraphsmsg", {"colonyname": "test", "count": 10, "state": 7}, key=key
    )
    assert reply.status == 400
    await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    reply = await client.raw(
        "removeprocessgraphmsg", {"processgraphid": g["processgraphid"]}, key=key
    )
    assert (reply.status, reply.message) == (
        400,
        "Failed to remove processgraph, cannot remove a running processgraph",
    )
    await client.call("cancelprocessgraphmsg", {"processgraphid": g["processgraphid"]}, key=key)
    cancelled = await graph(client, key, g["processgraphid"])
    assert cancelled["state"] == 4
    for pid in cancelled["processids"]:
        assert (await client.call("getprocessmsg", {"processid": pid}, key=key))["state"] == 4
    await client.call("removeprocessgraphmsg", {"processgraphid": g["processgraphid"]}, key=key)
    reply = await client.raw("getprocessmsg", {"processid": g["processids"][0]}, key=key)
    assert reply.status == 404


async def test_remove_all_graphs_by_state(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    for _ in range(2):
        await submit_wf(client, key, node("a"), node("b", "a"))
    reply = await client.raw(
        "removeallprocessgraphsmsg", {"colonyname": "test", "state": 1}, key=COLONY_KEY
    )
    assert reply.status == 400
    await client.call(
        "removeallprocessgraphsmsg", {"colonyname": "test", "state": -1}, key=COLONY_KEY
    )
    stats = await client.call("getcolonystatsmsg", {"colonyname": "test"}, key=key)
    assert (stats["waitingworkflows"], stats["waitingprocesses"]) == (0, 0)


async def test_release_wakes_a_waiting_assign(client: ColoniesClient, colony: Colony) -> None:
    key = colony.executor_key
    await submit_wf(client, key, node("a"), node("b", "a"))
    a = await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)
    waiting = asyncio.create_task(
        client.call("assignprocessmsg", {"colonyname": "test", "timeout": 20}, key=key)
    )
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await client.call("closesuccessfulmsg", {"processid": a["processid"]}, key=key)
    b = await asyncio.wait_for(waiting, 5)
    assert b["spec"]["nodename"] == "b"


async def test_wait_deadline_fails_a_node_and_the_graph(
    client: ColoniesClient, colony: Colony, db: Database
) -> None:
    key = colony.executor_key
    g = await submit_wf(client, key, node("a", maxwaittime=2), node("b", "a"))
    await background.expire_deadlines(db, utc_now() + timedelta(seconds=3))
    final = await graph(client, key, g["processgraphid"])
    assert final["state"] == 3
    with pytest.raises(RPCError):
        await client.call("assignprocessmsg", {"colonyname": "test", "timeout": -1}, key=key)


async def test_pycolonies_workflow_scenario(
    client: ColoniesClient, colony: Colony, server: Any
) -> None:
    from model import Conditions, FuncSpec, Workflow

    pyc = Colonies("127.0.0.1", server.port)
    key = colony.executor_key
    wf = Workflow(colonyname="test")
    for name, deps in (("node1", []), ("node2", ["node1"])):
        wf.functionspecs.append(
            FuncSpec(
                nodename=name,
                funcname="echo",
                maxexectime=-1,
                maxretries=0,
                maxwaittime=-1,
                conditions=Conditions(colonyname="test", executortype="cli", dependencies=deps),
            )
        )
    g = await asyncio.to_thread(pyc.submit_workflow, wf, key)
    assert len(g.processids) == 2 and g.nodes == [] and g.edges == []
    p1 = await asyncio.to_thread(pyc.assign, "test", 10, key)
    assert p1.spec.nodename == "node1"
    await asyncio.to_thread(pyc.close, p1.processid, ["from-node1"], key)
    p2 = await asyncio.to_thread(pyc.assign, "test", 10, key)
    assert (p2.spec.nodename, p2.input) == ("node2", ["from-node1"])
    full = await asyncio.to_thread(pyc.get_processgraph, g.processgraphid, key)
    assert sorted(n.data["label"] for n in full.nodes) == ["node1", "node2"]
    assert len(full.edges) == 1
    # As in the reference capture: node2 gets a child, so its failure cascades to all.
    child = FuncSpec(
        nodename="node3",
        funcname="echo",
        maxexectime=-1,
        conditions=Conditions(colonyname="test", executortype="cli"),
    )
    await asyncio.to_thread(
        pyc.add_child, g.processgraphid, p2.processid, "", child, "node3", False, key
    )
    await asyncio.to_thread(pyc.fail, p2.processid, ["err"], key)
    failed = await asyncio.to_thread(pyc.get_processgraph, g.processgraphid, key)
    assert failed.state == 3 and len(failed.processids) == 3
    for pid in failed.processids:
        assert (await asyncio.to_thread(pyc.get_process, pid, key)).state == 3
    graphs = await asyncio.to_thread(pyc.get_processgraphs, "test", 10, key, 3)
    assert [x["processgraphid"] for x in graphs] == [g.processgraphid]
