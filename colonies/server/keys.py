"""Every typed application key, in one place."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from colonies.config import Settings
from colonies.db import Database
from colonies.server.audit import AuditWriter
from colonies.server.auth import MemberCache
from colonies.server.events import Events
from colonies.server.health import DatabaseHealth
from colonies.server.limits import Bodies
from colonies.server.metrics import Metrics
from colonies.server.replay import ReplayGuard
from colonies.server.router import Route, Subscription

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
