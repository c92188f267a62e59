"""The dashboard's calls that are not reference RPCs: a process's attempts (with their
resource reports), "why pending" and the rerun of a workflow. Every other call of the
dashboard is a payload type of the Go reference server, so its read-only views work
against one; these three degrade there (the Go server answers 403 ``invalid
rpcMsg.PayloadType``): the process page leaves their sections out, and a rerun says that
the server cannot."""

from __future__ import annotations

from colonies.core import Process, ProcessGraph, ProcessState
from colonies.core.attempt import Attempt
from colonies.core.explain import Explanation
from colonies.dashboard.state import Dashboard
from colonies.errors import ColoniesError, RPCError
from colonies.rpc.process import ExplainProcessMsg, GetProcessAttemptsMsg
from colonies.rpc.workflow import RerunProcessGraphMsg

PAYLOAD_TYPES = frozenset(
    m.payload_type for m in (GetProcessAttemptsMsg, ExplainProcessMsg, RerunProcessGraphMsg)
)
"""The payload types the dashboard sends that a reference server does not know."""

RERUNNABLE = (ProcessState.FAILED, ProcessState.CANCELLED)


class Unsupported(Exception):
    """The server does not know the payload type (an older or the reference server)."""


def unknown_type(e: Exception) -> bool:
    """Whether a server refused a request for its payload type."""
    return isinstance(e, RPCError) and "invalid rpcMsg.PayloadType" in e.message


async def attempts(dash: Dashboard, process_id: str) -> list[Attempt] | None:
    """Every attempt of a process, oldest first; None where the server has none."""
    try:
        return await dash.client.get_process_attempts(process_id, key=dash.keys.reader)
    except ColoniesError:
        return None


async def why_pending(dash: Dashboard, process: Process) -> Explanation | None:
    """Why a waiting process has not been assigned (``explainprocessmsg``); None for a
    process that does not wait or a server that cannot say."""
    if process.state != ProcessState.WAITING:
        return None
    try:
        return await dash.client.explain_process(process.process_id, key=dash.keys.reader)
    except ColoniesError:
        return None


async def rerun(dash: Dashboard, graph_id: str) -> ProcessGraph:
    """Rerun the failed part of a finished workflow; Unsupported where the server has no
    rerun, other refusals as the server's ColoniesError."""
    try:
        return await dash.client.rerun_process_graph(graph_id, key=dash.keys.reader)
    except RPCError as e:
        if unknown_type(e):
            raise Unsupported("This Colonies server cannot rerun workflows.") from None
        raise
