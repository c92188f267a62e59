from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from colonies.core import ZERO_TIME, Process, ProcessGraph
from colonies.db.base import Store
from colonies.db.processes import process_from_row
from colonies.db.queries import Q


class RerunNode(NamedTuple):
    process_id: str
    state: int
    cascade_state: int | None
    children: list[str]
    node_name: str
    started: bool


def _graph(row: Any) -> ProcessGraph:
    return ProcessGraph.model_validate(dict(row))


class ProcessGraphStore(Store):
    async def add(self, g: ProcessGraph, request_id: str = "") -> bool:
        """Store a graph; False (nothing stored) if its initiator used ``request_id`` before."""
        stored = await self.conn.fetchval(
            Q["insert_graph"],
            g.process_graph_id,
            g.colony_name,
            g.initiator_id,
            g.initiator_name,
            g.root_process_ids,
            g.process_ids,
            g.submission_time,
            ZERO_TIME,
            request_id,
            g.failure_policy,
        )
        return stored is not None

    async def by_request(self, initiator_id: str, request_id: str) -> ProcessGraph | None:
        """The graph an initiator submitted with this request id, if any."""
        row = await self.conn.fetchrow(Q["graph_by_request"], initiator_id, request_id)
        return _graph(row) if row else None

    async def get(self, graph_id: str) -> ProcessGraph | None:
        row = await self.conn.fetchrow(Q["get_graph"], graph_id)
        return _graph(row) if row else None

    async def find(self, colony_name: str, state: int, count: int) -> list[ProcessGraph]:
        rows = await self.conn.fetch(Q["list_graphs"], colony_name, state, count)
        return [_graph(r) for r in rows]

    async def processes(self, graph_id: str) -> list[Process]:
        return [process_from_row(r) for r in await self.conn.fetch(Q["graph_processes"], graph_id)]

    async def step_stats(self, graph_id: str) -> list[dict[str, Any]]:
        """Rows of (func_name, state, n, hits, started, wait_s, ran, run_s) for step stats."""
        return [dict(r) for r in await self.conn.fetch(Q["graph_step_stats"], graph_id)]

    async def resolve(self, graph_ids: list[str], now: datetime) -> None:
        """Release children or cascade a failure, and derive each graph's state (in the
        order given: sort the ids)."""
        await self.conn.execute(Q["resolve_graphs"], graph_ids, now)

    async def lock(self, graph_id: str) -> bool:
        """Lock the graph row until the transaction ends; False if there is no such graph."""
        return await self.conn.fetchval(Q["lock_graph"], graph_id) is not None

    async def set_links(self, process_id: str, parents: list[str], children: list[str]) -> None:
        await self.conn.execute(Q["set_links"], process_id, parents, children)

    async def append_process(self, graph_id: str, process_id: str) -> None:
        await self.conn.execute(Q["append_graph_process"], graph_id, process_id)

    async def rerun_nodes(self, graph_id: str) -> list[RerunNode]:
        """The processes of a graph with what a rerun decides on."""
        rows = await self.conn.fetch(Q["rerun_nodes"], graph_id)
        return [
            RerunNode(
                r["process_id"],
                r["state"],
                r["cascade_state"],
                list(r["children"]),
                r["node_name"] or "",
                r["started"],
            )
            for r in rows
        ]

    async def restore_cascaded(self, process_ids: list[str]) -> None:
        await self.conn.execute(Q["restore_cascaded"], process_ids)

    async def reset_for_rerun(
        self, process_ids: list[str], started: list[str], now: datetime, refresh: bool = False
    ) -> None:
        """Put these processes back to waiting for a rerun; ``refresh``: their cached specs
        run anyway (``--no-cache``)."""
        await self.conn.execute(Q["reset_for_rerun"], process_ids, started, now, ZERO_TIME, refresh)

    async def reopen(self, graph_id: str) -> None:
        await self.conn.execute(Q["reopen_graph"], graph_id, ZERO_TIME)

    async def cancel_processes(self, graph_id: str, now: datetime) -> None:
        await self.conn.execute(Q["cancel_graph_processes"], graph_id, now)

    async def remove(self, graph_id: str) -> None:
        await self.conn.execute(Q["delete_graph"], graph_id)

    async def remove_all(self, colony_name: str, state: int) -> None:
        await self.conn.execute(Q["delete_graphs"], colony_name, state)

    async def remove_successful_before(self, cutoff: datetime) -> None:
        await self.conn.execute(Q["delete_successful_graphs_before"], cutoff)
