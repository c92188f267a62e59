"""ColoniesClient: signed RPC over aiohttp, one method per payload type, typed replies.

The client is given its signing key and colony once::

    client = ColoniesClient(url, prvkey=key, colony="dev")   # or ColoniesClient.from_env()
    process = await client.submit(spec)          # signed with ``key``
    await client.get_processes(WAITING, 10)      # in colony "dev"

Roles differ between calls (the server owner adds colonies, the colony owner approves
executors, an executor closes processes): every signed method takes a keyword-only ``key=``
that overrides the client's key for that call, and colony-scoped methods a keyword-only
``colony=``. ``client.signed_by(other_key, colony=...)`` is a view of the same client (same
connection pool, same settings) with other defaults, for code that makes many calls in one
role. No method takes the key positionally.

Each method builds the ``Msg`` class of its payload type from ``colonies.rpc`` (the server
reads the same classes), and is marked with ``@sends(MsgClass)``: ``SENDS`` maps every
payload type to its one method. Replies are validated against their models.

Failures raise the tree of ``colonies.errors``: ``RPCError`` (``.status``, ``.message``) when
the server answered with an error, ``TransportError`` subclasses when no usable reply came
(connection refused, DNS, TLS, timeouts, a reply that is not a colonies envelope or does not
validate), ``ConfigError`` when the client has no key or colony for a call. Nothing from
aiohttp, json or pydantic reaches the caller.

Timeouts (``Timeouts``, from ``COLONIES_CONNECT_TIMEOUT``/``COLONIES_READ_TIMEOUT``): a
connect timeout, and a read timeout per request; long polls (``assign`` with a timeout,
``wait``, ``wait_for_any``, ``subscribe_channel``) wait for the server's own timeout plus
``Timeouts.long_poll_margin``.

``colonies.sync_client.SyncColoniesClient`` is the same API, blocking (generated from this
class by ``tools/gen_sync_client.py``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import ssl
import sys
import uuid
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from colonies.config import ClientSettings
from colonies.core import (
    ZERO_TIME,
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
    WireModel,
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
from colonies.errors import (
    ConfigError,
    ConnectError,
    ConnectionLost,
    ConnectTimeout,
    ProtocolError,
    ReadTimeout,
    RPCError,
    TransportError,
)
from colonies.rpc.attribute import AddAttributeMsg, GetAttributeMsg
from colonies.rpc.audit import GetAuditMsg
from colonies.rpc.base import Msg
from colonies.rpc.blueprint import (
    AddBlueprintDefinitionMsg,
    AddBlueprintMsg,
    GetBlueprintDefinitionMsg,
    GetBlueprintDefinitionsMsg,
    GetBlueprintHistoryMsg,
    GetBlueprintMsg,
    GetBlueprintsMsg,
    ReconcileBlueprintMsg,
    RemoveBlueprintDefinitionMsg,
    RemoveBlueprintMsg,
    UpdateBlueprintMsg,
    UpdateBlueprintStatusMsg,
)
from colonies.rpc.channel import ChannelAppendMsg, ChannelReadMsg, SubscribeChannelMsg
from colonies.rpc.colony import (
    AddColonyMsg,
    ChangeColonyIdMsg,
    GetColoniesMsg,
    GetColonyMsg,
    GetColonyStatsMsg,
    RemoveColonyMsg,
)
from colonies.rpc.cron import AddCronMsg, GetCronMsg, GetCronsMsg, RemoveCronMsg, RunCronMsg
from colonies.rpc.envelope import FEATURES_HEADER, request, stamped
from colonies.rpc.executor import (
    AddExecutorMsg,
    ApproveExecutorMsg,
    ChangeExecutorIdMsg,
    GetExecutorByIdMsg,
    GetExecutorMsg,
    GetExecutorsMsg,
    RejectExecutorMsg,
    RemoveExecutorMsg,
    ReportAllocationsMsg,
    UpdateExecutorMsg,
)
from colonies.rpc.file import (
    AddFileMsg,
    CreateSnapshotMsg,
    GetFileLabelsMsg,
    GetFileMsg,
    GetFilesMsg,
    GetSnapshotMsg,
    GetSnapshotsMsg,
    RemoveAllSnapshotMsg,
    RemoveFileMsg,
    RemoveSnapshotMsg,
)
from colonies.rpc.function import AddFunctionMsg, GetFunctionsMsg, RemoveFunctionMsg
from colonies.rpc.generator import (
    AddGeneratorMsg,
    GetGeneratorMsg,
    GetGeneratorsMsg,
    PackGeneratorMsg,
    RemoveGeneratorMsg,
    ResolveGeneratorMsg,
)
from colonies.rpc.location import (
    AddLocationMsg,
    GetLocationMsg,
    GetLocationsMsg,
    RemoveLocationMsg,
)
from colonies.rpc.log import AddExecutorLogMsg, AddLogMsg, GetLogsMsg, SearchLogsMsg
from colonies.rpc.process import (
    AssignProcessesMsg,
    AssignProcessMsg,
    CancelProcessMsg,
    CloseFailedMsg,
    CloseProcessesMsg,
    CloseSuccessfulMsg,
    ConfirmProcessesMsg,
    ConfirmProcessMsg,
    ExplainProcessMsg,
    GetProcessAttemptsMsg,
    GetProcessesMsg,
    GetProcessHistMsg,
    GetProcessMsg,
    PauseAssignmentsMsg,
    RemoveAllProcessesMsg,
    RemoveProcessMsg,
    ResumeAssignmentsMsg,
    SetOutputMsg,
    SubmitFunctionSpecMsg,
    SubscribeProcessesMsg,
    SubscribeProcessMsg,
)
from colonies.rpc.server import (
    ChangeServerIdMsg,
    GetClusterMsg,
    GetDatabaseStatusMsg,
    GetPauseStatusMsg,
    GetServerInfoMsg,
    GetStatisticsMsg,
    VersionMsg,
)
from colonies.rpc.ticket import (
    AddExecutorTicketMsg,
    EnrollExecutorMsg,
    GetExecutorTicketsMsg,
    RevokeExecutorTicketMsg,
)
from colonies.rpc.user import (
    AddUserMsg,
    ChangeUserIdMsg,
    GetUserByIdMsg,
    GetUserMsg,
    GetUsersMsg,
    RemoveUserMsg,
)
from colonies.rpc.workflow import (
    AddChildMsg,
    CancelProcessGraphMsg,
    GetProcessGraphMsg,
    GetProcessGraphsMsg,
    GetWorkflowStatsMsg,
    RemoveAllProcessGraphsMsg,
    RemoveProcessGraphMsg,
    RerunProcessGraphMsg,
    SubmitWorkflowSpecMsg,
)

if TYPE_CHECKING:
    import aiohttp

M = TypeVar("M", bound=WireModel)
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
IDLE_KEEPALIVE_S = 5.0
SUBMIT_ATTEMPTS = 4  # a submit whose connection failed is sent again with its request id

SENDS: dict[str, str] = {}
"""Payload type -> the name of the one ColoniesClient method that sends it."""


def sends(msg: type[Msg]) -> Callable[[F], F]:
    """Mark a client method as the one that sends ``msg`` (recorded in ``SENDS``)."""

    def mark(method: F) -> F:
        if msg.payload_type in SENDS:
            raise TypeError(f"{msg.payload_type} is sent by {SENDS[msg.payload_type]} already")
        SENDS[msg.payload_type] = method.__name__
        method.__sends__ = msg  # type: ignore[attr-defined]
        return method

    return mark


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``connect``: to open a connection; ``read``: for a reply (between bytes);
    ``long_poll_margin``: added to the server-side timeout of a long poll."""

    connect: float = 10.0
    read: float = 30.0
    long_poll_margin: float = 10.0

    @classmethod
    def from_settings(cls, s: ClientSettings) -> Timeouts:
        return cls(s.connect_timeout_s, s.read_timeout_s, s.long_poll_margin_s)

    def for_wait(self, server_timeout: float) -> float:
        """The read timeout of a long poll the server ends after ``server_timeout`` s (at
        least the read timeout: an assign that does not wait is an ordinary request)."""
        return max(self.read, max(server_timeout, 0) + self.long_poll_margin)


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


