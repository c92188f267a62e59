"""ColoniesClient: signed RPC over aiohttp, one method per payload type, typed replies.

Every method takes the signing key last (``key``), as pycolonies does: one client serves
the server owner, the colony owner and executors alike. Errors raise RPCError with the
server's status and message. ``SyncColoniesClient`` is the same API for scripts.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import threading
import uuid
from collections.abc import AsyncGenerator, Coroutine, Iterator
from datetime import datetime
from typing import Any, TypeVar

import aiohttp
from pydantic import TypeAdapter

from colonies.config import ClientSettings
from colonies.core import (
    ZERO_TIME,
    Allocations,
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
    ServerInfo,
    Statistics,
    User,
    Version,
    WireModel,
    WorkflowSpec,
)
from colonies.core.audit import AuditEntry
from colonies.core.blueprint import Blueprint, BlueprintDefinition, BlueprintHistory
from colonies.core.channel import MsgEntry
from colonies.core.cron import Cron
from colonies.core.generator import Generator
from colonies.core.ticket import ExecutorTicket
from colonies.errors import RPCError
from colonies.rpc.audit import GetAuditMsg
from colonies.rpc.envelope import request, stamped

M = TypeVar("M", bound=WireModel)
IDLE_KEEPALIVE_S = 5.0
SUBMIT_ATTEMPTS = 4  # a submit whose connection failed is sent again with its request id


class Reply:
    """A decoded reply: HTTP status, reply type and payload (JSON value, or text if not JSON)."""

    def __init__(self, status: int, payload_type: str, payload: Any, error: bool) -> None:
        self.status = status
        self.payload_type = payload_type
        self.payload = payload
        self.error = error

    @property
    def message(self) -> str:
        return str(self.payload.get("message", "")) if isinstance(self.payload, dict) else ""

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.payload_type!r}, {self.payload!r})"


class ColoniesClient:
    def __init__(
        self, url: str, session: aiohttp.ClientSession | None = None, *, verify_tls: bool = True
    ) -> None:
        self.url = url.rstrip("/")
        self._session = session
        self._own_session = session is None
        self._ssl = verify_tls

    @classmethod
    def for_server(cls, host: str, port: int, tls: bool = False, **kw: Any) -> ColoniesClient:
        return cls(f"{'https' if tls else 'http'}://{host}:{port}", **kw)

    @classmethod
    def from_env(cls, settings: ClientSettings | None = None, **kw: Any) -> ColoniesClient:
        """A client for COLONIES_SERVER_HOST/PORT and COLONIES_TLS (see ClientSettings)."""
        s = settings or ClientSettings.from_env()
        return cls.for_server(s.host, s.port, s.tls, verify_tls=s.verify_tls, **kw)

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            # Idle connections are dropped before a server's idle timeout (ours and the
            # reference's: 10 s) can close one just as a request is sent on it.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None),
                connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_KEEPALIVE_S),
            )
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> ColoniesClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def post_envelope(self, body: str | bytes) -> Reply:
        """POST a raw body to /api and decode whatever comes back."""
        async with self.session.post(self.url + "/api", data=body, ssl=self._ssl) as resp:
            text = await resp.text()
            status = resp.status
        envelope = json.loads(text)
        decoded = base64.b64decode(envelope.get("payload", "")).decode()
        try:
            payload: Any = json.loads(decoded)
        except ValueError:
            payload = decoded
        return Reply(status, envelope.get("payloadtype", ""), payload, bool(envelope.get("error")))

    async def raw(self, payload_type: str, data: dict[str, Any], prvkey: str | None) -> Reply:
        """Sign and send one message (with a fresh nonce and its signing time, see
        ``stamped``); returns the reply whatever its status."""
        data = stamped({**data, "msgtype": data.get("msgtype", payload_type)})
        return await self.post_envelope(json.dumps(request(payload_type, data, prvkey)))

    async def call(self, payload_type: str, data: dict[str, Any], prvkey: str | None) -> Any:
        """Sign and send one message; returns the reply payload or raises RPCError."""
        reply = await self.raw(payload_type, data, prvkey)
        if reply.error or reply.status != 200:
            raise RPCError(reply.message or str(reply.payload), status=reply.status)
        return reply.payload

    async def _one(self, model: type[M], payload_type: str, data: dict[str, Any], key: str) -> M:
        return model.model_validate(await self.call(payload_type, data, key))

    async def _many(
        self, model: type[M], payload_type: str, data: dict[str, Any], key: str
    ) -> list[M]:
        return TypeAdapter(list[model]).validate_python(  # type: ignore[valid-type]
            await self.call(payload_type, data, key) or []
        )

    # server
    async def version(self) -> Version:
        return Version.model_validate(await self.call("versionmsg", {}, None))

    async def server_info(self) -> ServerInfo:
        return ServerInfo.model_validate(await self.call("getserverinfomsg", {}, None))

    async def health(self) -> bool:
        async with self.session.get(self.url + "/health", ssl=self._ssl) as resp:
            return resp.status == 200

    async def statistics(self, key: str) -> Statistics:
        return await self._one(Statistics, "getstatisticsmsg", {}, key)

    async def cluster(self, key: str) -> Cluster:
        return await self._one(Cluster, "getclustermsg", {}, key)

    async def change_server_id(self, server_id: str, key: str) -> None:
        await self.call("changeserveridmsg", {"serverid": server_id}, key)

    async def get_audit(
        self,
        colony_name: str,
        key: str,
        *,
        count: int = 100,
        since: datetime | None = None,
        before: int = 0,
        payload_type: str = "",
    ) -> list[AuditEntry]:
        """Audit entries, newest first: a colony's (its owner's or the server owner's key)
        or, with ``colony_name`` empty, every colony's (the server owner's key). ``before``
        is the ``seq`` of the last entry of the previous page."""
        msg = GetAuditMsg(
            msgtype=GetAuditMsg.payload_type,
            colony_name=colony_name,
            count=count,
            since=since or ZERO_TIME,
            before=before,
            of_type=payload_type,
        )
        return await self._many(AuditEntry, "getauditmsg", msg.to_wire(), key)

    # colonies
    async def add_colony(self, colony: Colony, key: str) -> Colony:
        return await self._one(Colony, "addcolonymsg", {"colony": colony.to_wire()}, key)

    async def remove_colony(self, colony_name: str, key: str) -> None:
        await self.call("removecolonymsg", {"colonyname": colony_name}, key)

    async def get_colonies(self, key: str) -> list[Colony]:
        return await self._many(Colony, "getcoloniesmsg", {}, key)

    async def get_colony(self, colony_name: str, key: str) -> Colony:
        return await self._one(Colony, "getcolonymsg", {"colonyname": colony_name}, key)

    async def colony_statistics(self, colony_name: str, key: str) -> Statistics:
        return await self._one(Statistics, "getcolonystatsmsg", {"colonyname": colony_name}, key)

    async def change_colony_id(self, colony_name: str, colony_id: str, key: str) -> None:
        await self.call(
            "changecolonyidmsg", {"colonyname": colony_name, "colonyid": colony_id}, key
        )

    async def pause_status(self, colony_name: str, key: str) -> PauseStatus:
        return await self._one(PauseStatus, "getpausestatusmsg", {"colonyname": colony_name}, key)

    async def pause_assignments(self, colony_name: str, key: str) -> None:
        await self.call("pauseassignmentsmsg", {"colonyname": colony_name}, key)

    async def resume_assignments(self, colony_name: str, key: str) -> None:
        await self.call("resumeassignmentsmsg", {"colonyname": colony_name}, key)

    # users
    async def add_user(self, user: User, key: str) -> User:
        return await self._one(User, "addusermsg", {"user": user.to_wire()}, key)

    async def get_users(self, colony_name: str, key: str) -> list[User]:
        return await self._many(User, "getusersmsg", {"colonyname": colony_name}, key)

    async def get_user(self, colony_name: str, name: str, key: str) -> User:
        return await self._one(User, "getusermsg", {"colonyname": colony_name, "name": name}, key)

    async def remove_user(self, colony_name: str, name: str, key: str) -> None:
        await self.call("removeusermsg", {"colonyname": colony_name, "name": name}, key)

    async def get_user_by_id(self, colony_name: str, user_id: str, key: str) -> User:
        data = {"colonyname": colony_name, "userid": user_id}
        return await self._one(User, "getuserbyidmsg", data, key)

    async def change_user_id(self, colony_name: str, user_id: str, key: str) -> None:
        """Replace the calling user's id (its key) with ``user_id``."""
        await self.call("changeuseridmsg", {"colonyname": colony_name, "userid": user_id}, key)

    # executors
    async def add_executor(self, executor: Executor, key: str) -> Executor:
        return await self._one(Executor, "addexecutormsg", {"executor": executor.to_wire()}, key)

    async def get_executors(self, colony_name: str, key: str) -> list[Executor]:
        return await self._many(Executor, "getexecutorsmsg", {"colonyname": colony_name}, key)

    async def get_executor(self, colony_name: str, name: str, key: str) -> Executor:
        data = {"colonyname": colony_name, "executorname": name}
        return await self._one(Executor, "getexecutormsg", data, key)

    async def get_executor_by_id(self, colony_name: str, executor_id: str, key: str) -> Executor:
        data = {"colonyname": colony_name, "executorid": executor_id}
        return await self._one(Executor, "getexecutorbyidmsg", data, key)

    async def change_executor_id(self, colony_name: str, executor_id: str, key: str) -> None:
        """Replace the calling executor's id (its key) with ``executor_id``."""
        data = {"colonyname": colony_name, "executorid": executor_id}
        await self.call("changeexecutoridmsg", data, key)

    async def approve_executor(self, colony_name: str, name: str, key: str) -> None:
        await self.call(
            "approveexecutormsg", {"colonyname": colony_name, "executorname": name}, key
        )

    async def reject_executor(self, colony_name: str, name: str, key: str) -> None:
        await self.call("rejectexecutormsg", {"colonyname": colony_name, "executorname": name}, key)

    async def remove_executor(self, colony_name: str, name: str, key: str) -> None:
        await self.call("removeexecutormsg", {"colonyname": colony_name, "executorname": name}, key)

    async def update_capabilities(
        self, colony_name: str, name: str, capabilities: Capabilities, key: str
    ) -> None:
        data = {
            "colonyname": colony_name,
            "executorname": name,
            "capabilities": capabilities.to_wire(),
        }
        await self.call("updateexecutormsg", data, key)

    async def report_allocations(
        self, colony_name: str, name: str, allocations: Allocations, key: str
    ) -> None:
        data = {
            "colonyname": colony_name,
            "executorname": name,
            "allocations": allocations.to_wire(),
        }
        await self.call("reportallocationmsg", data, key)

    # enrollment tickets
    async def add_executor_ticket(
        self,
        colony_name: str,
        executor_type: str,
        key: str,
        *,
        uses: int = 1,
        expires_in_s: int = 24 * 3600,
        name_prefix: str = "",
    ) -> ExecutorTicket:
        """A new ticket (colony owner key); its ``token`` is in this reply only."""
        data = {
            "colonyname": colony_name,
            "executortype": executor_type,
            "nameprefix": name_prefix,
            "uses": uses,
            "expiresin": expires_in_s,
        }
        return await self._one(ExecutorTicket, "addexecutorticketmsg", data, key)

    async def get_executor_tickets(self, colony_name: str, key: str) -> list[ExecutorTicket]:
        data = {"colonyname": colony_name}
        return await self._many(ExecutorTicket, "getexecutorticketsmsg", data, key)

    async def revoke_executor_ticket(
        self, colony_name: str, ticket_id: str, key: str
    ) -> ExecutorTicket:
        data = {"colonyname": colony_name, "ticketid": ticket_id}
        return await self._one(ExecutorTicket, "revokeexecutorticketmsg", data, key)

    async def enroll_executor(self, ticket: str, executor: Executor, key: str) -> Executor:
        """Register and approve the executor of ``key`` (its own, new key) with a ticket."""
        data = {"ticket": ticket, "executor": executor.to_wire()}
        return await self._one(Executor, "enrollexecutormsg", data, key)

    # functions
    async def add_function(self, function: Function, key: str) -> Function:
        return await self._one(Function, "addfunctionmsg", {"fun": function.to_wire()}, key)

    async def get_functions(
        self, colony_name: str, key: str, executor_name: str = ""
    ) -> list[Function]:
        data = {"colonyname": colony_name, "executorname": executor_name}
        return await self._many(Function, "getfunctionsmsg", data, key)

    async def remove_function(self, function_id: str, key: str) -> None:
        await self.call("removefunctionmsg", {"functionid": function_id}, key)

    # processes
    async def submit(self, spec: FunctionSpec, key: str, request_id: str | None = None) -> Process:
        """Submit a function spec. Sent again if the connection fails before the reply, with
        the same request id (a new one unless given): the server then returns the process
        the first try made instead of making a second."""
        data = {"spec": spec.to_wire(), "requestid": request_id or uuid.uuid4().hex}
        return Process.model_validate(await self._idempotent("submitfuncspecmsg", data, key))

    async def _idempotent(self, payload_type: str, data: dict[str, Any], key: str) -> Any:
        """``call``, tried again after a lost connection (the payload carries a request id)."""
        for attempt in range(SUBMIT_ATTEMPTS - 1):
            try:
                return await self.call(payload_type, data, key)
            except (aiohttp.ClientConnectionError, TimeoutError):
                await asyncio.sleep(0.1 * 2**attempt)
        return await self.call(payload_type, data, key)

    async def assign(
        self,
        colony_name: str,
        timeout: int,
        key: str,
        available_cpu: str = "",
        available_mem: str = "",
        confirm_delivery: bool = False,
    ) -> Process:
        """Long-poll for a process (RPCError 404 when none came within ``timeout`` s). With
        ``confirm_delivery`` the caller must ``confirm_process`` it within the server's
        delivery lease, else it goes to another executor (ours; other servers ignore it)."""
        data: dict[str, Any] = {
            "colonyname": colony_name,
            "timeout": timeout,
            "availablecpu": available_cpu,
            "availablemem": available_mem,
        }
        if confirm_delivery:
            data["confirmdelivery"] = True
        return await self._one(Process, "assignprocessmsg", data, key)

    async def confirm_process(self, process_id: str, key: str) -> None:
        """Tell the server this executor received the process (ends its delivery lease);
        RPCError 403 means the lease had ended: the process is not ours to run."""
        await self.call("confirmprocessmsg", {"processid": process_id}, key)

    async def get_processes(
        self,
        colony_name: str,
        state: int,
        count: int,
        key: str,
        *,
        executor_type: str = "",
        label: str = "",
        initiator: str = "",
    ) -> list[Process]:
        data = {
            "colonyname": colony_name,
            "state": state,
            "count": count,
            "executortype": executor_type,
            "label": label,
            "initiator": initiator,
        }
        return await self._many(Process, "getprocessesmsg", data, key)

    async def process_history(
        self, colony_name: str, state: int, seconds: int, key: str, *, executor_id: str = ""
    ) -> list[Process]:
        """Processes in ``state`` submitted within the last ``seconds``, oldest first."""
        data = {
            "colonyname": colony_name,
            "executorid": executor_id,
            "seconds": seconds,
            "state": state,
        }
        return await self._many(Process, "getprocesshistmsg", data, key)

    async def get_process(self, process_id: str, key: str) -> Process:
        return await self._one(Process, "getprocessmsg", {"processid": process_id}, key)

    async def remove_process(self, process_id: str, key: str) -> None:
        await self.call("removeprocessmsg", {"processid": process_id}, key)

    async def remove_all_processes(self, colony_name: str, key: str, state: int = -1) -> None:
        await self.call("removeallprocessesmsg", {"colonyname": colony_name, "state": state}, key)

    async def close_process(
        self, process_id: str, key: str, output: list[Any] | None = None
    ) -> None:
        await self.call("closesuccessfulmsg", {"processid": process_id, "out": output or []}, key)

    async def fail_process(
        self, process_id: str, key: str, errors: list[str] | None = None
    ) -> None:
        await self.call("closefailedmsg", {"processid": process_id, "errors": errors or []}, key)

    async def set_output(self, process_id: str, output: list[Any], key: str) -> None:
        await self.call("setoutputmsg", {"processid": process_id, "out": output}, key)

    async def cancel(self, process_id: str, key: str) -> None:
        await self.call("cancelprocessmsg", {"processid": process_id}, key)

    async def wait(self, process: Process, state: int, timeout: int, key: str) -> Process | None:
        """Wait on /pubsub until the process is in ``state``; None after ``timeout`` s."""
        data = {
            "colonyname": process.spec.conditions.colony_name,
            "processid": process.process_id,
            "state": state,
            "timeout": timeout,
        }
        payload = await self._subscribe_once("subscribeprocessmsg", data, key)
        return None if payload is None else Process.model_validate(payload)

    async def wait_for_any(
        self, colony_name: str, executor_type: str, state: int, timeout: int, key: str
    ) -> Process | None:
        """``subscribeprocessesmsg``: the next process of a type to reach ``state``.

        None after ``timeout`` s. The caller must be a registered executor.
        """
        data = {
            "colonyname": colony_name,
            "executortype": executor_type,
            "state": state,
            "timeout": timeout,
        }
        payload = await self._subscribe_once("subscribeprocessesmsg", data, key)
        return None if payload is None else Process.model_validate(payload)

    async def subscribe_channel(
        self, process_id: str, name: str, key: str, *, after: int = 0, timeout: int = 30
    ) -> AsyncGenerator[list[MsgEntry], None]:
        """``subscribechannelmsg``: batches of entries as they arrive, until ``timeout`` s."""
        data = {
            "processid": process_id,
            "name": name,
            "afterseq": after,
            "timeout": timeout,
            "msgtype": "subscribechannelmsg",
        }
        async with self.session.ws_connect(self._ws_url(), ssl=self._ssl) as ws:
            await ws.send_str(json.dumps(request("subscribechannelmsg", stamped(data), key)))
            while (payload := await _next_frame(ws)) is not None:
                entries = _ENTRIES.validate_python(payload or [])
                if not entries:
                    return
                yield entries

    def _ws_url(self) -> str:
        return self.url.replace("http", "ws", 1) + "/pubsub"

    async def _subscribe_once(
        self, payload_type: str, data: dict[str, Any], key: str
    ) -> Any | None:
        """Send one subscription and return the first frame's payload (None if closed)."""
        data = stamped({**data, "msgtype": payload_type})
        async with self.session.ws_connect(self._ws_url(), ssl=self._ssl) as ws:
            await ws.send_str(json.dumps(request(payload_type, data, key)))
            return await _next_frame(ws)

    # workflows
    async def submit_workflow(
        self, workflow: WorkflowSpec, key: str, request_id: str | None = None
    ) -> ProcessGraph:
        """Submit a workflow; retried after a lost connection like ``submit``."""
        data = {"spec": workflow.to_wire(), "requestid": request_id or uuid.uuid4().hex}
        return ProcessGraph.model_validate(
            await self._idempotent("submitworkflowspecmsg", data, key)
        )

    async def get_process_graph(self, graph_id: str, key: str) -> ProcessGraph:
        return await self._one(
            ProcessGraph, "getprocessgraphmsg", {"processgraphid": graph_id}, key
        )

    async def get_process_graphs(
        self, colony_name: str, state: int, count: int, key: str
    ) -> list[ProcessGraph]:
        data = {"colonyname": colony_name, "state": state, "count": count}
        return await self._many(ProcessGraph, "getprocessgraphsmsg", data, key)

    async def remove_process_graph(self, graph_id: str, key: str) -> None:
        await self.call("removeprocessgraphmsg", {"processgraphid": graph_id}, key)

    async def remove_all_process_graphs(self, colony_name: str, key: str, state: int = -1) -> None:
        await self.call(
            "removeallprocessgraphsmsg", {"colonyname": colony_name, "state": state}, key
        )

    async def cancel_process_graph(self, graph_id: str, key: str) -> None:
        await self.call("cancelprocessgraphmsg", {"processgraphid": graph_id}, key)

    async def add_child(
        self,
        graph_id: str,
        parent_id: str,
        spec: FunctionSpec,
        key: str,
        *,
        child_id: str = "",
        insert: bool = False,
    ) -> Process:
        data = {
            "processgraphid": graph_id,
            "parentprocessid": parent_id,
            "childprocessid": child_id,
            "spec": spec.to_wire(),
            "insert": insert,
        }
        return await self._one(Process, "addchildmsg", data, key)

    # attributes
    async def add_attribute(self, process_id: str, name: str, value: str, key: str) -> Attribute:
        attr = {"targetid": process_id, "key": name, "value": value, "attributetype": 1}
        return await self._one(Attribute, "addattributemsg", {"attribute": attr}, key)

    async def get_attribute(self, attribute_id: str, key: str) -> Attribute:
        return await self._one(Attribute, "getattributemsg", {"attributeid": attribute_id}, key)

    # logs
    async def add_log(self, process_id: str, message: str, key: str) -> None:
        await self.call("addlogmsg", {"processid": process_id, "message": message}, key)

    async def add_executor_log(
        self, colony_name: str, executor_name: str, message: str, key: str
    ) -> None:
        """A log entry of the calling executor that belongs to no process."""
        data = {"colonyname": colony_name, "executorname": executor_name, "message": message}
        await self.call("addexecutorlogmsg", data, key)

    async def get_logs(
        self,
        colony_name: str,
        key: str,
        *,
        process_id: str = "",
        executor_name: str = "",
        count: int = 100,
        since: int = 0,
        latest: bool = False,
    ) -> list[Log]:
        data = {
            "colonyname": colony_name,
            "processid": process_id,
            "executorname": executor_name,
            "count": count,
            "since": since,
            "latest": latest,
        }
        return await self._many(Log, "getlogsmsg", data, key)

    async def search_logs(
        self, colony_name: str, text: str, days: int, count: int, key: str
    ) -> list[Log]:
        data = {"colonyname": colony_name, "text": text, "days": days, "count": count}
        return await self._many(Log, "searchlogsmsg", data, key)

    # crons and generators
    async def add_cron(self, cron: Cron, key: str) -> Cron:
        return await self._one(Cron, "addcronmsg", {"cron": cron.to_wire()}, key)

    async def get_cron(self, cron_id: str, key: str) -> Cron:
        return await self._one(Cron, "getcronmsg", {"cronid": cron_id}, key)

    async def get_crons(self, colony_name: str, count: int, key: str) -> list[Cron]:
        return await self._many(
            Cron, "getcronsmsg", {"colonyname": colony_name, "count": count}, key
        )

    async def run_cron(self, cron_id: str, key: str) -> Cron:
        return await self._one(Cron, "runcronmsg", {"cronid": cron_id}, key)

    async def remove_cron(self, cron_id: str, key: str) -> None:
        await self.call("removecronmsg", {"cronid": cron_id}, key)

    async def add_generator(self, generator: Generator, key: str) -> Generator:
        return await self._one(
            Generator, "addgeneratormsg", {"generator": generator.to_wire()}, key
        )

    async def get_generator(self, generator_id: str, key: str) -> Generator:
        return await self._one(Generator, "getgeneratormsg", {"generatorid": generator_id}, key)

    async def resolve_generator(self, colony_name: str, name: str, key: str) -> Generator:
        data = {"colonyname": colony_name, "generatorname": name}
        return await self._one(Generator, "resolvegeneratormsg", data, key)

    async def get_generators(self, colony_name: str, count: int, key: str) -> list[Generator]:
        data = {"colonyname": colony_name, "count": count}
        return await self._many(Generator, "getgeneratorsmsg", data, key)

    async def pack_generator(self, generator_id: str, arg: str, key: str) -> None:
        await self.call("packgeneratormsg", {"generatorid": generator_id, "arg": arg}, key)

    async def remove_generator(self, generator_id: str, key: str) -> None:
        await self.call("removegeneratormsg", {"generatorid": generator_id}, key)

    # blueprints
    async def add_blueprint_definition(
        self, definition: BlueprintDefinition, key: str
    ) -> BlueprintDefinition:
        data = {"blueprintdefinition": definition.to_wire()}
        return await self._one(BlueprintDefinition, "addblueprintdefinitionmsg", data, key)

    async def get_blueprint_definition(
        self, colony_name: str, name: str, key: str
    ) -> BlueprintDefinition:
        data = {"colonyname": colony_name, "name": name}
        return await self._one(BlueprintDefinition, "getblueprintdefinitionmsg", data, key)

    async def get_blueprint_definitions(
        self, colony_name: str, key: str
    ) -> list[BlueprintDefinition]:
        data = {"colonyname": colony_name}
        return await self._many(BlueprintDefinition, "getblueprintdefinitionsmsg", data, key)

    async def remove_blueprint_definition(self, colony_name: str, name: str, key: str) -> None:
        data = {"namespace": colony_name, "name": name}
        await self.call("removeblueprintdefinitionmsg", data, key)

    async def add_blueprint(self, blueprint: Blueprint, key: str) -> Blueprint:
        return await self._one(
            Blueprint, "addblueprintmsg", {"blueprint": blueprint.to_wire()}, key
        )

    async def get_blueprint(self, colony_name: str, name: str, key: str) -> Blueprint:
        data = {"namespace": colony_name, "name": name}
        return await self._one(Blueprint, "getblueprintmsg", data, key)

    async def get_blueprints(
        self, colony_name: str, key: str, kind: str = "", location_name: str = ""
    ) -> list[Blueprint]:
        data: dict[str, Any] = {"namespace": colony_name}
        if kind:
            data["kind"] = kind
        if location_name:
            data["locationname"] = location_name
        return await self._many(Blueprint, "getblueprintsmsg", data, key)

    async def update_blueprint(
        self, blueprint: Blueprint, key: str, force_generation: bool = False
    ) -> Blueprint:
        data = {"blueprint": blueprint.to_wire(), "forcegeneration": force_generation}
        return await self._one(Blueprint, "updateblueprintmsg", data, key)

    async def remove_blueprint(self, colony_name: str, name: str, key: str) -> None:
        await self.call("removeblueprintmsg", {"namespace": colony_name, "name": name}, key)

    async def update_blueprint_status(
        self, colony_name: str, name: str, status: dict[str, Any], key: str
    ) -> None:
        data = {"colonyname": colony_name, "blueprintname": name, "status": status}
        await self.call("updateblueprintstatusmsg", data, key)

    async def reconcile_blueprint(
        self, colony_name: str, name: str, key: str, force: bool = False
    ) -> Process:
        data = {"namespace": colony_name, "name": name, "force": force}
        return await self._one(Process, "reconcileblueprintmsg", data, key)

    async def get_blueprint_history(
        self, blueprint_id: str, key: str, limit: int = 10
    ) -> list[BlueprintHistory]:
        data = {"blueprintid": blueprint_id, "limit": limit}
        return await self._many(BlueprintHistory, "getblueprinthistorymsg", data, key)

    # locations and channels
    async def add_location(self, location: Location, key: str) -> Location:
        return await self._one(Location, "addlocationmsg", {"location": location.to_wire()}, key)

    async def get_location(self, colony_name: str, name: str, key: str) -> Location:
        data = {"colonyname": colony_name, "name": name}
        return await self._one(Location, "getlocationmsg", data, key)

    async def get_locations(self, colony_name: str, key: str) -> list[Location]:
        return await self._many(Location, "getlocationsmsg", {"colonyname": colony_name}, key)

    async def remove_location(self, colony_name: str, name: str, key: str) -> None:
        await self.call("removelocationmsg", {"colonyname": colony_name, "name": name}, key)

    async def channel_append(
        self,
        process_id: str,
        name: str,
        sequence: int,
        payload: bytes,
        key: str,
        *,
        in_reply_to: int = 0,
        payload_type: str = "",
    ) -> None:
        data = {
            "processid": process_id,
            "name": name,
            "sequence": sequence,
            "inreplyto": in_reply_to,
            "payload": base64.b64encode(payload).decode(),
            "payloadtype": payload_type,
        }
        await self.call("channelappendmsg", data, key)

    async def channel_read(
        self, process_id: str, name: str, after: int, limit: int, key: str
    ) -> list[MsgEntry]:
        data = {"processid": process_id, "name": name, "afterseq": after, "limit": limit}
        return await self._many(MsgEntry, "channelreadmsg", data, key)


