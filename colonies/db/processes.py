from __future__ import annotations

from datetime import datetime
from typing import Any

from colonies.core import (
    ZERO_TIME,
    Attribute,
    AttributeType,
    FunctionSpec,
    Process,
    ProcessState,
    attribute_id,
)
from colonies.core.function_spec import Requirements
from colonies.db.base import Store
from colonies.db.queries import Q


def process_from_row(row: Any) -> Process:
    state = ProcessState(row["state"])
    attrs = [
        Attribute(
            attribute_id=a[0],
            target_id=row["process_id"],
            target_colony_name=a[1],
            target_process_graph_id=a[2],
            state=state,
            attribute_type=a[3],
            key=a[4],
            value=a[5],
        )
        for a in row["attrs"]
    ]
    return Process(
        process_id=row["process_id"],
        initiator_id=row["initiator_id"],
        initiator_name=row["initiator_name"],
        assigned_executor_id=row["assigned_executor_id"],
        is_assigned=row["is_assigned"],
        state=state,
        priority_time=row["priority_time"],
        submission_time=row["submission_time"],
        start_time=row["start_time"],
        end_time=row["end_time"],
        wait_deadline=row["wait_deadline"],
        exec_deadline=row["exec_deadline"],
        retries=row["retries"],
        attributes=attrs,
        spec=FunctionSpec.model_validate(row["spec"]),
        wait_for_parents=row["wait_for_parents"],
        parents=row["parents"],
        children=row["children"],
        process_graph_id=row["process_graph_id"],
        input=row["input"],
        output=row["output"],
        errors=row["errors"],
    )


def env_attributes(process: Process) -> list[Attribute]:
    """The env entries of a spec as ENV attributes of the process."""
    return [
        Attribute(
            attribute_id=attribute_id(process.process_id, key, AttributeType.ENV),
            target_id=process.process_id,
            target_colony_name=process.spec.conditions.colony_name,
            target_process_graph_id=process.process_graph_id,
            state=process.state,
            attribute_type=AttributeType.ENV,
            key=key,
            value=value,
        )
        for key, value in process.spec.env.items()
    ]


