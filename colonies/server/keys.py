"""Every typed application key, in one place, and the ``Ctx`` a request gets from them."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from colonies.config import Settings
from colonies.db import Database
from colonies.server.audit import AuditWriter
from colonies.server.events import Events
from colonies.server.health import DatabaseHealth
from colonies.server.limits import Bodies
from colonies.server.members import MemberCache
from colonies.server.metrics import Metrics
from colonies.server.replay import ReplayGuard
from colonies.server.router import Ctx, Route, Subscription
from colonies.server.services.processes import Submits
from colonies.server.tasks import Tasks

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
DB = web.AppKey("db", Database)
EVENTS = web.AppKey("events", Events)
METRICS = web.AppKey("metrics", Metrics)
ROUTES = web.AppKey("routes", dict[str, Route])
MEMBERS = web.AppKey("members", MemberCache)
SUBSCRIPTIONS = web.AppKey("subscriptions", dict[str, Subscription])
BODIES = web.AppKey("bodies", Bodies)
HEALTH = web.AppKey("health", DatabaseHealth)
AUDIT = web.AppKey("audit", AuditWriter)
REPLAY = web.AppKey("replay", ReplayGuard)
TASKS = web.AppKey("tasks", Tasks)
SUBMITS = web.AppKey("submits", Submits)


def make_ctx(request: web.Request, caller_id: str, payload_json: str) -> Ctx:
    """A request's ``Ctx``: the app's shared parts, the caller and whether it has gone."""
    app = request.app

    def gone() -> bool:
        return request.transport is None or request.transport.is_closing()

    return Ctx(
        db=app[DB],
        settings=app[SETTINGS],
        events=app[EVENTS],
        members=app[MEMBERS],
        tasks=app[TASKS],
        caller_id=caller_id,
        submits=app.get(SUBMITS),
        payload_json=payload_json,
        gone=gone,
    )
