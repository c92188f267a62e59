"""Every handler module's router, merged; ``check_coverage`` proves MESSAGES is covered."""

from __future__ import annotations

from colonies.rpc import MESSAGES
from colonies.server.handlers import (
    attributes,
    audit,
    blueprints,
    channels,
    colonies,
    crons,
    executors,
    files,
    functions,
    generators,
    locations,
    logs,
    process_graphs,
    processes,
    server,
    tickets,
    users,
)
from colonies.server.router import Route, Subscription

ROUTERS = [
    server.router,
    colonies.router,
    users.router,
    executors.router,
    functions.router,
    processes.router,
    process_graphs.router,
    attributes.router,
    locations.router,
    logs.router,
    channels.router,
    generators.router,
    crons.router,
    files.router,
    blueprints.router,
    tickets.router,
    audit.router,
]


def routes() -> dict[str, Route]:
    """All /api routes by payload type; raises if a type has two handlers."""
    merged: dict[str, Route] = {}
    for router in ROUTERS:
        for payload_type, route in router.routes.items():
            if payload_type in merged:
                raise RuntimeError(f"two handlers for {payload_type}")
            merged[payload_type] = route
    return merged


def subscriptions() -> dict[str, Subscription]:
    """All /pubsub subscription handlers by payload type."""
    return {t: s for router in ROUTERS for t, s in router.subscriptions.items()}


def check_coverage(table: dict[str, Route], subs: dict[str, Subscription] | None = None) -> None:
    """Every message class has exactly one handler and every handler a message class."""
    subs = subscriptions() if subs is None else subs
    http = {t for t, cls in MESSAGES.items() if not cls.websocket}
    ws = {t for t, cls in MESSAGES.items() if cls.websocket}
    problems = {
        "http handlers missing": sorted(http - set(table)),
        "http handlers without message": sorted(set(table) - http),
        "subscription handlers missing": sorted(ws - set(subs)),
        "subscription handlers without message": sorted(set(subs) - ws),
    }
    if any(problems.values()):
        raise RuntimeError(f"handler registry does not match the messages: {problems}")