class ProcessStore(Store):
    async def add(self, p: Process, req: Requirements, request_id: str = "") -> bool:
        """Store a new process with its env attributes; notifies when it is assignable.
        False (nothing stored) if its initiator used ``request_id`` before."""
        spec = p.spec
        cond = spec.conditions
        attrs = p.attributes
        rows = await self.conn.fetch(
            Q["insert_process"],
            p.process_id,
            cond.colony_name,
            p.initiator_id,
            p.initiator_name,
            p.priority_time,
            p.submission_time,
            p.wait_deadline,
            ZERO_TIME,
            spec.to_wire(),
            p.wait_for_parents,
            p.parents,
            p.children,
            p.process_graph_id,
            p.input,
            cond.executor_type,
            cond.executor_names,
            cond.location_name,
            spec.label,
            spec.func_name,
            spec.max_wait_time,
            spec.max_exec_time,
            spec.max_retries,
            req.cpu,
            req.mem,
            req.storage,
            req.nodes,
            req.gpu_name,
            req.gpu_count,
            req.gpu_mem,
            [a.attribute_id for a in attrs],
            [a.key for a in attrs],
            [a.value for a in attrs],
            request_id,
        )
        return bool(rows)

    async def by_request(self, initiator_id: str, request_id: str) -> Process | None:
        """The process an initiator submitted with this request id, if any."""
        row = await self.conn.fetchrow(Q["process_by_request"], initiator_id, request_id)
        return process_from_row(row) if row else None

    async def get(self, process_id: str) -> Process | None:
        row = await self.conn.fetchrow(Q["get_process"], process_id)
        return process_from_row(row) if row else None

    async def is_assignable(self, process_id: str) -> bool:
        return bool(await self.conn.fetchval(Q["process_is_assignable"], process_id))

    async def find(
        self,
        colony_name: str,
        state: ProcessState,
        count: int,
        *,
        executor_type: str = "",
        initiator_id: str = "",
        label: str = "",
    ) -> list[Process]:
        rows = await self.conn.fetch(
            Q["list_processes"], colony_name, int(state), executor_type, initiator_id, label, count
        )
        return [process_from_row(r) for r in rows]

    async def history(
        self, colony_name: str, state: int, after: datetime, executor_id: str
    ) -> list[Process]:
        rows = await self.conn.fetch(Q["process_history"], colony_name, state, after, executor_id)
        return [process_from_row(r) for r in rows]

    async def remove(self, process_id: str) -> None:
        await self.conn.execute(Q["delete_process"], process_id)

    async def remove_all(self, colony_name: str, state: int) -> None:
        await self.conn.execute(Q["delete_processes"], colony_name, state)

    async def assign(
        self,
        colony_name: str,
        executor_type: str,
        executor_name: str,
        executor_id: str,
        max_cpu: int,
        max_mem: int,
        location: str,
        hardware: list[dict[str, Any]] | None,
        now: datetime,
        lease_s: float = 0.0,
    ) -> Process | None:
        """Claim the next process this executor may run; with ``lease_s`` > 0 it must confirm
        delivery within that many seconds."""
        row = await self.conn.fetchrow(
            Q["assign"],
            colony_name,
            executor_type,
            executor_name,
            executor_id,
            max_cpu,
            max_mem,
            location,
            hardware,
            now,
            lease_s,
        )
        return process_from_row(row) if row else None

    async def confirm_delivery(self, process_id: str, executor_id: str) -> tuple[str, str] | None:
        """End the delivery lease: (colony, executor name), or None if the process is not the
        running one of this executor, approved in its colony."""
        row = await self.conn.fetchrow(Q["confirm_delivery"], process_id, executor_id)
        return (row["colony_name"], row["executor_name"]) if row else None

    async def requeue_undelivered(self, now: datetime) -> int:
        """Running processes whose delivery lease ended unconfirmed wait again."""
        return len(await self.conn.fetch(Q["requeue_undelivered"], now, ZERO_TIME))

    async def mark_successful(
        self,
        process_id: str,
        executor_id: str,
        executor_name: str,
        now: datetime,
        output: list[Any] | None,
    ) -> bool:
        """Close as successful and count the run in the closing executor's function stats."""
        row = await self.conn.fetchrow(
            Q["mark_successful"], process_id, executor_id, now, output, executor_name
        )
        return row is not None

    async def mark_failed(
        self, process_id: str, executor_id: str, now: datetime, errors: list[str]
    ) -> bool:
        row = await self.conn.fetchrow(Q["mark_failed"], process_id, executor_id, now, errors)
        return row is not None

    async def set_output(self, process_id: str, executor_id: str, output: list[Any]) -> bool:
        return bool(await self.conn.fetchval(Q["set_output"], process_id, executor_id, output))

    async def mark_cancelled(self, process_id: str, now: datetime) -> bool:
        return await self.conn.fetchrow(Q["mark_cancelled"], process_id, now) is not None

    async def release_executor(self, executor_id: str) -> None:
        """Requeue the running processes of an executor that was removed."""
        await self.conn.execute(Q["release_executor_processes"], executor_id, ZERO_TIME)

    async def give_back(self, process_id: str, executor_id: str) -> bool:
        """Undo a claim the executor never received; False if it was not (still) its."""
        rows = await self.conn.fetch(Q["give_back_process"], process_id, executor_id, ZERO_TIME)
        return bool(rows)

    async def requeue_expired(self, now: datetime) -> int:
        return len(await self.conn.fetch(Q["requeue_expired"], now))

    async def fail_expired(self, now: datetime) -> list[tuple[str, str]]:
        """Fail processes past exec (no retries left) or wait deadlines: (id, graph id)."""
        rows = await self.conn.fetch(Q["fail_expired_running"], now)
        rows += await self.conn.fetch(Q["fail_expired_waiting"], now)
        return [(r["process_id"], r["process_graph_id"]) for r in rows]

    async def notify(self, p: Process) -> None:
        """Announce a state change to every server sharing the database."""
        await self.conn.execute(
            Q["notify_process"],
            p.spec.conditions.colony_name,
            p.spec.conditions.executor_type,
            p.process_id,
            int(p.state),
        )

    async def notify_colony(self, colony_name: str) -> None:
        await self.conn.execute(Q["notify_colony"], colony_name)

    async def remove_successful_before(self, cutoff: datetime) -> None:
        await self.conn.execute(Q["delete_successful_before"], cutoff)