_ENTRIES = TypeAdapter(list[MsgEntry])


async def _next_frame(ws: aiohttp.ClientWebSocketResponse) -> Any | None:
    """The payload of the next reply frame; None when the server closed; RPCError on error."""
    frame = await ws.receive()
    if frame.type != aiohttp.WSMsgType.TEXT:
        return None
    envelope = json.loads(frame.data)
    payload = json.loads(base64.b64decode(envelope["payload"]))
    if envelope.get("error"):
        raise RPCError(payload.get("message", ""), status=payload.get("status", 500))
    return payload


T = TypeVar("T")


async def _anext(stream: AsyncGenerator[T, None]) -> T:
    return await anext(stream)  # a coroutine, as run_coroutine_threadsafe wants


class SyncColoniesClient:
    """The ColoniesClient API, blocking: for scripts and notebooks.

    Calls run on a private event loop in a background thread, so this also works where an
    event loop is already running (Jupyter). ``client.get_process(pid, key)`` etc.
    """

    def __init__(self, url: str, **kw: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._client = self._run(self._make(url, kw))

    @staticmethod
    async def _make(url: str, kw: dict[str, Any]) -> ColoniesClient:
        return ColoniesClient(url, **kw)

    @classmethod
    def from_env(cls, settings: ClientSettings | None = None) -> SyncColoniesClient:
        s = settings or ClientSettings.from_env()
        return cls(f"{'https' if s.tls else 'http'}://{s.host}:{s.port}", verify_tls=s.verify_tls)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if inspect.isasyncgenfunction(method):  # subscriptions: a blocking iterator

            def iterate(*args: Any, **kwargs: Any) -> Iterator[Any]:
                return self._iterate(method(*args, **kwargs))

            return iterate
        if not asyncio.iscoroutinefunction(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._run(method(*args, **kwargs))

        return call

    def _iterate(self, stream: AsyncGenerator[Any, None]) -> Iterator[Any]:
        try:
            while True:
                try:
                    yield self._run(_anext(stream))
                except StopAsyncIteration:
                    return
        finally:
            self._run(stream.aclose())

    def close(self) -> None:
        self._run(self._client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> SyncColoniesClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
