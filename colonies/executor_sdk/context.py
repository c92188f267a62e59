"""What a function sees of its process: arguments, attributes, logs, output, children."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from colonies.client import ColoniesClient
from colonies.core import Attribute, Conditions, FunctionSpec, Process
from colonies.core.channel import MsgEntry

if TYPE_CHECKING:
    from colonies.executor_sdk.executor import Executor

T = TypeVar("T")


class _Base:
    def __init__(
        self, executor: Executor, process: Process, mounts: dict[str, Path] | None = None
    ) -> None:
        self.executor = executor
        self.process = process
        self.mounts = mounts or {}
        """Label → local directory of each ``spec.fs`` mount (the first one of a label)."""
        self.output_set = False
        self._sequences: dict[str, int] = {}
        self._logging = asyncio.Lock()  # log entries are posted one at a time

    @property
    def process_id(self) -> str:
        return self.process.process_id

    @property
    def func_name(self) -> str:
        return self.process.spec.func_name

    @property
    def args(self) -> list[Any]:
        return self.process.spec.args

    @property
    def kwargs(self) -> dict[str, Any]:
        return self.process.spec.kw_args

    @property
    def input(self) -> list[Any]:
        """Outputs of the parent processes in a workflow (``in``), in parent order."""
        return self.process.input

    @property
    def attributes(self) -> dict[str, str]:
        return {a.key: a.value for a in self.process.attributes}

    @property
    def env(self) -> dict[str, str]:
        return self.process.spec.env

    @property
    def colony_name(self) -> str:
        return self.process.spec.conditions.colony_name

    @property
    def client(self) -> ColoniesClient:
        return self.executor.client

    @property
    def key(self) -> str:
        return self.executor.key

    def _child_spec(
        self,
        func_name: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None,
        node_name: str,
        executor_type: str | None,
        fields: dict[str, Any],
    ) -> FunctionSpec:
        if not self.process.process_graph_id:
            raise ValueError("add_child needs a process that belongs to a workflow")
        conditions = Conditions(
            colony_name=self.colony_name,
            executor_type=executor_type or self.executor.executor_type,
        )
        data: dict[str, Any] = {"max_exec_time": -1, "max_retries": 0, **fields}
        return FunctionSpec(
            node_name=node_name or func_name,
            func_name=func_name,
            args=list(args),
            kw_args=kwargs or {},
            conditions=conditions,
            **data,
        )

    def _next_sequence(self, channel: str) -> int:
        self._sequences[channel] = self._sequences.get(channel, 0) + 1
        return self._sequences[channel]


class ProcessContext(_Base):
    """Passed as ``ctx`` to async functions; every method is a coroutine."""

    async def log(self, message: str) -> None:
        """Add a process log entry (a newline is appended if missing). Entries go one at a
        time, in the order of the calls: concurrent posts could land out of order."""
        text = message if message.endswith("\n") else message + "\n"
        async with self._logging:
            await self.client.add_log(self.process_id, text, key=self.key)

    async def set_output(self, *values: Any) -> None:
        """Store output now (it is kept if the function then returns None)."""
        await self.client.set_output(self.process_id, list(values), key=self.key)
        self.output_set = True

    async def add_attribute(self, key: str, value: str) -> Attribute:
        return await self.client.add_attribute(self.process_id, key, value, key=self.key)

    async def add_child(
        self,
        func_name: str,
        *args: Any,
        kwargs: dict[str, Any] | None = None,
        node_name: str = "",
        executor_type: str | None = None,
        insert: bool = False,
        **spec_fields: Any,
    ) -> Process:
        """Add a child to this workflow node; it runs after this process succeeds."""
        spec = self._child_spec(func_name, args, kwargs, node_name, executor_type, spec_fields)
        return await self.client.add_child(
            self.process.process_graph_id, self.process_id, spec, insert=insert, key=self.key
        )

    async def send(self, channel: str, payload: bytes | str, *, payload_type: str = "") -> int:
        """Append to a channel declared in the spec; returns the sequence number used."""
        data = payload.encode() if isinstance(payload, str) else payload
        seq = self._next_sequence(channel)
        await self.client.channel_append(
            self.process_id, channel, seq, data, payload_type=payload_type, key=self.key
        )
        return seq

    async def read(self, channel: str, after: int = 0, limit: int = 100) -> list[MsgEntry]:
        """Entries of a channel after the first ``after`` ones."""
        return await self.client.channel_read(self.process_id, channel, after, limit, key=self.key)


class SyncProcessContext(_Base):
    """Passed as ``ctx`` to sync functions (which run in a worker thread); methods block."""

    def __init__(
        self,
        executor: Executor,
        process: Process,
        loop: asyncio.AbstractEventLoop,
        mounts: dict[str, Path] | None = None,
    ) -> None:
        super().__init__(executor, process, mounts)
        self._loop = loop
        self._async = ProcessContext(executor, process, mounts)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def log(self, message: str) -> None:
        self._run(self._async.log(message))

    def set_output(self, *values: Any) -> None:
        self._run(self._async.set_output(*values))
        self.output_set = True

    def add_attribute(self, key: str, value: str) -> Attribute:
        return self._run(self._async.add_attribute(key, value))

    def add_child(
        self,
        func_name: str,
        *args: Any,
        kwargs: dict[str, Any] | None = None,
        node_name: str = "",
        executor_type: str | None = None,
        insert: bool = False,
        **spec_fields: Any,
    ) -> Process:
        return self._run(
            self._async.add_child(
                func_name,
                *args,
                kwargs=kwargs,
                node_name=node_name,
                executor_type=executor_type,
                insert=insert,
                **spec_fields,
            )
        )

    def send(self, channel: str, payload: bytes | str, *, payload_type: str = "") -> int:
        return self._run(self._async.send(channel, payload, payload_type=payload_type))

    def read(self, channel: str, after: int = 0, limit: int = 100) -> list[MsgEntry]:
        return self._run(self._async.read(channel, after, limit))
