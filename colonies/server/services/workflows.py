"""Build a process graph from a WorkflowSpec, resolve graphs, add children at run time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from colonies.core import (
    FunctionSpec,
    Process,
    ProcessGraph,
    ProcessState,
    WorkflowSpec,
    utc_now,
)
from colonies.core.caching import wanted
from colonies.core.process_graph import CONTINUE, FAIL_FAST, FAILURE_POLICIES
from colonies.core.sweep import expand
from colonies.crypto import random_id
from colonies.db import Database
from colonies.errors import BadRequest, ColoniesError, Forbidden
from colonies.server.caller import Caller
from colonies.server.events import Events
from colonies.server.services import caching
from colonies.server.services.processes import new_process, resolve_workflows


def _check(specs: list[FunctionSpec]) -> None:
    """Refuse a workflow the reference would half-store: names, dependencies, cycles."""
    if not specs:
        raise BadRequest("Failed to submit workflow, no function specs")
    names: set[str] = set()
    for spec in specs:
        if not spec.node_name:
            raise ColoniesError("Nodename is missing, check function spec for errors")
        if spec.node_name in names:
            raise ColoniesError(f"Duplicate nodename: {spec.node_name}")
        names.add(spec.node_name)
    deps = {spec.node_name: spec.conditions.dependencies for spec in specs}
    if any(d not in names for ds in deps.values() for d in ds):
        raise ColoniesError(
            "Failed to submit workflow, invalid dependencies, are you depending on a nodename "
            "that does not exits?"
        )
    done: set[str] = set()
    while len(done) < len(deps):
        ready = [n for n, ds in deps.items() if n not in done and all(d in done for d in ds)]
        if not ready:
            cycle = sorted(n for n in deps if n not in done)
            raise BadRequest(f"Failed to submit workflow, dependency cycle among {cycle}")
        done.update(ready)


def failure_policy(text: str) -> str:
    """The stored policy: '' for fail-fast (the reference's, left out of replies)."""
    policy = text.strip().lower()
    if policy not in ("", *FAILURE_POLICIES):
        raise BadRequest(
            f'Failed to submit workflow, unknown failurepolicy "{text}": use "{FAIL_FAST}" '
            f'(the default) or "{CONTINUE}"'
        )
    return "" if policy == FAIL_FAST else policy


def plan(
    workflow: WorkflowSpec,
    caller: Caller,
    now: datetime,
    *,
    root_args: list[Any] | None = None,
    root_input: list[Any] | None = None,
) -> tuple[ProcessGraph, list[tuple[Process, Any]]]:
    """The graph and its processes (not stored). Generators give root args, crons root input.
    Sweeps and glob dependencies are expanded first (``core/sweep.py``)."""
    specs = expand(workflow.function_specs)
    _check(specs)
    graph = ProcessGraph(
        process_graph_id=random_id(),
        initiator_id=caller.id,
        initiator_name=caller.name,
        colony_name=workflow.colony_name,
        submission_time=now,
        failure_policy=failure_policy(workflow.failure_policy),
    )
    planned: list[tuple[Process, Any]] = []
    by_name: dict[str, Process] = {}
    for spec in specs:
        spec.conditions.colony_name = workflow.colony_name
        if spec.max_exec_time == 0:
            spec.max_exec_time = -1
        root = not spec.conditions.dependencies
        if root and root_args is not None:
            spec.args, spec.kw_args = list(root_args), {}
        process, req = new_process(spec, caller, now)
        process.process_graph_id = graph.process_graph_id
        process.wait_for_parents = not root
        if root and root_input is not None:
            process.input = list(root_input)
        for attr in process.attributes:
            attr.target_process_graph_id = graph.process_graph_id
        by_name[spec.node_name] = process
        planned.append((process, req))
    for process, _ in planned:
        for dep in process.spec.conditions.dependencies:
            parent = by_name[dep]
            process.parents.append(parent.process_id)
            parent.children.append(process.process_id)
    graph.process_ids = [p.process_id for p, _ in planned]
    graph.root_process_ids = [p.process_id for p, _ in planned if not p.wait_for_parents]
    return graph, planned


async def submit(
    db: Database,
    events: Events,
    workflow: WorkflowSpec,
    caller: Caller,
    *,
    root_args: list[Any] | None = None,
    root_input: list[Any] | None = None,
    request_id: str = "",
) -> ProcessGraph:
    """Validate, then store the graph and all its processes in one transaction; its roots
    wake assigns once it commits. A ``request_id`` the caller used before returns the graph
    that first submit made."""
    graph, planned = plan(workflow, caller, utc_now(), root_args=root_args, root_input=root_input)
    roots = [process for process, _ in planned if not process.wait_for_parents]
    for process in roots:
        events.expect_echo(process.process_id)
    async with db.transaction() as tx:
        if not await tx.graphs.add(graph, request_id):
            first = await tx.graphs.by_request(caller.id, request_id)
            if first is None:
                raise BadRequest("Failed to submit workflow, its request id was used before")
            return first
        await tx.processes.add_many(planned)
        if any(wanted(process.spec) for process, _ in planned):
            await caching.close_cached(tx, [graph.process_graph_id], graph.submission_time)
            graph = await tx.graphs.get(graph.process_graph_id) or graph

        def wake() -> None:
            for process in roots:
                conditions = process.spec.conditions
                events.wake(conditions.colony_name, conditions.executor_type, process.process_id)

        tx.after_commit(wake)
    return graph


async def cancel(db: Database, graph: ProcessGraph) -> None:
    now = utc_now()
    await db.graphs.cancel_processes(graph.process_graph_id, now)
    await resolve_workflows(db, [graph.process_graph_id], now)


async def rerun(
    db: Database, graph_id: str, from_node: str = "", no_cache: bool = False
) -> ProcessGraph:
    """Run the failed part of a finished graph again: its failed, skipped and cancelled
    nodes (and with ``from_node`` that node) wait again with everything after them; the
    successful rest keeps its state and outputs (also what a fail-fast cascade marked
    failed). Each reset node that had started keeps that attempt in its history and goes
    on as its next attempt, with a fresh run of its retry policy. A reset node that asks
    for caching is looked up again (its earlier successful run counts), unless
    ``no_cache``."""
    now = utc_now()
    async with db.transaction() as tx:
        graph = await tx.graphs.get(graph_id) if await tx.graphs.lock(graph_id) else None
        if graph is None:
            raise BadRequest(
                f"Failed to rerun workflow, process graph with Id <{graph_id}> not found"
            )
        if graph.state not in (ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED):
            raise BadRequest(
                "Failed to rerun workflow, it has not finished: wait for it or cancel it first"
            )
        nodes = {n.process_id: n for n in await tx.graphs.rerun_nodes(graph_id)}
        succeeded = {
            pid
            for pid, n in nodes.items()
            if n.state == ProcessState.SUCCESS
            or (n.state == ProcessState.FAILED and n.cascade_state == ProcessState.SUCCESS)
        }
        start = [pid for pid in nodes if pid not in succeeded]
        if from_node:
            named = [pid for pid, n in nodes.items() if n.node_name == from_node]
            if not named:
                raise BadRequest(f"Failed to rerun workflow, it has no node named {from_node}")
            start += named
        again: set[str] = set()
        while start:
            pid = start.pop()
            if pid in nodes and pid not in again:
                again.add(pid)
                start.extend(nodes[pid].children)
        if not again:
            raise BadRequest(
                "Failed to rerun workflow, no node failed, was skipped or was cancelled: name "
                "a node to run again from"
            )
        # also those run again: their kept attempt is the success it was (and a result)
        await tx.graphs.restore_cascaded(sorted(succeeded))
        started = sorted(pid for pid in again if nodes[pid].started)
        if started:
            await tx.attempts.archive(started, "rerun")
        await tx.graphs.reset_for_rerun(sorted(again), started, now, refresh=no_cache)
        await tx.graphs.reopen(graph_id)
        await resolve_workflows(tx, [graph_id], now)
        graph = await tx.graphs.get(graph_id)
    assert graph is not None
    return graph


async def add_child(
    db: Database,
    caller: Caller,
    graph_id: str,
    parent_id: str,
    child_id: str,
    spec: FunctionSpec,
    insert: bool,
) -> Process:
    """A new waiting node under a running parent (SEMANTICS §6.4), wired in under the lock."""
    if spec.max_exec_time == 0:
        spec.max_exec_time = -1
    async with db.transaction() as tx:
        if not await tx.graphs.lock(graph_id):
            raise BadRequest(f"Failed to add child, process graph with Id <{graph_id}> not found")
        parent = await tx.processes.get(parent_id)
        if parent is None or parent.process_graph_id != graph_id:
            raise BadRequest(f"Failed to add child, parent process with Id {parent_id} not found")
        if parent.state != ProcessState.RUNNING:
            raise BadRequest(f"Process with Id {parent_id} is not running")
        if parent.assigned_executor_id != caller.id:
            raise Forbidden("Failed to add child, parent process is not assigned to caller")
        child, req = new_process(spec, caller, utc_now())
        child.initiator_id = child.initiator_name = ""
        child.process_graph_id = graph_id
        child.wait_for_parents = True
        child.parents = [parent_id]
        for attr in child.attributes:
            attr.target_process_graph_id = graph_id
        if insert:
            child.children = parent.children
            for former_id in parent.children:
                former = await tx.processes.get(former_id)
                if former is not None:
                    parents = [child.process_id if p == parent_id else p for p in former.parents]
                    await tx.graphs.set_links(former_id, parents, former.children)
            parent.children = [child.process_id]
        else:
            parent.children = [*parent.children, child.process_id]
            if child_id:
                grandchild = await tx.processes.get(child_id)
                if grandchild is None or grandchild.process_graph_id != graph_id:
                    raise BadRequest(f"Failed to add child, child process {child_id} not found")
                child.children = [child_id]
                await tx.graphs.set_links(
                    child_id, [*grandchild.parents, child.process_id], grandchild.children
                )
        await tx.processes.add(child, req)
        await tx.graphs.set_links(parent_id, parent.parents, parent.children)
        await tx.graphs.append_process(graph_id, child.process_id)
    return child