@contextlib.contextmanager
def transport_errors(url: str) -> Iterator[None]:
    """Map what aiohttp, the socket layer and JSON decoding raise into TransportError."""
    try:
        yield
    except TransportError:
        raise
    except Exception as e:
        mapped = _aiohttp_error(e, url) or _socket_error(e, url)
        if mapped is None:
            raise
        raise mapped from e


def _aiohttp_error(e: Exception, url: str) -> TransportError | None:
    """aiohttp's failures, when aiohttp is loaded (one-shot clients never load it)."""
    aiohttp = sys.modules.get("aiohttp")
    if aiohttp is None:
        return None
    if isinstance(e, aiohttp.ConnectionTimeoutError):
        return ConnectTimeout(f"no connection to {url} within the connect timeout", url)
    if isinstance(e, aiohttp.ServerTimeoutError):
        return ReadTimeout(f"{url} did not answer within the read timeout", url)
    if isinstance(e, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError)):
        return ConnectError(f"TLS with {url} failed: {e}", url)
    if isinstance(e, aiohttp.ClientConnectorError):
        return _connect_error(e.os_error, url)
    if isinstance(e, aiohttp.ClientError):
        return ConnectionLost(f"the connection to {url} failed: {e or type(e).__name__}", url)
    return None


def _socket_error(e: Exception, url: str) -> TransportError | None:
    """The socket layer's and JSON decoding's failures."""
    if isinstance(e, TimeoutError):
        return ReadTimeout(f"{url} did not answer within the read timeout", url)
    if isinstance(e, ssl.SSLError):
        return ConnectError(f"TLS with {url} failed: {e}", url)
    if isinstance(e, OSError):
        return ConnectionLost(f"the connection to {url} failed: {e or type(e).__name__}", url)
    if isinstance(e, (ValueError, KeyError, TypeError)):  # json, base64, a reply's shape
        return ProtocolError(f"{url} did not answer like a colonies server ({e})", url)
    return None


def _connect_error(e: OSError, url: str) -> TransportError:
    """What failing to open a connection means, whichever transport tried."""
    if isinstance(e, socket.gaierror):
        return ConnectError(f"cannot resolve the host of {url}: {e}", url)
    if isinstance(e, TimeoutError):
        return ConnectTimeout(f"no connection to {url} within the connect timeout", url)
    if isinstance(e, ssl.SSLError):
        return ConnectError(f"TLS with {url} failed: {e}", url)
    refused = isinstance(e, ConnectionRefusedError)
    why = "connection refused" if refused else (e.strerror or str(e))
    return ConnectError(f"cannot connect to {url} ({why})", url, refused=refused)


def _post_blocking(url: str, body: bytes, timeouts: Timeouts, read: float, verify: bool) -> Reply:
    """One ``POST /api`` on a connection of its own, with the standard library: what a
    one-shot client (the CLI) sends, so that it need not import aiohttp."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        if not verify:
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        conn = http.client.HTTPSConnection(
            host, parts.port, timeout=timeouts.connect, context=context
        )
    else:
        conn = http.client.HTTPConnection(host, parts.port, timeout=timeouts.connect)
    try:
        try:
            conn.connect()
        except OSError as e:
            raise _connect_error(e, url) from e
        if conn.sock is not None:
            conn.sock.settimeout(read)
        headers = {"Content-Type": "application/json"}
        conn.request("POST", "/api", body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        status = response.status
    except http.client.HTTPException as e:
        raise ConnectionLost(f"the connection to {url} failed: {e or type(e).__name__}", url) from e
    finally:
        conn.close()
    return _decode(text, status, url)


def _decode(text: str, status: int, url: str) -> Reply:
    """A reply envelope's text decoded; ProtocolError if it is not one."""
    with transport_errors(url):
        envelope = json.loads(text)
        if not isinstance(envelope, dict):
            raise ValueError("the reply is not a JSON object")
        decoded = base64.b64decode(envelope.get("payload", "")).decode()
    try:
        payload: Any = json.loads(decoded)
    except ValueError:
        payload = decoded
    return Reply(status, envelope.get("payloadtype", ""), payload, bool(envelope.get("error")))


def _validate(adapter: Callable[[Any], T], payload: Any, url: str) -> T:
    try:
        return adapter(payload)
    except ValidationError as e:
        raise ProtocolError(f"{url} sent a reply this client cannot read: {e}", url) from e


_ADAPTERS: dict[type[WireModel], TypeAdapter[Any]] = {}


_STR_LIST: TypeAdapter[list[str]] = TypeAdapter(list[str])


def _list_of(model: type[M]) -> TypeAdapter[list[M]]:
    if model not in _ADAPTERS:
        _ADAPTERS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return _ADAPTERS[model]


