from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

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

INSERT_BATCH = 1000
"""Processes per statement when a workflow's nodes are stored."""


def process_from_row(row: Any) -> Process:
    """A Process from a row of process_view (or of the assign query): the columns carry the
    model's field names, the attributes come as objects, the spec as its wire JSON, and
    the columns the model does not have are ignored."""
    return Process.model_validate(dict(row))


def process_row(p: Process, req: Requirements, request_id: str = "") -> dict[str, Any]:
    """The processes row of a new process, a record of the table's type (asyncpg sends a
    dict by column name; a column left out is NULL): every field of the model under its
    own name (the spec as its wire JSON, the attributes in their own table), then the
    copies of spec fields that queries filter on. A model field is a column of the same
    name."""
    spec = p.spec
    cond = spec.conditions
    row = p.model_dump(exclude={"attributes", "spec"})
    row.update(
        spec=spec.to_wire(),
        colony_name=cond.colony_name,
        executor_type=cond.executor_type,
        executor_names=cond.executor_names,
        location_name=cond.location_name,
        label=spec.label,
        func_name=spec.func_name,
        max_wait_time=spec.max_wait_time,
        max_exec_time=spec.max_exec_time,
        max_retries=spec.max_retries,
        req_cpu=req.cpu,
        req_mem=req.mem,
        req_storage=req.storage,
        req_nodes=req.nodes,
        req_gpu_name=req.gpu_name,
        req_gpu_count=req.gpu_count,
        req_gpu_mem=req.gpu_mem,
        delivery_deadline=None,
        request_id=request_id,
        attempt=1,
        run_attempt=1,
        not_before=None,
        cascade_cause="",
        cascade_state=None,
    )
    return row


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
        """Store a new process with its env attributes (the trigger announces it when it is
        assignable).
        False (nothing stored) if its initiator used ``request_id`` before."""
        row = process_row(p, req, request_id)
        try:
            stored = await self._insert_submitted([row], p.attributes)
        except asyncpg.DataError as exc:  # refused while encoding: nothing was sent
            raise await self._out_of_range(row) or exc from exc
        return p.process_id in stored

    async def add_submitted(self, submitted: list[tuple[Process, Requirements, str]]) -> set[str]:
        """Store several submitted processes (process, requirements, request id) in one
        statement: the ids of those stored (not those whose request id was used before).
        One value the database refuses refuses them all (``add`` names it)."""
        rows = [process_row(p, req, request_id) for p, req, request_id in submitted]
        return await self._insert_submitted(
            rows, [a for p, _, _ in submitted for a in p.attributes]
        )

    async def _insert_submitted(
        self, rows: list[dict[str, Any]], attrs: list[Attribute]
    ) -> set[str]:
        found = await self.conn.fetch(
            Q["insert_submitted"],
            rows,
            [a.attribute_id for a in attrs],
            [a.target_id for a in attrs],
            [a.key for a in attrs],
            [a.value for a in attrs],
        )
        return {r["process_id"] for r in found}

    async def add_many(self, planned: list[tuple[Process, Requirements]]) -> None:
        """Store new processes (a workflow's nodes) with their env attributes, a statement
        per ``INSERT_BATCH`` of them (the encoded rows of one statement stay small)."""
        for start in range(0, len(planned), INSERT_BATCH):
            batch = planned[start : start + INSERT_BATCH]
            rows = [process_row(p, req) for p, req in batch]
            attrs = [a for p, _ in batch for a in p.attributes]
            try:
                await self.conn.execute(
                    Q["insert_processes"],
                    rows,
                    [a.attribute_id for a in attrs],
                    [a.target_id for a in attrs],
                    [a.key for a in attrs],
                    [a.value for a in attrs],
                )
            except asyncpg.DataError as exc:  # refused while encoding: nothing was sent
                for row in rows:
                    if found := await self._out_of_range(row):
                        raise found from exc
                raise

    async def _out_of_range(self, row: dict[str, Any]) -> asyncpg.DataError | None:
        """The value of the row a narrow int column cannot hold, as the driver would name a
        parameter of its own (``dispatch.why`` makes the 400 of it)."""
        bits = {"smallint": 16, "integer": 32}
        for name, type_ in await self.conn.fetch(Q["process_narrow_int_columns"]):
            value, limit = row.get(name), 2 ** (bits.get(type_, 64) - 1)
            if isinstance(value, int) and not -limit <= value < limit:
                return asyncpg.DataError(
                    f"{value} (value out of int{bits[type_]} range for {name})"
                )
        return None

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
        query = {
            ProcessState.WAITING: "list_processes",
            ProcessState.RUNNING: "list_running_processes",
        }.get(state, "list_finished_processes")
        rows = await self.conn.fetch(
            Q[query], colony_name, int(state), executor_type, initiator_id, label, count
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
        found = await self.assign_many(
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
            1,
        )
        return found[0] if found else None

    async def assign_many(
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
        lease_s: float,
        count: int,
    ) -> list[Process]:
        """Claim up to ``count`` processes at once, in pick order (``assign``)."""
        rows = await self.conn.fetch(
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
            count,
        )
        return [process_from_row(row) for row in rows]

    async def confirm_delivery(self, process_id: str, executor_id: str) -> tuple[str, str] | None:
        """End the delivery lease: (colony, executor name), or None if the process is not the
        running one of this executor, approved in its colony."""
        row = await self.conn.fetchrow(Q["confirm_delivery"], process_id, executor_id)
        return (row["colony_name"], row["executor_name"]) if row else None

    async def confirm_deliveries(
        self, process_ids: list[str], executor_id: str, colony_name: str
    ) -> tuple[list[str], str]:
        """``confirm_delivery`` for several processes of a colony: the ids whose lease ended
        now, and the executor's name ('' when there are none)."""
        rows = await self.conn.fetch(Q["confirm_deliveries"], process_ids, executor_id, colony_name)
        return [row["process_id"] for row in rows], rows[0]["executor_name"] if rows else ""

    async def close_many(
        self,
        results: list[tuple[str, bool, list[Any] | None, list[str]]],
        executor_id: str,
        executor_name: str,
        colony_name: str,
        now: datetime,
    ) -> dict[str, str]:
        """Close several processes of this executor (process id, failed, output or None,
        errors each) in one statement: the closed ones, as process id → graph id."""
        rows = await self.conn.fetch(
            Q["close_processes"],
            [r[0] for r in results],
            [r[1] for r in results],
            [None if r[2] is None else json.dumps(r[2]) for r in results],
            [json.dumps(r[3]) for r in results],
            executor_id,
            colony_name,
            now,
            executor_name,
        )
        return {row["process_id"]: row["process_graph_id"] for row in rows}

    async def requeue_undelivered(self, now: datetime) -> None:
        """Running processes whose delivery lease ended unconfirmed wait again."""
        await self.conn.execute(Q["requeue_undelivered"], now, ZERO_TIME)

    async def close_own(
        self, process_id: str, executor_id: str, now: datetime, output: list[Any] | None
    ) -> tuple[str, str, str] | None:
        """A success closed by an executor approved in the process's colony, in one
        statement: (colony, executor name, graph id), or None if not closed."""
        row = await self.conn.fetchrow(Q["close_own"], process_id, executor_id, now, output)
        return (row[0], row[1], row[2]) if row else None

    async def fail_own(
        self, process_id: str, executor_id: str, now: datetime, errors: list[str]
    ) -> tuple[str, str, str] | None:
        """``mark_failed`` by an executor approved in the process's colony, in one
        statement: (colony, executor name, graph id), or None if not failed."""
        row = await self.conn.fetchrow(Q["fail_own"], process_id, executor_id, now, errors)
        return (row[0], row[1], row[2]) if row else None

    async def mark_failed(
        self, process_id: str, executor_id: str, now: datetime, errors: list[str]
    ) -> bool:
        row = await self.conn.fetchrow(Q["mark_failed"], process_id, executor_id, now, errors)
        return row is not None

    async def set_output(self, process_id: str, executor_id: str, output: list[Any]) -> bool:
        return bool(await self.conn.fetchval(Q["set_output"], process_id, executor_id, output))

    async def mark_cancelled(self, process_id: str, now: datetime) -> bool:
        return await self.conn.fetchrow(Q["mark_cancelled"], process_id, now) is not None

    async def running_on(self, executor_id: str) -> list[str]:
        """Lock the running processes of an executor (inside a transaction)."""
        rows = await self.conn.fetch(Q["running_processes_of_executor"], executor_id)
        return [r["process_id"] for r in rows]

    async def release(self, process_ids: list[str]) -> None:
        """Requeue running processes (of an executor that was removed) as their next attempt."""
        await self.conn.execute(Q["release_executor_processes"], process_ids, ZERO_TIME)

    async def give_back(self, process_id: str, executor_id: str) -> bool:
        """Undo a claim the executor never received; False if it was not (still) its."""
        row = await self.conn.fetchrow(Q["give_back_process"], process_id, executor_id, ZERO_TIME)
        return row is not None

    async def expired_with_retries(self, now: datetime) -> list[str]:
        """Lock the running processes past their exec deadline with maxretries left (inside
        a transaction; those another pass holds are skipped)."""
        return [r["process_id"] for r in await self.conn.fetch(Q["expired_with_retries"], now)]

    async def requeue_expired(self, process_ids: list[str], now: datetime) -> None:
        """Expired running processes with maxretries left wait again as their next attempt."""
        await self.conn.execute(Q["requeue_expired"], process_ids, now)

    async def expired_with_retry_policy(self, now: datetime) -> list[Process]:
        """Expired running processes without maxretries left whose retry policy has
        attempts left."""
        return [
            process_from_row(r) for r in await self.conn.fetch(Q["expired_with_retry_policy"], now)
        ]

    async def lock_running_attempt(
        self, process_id: str, executor_id: str
    ) -> tuple[int, int] | None:
        """(attempt, the attempt its run started with) of a running process, locked until
        the transaction ends; None if it is not running (on this executor, unless '')."""
        row = await self.conn.fetchrow(Q["lock_running_attempt"], process_id, executor_id)
        return (row["attempt"], row["run_attempt"]) if row else None

    async def retry(
        self,
        process_id: str,
        attempt: int,
        not_before: datetime | None,
        spec: FunctionSpec,
        req: Requirements,
        now: datetime,
    ) -> bool:
        """The failed ``attempt`` is followed by the next one, waiting from ``not_before``."""
        row = await self.conn.fetchrow(
            Q["retry_process"],
            process_id,
            attempt,
            not_before,
            spec.to_wire(),
            req.cpu,
            req.mem,
            now,
            ZERO_TIME,
        )
        return row is not None

    async def release_backoffs(self, now: datetime) -> None:
        """Retried processes whose backoff ended may be assigned again."""
        await self.conn.execute(Q["release_backoffs"], now)

    async def fail_expired(self, now: datetime) -> list[str]:
        """Fail processes past exec (no retries left) or wait deadlines; returns the ids of
        the graphs they belong to ('' for processes outside workflows)."""
        rows = await self.conn.fetch(Q["fail_expired_running"], now)
        rows += await self.conn.fetch(Q["fail_expired_waiting"], now)
        return [r["process_graph_id"] for r in rows]

    async def cached_result(
        self, colony_name: str, cache_key: str, oldest: datetime
    ) -> tuple[str, list[Any]] | None:
        """(process id, output) of the newest successful run with this key that ended at or
        after ``oldest`` (a run, never a cache hit)."""
        row = await self.conn.fetchrow(Q["cached_result"], colony_name, cache_key, oldest)
        if row is None:
            return None
        return (row["process_id"], list(row["output"] or []))

    async def cache_pending(self, graph_ids: list[str]) -> list[Process]:
        """Released waiting nodes of these graphs that ask for caching and have no key."""
        rows = await self.conn.fetch(Q["cache_pending"], graph_ids)
        return [process_from_row(r) for r in rows]

    async def set_cache_key(self, process_id: str, cache_key: str) -> None:
        await self.conn.execute(Q["set_cache_key"], process_id, cache_key)

    async def close_cached(
        self, process_id: str, cache_key: str, now: datetime, output: list[Any], source: str
    ) -> bool:
        """Close a waiting process at once with an earlier run's output; False if it is no
        longer waiting unclaimed."""
        row = await self.conn.fetchrow(
            Q["close_cached"], process_id, cache_key, now, output, source
        )
        return row is not None

    async def running_per_executor(self, colony_name: str) -> dict[str, int]:
        rows = await self.conn.fetch(Q["running_per_executor"], colony_name)
        return {r["assigned_executor_id"]: int(r["n"]) for r in rows}

    async def waiting_ahead(self, colony_name: str, executor_type: str, priority_time: int) -> int:
        """Assignable processes of this type the assign query picks before ``priority_time``."""
        found = await self.conn.fetchval(
            Q["waiting_ahead"], colony_name, executor_type, priority_time
        )
        return int(found or 0)

    async def not_before(self, process_id: str) -> datetime | None:
        """When a retried process's backoff ends (None: it has none)."""
        found: datetime | None = await self.conn.fetchval(Q["not_before"], process_id)
        return found

    async def by_ids(self, process_ids: list[str]) -> list[Process]:
        rows = await self.conn.fetch(Q["processes_by_ids"], process_ids)
        return [process_from_row(r) for r in rows]

    async def notify_colony(self, colony_name: str) -> None:
        await self.conn.execute(Q["notify_colony"], colony_name)

    async def remove_successful_before(self, cutoff: datetime) -> None:
        await self.conn.execute(Q["delete_successful_before"], cutoff)
