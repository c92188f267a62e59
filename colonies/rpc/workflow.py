from __future__ import annotations

from colonies.core import FunctionSpec, WorkflowSpec
from colonies.core._wire import Bool, Int
from colonies.rpc.base import Msg


class SubmitWorkflowSpecMsg(
    Msg,
    payload_type="submitworkflowspecmsg",
    action="submit workflow",
    changes=True,
    target="reply.process_graph_id",
    colony="spec.colony_name",
):
    OMIT_EMPTY = frozenset({"requestid"})
    spec: WorkflowSpec | None = None
    request_id: str = ""
    """Ours: the client's id of this submit; a retry with the same id gets the first graph."""


class GetProcessGraphMsg(Msg, payload_type="getprocessgraphmsg", action="get processgraph"):
    process_graph_id: str = ""


class GetProcessGraphsMsg(Msg, payload_type="getprocessgraphsmsg", action="get processgraphs"):
    colony_name: str = ""
    count: Int = 0
    state: Int = 0


class RemoveProcessGraphMsg(
    Msg, payload_type="removeprocessgraphmsg", action="remove processgraph", changes=True
):
    process_graph_id: str = ""
    all: Bool = False


class RemoveAllProcessGraphsMsg(
    Msg, payload_type="removeallprocessgraphsmsg", action="remove all processgraphs", changes=True
):
    colony_name: str = ""
    state: Int = 0


class CancelProcessGraphMsg(
    Msg, payload_type="cancelprocessgraphmsg", action="cancel processgraph", changes=True
):
    process_graph_id: str = ""


class RerunProcessGraphMsg(
    Msg, payload_type="rerunprocessgraphmsg", action="rerun workflow", changes=True
):
    """Ours: run the failed, skipped and cancelled part of a finished graph again (with
    ``fromnode``, also that node and everything after it; with ``nocache``, the reset nodes
    that ask for caching run even when the cache holds their result); replies with the
    graph."""

    OMIT_EMPTY = frozenset({"fromnode", "nocache"})
    process_graph_id: str = ""
    from_node: str = ""
    no_cache: Bool = False


class AddChildMsg(Msg, payload_type="addchildmsg", action="add child", changes=True):
    process_graph_id: str = ""
    parent_process_id: str = ""
    child_process_id: str = ""
    spec: FunctionSpec | None = None
    insert: Bool = False


class GetWorkflowStatsMsg(Msg, payload_type="getworkflowstatsmsg", action="get workflow stats"):
    """Ours: step statistics of a workflow (reply: core.step_stats.WorkflowStats)."""

    process_graph_id: str = ""
