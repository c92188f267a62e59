"""Every handler module's router, merged; ``check_coverage`` proves MESSAGES is covered."""

from __future__ import annotations

from colonies.rpc import MESSAGES
from colonies.server.handlers import (
    attributes,
    colonies,
    executors,
    functions,
    locations,
    logs,
    processes,
    server,
    users,
)
from colonies.server.router import Route

ROUTERS = [
    server.router,
    colonies.router,
    users.router,
    executors.router,
    functions.router,
    processes.router,
    attributes.router,
    locations.router,
    logs.router,
]


def routes() -> dict[str, Route]:
    """All routes by payload type; raises if a type has two handlers."""
    merged: dict[str, Route] = {}
    for router in ROUTERS:
        for payload_type, route in router.routes.items():
            if payload_type in merged:
                raise RuntimeError(f"two handlers for {payload_type}")
            merged[payload_type] = route
    return merged


def check_coverage(table: dict[str, Route]) -> None:
    """Every message class has exactly one handler and every handler a message class."""
    missing = sorted(set(MESSAGES) - set(table))
    extra = sorted(set(table) - set(MESSAGES))
    if missing or extra:
        raise RuntimeError(f"handlers missing for {missing}, handlers without message {extra}")