class ColoniesClient:
    """The Colonies RPC API (see the module text): ``prvkey`` signs and ``colony`` scopes
    calls unless a call passes ``key=``/``colony=``."""

    def __init__(
        self,
        url: str,
        *,
        prvkey: str = "",
        colony: str = "",
        timeouts: Timeouts | None = None,
        verify_tls: bool = True,
        session: aiohttp.ClientSession | None = None,
        one_shot: bool = False,
    ) -> None:
        self.url = url.rstrip("/")
        self.prvkey = prvkey
        self.colony = colony
        self.timeouts = timeouts or Timeouts()
        self._ssl = verify_tls
        self._session = session
        self._own_session = session is None
        self._owner: ColoniesClient | None = None
        self.one_shot = one_shot
        self._features: frozenset[str] = frozenset()
        self._features_text = ""
        """Each RPC on a connection of its own through the standard library, not aiohttp's
        pool: for a command line making a few calls (it then never imports aiohttp, unless
        it subscribes or checks /health)."""

    @classmethod
    def for_server(cls, host: str, port: int, tls: bool = False, **kw: Any) -> ColoniesClient:
        return cls(f"{'https' if tls else 'http'}://{host}:{port}", **kw)

    @classmethod
    def from_env(cls, settings: ClientSettings | None = None, **kw: Any) -> ColoniesClient:
        """A client for COLONIES_SERVER_HOST/PORT and COLONIES_TLS, signing with
        COLONIES_PRVKEY in COLONIES_COLONY_NAME, with the timeouts of ClientSettings;
        keywords override."""
        s = settings or ClientSettings.from_env()
        kw.setdefault("prvkey", s.prvkey)
        kw.setdefault("colony", s.colony_name)
        kw.setdefault("timeouts", Timeouts.from_settings(s))
        kw.setdefault("verify_tls", s.verify_tls)
        return cls.for_server(s.host, s.port, s.tls, **kw)

    def signed_by(self, prvkey: str, *, colony: str | None = None) -> ColoniesClient:
        """A view of this client that signs with ``prvkey`` (and works in ``colony``, else
        this client's): it shares the connection pool; closing it closes nothing."""
        view = ColoniesClient(
            self.url,
            prvkey=prvkey,
            colony=self.colony if colony is None else colony,
            timeouts=self.timeouts,
            verify_tls=self._ssl,
            one_shot=self.one_shot,
        )
        view._owner = self._owner or self
        view._own_session = False
        return view

    @property
    def server_features(self) -> frozenset[str]:
        """The optional payload type groups the server said it serves (its
        ``Colonies-Features`` reply header, ours), as of its last reply; empty before the
        first reply and for servers that do not say (the reference)."""
        return (self._owner or self)._features

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._owner is not None:
            return self._owner.session
        if self._session is None:
            import aiohttp

            # Idle connections are dropped before a server's idle timeout (ours and the
            # reference's: 10 s) can close one just as a request is sent on it.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeouts.connect),
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

    # the wire

    def _key(self, key: str | None) -> str:
        found = self.prvkey if key is None else key
        if not found:
            raise ConfigError(
                "no signing key: construct the client with prvkey= (or COLONIES_PRVKEY for "
                "from_env()), or pass key= to the call"
            )
        return found

    def _colony(self, colony: str | None) -> str:
        found = self.colony if colony is None else colony
        if not found:
            raise ConfigError(
                "no colony: construct the client with colony= (or COLONIES_COLONY_NAME for "
                "from_env()), or pass colony= to the call"
            )
        return found

    async def post_envelope(self, body: str | bytes, read_timeout: float | None = None) -> Reply:
        """POST a raw body to /api and decode whatever comes back (TransportError if no
        reply, or one that is not an envelope)."""
        read = self.timeouts.read if read_timeout is None else read_timeout
        if self.one_shot:
            data = body.encode() if isinstance(body, str) else body
            with transport_errors(self.url):
                return await asyncio.to_thread(
                    _post_blocking, self.url, data, self.timeouts, read, self._ssl
                )
        import aiohttp

        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self.timeouts.connect, sock_read=read
        )
        url = self.url + "/api"
        with transport_errors(self.url):
            async with self.session.post(url, data=body, ssl=self._ssl, timeout=timeout) as resp:
                text = await resp.text()
                status = resp.status
                features = resp.headers.get(FEATURES_HEADER, "")
        owner = self._owner or self
        if features != owner._features_text:
            owner._features_text = features
            owner._features = frozenset(f.strip() for f in features.split(",") if f.strip())
        return _decode(text, status, self.url)

    async def raw(
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
        data = stamped({**data, "msgtype": data.get("msgtype", payload_type)})
        signer = self.prvkey if key is None else key
        body = json.dumps(request(payload_type, data, signer or None))
        return await self.post_envelope(body, read_timeout)

    async def call(
        self,
        payload_type: str,
        data: dict[str, Any],
        *,
        key: str | None = None,
        read_timeout: float | None = None,
    ) -> Any:
        """``raw``, then the reply payload, or RPCError for an error reply."""
        reply = await self.raw(payload_type, data, key=key, read_timeout=read_timeout)
        if reply.error or reply.status != 200:
            raise RPCError(reply.message or str(reply.payload), status=reply.status)
        return reply.payload

    async def send(
        self, msg: Msg, *, key: str | None = None, read_timeout: float | None = None
    ) -> Any:
        """Send one message (signed with ``key`` or the client's key when its type is
        signed); the reply payload, or RPCError."""
        data = {**msg.to_wire(), "msgtype": msg.msgtype or msg.payload_type}
        signer = self._key(key) if msg.signed else ""
        return await self.call(msg.payload_type, data, key=signer, read_timeout=read_timeout)

    async def _one(
        self, model: type[M], msg: Msg, key: str | None, read_timeout: float | None = None
    ) -> M:
        payload = await self.send(msg, key=key, read_timeout=read_timeout)
        return _validate(model.model_validate, payload, self.url)

    async def _many(self, model: type[M], msg: Msg, key: str | None) -> list[M]:
        payload = await self.send(msg, key=key)
        return _validate(_list_of(model).validate_python, payload or [], self.url)

    async def _idempotent(self, model: type[M], msg: Msg, key: str | None) -> M:
        """``_one``, tried again after a lost connection (the payload carries a request id)."""
        for attempt in range(SUBMIT_ATTEMPTS - 1):
            try:
                return await self._one(model, msg, key)
            except (ConnectionLost, ConnectError, ReadTimeout):
                await asyncio.sleep(0.1 * 2**attempt)
        return await self._one(model, msg, key)

    def _ws_url(self) -> str:
        return self.url.replace("http", "ws", 1) + "/pubsub"

    @contextlib.asynccontextmanager
    async def _websocket(
        self, msg: Msg, key: str | None
    ) -> AsyncGenerator[aiohttp.ClientWebSocketResponse, None]:
        """A /pubsub connection with ``msg`` sent on it."""
        data = stamped({**msg.to_wire(), "msgtype": msg.payload_type})
        body = json.dumps(request(msg.payload_type, data, self._key(key)))
        handshake = self.timeouts.connect + self.timeouts.read
        with transport_errors(self.url):
            async with asyncio.timeout(handshake):
                ws = await self.session.ws_connect(self._ws_url(), ssl=self._ssl)
        try:
            with transport_errors(self.url):
                await ws.send_str(body)
            yield ws
        finally:
            await ws.close()

    async def _next_frame(self, ws: aiohttp.ClientWebSocketResponse, wait: float) -> Any | None:
        """The payload of the next reply frame; None when the server closed; RPCError on an
        error frame; ReadTimeout when nothing came within ``wait`` s."""
        import aiohttp

        with transport_errors(self.url):
            frame = await ws.receive(timeout=wait)
            if frame.type != aiohttp.WSMsgType.TEXT:
                return None
            envelope = json.loads(frame.data)
            payload = json.loads(base64.b64decode(envelope["payload"]))
        if envelope.get("error"):
            raise RPCError(payload.get("message", ""), status=payload.get("status", 500))
        return payload

    async def _subscribe_once(self, msg: Msg, key: str | None, wait: float) -> Any | None:
        """Send one subscription and return the first frame's payload (None if closed)."""
        async with self._websocket(msg, key) as ws:
            return await self._next_frame(ws, self.timeouts.for_wait(wait))

    # server

    @sends(VersionMsg)
    async def version(self) -> Version:
        return await self._one(Version, VersionMsg(), None)

    @sends(GetServerInfoMsg)
    async def server_info(self) -> ServerInfo:
        return await self._one(ServerInfo, GetServerInfoMsg(), None)

    async def health(self) -> bool:
        """GET /health: True when the server and its database answer."""
        import aiohttp

        with transport_errors(self.url):
            async with self.session.get(
                self.url + "/health",
                ssl=self._ssl,
                timeout=aiohttp.ClientTimeout(total=None, sock_read=self.timeouts.read),
            ) as resp:
                return resp.status == 200

    @sends(GetStatisticsMsg)
    async def statistics(self, *, key: str | None = None) -> Statistics:
        return await self._one(Statistics, GetStatisticsMsg(), key)

    @sends(GetClusterMsg)
    async def cluster(self, *, key: str | None = None) -> Cluster:
        return await self._one(Cluster, GetClusterMsg(), key)

    @sends(GetDatabaseStatusMsg)
    async def database_status(self, *, key: str | None = None) -> DatabaseStatus:
        """Ours: the database's state, schema version, PostgreSQL version and size (server
        owner key)."""
        return await self._one(DatabaseStatus, GetDatabaseStatusMsg(), key)

    @sends(ChangeServerIdMsg)
    async def change_server_id(self, server_id: str, *, key: str | None = None) -> None:
        await self.send(ChangeServerIdMsg(server_id=server_id), key=key)

    @sends(GetAuditMsg)
    async def get_audit(
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
        msg = GetAuditMsg(
            colony_name=self.colony if colony is None else colony,
            count=count,
            since=since or ZERO_TIME,
            before=before,
            of_type=payload_type,
        )
        return await self._many(AuditEntry, msg, key)

    # colonies

    @sends(AddColonyMsg)
    async def add_colony(self, colony: Colony, *, key: str | None = None) -> Colony:
        return await self._one(Colony, AddColonyMsg(colony=colony), key)

    @sends(RemoveColonyMsg)
    async def remove_colony(self, *, colony: str | None = None, key: str | None = None) -> None:
        await self.send(RemoveColonyMsg(colony_name=self._colony(colony)), key=key)

    @sends(GetColoniesMsg)
    async def get_colonies(self, *, key: str | None = None) -> list[Colony]:
        return await self._many(Colony, GetColoniesMsg(), key)

    @sends(GetColonyMsg)
    async def get_colony(self, *, colony: str | None = None, key: str | None = None) -> Colony:
        return await self._one(Colony, GetColonyMsg(colony_name=self._colony(colony)), key)

    @sends(GetColonyStatsMsg)
    async def colony_statistics(
        self, *, colony: str | None = None, key: str | None = None
    ) -> Statistics:
        msg = GetColonyStatsMsg(colony_name=self._colony(colony))
        return await self._one(Statistics, msg, key)

    @sends(ChangeColonyIdMsg)
    async def change_colony_id(
        self, colony_id: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        msg = ChangeColonyIdMsg(colony_name=self._colony(colony), colony_id=colony_id)
        await self.send(msg, key=key)

    @sends(GetPauseStatusMsg)
    async def pause_status(
        self, *, colony: str | None = None, key: str | None = None
    ) -> PauseStatus:
        msg = GetPauseStatusMsg(colony_name=self._colony(colony))
        return await self._one(PauseStatus, msg, key)

    @sends(PauseAssignmentsMsg)
    async def pause_assignments(self, *, colony: str | None = None, key: str | None = None) -> None:
        await self.send(PauseAssignmentsMsg(colony_name=self._colony(colony)), key=key)

    @sends(ResumeAssignmentsMsg)
    async def resume_assignments(
        self, *, colony: str | None = None, key: str | None = None
    ) -> None:
        await self.send(ResumeAssignmentsMsg(colony_name=self._colony(colony)), key=key)

    # users

    @sends(AddUserMsg)
    async def add_user(self, user: User, *, key: str | None = None) -> User:
        return await self._one(User, AddUserMsg(user=user), key)

    @sends(GetUsersMsg)
    async def get_users(self, *, colony: str | None = None, key: str | None = None) -> list[User]:
        return await self._many(User, GetUsersMsg(colony_name=self._colony(colony)), key)

    @sends(GetUserMsg)
    async def get_user(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> User:
        return await self._one(User, GetUserMsg(colony_name=self._colony(colony), name=name), key)

    @sends(RemoveUserMsg)
    async def remove_user(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        await self.send(RemoveUserMsg(colony_name=self._colony(colony), name=name), key=key)

    @sends(GetUserByIdMsg)
    async def get_user_by_id(
        self, user_id: str, *, colony: str | None = None, key: str | None = None
    ) -> User:
        msg = GetUserByIdMsg(colony_name=self._colony(colony), user_id=user_id)
        return await self._one(User, msg, key)

    @sends(ChangeUserIdMsg)
    async def change_user_id(
        self, user_id: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        """Replace the calling user's id (its key) with ``user_id``."""
        msg = ChangeUserIdMsg(colony_name=self._colony(colony), user_id=user_id)
        await self.send(msg, key=key)

    # executors

    @sends(AddExecutorMsg)
    async def add_executor(self, executor: Executor, *, key: str | None = None) -> Executor:
        return await self._one(Executor, AddExecutorMsg(executor=executor), key)

    @sends(GetExecutorsMsg)
    async def get_executors(
        self, *, colony: str | None = None, key: str | None = None
    ) -> list[Executor]:
        return await self._many(Executor, GetExecutorsMsg(colony_name=self._colony(colony)), key)

    @sends(GetExecutorMsg)
    async def get_executor(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> Executor:
        msg = GetExecutorMsg(colony_name=self._colony(colony), executor_name=name)
        return await self._one(Executor, msg, key)

    @sends(GetExecutorByIdMsg)
    async def get_executor_by_id(
        self, executor_id: str, *, colony: str | None = None, key: str | None = None
    ) -> Executor:
        msg = GetExecutorByIdMsg(colony_name=self._colony(colony), executor_id=executor_id)
        return await self._one(Executor, msg, key)

    @sends(ChangeExecutorIdMsg)
    async def change_executor_id(
        self, executor_id: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        """Replace the calling executor's id (its key) with ``executor_id``."""
        msg = ChangeExecutorIdMsg(colony_name=self._colony(colony), executor_id=executor_id)
        await self.send(msg, key=key)

    @sends(ApproveExecutorMsg)
    async def approve_executor(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        msg = ApproveExecutorMsg(colony_name=self._colony(colony), executor_name=name)
        await self.send(msg, key=key)

    @sends(RejectExecutorMsg)
    async def reject_executor(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        msg = RejectExecutorMsg(colony_name=self._colony(colony), executor_name=name)
        await self.send(msg, key=key)

    @sends(RemoveExecutorMsg)
    async def remove_executor(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        msg = RemoveExecutorMsg(colony_name=self._colony(colony), executor_name=name)
        await self.send(msg, key=key)

    @sends(UpdateExecutorMsg)
    async def update_capabilities(
        self,
        name: str,
        capabilities: Capabilities,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        msg = UpdateExecutorMsg(
            colony_name=self._colony(colony), executor_name=name, capabilities=capabilities
        )
        await self.send(msg, key=key)

    @sends(ReportAllocationsMsg)
    async def report_allocations(
        self,
        name: str,
        allocations: Allocations,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        msg = ReportAllocationsMsg(
            colony_name=self._colony(colony), executor_name=name, allocations=allocations
        )
        await self.send(msg, key=key)

    # enrollment tickets

    @sends(AddExecutorTicketMsg)
    async def add_executor_ticket(
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
        msg = AddExecutorTicketMsg(
            colony_name=self._colony(colony),
            executor_type=executor_type,
            name_prefix=name_prefix,
            uses=uses,
            expires_in=expires_in_s,
        )
        return await self._one(ExecutorTicket, msg, key)

    @sends(GetExecutorTicketsMsg)
    async def get_executor_tickets(
        self, *, colony: str | None = None, key: str | None = None
    ) -> list[ExecutorTicket]:
        msg = GetExecutorTicketsMsg(colony_name=self._colony(colony))
        return await self._many(ExecutorTicket, msg, key)

    @sends(RevokeExecutorTicketMsg)
    async def revoke_executor_ticket(
        self, ticket_id: str, *, colony: str | None = None, key: str | None = None
    ) -> ExecutorTicket:
        msg = RevokeExecutorTicketMsg(colony_name=self._colony(colony), ticket_id=ticket_id)
        return await self._one(ExecutorTicket, msg, key)

    @sends(EnrollExecutorMsg)
    async def enroll_executor(
        self, ticket: str, executor: Executor, *, key: str | None = None
    ) -> Executor:
        """Register and approve the executor of ``key`` (its own, new key) with a ticket."""
        return await self._one(Executor, EnrollExecutorMsg(ticket=ticket, executor=executor), key)

    # functions

    @sends(AddFunctionMsg)
    async def add_function(self, function: Function, *, key: str | None = None) -> Function:
        return await self._one(Function, AddFunctionMsg(function=function), key)

    @sends(GetFunctionsMsg)
    async def get_functions(
        self, *, executor_name: str = "", colony: str | None = None, key: str | None = None
    ) -> list[Function]:
        msg = GetFunctionsMsg(colony_name=self._colony(colony), executor_name=executor_name)
        return await self._many(Function, msg, key)

    @sends(RemoveFunctionMsg)
    async def remove_function(self, function_id: str, *, key: str | None = None) -> None:
        await self.send(RemoveFunctionMsg(function_id=function_id), key=key)

    # processes

    @sends(SubmitFunctionSpecMsg)
    async def submit(
        self, spec: FunctionSpec, *, request_id: str | None = None, key: str | None = None
    ) -> Process:
        """Submit a function spec (in the client's colony when the spec names none). Sent
        again if the connection fails before the reply, with the same request id (a new one
        unless given): the server then returns the process the first try made instead of
        making a second."""
        if not spec.conditions.colony_name and self.colony:
            spec = spec.model_copy(deep=True)
            spec.conditions.colony_name = self.colony
        msg = SubmitFunctionSpecMsg(spec=spec, request_id=request_id or uuid.uuid4().hex)
        return await self._idempotent(Process, msg, key)

    @sends(AssignProcessMsg)
    async def assign(
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
        msg = AssignProcessMsg(
            colony_name=self._colony(colony),
            timeout=timeout,
            available_cpu=available_cpu,
            available_mem=available_mem,
            confirm_delivery=confirm_delivery,
        )
        return await self._one(Process, msg, key, self.timeouts.for_wait(timeout))

    @sends(ConfirmProcessMsg)
    async def confirm_process(self, process_id: str, *, key: str | None = None) -> None:
        """Tell the server this executor received the process (ends its delivery lease);
        RPCError 403 means the lease had ended: the process is not ours to run."""
        await self.send(ConfirmProcessMsg(process_id=process_id), key=key)

    @sends(AssignProcessesMsg)
    async def assign_many(
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
        msg = AssignProcessesMsg(
            colony_name=self._colony(colony),
            timeout=timeout,
            count=count,
            available_cpu=available_cpu,
            available_mem=available_mem,
        )
        payload = await self.send(msg, key=key, read_timeout=self.timeouts.for_wait(timeout))
        return _validate(_list_of(Process).validate_python, payload or [], self.url)

    @sends(ConfirmProcessesMsg)
    async def confirm_processes(
        self, process_ids: list[str], *, colony: str | None = None, key: str | None = None
    ) -> list[str]:
        """Ours: ``confirm_process`` for several processes of a colony; the ids confirmed
        (any other is not the caller's to run)."""
        msg = ConfirmProcessesMsg(colony_name=self._colony(colony), process_ids=process_ids)
        payload = await self.send(msg, key=key)
        return _validate(_STR_LIST.validate_python, payload or [], self.url)

    @sends(CloseProcessesMsg)
    async def close_processes(
        self,
        results: list[ProcessResult],
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> list[ResultOutcome]:
        """Ours: close several processes of the caller in one request (each successful with
        its output, or failed with its errors); one outcome per process, status 200 when
        it was closed, else the error its single close would have had."""
        msg = CloseProcessesMsg(colony_name=self._colony(colony), results=results)
        return await self._many(ResultOutcome, msg, key)

    @sends(GetProcessesMsg)
    async def get_processes(
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
        msg = GetProcessesMsg(
            colony_name=self._colony(colony),
            state=state,
            count=count,
            executor_type=executor_type,
            label=label,
            initiator=initiator,
        )
        return await self._many(Process, msg, key)

    @sends(GetProcessHistMsg)
    async def process_history(
        self,
        state: int,
        seconds: int,
        *,
        executor_id: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> list[Process]:
        """Processes in ``state`` submitted within the last ``seconds``, oldest first."""
        msg = GetProcessHistMsg(
            colony_name=self._colony(colony),
            executor_id=executor_id,
            seconds=seconds,
            state=state,
        )
        return await self._many(Process, msg, key)

    @sends(GetProcessMsg)
    async def get_process(self, process_id: str, *, key: str | None = None) -> Process:
        return await self._one(Process, GetProcessMsg(process_id=process_id), key)

    @sends(ExplainProcessMsg)
    async def explain_process(self, process_id: str, *, key: str | None = None) -> Explanation:
        """Ours: why a process waits (``colonies process explain``)."""
        return await self._one(Explanation, ExplainProcessMsg(process_id=process_id), key)

    @sends(GetProcessAttemptsMsg)
    async def get_process_attempts(
        self, process_id: str, *, key: str | None = None
    ) -> list[Attempt]:
        """Every attempt of a process, oldest first; the last is the current one (ours)."""
        return await self._many(Attempt, GetProcessAttemptsMsg(process_id=process_id), key)

    @sends(RemoveProcessMsg)
    async def remove_process(self, process_id: str, *, key: str | None = None) -> None:
        await self.send(RemoveProcessMsg(process_id=process_id), key=key)

    @sends(RemoveAllProcessesMsg)
    async def remove_all_processes(
        self, state: int = -1, *, colony: str | None = None, key: str | None = None
    ) -> None:
        msg = RemoveAllProcessesMsg(colony_name=self._colony(colony), state=state)
        await self.send(msg, key=key)

    @sends(CloseSuccessfulMsg)
    async def close_process(
        self, process_id: str, output: list[Any] | None = None, *, key: str | None = None
    ) -> None:
        msg = CloseSuccessfulMsg(process_id=process_id, output=output or [])
        await self.send(msg, key=key)

    @sends(CloseFailedMsg)
    async def fail_process(
        self, process_id: str, errors: list[str] | None = None, *, key: str | None = None
    ) -> None:
        await self.send(CloseFailedMsg(process_id=process_id, errors=errors or []), key=key)

    @sends(SetOutputMsg)
    async def set_output(
        self, process_id: str, output: list[Any], *, key: str | None = None
    ) -> None:
        await self.send(SetOutputMsg(process_id=process_id, output=output), key=key)

    @sends(CancelProcessMsg)
    async def cancel(self, process_id: str, *, key: str | None = None) -> None:
        await self.send(CancelProcessMsg(process_id=process_id), key=key)

    @sends(SubscribeProcessMsg)
    async def wait(
        self, process: Process, state: int, timeout: int, *, key: str | None = None
    ) -> Process | None:
        """Wait on /pubsub until the process is in ``state``; None after ``timeout`` s."""
        msg = SubscribeProcessMsg(
            colony_name=process.spec.conditions.colony_name,
            process_id=process.process_id,
            state=state,
            timeout=timeout,
        )
        payload = await self._subscribe_once(msg, key, timeout)
        return None if payload is None else _validate(Process.model_validate, payload, self.url)

    @sends(SubscribeProcessesMsg)
    async def wait_for_any(
        self,
        executor_type: str,
        state: int,
        timeout: int,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> Process | None:
        """``subscribeprocessesmsg``: the next process of a type to reach ``state``.

        None after ``timeout`` s. The caller must be a registered executor.
        """
        msg = SubscribeProcessesMsg(
            colony_name=self._colony(colony),
            executor_type=executor_type,
            state=state,
            timeout=timeout,
        )
        payload = await self._subscribe_once(msg, key, timeout)
        return None if payload is None else _validate(Process.model_validate, payload, self.url)

    @sends(SubscribeChannelMsg)
    async def subscribe_channel(
        self,
        process_id: str,
        name: str,
        *,
        after: int = 0,
        timeout: int = 30,
        key: str | None = None,
    ) -> AsyncGenerator[list[MsgEntry], None]:
        """``subscribechannelmsg``: batches of entries as they arrive, until ``timeout`` s."""
        msg = SubscribeChannelMsg(
            process_id=process_id, name=name, after_seq=after, timeout=timeout
        )
        async with self._websocket(msg, key) as ws:
            while (
                payload := await self._next_frame(ws, self.timeouts.for_wait(timeout))
            ) is not None:
                entries = _validate(_list_of(MsgEntry).validate_python, payload or [], self.url)
                if not entries:
                    return
                yield entries

    # workflows

    @sends(SubmitWorkflowSpecMsg)
    async def submit_workflow(
        self, workflow: WorkflowSpec, *, request_id: str | None = None, key: str | None = None
    ) -> ProcessGraph:
        """Submit a workflow (in the client's colony when it names none); retried after a
        lost connection like ``submit``."""
        if not workflow.colony_name and self.colony:
            workflow = workflow.model_copy(deep=True)
            workflow.colony_name = self.colony
        msg = SubmitWorkflowSpecMsg(spec=workflow, request_id=request_id or uuid.uuid4().hex)
        return await self._idempotent(ProcessGraph, msg, key)

    @sends(GetProcessGraphMsg)
    async def get_process_graph(self, graph_id: str, *, key: str | None = None) -> ProcessGraph:
        return await self._one(ProcessGraph, GetProcessGraphMsg(process_graph_id=graph_id), key)

    @sends(GetWorkflowStatsMsg)
    async def get_workflow_stats(self, graph_id: str, *, key: str | None = None) -> WorkflowStats:
        """Ours: step statistics of a workflow (``colonies workflow stats``)."""
        return await self._one(WorkflowStats, GetWorkflowStatsMsg(process_graph_id=graph_id), key)

    @sends(GetProcessGraphsMsg)
    async def get_process_graphs(
        self, state: int, count: int, *, colony: str | None = None, key: str | None = None
    ) -> list[ProcessGraph]:
        msg = GetProcessGraphsMsg(colony_name=self._colony(colony), state=state, count=count)
        return await self._many(ProcessGraph, msg, key)

    @sends(RemoveProcessGraphMsg)
    async def remove_process_graph(self, graph_id: str, *, key: str | None = None) -> None:
        await self.send(RemoveProcessGraphMsg(process_graph_id=graph_id), key=key)

    @sends(RemoveAllProcessGraphsMsg)
    async def remove_all_process_graphs(
        self, state: int = -1, *, colony: str | None = None, key: str | None = None
    ) -> None:
        msg = RemoveAllProcessGraphsMsg(colony_name=self._colony(colony), state=state)
        await self.send(msg, key=key)

    @sends(CancelProcessGraphMsg)
    async def cancel_process_graph(self, graph_id: str, *, key: str | None = None) -> None:
        await self.send(CancelProcessGraphMsg(process_graph_id=graph_id), key=key)

    @sends(RerunProcessGraphMsg)
    async def rerun_process_graph(
        self,
        graph_id: str,
        *,
        from_node: str = "",
        no_cache: bool = False,
        key: str | None = None,
    ) -> ProcessGraph:
        """Run the failed, skipped and cancelled part of a finished workflow again (and
        with ``from_node`` that node and everything after it; with ``no_cache`` without
        the cache); returns the graph (ours)."""
        msg = RerunProcessGraphMsg(
            process_graph_id=graph_id, from_node=from_node, no_cache=no_cache
        )
        return await self._one(ProcessGraph, msg, key)

    @sends(AddChildMsg)
    async def add_child(
        self,
        graph_id: str,
        parent_id: str,
        spec: FunctionSpec,
        *,
        child_id: str = "",
        insert: bool = False,
        key: str | None = None,
    ) -> Process:
        msg = AddChildMsg(
            process_graph_id=graph_id,
            parent_process_id=parent_id,
            child_process_id=child_id,
            spec=spec,
            insert=insert,
        )
        return await self._one(Process, msg, key)

    # attributes

    @sends(AddAttributeMsg)
    async def add_attribute(
        self, process_id: str, name: str, value: str, *, key: str | None = None
    ) -> Attribute:
        attribute = Attribute(target_id=process_id, key=name, value=value, attribute_type=1)
        return await self._one(Attribute, AddAttributeMsg(attribute=attribute), key)

    @sends(GetAttributeMsg)
    async def get_attribute(self, attribute_id: str, *, key: str | None = None) -> Attribute:
        return await self._one(Attribute, GetAttributeMsg(attribute_id=attribute_id), key)

    # logs

    @sends(AddLogMsg)
    async def add_log(self, process_id: str, message: str, *, key: str | None = None) -> None:
        await self.send(AddLogMsg(process_id=process_id, message=message), key=key)

    @sends(AddExecutorLogMsg)
    async def add_executor_log(
        self,
        executor_name: str,
        message: str,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        """A log entry of the calling executor that belongs to no process."""
        msg = AddExecutorLogMsg(
            colony_name=self._colony(colony), executor_name=executor_name, message=message
        )
        await self.send(msg, key=key)

    @sends(GetLogsMsg)
    async def get_logs(
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
        msg = GetLogsMsg(
            colony_name=self._colony(colony),
            process_id=process_id,
            executor_name=executor_name,
            count=count,
            since=since,
            latest=latest,
            attempt=attempt,
        )
        return await self._many(Log, msg, key)

    @sends(SearchLogsMsg)
    async def search_logs(
        self,
        text: str,
        days: int,
        count: int,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> list[Log]:
        msg = SearchLogsMsg(colony_name=self._colony(colony), text=text, days=days, count=count)
        return await self._many(Log, msg, key)

    # crons and generators

    @sends(AddCronMsg)
    async def add_cron(self, cron: Cron, *, key: str | None = None) -> Cron:
        return await self._one(Cron, AddCronMsg(cron=cron), key)

    @sends(GetCronMsg)
    async def get_cron(self, cron_id: str, *, key: str | None = None) -> Cron:
        return await self._one(Cron, GetCronMsg(cron_id=cron_id), key)

    @sends(GetCronsMsg)
    async def get_crons(
        self, count: int, *, colony: str | None = None, key: str | None = None
    ) -> list[Cron]:
        return await self._many(
            Cron, GetCronsMsg(colony_name=self._colony(colony), count=count), key
        )

    @sends(RunCronMsg)
    async def run_cron(self, cron_id: str, *, key: str | None = None) -> Cron:
        return await self._one(Cron, RunCronMsg(cron_id=cron_id), key)

    @sends(RemoveCronMsg)
    async def remove_cron(self, cron_id: str, *, key: str | None = None) -> None:
        await self.send(RemoveCronMsg(cron_id=cron_id), key=key)

    @sends(AddGeneratorMsg)
    async def add_generator(self, generator: Generator, *, key: str | None = None) -> Generator:
        return await self._one(Generator, AddGeneratorMsg(generator=generator), key)

    @sends(GetGeneratorMsg)
    async def get_generator(self, generator_id: str, *, key: str | None = None) -> Generator:
        return await self._one(Generator, GetGeneratorMsg(generator_id=generator_id), key)

    @sends(ResolveGeneratorMsg)
    async def resolve_generator(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> Generator:
        msg = ResolveGeneratorMsg(colony_name=self._colony(colony), generator_name=name)
        return await self._one(Generator, msg, key)

    @sends(GetGeneratorsMsg)
    async def get_generators(
        self, count: int, *, colony: str | None = None, key: str | None = None
    ) -> list[Generator]:
        msg = GetGeneratorsMsg(colony_name=self._colony(colony), count=count)
        return await self._many(Generator, msg, key)

    @sends(PackGeneratorMsg)
    async def pack_generator(self, generator_id: str, arg: str, *, key: str | None = None) -> None:
        await self.send(PackGeneratorMsg(generator_id=generator_id, arg=arg), key=key)

    @sends(RemoveGeneratorMsg)
    async def remove_generator(self, generator_id: str, *, key: str | None = None) -> None:
        await self.send(RemoveGeneratorMsg(generator_id=generator_id), key=key)

    # blueprints

    @sends(AddBlueprintDefinitionMsg)
    async def add_blueprint_definition(
        self, definition: BlueprintDefinition, *, key: str | None = None
    ) -> BlueprintDefinition:
        msg = AddBlueprintDefinitionMsg(blueprint_definition=definition)
        return await self._one(BlueprintDefinition, msg, key)

    @sends(GetBlueprintDefinitionMsg)
    async def get_blueprint_definition(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> BlueprintDefinition:
        msg = GetBlueprintDefinitionMsg(colony_name=self._colony(colony), name=name)
        return await self._one(BlueprintDefinition, msg, key)

    @sends(GetBlueprintDefinitionsMsg)
    async def get_blueprint_definitions(
        self, *, colony: str | None = None, key: str | None = None
    ) -> list[BlueprintDefinition]:
        msg = GetBlueprintDefinitionsMsg(colony_name=self._colony(colony))
        return await self._many(BlueprintDefinition, msg, key)

    @sends(RemoveBlueprintDefinitionMsg)
    async def remove_blueprint_definition(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        msg = RemoveBlueprintDefinitionMsg(namespace=self._colony(colony), name=name)
        await self.send(msg, key=key)

    @sends(AddBlueprintMsg)
    async def add_blueprint(self, blueprint: Blueprint, *, key: str | None = None) -> Blueprint:
        return await self._one(Blueprint, AddBlueprintMsg(blueprint=blueprint), key)

    @sends(GetBlueprintMsg)
    async def get_blueprint(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> Blueprint:
        msg = GetBlueprintMsg(namespace=self._colony(colony), name=name)
        return await self._one(Blueprint, msg, key)

    @sends(GetBlueprintsMsg)
    async def get_blueprints(
        self,
        *,
        kind: str = "",
        location_name: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> list[Blueprint]:
        msg = GetBlueprintsMsg(
            namespace=self._colony(colony), kind=kind, location_name=location_name
        )
        return await self._many(Blueprint, msg, key)

    @sends(UpdateBlueprintMsg)
    async def update_blueprint(
        self, blueprint: Blueprint, force_generation: bool = False, *, key: str | None = None
    ) -> Blueprint:
        msg = UpdateBlueprintMsg(blueprint=blueprint, force_generation=force_generation)
        return await self._one(Blueprint, msg, key)

    @sends(RemoveBlueprintMsg)
    async def remove_blueprint(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        await self.send(RemoveBlueprintMsg(namespace=self._colony(colony), name=name), key=key)

    @sends(UpdateBlueprintStatusMsg)
    async def update_blueprint_status(
        self,
        name: str,
        status: dict[str, Any],
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        msg = UpdateBlueprintStatusMsg(
            colony_name=self._colony(colony), blueprint_name=name, status=status
        )
        await self.send(msg, key=key)

    @sends(ReconcileBlueprintMsg)
    async def reconcile_blueprint(
        self,
        name: str,
        force: bool = False,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> Process:
        msg = ReconcileBlueprintMsg(namespace=self._colony(colony), name=name, force=force)
        return await self._one(Process, msg, key)

    @sends(GetBlueprintHistoryMsg)
    async def get_blueprint_history(
        self, blueprint_id: str, limit: int = 10, *, key: str | None = None
    ) -> list[BlueprintHistory]:
        msg = GetBlueprintHistoryMsg(blueprint_id=blueprint_id, limit=limit)
        return await self._many(BlueprintHistory, msg, key)

    # locations and channels

    @sends(AddLocationMsg)
    async def add_location(self, location: Location, *, key: str | None = None) -> Location:
        return await self._one(Location, AddLocationMsg(location=location), key)

    @sends(GetLocationMsg)
    async def get_location(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> Location:
        msg = GetLocationMsg(colony_name=self._colony(colony), name=name)
        return await self._one(Location, msg, key)

    @sends(GetLocationsMsg)
    async def get_locations(
        self, *, colony: str | None = None, key: str | None = None
    ) -> list[Location]:
        return await self._many(Location, GetLocationsMsg(colony_name=self._colony(colony)), key)

    @sends(RemoveLocationMsg)
    async def remove_location(
        self, name: str, *, colony: str | None = None, key: str | None = None
    ) -> None:
        await self.send(RemoveLocationMsg(colony_name=self._colony(colony), name=name), key=key)

    @sends(ChannelAppendMsg)
    async def channel_append(
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
        msg = ChannelAppendMsg(
            process_id=process_id,
            name=name,
            sequence=sequence,
            in_reply_to=in_reply_to,
            payload=payload,
            entry_type=payload_type,
        )
        await self.send(msg, key=key)

    @sends(ChannelReadMsg)
    async def channel_read(
        self, process_id: str, name: str, after: int, limit: int, *, key: str | None = None
    ) -> list[MsgEntry]:
        msg = ChannelReadMsg(process_id=process_id, name=name, after_seq=after, limit=limit)
        return await self._many(MsgEntry, msg, key)

    # files and snapshots (Colonies FS, PROTOCOL §7.12)

    @sends(AddFileMsg)
    async def add_file(self, file: File, *, key: str | None = None) -> File:
        return await self._one(File, AddFileMsg(file=file), key)

    @sends(GetFileMsg)
    async def get_file(
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
        msg = GetFileMsg(
            colony_name=self._colony(colony),
            file_id=file_id,
            label=label,
            name=name,
            latest=latest,
        )
        return await self._many(File, msg, key)

    async def find_file(
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
        try:
            files = await self.get_file(
                file_id=file_id, label=label, name=name, colony=colony, key=key
            )
        except RPCError as err:
            if err.status == 404:
                return None
            raise
        return files[0] if files else None

    @sends(GetFilesMsg)
    async def get_files(
        self, label: str, *, colony: str | None = None, key: str | None = None
    ) -> list[FileData]:
        msg = GetFilesMsg(colony_name=self._colony(colony), label=label)
        return await self._many(FileData, msg, key)

    @sends(GetFileLabelsMsg)
    async def get_labels(
        self,
        name: str = "",
        exact: bool = False,
        *,
        colony: str | None = None,
        key: str | None = None,
    ) -> list[Label]:
        """File labels (``getfilelabelsmsg``) under ``name``, or ``name`` only if exact."""
        msg = GetFileLabelsMsg(colony_name=self._colony(colony), name=name, exact=exact)
        return await self._many(Label, msg, key)

    @sends(RemoveFileMsg)
    async def remove_file(
        self,
        *,
        file_id: str = "",
        label: str = "",
        name: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        msg = RemoveFileMsg(
            colony_name=self._colony(colony), file_id=file_id, label=label, name=name
        )
        await self.send(msg, key=key)

    @sends(CreateSnapshotMsg)
    async def create_snapshot(
        self, label: str, name: str, *, colony: str | None = None, key: str | None = None
    ) -> Snapshot:
        msg = CreateSnapshotMsg(colony_name=self._colony(colony), label=label, name=name)
        return await self._one(Snapshot, msg, key)

    @sends(GetSnapshotMsg)
    async def get_snapshot(
        self,
        *,
        snapshot_id: str = "",
        name: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> Snapshot:
        msg = GetSnapshotMsg(colony_name=self._colony(colony), snapshot_id=snapshot_id, name=name)
        return await self._one(Snapshot, msg, key)

    @sends(GetSnapshotsMsg)
    async def get_snapshots(
        self, *, colony: str | None = None, key: str | None = None
    ) -> list[Snapshot]:
        return await self._many(Snapshot, GetSnapshotsMsg(colony_name=self._colony(colony)), key)

    @sends(RemoveSnapshotMsg)
    async def remove_snapshot(
        self,
        *,
        snapshot_id: str = "",
        name: str = "",
        colony: str | None = None,
        key: str | None = None,
    ) -> None:
        msg = RemoveSnapshotMsg(
            colony_name=self._colony(colony), snapshot_id=snapshot_id, name=name
        )
        await self.send(msg, key=key)

    @sends(RemoveAllSnapshotMsg)
    async def remove_all_snapshots(
        self, *, colony: str | None = None, key: str | None = None
    ) -> None:
        await self.send(RemoveAllSnapshotMsg(colony_name=self._colony(colony)), key=key)
