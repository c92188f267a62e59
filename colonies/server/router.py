"""RpcRouter: handlers registered per message class; Ctx: what a handler gets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from colonies.config import Settings
from colonies.db import Database
from colonies.rpc import Msg
from colonies.server.events import Events
from colonies.server.members import MemberCache
from colonies.server.services.processes import Submits
from colonies.server.tasks import Tasks

M = TypeVar("M", bound=Msg)
G = TypeVar("G")
Handler = Callable[["Ctx", Any], Awaitable[Any]]


@dataclass(slots=True)
class Checked:
    """What the authorisation checks learnt about a request, for its audit entry: the colony
    checked first, and the role (and name) of the last check the caller passed."""

    colony_name: str = ""
    role: str = ""
    name: str = ""


@dataclass
class Ctx:
    """One request: the caller's recovered id and the server's shared parts."""

    db: Database
    settings: Settings
    events: Events
    members: MemberCache
    tasks: Tasks
    caller_id: str
    submits: Submits | None = None
    """Submitted processes stored many to a statement (None: each on its own)."""
    payload_json: str = ""
    gone: Callable[[], bool] = lambda: False
    """Whether the caller has disconnected (a reply would reach nobody)."""
    checked: Checked = field(default_factory=Checked)


@dataclass(frozen=True)
class Route:
    msg_class: type[Msg]
    handler: Handler
    reply_type: str
    changes_members: bool = False


Authorise = Callable[["Ctx", Any], Awaitable[Any]]
Subscriber = Callable[["Ctx", Any, Any, web.WebSocketResponse], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """A /pubsub topic: ``authorise`` runs first, with the rule of the matching RPC, and
    returns the grant (what the caller may see: the process, the colony) that ``handler``
    gets; a refusal is an error frame and nothing is sent before it."""

    msg_class: type[Msg]
    authorise: Authorise
    handler: Subscriber


class RpcRouter:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.subscriptions: dict[str, Subscription] = {}

    def subscribe(
        self, msg_class: type[M], *, authorise: Callable[[Ctx, M], Awaitable[G]]
    ) -> Callable[
        [Callable[[Ctx, M, G, web.WebSocketResponse], Awaitable[None]]],
        Callable[[Ctx, M, G, web.WebSocketResponse], Awaitable[None]],
    ]:
        """Register the /pubsub handler of a websocket message type. There is no way to
        register one without its authorise step, and the handler can only get its grant
        from it."""

        def register(
            fn: Callable[[Ctx, M, G, web.WebSocketResponse], Awaitable[None]],
        ) -> Callable[[Ctx, M, G, web.WebSocketResponse], Awaitable[None]]:
            if msg_class.payload_type in self.subscriptions:
                raise TypeError(f"two subscription handlers for {msg_class.payload_type}")
            self.subscriptions[msg_class.payload_type] = Subscription(msg_class, authorise, fn)
            return fn

        return register

    def handle(
        self, msg_class: type[M], reply_type: str = "", *, changes_members: bool = False
    ) -> Callable[[Callable[[Ctx, M], Awaitable[Any]]], Callable[[Ctx, M], Awaitable[Any]]]:
        def register(fn: Callable[[Ctx, M], Awaitable[Any]]) -> Callable[[Ctx, M], Awaitable[Any]]:
            if msg_class.payload_type in self.routes:
                raise TypeError(f"two handlers for {msg_class.payload_type}")
            self.routes[msg_class.payload_type] = Route(
                msg_class, fn, reply_type or msg_class.payload_type, changes_members
            )
            return fn

        return register
