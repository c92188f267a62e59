from __future__ import annotations

from typing import Any

from colonies.core import Function, FunctionArg, FunctionResources
from colonies.db.base import Store
from colonies.db.queries import Q


def _function(row: Any) -> Function:
    args = row["args"]
    return Function(
        function_id=row["function_id"],
        executor_name=row["executor_name"],
        executor_type=row["executor_type"],
        colony_name=row["colony_name"],
        func_name=row["func_name"],
        description=row["description"],
        args=[FunctionArg.model_validate(a) for a in args] if args is not None else None,
        counter=row["counter"],
        min_wait_time=row["min_wait_time"],
        max_wait_time=row["max_wait_time"],
        min_exec_time=row["min_exec_time"],
        max_exec_time=row["max_exec_time"],
        avg_wait_time=row["avg_wait_time"],
        avg_exec_time=row["avg_exec_time"],
        location_name=row["location_name"],
        resources=_resources(row),
    )


def _resources(row: Any) -> FunctionResources | None:
    if row.get("res_reports") is None:  # never reported (or a row of insert_function)
        return None
    return FunctionResources(
        reports=row["res_reports"],
        wall_seconds=row["res_wall_seconds"],
        cpu_seconds=row["res_cpu_seconds"],
        peak_mem_max=row["res_peak_mem_max"],
        staged_in_bytes=row["res_staged_in_bytes"],
        staged_out_bytes=row["res_staged_out_bytes"],
    )


class FunctionStore(Store):
    async def add(self, fn: Function) -> Function:
        args = [a.to_wire() for a in fn.args] if fn.args is not None else None
        row = await self.conn.fetchrow(
            Q["insert_function"],
            fn.function_id,
            fn.colony_name,
            fn.executor_name,
            fn.executor_type,
            fn.func_name,
            fn.description,
            args,
            fn.location_name,
        )
        return _function(row)

    async def get(self, function_id: str) -> Function | None:
        row = await self.conn.fetchrow(Q["get_function"], function_id)
        return _function(row) if row else None

    async def find(self, colony_name: str, executor_name: str = "") -> list[Function]:
        rows = await self.conn.fetch(Q["list_functions"], colony_name, executor_name)
        return [_function(r) for r in rows]

    async def remove(self, function_id: str) -> None:
        await self.conn.execute(Q["delete_function"], function_id)

    async def remove_for_executor(self, colony_name: str, executor_name: str) -> None:
        await self.conn.execute(Q["delete_executor_functions"], colony_name, executor_name)
