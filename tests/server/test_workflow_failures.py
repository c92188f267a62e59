"""Failure policies of workflows (fail-fast, the reference's, and continue) and reruns of
the failed part, through the real server."""

from __future__ import annotations

from typing import Any

from colonies.client import ColoniesClient
from colonies.core import Process, ProcessGraph, ProcessState, WorkflowSpec
from colonies.errors import RPCError
from tests.conftest import Colony, spec

S, F, C, W = ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED, ProcessState.WAITING


def node(name: str, *deps: str, **fields: Any) -> dict[str, Any]:
    return spec(nodename=name, funcname=name, cond_dependencies=list(deps), **fields)


async def submit(
    client: ColoniesClient, colony: Colony, *nodes: dict[str, Any], policy: str = ""
) -> ProcessGraph:
    wf = WorkflowSpec.from_wire(
        {"colonyname": "test", "functionspecs": list(nodes), "failurepolicy": policy}
    )
    return await client.submit_workflow(wf, key=colony.executor_key)


async def run(
    client: ColoniesClient, colony: Colony, fail: frozenset[str] = frozenset()
) -> list[str]:
    """Assign and close everything assignable (failing the nodes named in ``fail``); the
    node names in the order they ran."""
    ran: list[str] = []
    while True:
        try:
            p = await client.assign(-1, colony="test", key=colony.executor_key)
        except RPCError as e:
            assert e.status == 404
            return ran
        name = p.spec.node_name
        ran.append(name)
        if name in fail:
            await client.fail_process(p.process_id, [f"{name} broke"], key=colony.executor_key)
        else:
            await client.close_process(p.process_id, [f"{name}:{p.input}"], key=colony.executor_key)


async def nodes(client: ColoniesClient, colony: Colony, graph: ProcessGraph) -> dict[str, Process]:
    found = [await client.get_process(pid, key=colony.executor_key) for pid in graph.process_ids]
    return {p.spec.node_name: p for p in found}


async def states(client: ColoniesClient, colony: Colony, graph: ProcessGraph) -> dict[str, int]:
    return {name: p.state for name, p in (await nodes(client, colony, graph)).items()}


DAG = (node("a"), node("b", "a"), node("c", "b"), node("d", "a"), node("e", "d"))
"""a feeds two branches: b -> c and d -> e."""


async def test_continue_runs_the_independent_branch_and_skips_the_failed_ones_descendants(
    client: ColoniesClient, colony: Colony
) -> None:
    graph = await submit(client, colony, *DAG, policy="continue")
    assert graph.failure_policy == "continue"
    assert sorted(await run(client, colony, fail=frozenset({"b"}))) == ["a", "b", "d", "e"]
    found = await nodes(client, colony, graph)
    assert {n: p.state for n, p in found.items()} == {"a": S, "b": F, "c": C, "d": S, "e": S}
    b = found["b"].process_id
    assert found["c"].errors == [f"Skipped: ancestor b (process {b}) failed"]
    final = await client.get_process_graph(graph.process_graph_id, key=colony.executor_key)
    assert final.state == F and final.end_time >= final.start_time


async def test_continue_graph_is_not_final_while_a_branch_still_runs(
    client: ColoniesClient, colony: Colony
) -> None:
    graph = await submit(client, colony, node("x"), node("y"), policy="continue")
    key = colony.executor_key
    x = await client.assign(-1, colony="test", key=key)
    await client.fail_process(x.process_id, ["no"], key=key)
    running = await client.get_process_graph(graph.process_graph_id, key=key)
    assert running.state == ProcessState.RUNNING and running.end_time.year == 1
    y = await client.assign(-1, colony="test", key=key)
    await client.close_process(y.process_id, key=key)
    assert (await client.get_process_graph(graph.process_graph_id, key=key)).state == F


