from __future__ import annotations

from pydantic import Field

from colonies.core._wire import ZERO_TIME, Bool, Int, Time, WireModel
from colonies.core.function_spec import FunctionSpec
from colonies.core.process import Process, ProcessState

FAIL_FAST = "fail-fast"
CONTINUE = "continue"
FAILURE_POLICIES = (FAIL_FAST, CONTINUE)
"""``fail-fast`` (the reference, and the default): a failed node fails the graph and the rest
is failed too; ``continue``: independent branches run to the end, the descendants of a failed
node are skipped (cancelled, with an error naming the failed ancestor)."""


class WorkflowSpec(WireModel):
    OMIT_EMPTY = frozenset({"failurepolicy"})

    colony_name: str = ""
    function_specs: list[FunctionSpec] = Field(default_factory=list)
    failure_policy: str = ""
    """Ours: one of FAILURE_POLICIES ('' is fail-fast)."""


class NodeData(WireModel):
    label: str = ""


class Position(WireModel):
    x: Int = 0
    y: Int = 0


class NodeStyle(WireModel):
    color: str = ""
    background: str = ""


class GraphNode(WireModel):
    id: str = ""
    data: NodeData = Field(default_factory=NodeData)
    position: Position = Field(default_factory=Position)
    type: str = ""
    style: NodeStyle = Field(default_factory=NodeStyle)


class Edge(WireModel):
    id: str = ""
    source: str = ""
    target: str = ""
    animated: Bool = False


class ProcessGraph(WireModel):
    OMIT_EMPTY = frozenset({"failurepolicy"})

    process_graph_id: str = ""
    initiator_id: str = ""
    initiator_name: str = ""
    colony_name: str = ""
    root_process_ids: list[str] = Field(default_factory=list)
    state: ProcessState = ProcessState.WAITING
    submission_time: Time = ZERO_TIME
    start_time: Time = ZERO_TIME
    end_time: Time = ZERO_TIME
    process_ids: list[str] = Field(default_factory=list)
    nodes: list[GraphNode] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    failure_policy: str = ""
    """Ours: the workflow's failure policy ('' is fail-fast, the reference's)."""


BACKGROUND = {
    ProcessState.WAITING: "#eee8d8",
    ProcessState.RUNNING: "#4689cd",
    ProcessState.SUCCESS: "#92d050",
    ProcessState.FAILED: "#cb4239",
    ProcessState.CANCELLED: "#f5a623",
}
NODE_WIDTH, LEVEL_HEIGHT = 200, 80


def layout(graph: ProcessGraph, processes: list[Process]) -> None:
    """Fill ``nodes`` and ``edges`` for display: a level per depth from the roots, each level
    centred on the widest one (coordinates are cosmetic; the shape follows the reference)."""
    by_id = {p.process_id: p for p in processes}
    depth: dict[str, int] = {}
    stack = [(pid, 0) for pid in reversed(graph.root_process_ids) if pid in by_id]
    while stack:
        pid, d = stack.pop()
        if depth.get(pid, -1) >= d:
            continue
        depth[pid] = d
        stack.extend((c, d + 1) for c in reversed(by_id[pid].children) if c in by_id)
    levels: dict[int, list[str]] = {}
    for pid in graph.process_ids:
        if pid in depth:
            levels.setdefault(depth[pid], []).append(pid)
    widest = max((len(level) for level in levels.values()), default=0)
    graph.nodes, graph.edges = [], []
    for d, level in sorted(levels.items()):
        offset = (widest - len(level)) * NODE_WIDTH // 2
        for i, pid in enumerate(level):
            p = by_id[pid]
            kind = "input" if not p.parents else "output" if not p.children else ""
            graph.nodes.append(
                GraphNode(
                    id=pid,
                    data=NodeData(label=p.spec.node_name),
                    position=Position(x=offset + i * NODE_WIDTH, y=d * LEVEL_HEIGHT),
                    type=kind,
                    style=NodeStyle(background=BACKGROUND[p.state]),
                )
            )
            for child in p.children:
                graph.edges.append(
                    Edge(
                        id=f"{pid}-{child}",
                        source=pid,
                        target=child,
                        animated=p.state == ProcessState.RUNNING,
                    )
                )
