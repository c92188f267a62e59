"""HTML from the package's Jinja2 templates (autoescaped), as pages and fragments."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import jinja2
from aiohttp import web

from colonies.core import ExecutorState, ProcessState

STATE_NAMES = {s.value: s.name.lower() for s in ProcessState}
EXECUTOR_STATES = {s.value: s.name.lower() for s in ExecutorState}


def _when(value: datetime | None) -> str:
    """A time as ``2024-05-01 12:00:03`` UTC, or a dash for the wire's zero time."""
    if value is None or value.year < 1971:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _ago(value: datetime | None) -> str:
    if value is None or value.year < 1971:
        return "never"
    seconds = int((datetime.now(UTC) - value).total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)


def _wire(value: Any) -> Any:
    """Models (or lists of them) as the wire shows them."""
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value.to_wire() if hasattr(value, "to_wire") else value


def _short(value: str, n: int = 12) -> str:
    return value if len(value) <= n else value[:n] + "…"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("colonies.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=_when, ago=_ago, pretty=_pretty, short=_short, wire=_wire)
    env.globals.update(state_name=STATE_NAMES, executor_state=EXECUTOR_STATES)
    return env


TEMPLATES = web.AppKey("templates", jinja2.Environment)


def fragment(app: web.Application, name: str, context: dict[str, Any]) -> str:
    return app[TEMPLATES].get_template(name).render(**context)


def page(
    request: web.Request, name: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """A full page: ``context`` plus what every page shows (colony, role, CSRF token)."""
    from colonies.dashboard.access import session_of
    from colonies.dashboard.state import DASHBOARD

    session = session_of(request)
    dash = request.app.get(DASHBOARD)
    base = {
        "csrf": session.csrf if session else "",
        "who": dash.keys.who() if dash else "",
        "keys": dash.keys if dash else None,
        "colony": request.match_info.get("colony", dash.colony if dash else ""),
        "path": request.path,
        "server_url": dash.client.url if dash else "",
    }
    html = fragment(request.app, name, {**base, **context})
    return web.Response(text=html, status=status, content_type="text/html")
