from __future__ import annotations

from colonies.core import Process, ProcessGraph, ProcessState, layout
from colonies.core.step_stats import WorkflowStats, step_stats
from colonies.errors import BadRequest, ColoniesError
from colonies.rpc.workflow import (
    AddChildMsg,
    CancelProcessGraphMsg,
    GetProcessGraphMsg,
    GetProcessGraphsMsg,
    GetWorkflowStatsMsg,
    RemoveAllProcessGraphsMsg,
    RemoveProcessGraphMsg,
    RerunProcessGraphMsg,
    SubmitWorkflowSpecMsg,
)
from colonies.server.auth import require_colony_owner, require_member
from colonies.server.router import Ctx, RpcRouter
from colonies.server.services import workflows
from colonies.server.services.processes import check_removable_state

router = RpcRouter()
MAX_COUNT = 100


async def _graph(ctx: Ctx, graph_id: str, action: str) -> ProcessGraph:
    graph = await ctx.db.graphs.get(graph_id)
    if graph is None:
        raise ColoniesError(f"Failed to {action}, graph is nil")
    await require_member(ctx, graph.colony_name)
    return graph


@router.handle(SubmitWorkflowSpecMsg)
async def submit_workflow(ctx: Ctx, msg: SubmitWorkflowSpecMsg) -> ProcessGraph:
    if msg.spec is None:
        raise BadRequest("Failed to submit workflow, spec is nil")
    caller = await require_member(ctx, msg.spec.colony_name)
    return await workflows.submit(ctx.db, ctx.events, msg.spec, caller, request_id=msg.request_id)


@router.handle(GetProcessGraphMsg)
async def get_process_graph(ctx: Ctx, msg: GetProcessGraphMsg) -> ProcessGraph:
    graph = await _graph(ctx, msg.process_graph_id, "get processgraph")
    layout(graph, await ctx.db.graphs.processes(graph.process_graph_id))
    return graph


@router.handle(GetProcessGraphsMsg)
async def get_process_graphs(ctx: Ctx, msg: GetProcessGraphsMsg) -> list[ProcessGraph]:
    await require_member(ctx, msg.colony_name)
    if msg.count > MAX_COUNT:
        raise BadRequest(f"Count is larger than MaxCount limit <{MAX_COUNT}>")
    if msg.state not in tuple(ProcessState):
        raise BadRequest("Failed to get processgraphs, invalid msg.State")
    return await ctx.db.graphs.find(msg.colony_name, msg.state, msg.count)


@router.handle(RemoveProcessGraphMsg)
async def remove_process_graph(ctx: Ctx, msg: RemoveProcessGraphMsg) -> None:
    graph = await _graph(ctx, msg.process_graph_id, "remove processgraph")
    if graph.state == ProcessState.RUNNING:
        raise BadRequest("Failed to remove processgraph, cannot remove a running processgraph")
    await ctx.db.graphs.remove(graph.process_graph_id)


@router.handle(RemoveAllProcessGraphsMsg)
async def remove_all_process_graphs(ctx: Ctx, msg: RemoveAllProcessGraphsMsg) -> None:
    await require_colony_owner(ctx, msg.colony_name)
    check_removable_state(msg.state, "processgraphs")
    await ctx.db.graphs.remove_all(msg.colony_name, msg.state)


@router.handle(CancelProcessGraphMsg)
async def cancel_process_graph(ctx: Ctx, msg: CancelProcessGraphMsg) -> None:
    graph = await _graph(ctx, msg.process_graph_id, "cancel processgraph")
    await workflows.cancel(ctx.db, graph)


@router.handle(RerunProcessGraphMsg)
async def rerun_process_graph(ctx: Ctx, msg: RerunProcessGraphMsg) -> ProcessGraph:
    graph = await _graph(ctx, msg.process_graph_id, "rerun workflow")
    return await workflows.rerun(ctx.db, graph.process_graph_id, msg.from_node, msg.no_cache)


@router.handle(AddChildMsg)
async def add_child(ctx: Ctx, msg: AddChildMsg) -> Process:
    if msg.spec is None:
        raise BadRequest("Failed to add child, spec is nil")
    caller = await require_member(ctx, msg.spec.conditions.colony_name)
    return await workflows.add_child(
        ctx.db,
        caller,
        msg.process_graph_id,
        msg.parent_process_id,
        msg.child_process_id,
        msg.spec,
        msg.insert,
    )


@router.handle(GetWorkflowStatsMsg)
async def get_workflow_stats(ctx: Ctx, msg: GetWorkflowStatsMsg) -> WorkflowStats:
    """Ours: step statistics of a workflow (issue 13)."""
    graph = await _graph(ctx, msg.process_graph_id, "get workflow stats")
    total, functions = step_stats(await ctx.db.graphs.step_stats(graph.process_graph_id))
    return WorkflowStats(
        process_graph_id=graph.process_graph_id,
        colony_name=graph.colony_name,
        state=graph.state,
        steps=total,
        functions=functions,
    )