async def test_fail_fast_stays_the_reference_default(
    client: ColoniesClient, colony: Colony
) -> None:
    graph = await submit(client, colony, *DAG)
    assert "failurepolicy" not in graph.to_wire()
    ran = await run(client, colony, fail=frozenset({"b"}))
    assert ran[:2] == ["a", "b"] and "c" not in ran
    assert set((await states(client, colony, graph)).values()) == {F}


async def test_rerun_of_a_continue_workflow_runs_only_the_failed_part(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    graph = await submit(client, colony, *DAG, policy="continue")
    await run(client, colony, fail=frozenset({"b"}))
    before = await nodes(client, colony, graph)
    again = await client.rerun_process_graph(graph.process_graph_id, key=key)
    assert again.state in (W, ProcessState.RUNNING)
    assert await states(client, colony, graph) == {"a": S, "b": W, "c": W, "d": S, "e": S}
    assert await run(client, colony) == ["b", "c"]
    after = await nodes(client, colony, graph)
    assert {n: p.state for n, p in after.items()} == dict.fromkeys("abcde", S)
    for name in ("a", "d", "e"):  # untouched: same outputs, same times
        assert after[name].output == before[name].output
        assert after[name].end_time == before[name].end_time
    assert after["b"].process_id == before["b"].process_id
    assert after["c"].input == ["b:['a:[]']"]
    attempts = await client.get_process_attempts(after["b"].process_id, key=key)
    assert [(a.state, a.ended_by) for a in attempts] == [(F, "rerun"), (S, "")]
    assert attempts[0].errors == ["b broke"]
    skipped = await client.get_process_attempts(after["c"].process_id, key=key)
    assert [a.attempt for a in skipped] == [1]  # never started before: nothing to keep
    final = await client.get_process_graph(graph.process_graph_id, key=key)
    assert final.state == S


async def test_rerun_of_a_fail_fast_workflow_keeps_what_had_succeeded(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    graph = await submit(client, colony, node("a"), node("b", "a"), node("c", "b"))
    await run(client, colony, fail=frozenset({"b"}))
    assert set((await states(client, colony, graph)).values()) == {F}
    await client.rerun_process_graph(graph.process_graph_id, key=key)
    found = await nodes(client, colony, graph)
    assert {n: p.state for n, p in found.items()} == {"a": S, "b": W, "c": W}
    assert found["a"].output == ["a:[]"]
    assert await run(client, colony) == ["b", "c"]
    assert (await client.get_process_graph(graph.process_graph_id, key=key)).state == S


async def test_rerun_from_a_node_reruns_it_and_everything_after(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    graph = await submit(client, colony, *DAG)
    await run(client, colony)
    await client.rerun_process_graph(graph.process_graph_id, from_node="d", key=key)
    assert await run(client, colony) == ["d", "e"]
    attempts = await client.get_process_attempts(
        (await nodes(client, colony, graph))["e"].process_id, key=key
    )
    assert [(a.attempt, a.state) for a in attempts] == [(1, S), (2, S)]


async def test_rerun_refuses_an_unfinished_graph_an_unknown_node_and_nothing_to_do(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    graph = await submit(client, colony, node("a"), node("b", "a"))
    for from_node, text in (("", "has not finished"),):
        reply = await client.raw(
            "rerunprocessgraphmsg",
            {"processgraphid": graph.process_graph_id, "fromnode": from_node},
            key=key,
        )
        assert reply.status == 400 and text in reply.payload["message"]
    await run(client, colony)
    for from_node, text in (("", "no node failed"), ("zzz", "no node named zzz")):
        reply = await client.raw(
            "rerunprocessgraphmsg",
            {"processgraphid": graph.process_graph_id, "fromnode": from_node},
            key=key,
        )
        assert reply.status == 400 and text in reply.payload["message"], reply.payload
    assert (await client.get_process_graph(graph.process_graph_id, key=key)).state == S


async def test_an_unknown_failure_policy_is_refused(client: ColoniesClient, colony: Colony) -> None:
    wf = {"colonyname": "test", "functionspecs": [node("a")], "failurepolicy": "carry-on"}
    reply = await client.raw("submitworkflowspecmsg", {"spec": wf}, key=colony.executor_key)
    assert reply.status == 400 and "failurepolicy" in reply.payload["message"]


async def test_a_retried_node_keeps_its_edges_and_the_graph_runs_on(
    client: ColoniesClient, colony: Colony
) -> None:
    key = colony.executor_key
    graph = await submit(client, colony, node("a", retry={"attempts": 2}), node("b", "a"))
    first = await client.assign(-1, colony="test", key=key)
    await client.fail_process(first.process_id, ["flaky"], key=key)
    assert (await client.get_process_graph(graph.process_graph_id, key=key)).state != F
    assert await run(client, colony) == ["a", "b"]
    assert (await client.get_process_graph(graph.process_graph_id, key=key)).state == S


async def test_a_rerun_with_caching_skips_the_unchanged_nodes(
    client: ColoniesClient, colony: Colony
) -> None:
    """A reset node whose key matches its own earlier successful run (kept as an attempt)
    closes from the cache; the failed node runs; --no-cache (nocache) runs them all."""
    key = colony.executor_key
    cache = {"enabled": True}
    chain = (node("a", cache=cache), node("b", "a", cache=cache), node("c", "b", cache=cache))
    graph = await submit(client, colony, *chain)
    assert await run(client, colony, fail=frozenset({"b"})) == ["a", "b"]
    ids = {n: p.process_id for n, p in (await nodes(client, colony, graph)).items()}

    await client.rerun_process_graph(graph.process_graph_id, from_node="a", key=key)
    assert await run(client, colony) == ["b", "c"]  # a is unchanged: not run again
    found = await nodes(client, colony, graph)
    assert (found["a"].state, found["a"].cache_hit, found["a"].cached_from) == (S, True, ids["a"])
    assert found["a"].output == ["a:[]"] and found["b"].input == ["a:[]"]
    assert [(p.cache_hit, p.cached_from) for p in (found["b"], found["c"])] == [(False, "")] * 2
    assert (await client.get_process_graph(graph.process_graph_id, key=key)).state == S

    # again from a: every node's earlier run is its result, nothing runs
    await client.rerun_process_graph(graph.process_graph_id, from_node="a", key=key)
    assert await run(client, colony) == []
    found = await nodes(client, colony, graph)
    assert {n: (p.state, p.cache_hit, p.cached_from) for n, p in found.items()} == {
        n: (S, True, ids[n]) for n in "abc"
    }
    assert found["c"].output == ["c:[\"b:['a:[]']\"]"]

    # --no-cache: all run, and none says it was a cache hit any more
    await client.rerun_process_graph(graph.process_graph_id, from_node="a", no_cache=True, key=key)
    assert await run(client, colony) == ["a", "b", "c"]
    found = await nodes(client, colony, graph)
    assert {n: (p.state, p.cache_hit, p.cached_from) for n, p in found.items()} == {
        n: (S, False, "") for n in "abc"
    }
    assert (await client.get_process_graph(graph.process_graph_id, key=key)).state == S


async def test_a_rerun_clears_the_cache_hit_of_a_node_that_runs(
    client: ColoniesClient, colony: Colony
) -> None:
    """A node that came from the cache and is rerun with nocache ran: it is no hit."""
    key = colony.executor_key
    cache = {"enabled": True}
    first = await submit(client, colony, node("a", cache=cache))
    assert await run(client, colony) == ["a"]
    second = await submit(client, colony, node("a", cache=cache))
    hit = (await nodes(client, colony, second))["a"]
    assert (hit.cache_hit, hit.cached_from) == (True, first.process_ids[0])
    await client.rerun_process_graph(second.process_graph_id, from_node="a", no_cache=True, key=key)
    assert await run(client, colony) == ["a"]
    again = (await nodes(client, colony, second))["a"]
    assert (again.state, again.cache_hit, again.cached_from) == (S, False, "")
