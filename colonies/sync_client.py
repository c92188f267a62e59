"""SyncColoniesClient: the ColoniesClient API as blocking calls, for scripts, notebooks.

Generated from colonies/client.py by tools/gen_sync_client.py: do not edit by hand.

Calls run on a private event loop in a background thread, so this also works where an event
loop is already running (Jupyter). Subscriptions are blocking iterators. Same constructor,
defaults and errors as ColoniesClient::

    with SyncColoniesClient(url, prvkey=key, colony="dev") as client:
        process = client.submit(spec)
        client.get_process(process.process_id, key=other_key)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Coroutine, Iterator
from datetime import datetime
from typing import Any, TypeVar

from colonies.client import ColoniesClient, Reply, Timeouts
from colonies.config import ClientSettings
from colonies.core import (
    Allocations,
    Attempt,
    Attribute,
    Capabilities,
    Cluster,
    Colony,
    Executor,
    Function,
    FunctionSpec,
    Location,
    Log,
    PauseStatus,
    Process,
    ProcessGraph,
    ProcessResult,
    ResultOutcome,
    ServerInfo,
    Statistics,
    User,
    Version,
    WorkflowSpec,
)
from colonies.core.audit import AuditEntry
from colonies.core.blueprint import Blueprint, BlueprintDefinition, BlueprintHistory
from colonies.core.channel import MsgEntry
from colonies.core.cron import Cron
from colonies.core.explain import Explanation
from colonies.core.file import File, FileData, Label
from colonies.core.generator import Generator
from colonies.core.server_info import DatabaseStatus
from colonies.core.snapshot import Snapshot
from colonies.core.step_stats import WorkflowStats
from colonies.core.ticket import ExecutorTicket
from colonies.rpc.base import Msg

T = TypeVar("T")


async def _make(url: str, kw: dict[str, Any]) -> ColoniesClient:
    return ColoniesClient(url, **kw)


async def _anext(stream: AsyncGenerator[T, None]) -> T:
    return await anext(stream)  # a coroutine, as run_coroutine_threadsafe wants


class SyncColoniesClient:
    """ColoniesClient, blocking (see the module text)."""

    def __init__(
        self,
        url: str,
        *,
        prvkey: str = "",
        colony: str = "",
        timeouts: Timeouts | None = None,
        verify_tls: bool = True,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._owner = True
        kw = {"prvkey": prvkey, "colony": colony, "timeouts": timeouts, "verify_tls": verify_tls}
        self._client = self._run(_make(url, kw))

    @classmethod
    def from_env(cls, settings: ClientSettings | None = None) -> SyncColoniesClient:
        """A client for the COLONIES_* settings, as ColoniesClient.from_env."""
        s = settings or ClientSettings.from_env()
        return cls(
            f"{'https' if s.tls else 'http'}://{s.host}:{s.port}",
            prvkey=s.prvkey,
            colony=s.colony_name,
            timeouts=Timeouts.from_settings(s),
            verify_tls=s.verify_tls,
        )

    def signed_by(self, prvkey: str, *, colony: str | None = None) -> SyncColoniesClient:
        """A view that signs with ``prvkey`` (see ColoniesClient.signed_by); it shares this
        client's loop and connections, and closing it closes nothing."""
        view = object.__new__(SyncColoniesClient)
        view._loop, view._thread, view._owner = self._loop, self._thread, False
        view._client = self._client.signed_by(prvkey, colony=colony)
        return view

    @property
    def client(self) -> ColoniesClient:
        """The async client underneath (its calls must run on this client's loop)."""
        return self._client

    @property
    def prvkey(self) -> str:
        return self._client.prvkey

    @property
    def colony(self) -> str:
        return self._client.colony

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def _iterate(self, stream: AsyncGenerator[T, None]) -> Iterator[T]:
        try:
            while True:
                try:
                    yield self._run(_anext(stream))
                except StopAsyncIteration:
                    return
        finally:
            self._run(stream.aclose())

    def close(self) -> None:
        if not self._owner:
            return
        self._run(self._client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> SyncColoniesClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def post_envelope(self, body: str | bytes, read_timeout: float | None = None) -> Reply:
        """POST a raw body to /api and decode whatever comes back (TransportError if no
        reply, or one that is not an envelope)."""
        return self._run(self._client.post_envelope(body, read_timeout))

    def raw(
        self,
        payload_type: str,
        data: dict[str, Any],
        *,
        key: str | None = None,
        read_timeout: float | None = None,
    ) -> Reply:
        """Sign (with ``key``, else the client's key; unsigned if neither) and send one
        payload given as a dict, with a fresh nonce and its signing time (see ``stamped``);
        the reply whatever its status. For tests and tools that speak the wire directly."""
        return self._run(self._client.raw(payload_type, data, key=key, read_timeout=read_timeout))

    def call(
        self,
        payload_type: str,
        data: dict[str, Any],
        *,
        key: str | None = None,
        read_timeout: float | None = None,
    ) -> Any:
        """``raw``, then the reply payload, or RPCError for an error reply."""
        return self._run(self._client.call(payload_type, data, key=key, read_timeout=read_timeout))

    def send(self, msg: Msg, *, key: str | None = None, read_timeout: float | None = None) -> Any:
        """Send one message (signed with ``key`` or the client's key when its type is
        signed); the reply payload, or RPCError."""
        return self._run(self._client.send(msg, key=key, read_timeout=read_timeout))

    def version(self) -> Version:
        return self._run(self._client.version())

    def server_info(self) -> ServerInfo:
        return self._run(self._client.server_info())

    def health(self) -> bool:
        """GET /health: True when the server and its database answer."""
        return self._run(self._client.health())

    def statistics(self, *, key: str | None = None) -> Statistics:
        return self._run(self._client.statistics(key=key))

    def cluster(self, *, key: str | None = None) -> Cluster:
        return self._run(self._client.cluster(key=key))

    def database_status(self, *, key: str | None = None) -> DatabaseStatus:
        """Ours: the database's state, schema version, PostgreSQL version and size (server
        owner key)."""
        return self._run(self._client.database_status(key=key))

    def change_server_id(self, server_id: str, *, key: str | None = None) -> None:
        return self._run(self._client.change_server_id(server_id, key=key))

    def get_audit(
        self,
        *,
        count: int = 100,
        since: datetime | None = None,
        before: int = 0,
        payload_type: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> list[AuditEntry]:
        """Audit entries, newest first: a colony's (its owner's or the server owner's key)
        or, with ``colony=""``, every colony's (the server owner's key). ``before`` is the
        ``seq`` of the last entry of the previous page."""
        return self._run(
            self._client.get_audit(
                count=count,
                since=since,
                before=before,
                payload_type=payload_type,
                colony=colony,
                key=key,
            )
        )

    def add_colony(self, colony: Colony, *, key: str | None = None) -> Colony:
        return self._run(self._client.add_colony(colony, key=key))

    def remove_colony(self, *, colony: str | None = None, key: str | None = None) -> None:
        return self._run(self._client.remove_colony(colony=colony, key=key))

    def get_colonies(self, *, key: str | None = None) -> list[Colony]:
        return self._run(self._client.get_colonies(key=key))

    def get_colony(self, *, colony: str | None = None, key: str | None = None) -> Colony:
        return self._run(self._client.get_colony(colony=colony, key=key))

    def colony_statistics(self, *, colony: str | None = None, key: str | None = None) -> Statistics:
        return self._run(self._client.colony_statistics(colony=colony, key=key))

    def change_colony_id(
        self, colony_id: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        return self._run(self._client.change_colony_id(colony_id, colony=colony, key=key))

    def pause_status(self, *, colony: str | None = None, key: str | None = None) -> PauseStatus:
        return self._run(self._client.pause_status(colony=colony, key=key))

    def pause_assignments(self, *, colony: str | None = None, key: str | None = None) -> None:
        return self._run(self._client.pause_assignments(colony=colony, key=key))

    def resume_assignments(self, *, colony: str | None = None, key: str | None = None) -> None:
        return self._run(self._client.resume_assignments(colony=colony, key=key))

    def add_user(self, user: User, *, key: str | None = None) -> User:
        return self._run(self._client.add_user(user, key=key))

    def get_users(self, *, colony: str | None = None, key: str | None = None) -> list[User]:
        return self._run(self._client.get_users(colony=colony, key=key))

    def get_user(self, name: str, *, colony: str | None = None, key: str | None = None) -> User:
        return self._run(self._client.get_user(name, colony=colony, key=key))

    def remove_user(self, name: str, *, colony: str | None = None, key: str | None = None) -> None:
        return self._run(self._client.remove_user(name, colony=colony, key=key))

    def get_user_by_id(
        self, user_id: str, *, colony: str | None = None, key: str | None = None
    ) -> User:
        return self._run(self._client.get_user_by_id(user_id, colony=colony, key=key))

    def change_user_id(
        self, user_id: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        """Replace the calling user's id (its key) with ``user_id``."""
        return self._run(self._client.change_user_id(user_id, colony=colony, key=key))

    def add_executor(self, executor: Executor, *, key: str | None = None) -> Executor:
        return self._run(self._client.add_executor(executor, key=key))

    def get_executors(self, *, colony: str | None = None, key: str | None = None) -> list[Executor]:
        return self._run(self._client.get_executors(colony=colony, key=key))

    def get_executor(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> Executor:
        return self._run(self._client.get_executor(name, colony=colony, key=key))

    def get_executor_by_id(
        self, executor_id: str, *, colony: str | None = None, key: str | None = None
    ) -> Executor:
        return self._run(self._client.get_executor_by_id(executor_id, colony=colony, key=key))

    def change_executor_id(
        self, executor_id: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        """Replace the calling executor's id (its key) with ``executor_id``."""
        return self._run(self._client.change_executor_id(executor_id, colony=colony, key=key))

    def approve_executor(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        return self._run(self._client.approve_executor(name, colony=colony, key=key))

    def reject_executor(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        return self._run(self._client.reject_executor(name, colony=colony, key=key))

    def remove_executor(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        return self._run(self._client.remove_executor(name, colony=colony, key=key))

    def update_capabilities(
        self,
        name: str,
        capabilities: Capabilities,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        return self._run(
            self._client.update_capabilities(
                name,
                capabilities,
                colony=colony,
                key=key,
            )
        )

    def report_allocations(
        self,
        name: str,
        allocations: Allocations,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        return self._run(self._client.report_allocations(name, allocations, colony=colony, key=key))

    def add_executor_ticket(
        self,
        executor_type: str,
        *,
        uses: int = 1,
        expires_in_s: int = 24 * 3600,
        name_prefix: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> ExecutorTicket:
        """A new ticket (colony owner key); its ``token`` is in this reply only."""
        return self._run(
            self._client.add_executor_ticket(
                executor_type,
                uses=uses,
                expires_in_s=expires_in_s,
                name_prefix=name_prefix,
                colony=colony,
                key=key,
            )
        )

    def get_executor_tickets(
        self, *, colony: str | None = None, key: str | None = None
    ) -> list[ExecutorTicket]:
        return self._run(self._client.get_executor_tickets(colony=colony, key=key))

    def revoke_executor_ticket(
        self, ticket_id: str, *, colony: str | None = None, key: str | None = None
    ) -> ExecutorTicket:
        return self._run(self._client.revoke_executor_ticket(ticket_id, colony=colony, key=key))

    def enroll_executor(
        self, ticket: str, executor: Executor, *, key: str | None = None
    ) -> Executor:
        """Register and approve the executor of ``key`` (its own, new key) with a ticket."""
        return self._run(self._client.enroll_executor(ticket, executor, key=key))

    def add_function(self, function: Function, *, key: str | None = None) -> Function:
        return self._run(self._client.add_function(function, key=key))

    def get_functions(
        self, *, executor_name: str = "", colony: str | None = None, key: str | None = None
    ) -> list[Function]:
        return self._run(
            self._client.get_functions(
                executor_name=executor_name,
                colony=colony,
                key=key,
            )
        )

    def remove_function(self, function_id: str, *, key: str | None = None) -> None:
        return self._run(self._client.remove_function(function_id, key=key))

    def submit(
        self, spec: FunctionSpec, *, request_id: str | None = None, key: str | None = None
    ) -> Process:
        """Submit a function spec (in the client's colony when the spec names none). Sent
        again if the connection fails before the reply, with the same request id (a new one
        unless given): the server then returns the process the first try made instead of
        making a second."""
        return self._run(self._client.submit(spec, request_id=request_id, key=key))

    def assign(
        self,
        timeout: int,
        *,
        available_cpu: str = "",
        available_mem: str = "",
        confirm_delivery: bool = False,
        colony: str | None = None,
        key: str | None = None,
    ) -> Process:
        """Long-poll for a process (RPCError 404 when none came within ``timeout`` s). With
        ``confirm_delivery`` the caller must ``confirm_process`` it within the server's
        delivery lease, else it goes to another executor (ours; other servers ignore it)."""
        return self._run(
            self._client.assign(
                timeout,
                available_cpu=available_cpu,
                available_mem=available_mem,
                confirm_delivery=confirm_delivery,
                colony=colony,
                key=key,
            )
        )

    def confirm_process(self, process_id: str, *, key: str | None = None) -> None:
        """Tell the server this executor received the process (ends its delivery lease);
        RPCError 403 means the lease had ended: the process is not ours to run."""
        return self._run(self._client.confirm_process(process_id, key=key))

    def assign_many(
        self,
        timeout: int,
        count: int,
        *,
        available_cpu: str = "",
        available_mem: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> list[Process]:
        """Ours (servers with the ``batch`` feature): ``assign`` for up to ``count``
        processes at once (at least one; RPCError 404 when none came within ``timeout``).
        Each must be confirmed with ``confirm_processes`` within the delivery lease."""
        return self._run(
            self._client.assign_many(
                timeout,
                count,
                available_cpu=available_cpu,
                available_mem=available_mem,
                colony=colony,
                key=key,
            )
        )

    def confirm_processes(
        self, process_ids: list[str], *, colony: str | None = None, key: str | None = None
    ) -> list[str]:
        """Ours: ``confirm_process`` for several processes of a colony; the ids confirmed
        (any other is not the caller's to run)."""
        return self._run(self._client.confirm_processes(process_ids, colony=colony, key=key))

    def close_processes(
        self, results: list[ProcessResult], *, colony: str | None = None, key: str | None = None
    ) -> list[ResultOutcome]:
        """Ours: close several processes of the caller in one request (each successful with
        its output, or failed with its errors); one outcome per process, status 200 when
        it was closed, else the error its single close would have had."""
        return self._run(self._client.close_processes(results, colony=colony, key=key))

    def get_processes(
        self,
        state: int,
        count: int,
        *,
        executor_type: str = "",
        label: str = "",
        initiator: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> list[Process]:
        return self._run(
            self._client.get_processes(
                state,
                count,
                executor_type=executor_type,
                label=label,
                initiator=initiator,
                colony=colony,
                key=key,
            )
        )

    def process_history(
        self,
        state: int,
        seconds: int,
        *,
        executor_id: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> list[Process]:
        """Processes in ``state`` submitted within the last ``seconds``, oldest first."""
        return self._run(
            self._client.process_history(
                state,
                seconds,
                executor_id=executor_id,
                colony=colony,
                key=key,
            )
        )

    def get_process(self, process_id: str, *, key: str | None = None) -> Process:
        return self._run(self._client.get_process(process_id, key=key))

    def explain_process(self, process_id: str, *, key: str | None = None) -> Explanation:
        """Ours: why a process waits (``colonies process explain``)."""
        return self._run(self._client.explain_process(process_id, key=key))

    def get_process_attempts(self, process_id: str, *, key: str | None = None) -> list[Attempt]:
        """Every attempt of a process, oldest first; the last is the current one (ours)."""
        return self._run(self._client.get_process_attempts(process_id, key=key))

    def remove_process(self, process_id: str, *, key: str | None = None) -> None:
        return self._run(self._client.remove_process(process_id, key=key))

    def remove_all_processes(
        self, state: int = -1, *, colony: str | None = None, key: str | None = None
    ) -> None:
        return self._run(self._client.remove_all_processes(state, colony=colony, key=key))

    def close_process(
        self, process_id: str, output: list[Any] | None = None, *, key: str | None = None
    ) -> None:
        return self._run(self._client.close_process(process_id, output, key=key))

    def fail_process(
        self, process_id: str, errors: list[str] | None = None, *, key: str | None = None
    ) -> None:
        return self._run(self._client.fail_process(process_id, errors, key=key))

    def set_output(self, process_id: str, output: list[Any], *, key: str | None = None) -> None:
        return self._run(self._client.set_output(process_id, output, key=key))

    def cancel(self, process_id: str, *, key: str | None = None) -> None:
        return self._run(self._client.cancel(process_id, key=key))

    def wait(
        self, process: Process, state: int, timeout: int, *, key: str | None = None
    ) -> Process | None:
        """Wait on /pubsub until the process is in ``state``; None after ``timeout`` s."""
        return self._run(self._client.wait(process, state, timeout, key=key))

    def wait_for_any(
        self,
        executor_type: str,
        state: int,
        timeout: int,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> Process | None:
        """``subscribeprocessesmsg``: the next process of a type to reach ``state``.

        None after ``timeout`` s. The caller must be a registered executor."""
        return self._run(
            self._client.wait_for_any(
                executor_type,
                state,
                timeout,
                colony=colony,
                key=key,
            )
        )

    def subscribe_channel(
        self,
        process_id: str,
        name: str,
        *,
        after: int = 0,
        timeout: int = 30,
        key: str | None = None,
    ) -> Iterator[list[MsgEntry]]:
        """``subscribechannelmsg``: batches of entries as they arrive, until ``timeout`` s."""
        return self._iterate(
            self._client.subscribe_channel(
                process_id,
                name,
                after=after,
                timeout=timeout,
                key=key,
            )
        )

    def submit_workflow(
        self, workflow: WorkflowSpec, *, request_id: str | None = None, key: str | None = None
    ) -> ProcessGraph:
        """Submit a workflow (in the client's colony when it names none); retried after a
        lost connection like ``submit``."""
        return self._run(self._client.submit_workflow(workflow, request_id=request_id, key=key))

    def get_process_graph(self, graph_id: str, *, key: str | None = None) -> ProcessGraph:
        return self._run(self._client.get_process_graph(graph_id, key=key))

    def get_workflow_stats(self, graph_id: str, *, key: str | None = None) -> WorkflowStats:
        """Ours: step statistics of a workflow (``colonies workflow stats``)."""
        return self._run(self._client.get_workflow_stats(graph_id, key=key))

    def get_process_graphs(
        self, state: int, count: int, *, colony: str | None = None, key: str | None = None
    ) -> list[ProcessGraph]:
        return self._run(self._client.get_process_graphs(state, count, colony=colony, key=key))

    def remove_process_graph(self, graph_id: str, *, key: str | None = None) -> None:
        return self._run(self._client.remove_process_graph(graph_id, key=key))

    def remove_all_process_graphs(
        self, state: int = -1, *, colony: str | None = None, key: str | None = None
    ) -> None:
        return self._run(self._client.remove_all_process_graphs(state, colony=colony, key=key))

    def cancel_process_graph(self, graph_id: str, *, key: str | None = None) -> None:
        return self._run(self._client.cancel_process_graph(graph_id, key=key))

    def rerun_process_graph(
        self, graph_id: str, *, from_node: str = "", no_cache: bool = False, key: str | None = None
    ) -> ProcessGraph:
        """Run the failed, skipped and cancelled part of a finished workflow again (and
        with ``from_node`` that node and everything after it; with ``no_cache`` without
        the cache); returns the graph (ours)."""
        return self._run(
            self._client.rerun_process_graph(
                graph_id,
                from_node=from_node,
                no_cache=no_cache,
                key=key,
            )
        )

    def add_child(
        self,
        graph_id: str,
        parent_id: str,
        spec: FunctionSpec,
        *,
        child_id: str = "",
        insert: bool = False,
        key: str | None = None,
    ) -> Process:
        return self._run(
            self._client.add_child(
                graph_id,
                parent_id,
                spec,
                child_id=child_id,
                insert=insert,
                key=key,
            )
        )

    def add_attribute(
        self, process_id: str, name: str, value: str, *, key: str | None = None
    ) -> Attribute:
        return self._run(self._client.add_attribute(process_id, name, value, key=key))

    def get_attribute(self, attribute_id: str, *, key: str | None = None) -> Attribute:
        return self._run(self._client.get_attribute(attribute_id, key=key))

    def add_log(self, process_id: str, message: str, *, key: str | None = None) -> None:
        return self._run(self._client.add_log(process_id, message, key=key))

    def add_executor_log(
        self, executor_name: str, message: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        """A log entry of the calling executor that belongs to no process."""
        return self._run(
            self._client.add_executor_log(
                executor_name,
                message,
                colony=colony,
                key=key,
            )
        )

    def get_logs(
        self,
        *,
        process_id: str = "",
        executor_name: str = "",
        count: int = 100,
        since: int = 0,
        latest: bool = False,
        attempt: int = 0,
        colony: str | None = None,
        key: str | None = None,
    ) -> list[Log]:
        """Log entries of a process or an executor; ``attempt`` > 0: only that attempt's
        entries of the process (ours; other servers ignore it)."""
        return self._run(
            self._client.get_logs(
                process_id=process_id,
                executor_name=executor_name,
                count=count,
                since=since,
                latest=latest,
                attempt=attempt,
                colony=colony,
                key=key,
            )
        )

    def search_logs(
        self, text: str, days: int, count: int, *, colony: str | None = None, key: str | None = None
    ) -> list[Log]:
        return self._run(self._client.search_logs(text, days, count, colony=colony, key=key))

    def add_cron(self, cron: Cron, *, key: str | None = None) -> Cron:
        return self._run(self._client.add_cron(cron, key=key))

    def get_cron(self, cron_id: str, *, key: str | None = None) -> Cron:
        return self._run(self._client.get_cron(cron_id, key=key))

    def get_crons(
        self, count: int, *, colony: str | None = None, key: str | None = None
    ) -> list[Cron]:
        return self._run(self._client.get_crons(count, colony=colony, key=key))

    def run_cron(self, cron_id: str, *, key: str | None = None) -> Cron:
        return self._run(self._client.run_cron(cron_id, key=key))

    def remove_cron(self, cron_id: str, *, key: str | None = None) -> None:
        return self._run(self._client.remove_cron(cron_id, key=key))

    def add_generator(self, generator: Generator, *, key: str | None = None) -> Generator:
        return self._run(self._client.add_generator(generator, key=key))

    def get_generator(self, generator_id: str, *, key: str | None = None) -> Generator:
        return self._run(self._client.get_generator(generator_id, key=key))

    def resolve_generator(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> Generator:
        return self._run(self._client.resolve_generator(name, colony=colony, key=key))

    def get_generators(
        self, count: int, *, colony: str | None = None, key: str | None = None
    ) -> list[Generator]:
        return self._run(self._client.get_generators(count, colony=colony, key=key))

    def pack_generator(self, generator_id: str, arg: str, *, key: str | None = None) -> None:
        return self._run(self._client.pack_generator(generator_id, arg, key=key))

    def remove_generator(self, generator_id: str, *, key: str | None = None) -> None:
        return self._run(self._client.remove_generator(generator_id, key=key))

    def add_blueprint_definition(
        self, definition: BlueprintDefinition, *, key: str | None = None
    ) -> BlueprintDefinition:
        return self._run(self._client.add_blueprint_definition(definition, key=key))

    def get_blueprint_definition(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> BlueprintDefinition:
        return self._run(self._client.get_blueprint_definition(name, colony=colony, key=key))

    def get_blueprint_definitions(
        self, *, colony: str | None = None, key: str | None = None
    ) -> list[BlueprintDefinition]:
        return self._run(self._client.get_blueprint_definitions(colony=colony, key=key))

    def remove_blueprint_definition(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        return self._run(self._client.remove_blueprint_definition(name, colony=colony, key=key))

    def add_blueprint(self, blueprint: Blueprint, *, key: str | None = None) -> Blueprint:
        return self._run(self._client.add_blueprint(blueprint, key=key))

    def get_blueprint(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> Blueprint:
        return self._run(self._client.get_blueprint(name, colony=colony, key=key))

    def get_blueprints(
        self,
        *,
        kind: str = "",
        location_name: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> list[Blueprint]:
        return self._run(
            self._client.get_blueprints(
                kind=kind,
                location_name=location_name,
                colony=colony,
                key=key,
            )
        )

    def update_blueprint(
        self, blueprint: Blueprint, force_generation: bool = False, *, key: str | None = None
    ) -> Blueprint:
        return self._run(self._client.update_blueprint(blueprint, force_generation, key=key))

    def remove_blueprint(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        return self._run(self._client.remove_blueprint(name, colony=colony, key=key))

    def update_blueprint_status(
        self,
        name: str,
        status: dict[str, Any],
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        return self._run(self._client.update_blueprint_status(name, status, colony=colony, key=key))

    def reconcile_blueprint(
        self, name: str, force: bool = False, *, colony: str | None = None, key: str | None = None
    ) -> Process:
        return self._run(self._client.reconcile_blueprint(name, force, colony=colony, key=key))

    def get_blueprint_history(
        self, blueprint_id: str, limit: int = 10, *, key: str | None = None
    ) -> list[BlueprintHistory]:
        return self._run(self._client.get_blueprint_history(blueprint_id, limit, key=key))

    def add_location(self, location: Location, *, key: str | None = None) -> Location:
        return self._run(self._client.add_location(location, key=key))

    def get_location(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> Location:
        return self._run(self._client.get_location(name, colony=colony, key=key))

    def get_locations(self, *, colony: str | None = None, key: str | None = None) -> list[Location]:
        return self._run(self._client.get_locations(colony=colony, key=key))

    def remove_location(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        return self._run(self._client.remove_location(name, colony=colony, key=key))

    def channel_append(
        self,
        process_id: str,
        name: str,
        sequence: int,
        payload: bytes,
        *,
        in_reply_to: int = 0,
        payload_type: str = "",
        key: str | None = None,
    ) -> None:
        return self._run(
            self._client.channel_append(
                process_id,
                name,
                sequence,
                payload,
                in_reply_to=in_reply_to,
                payload_type=payload_type,
                key=key,
            )
        )

    def channel_read(
        self, process_id: str, name: str, after: int, limit: int, *, key: str | None = None
    ) -> list[MsgEntry]:
        return self._run(self._client.channel_read(process_id, name, after, limit, key=key))

    def add_file(self, file: File, *, key: str | None = None) -> File:
        return self._run(self._client.add_file(file, key=key))

    def get_file(
        self,
        *,
        file_id: str = "",
        label: str = "",
        name: str = "",
        latest: bool = True,
        colony: str | None = None,
        key: str | None = None,
    ) -> list[File]:
        """By id, or by label + name (latest or every revision, newest first)."""
        return self._run(
            self._client.get_file(
                file_id=file_id,
                label=label,
                name=name,
                latest=latest,
                colony=colony,
                key=key,
            )
        )

    def find_file(
        self,
        *,
        file_id: str = "",
        label: str = "",
        name: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> File | None:
        """``get_file``: the file by id or the latest revision by label + name; None if
        there is none."""
        return self._run(
            self._client.find_file(
                file_id=file_id,
                label=label,
                name=name,
                colony=colony,
                key=key,
            )
        )

    def get_files(
        self, label: str, *, colony: str | None = None, key: str | None = None
    ) -> list[FileData]:
        return self._run(self._client.get_files(label, colony=colony, key=key))

    def get_labels(
        self,
        name: str = "",
        exact: bool = False,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> list[Label]:
        """File labels (``getfilelabelsmsg``) under ``name``, or ``name`` only if exact."""
        return self._run(self._client.get_labels(name, exact, colony=colony, key=key))

    def remove_file(
        self,
        *,
        file_id: str = "",
        label: str = "",
        name: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        return self._run(
            self._client.remove_file(
                file_id=file_id,
                label=label,
                name=name,
                colony=colony,
                key=key,
            )
        )

    def create_snapshot(
        self, label: str, name: str, *, colony: str | None = None, key: str | None = None
    ) -> Snapshot:
        return self._run(self._client.create_snapshot(label, name, colony=colony, key=key))

    def get_snapshot(
        self,
        *,
        snapshot_id: str = "",
        name: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> Snapshot:
        return self._run(
            self._client.get_snapshot(
                snapshot_id=snapshot_id,
                name=name,
                colony=colony,
                key=key,
            )
        )

    def get_snapshots(self, *, colony: str | None = None, key: str | None = None) -> list[Snapshot]:
        return self._run(self._client.get_snapshots(colony=colony, key=key))

    def remove_snapshot(
        self,
        *,
        snapshot_id: str = "",
        name: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        return self._run(
            self._client.remove_snapshot(
                snapshot_id=snapshot_id,
                name=name,
                colony=colony,
                key=key,
            )
        )

    def remove_all_snapshots(self, *, colony: str | None = None, key: str | None = None) -> None:
        return self._run(self._client.remove_all_snapshots(colony=colony, key=key))
