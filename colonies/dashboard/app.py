"""The dashboard's aiohttp application, and serving it on this machine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from colonies.dashboard import actions, views
from colonies.dashboard.access import SESSIONS, Handler, Sessions, require_session
from colonies.dashboard.live import HUB, Hub
from colonies.dashboard.render import TEMPLATES, environment, page
from colonies.dashboard.state import DASHBOARD, Dashboard

log = logging.getLogger("colonies.dashboard")

STATIC = Path(__file__).parent / "static"
HOST = "127.0.0.1"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@web.middleware
async def pages_for_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on every answer; a page, not a traceback, for what goes wrong."""
    try:
        response = await handler(request)
    except web.HTTPException as e:
        if e.status < 400:
            raise
        response = page(request, "refused.html", {"message": e.reason}, status=e.status)
    except Exception:
        log.exception("dashboard page %s failed", request.path)
        message = "This page failed; the dashboard's log says why."
        response = page(request, "refused.html", {"message": message}, status=500)
    if not response.prepared:
        response.headers.update(SECURITY_HEADERS)
    return response


async def _cleanup(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[HUB].close()
    await app[DASHBOARD].client.close()


async def _stop_streams(app: web.Application) -> None:
    # live streams never end by themselves: close the topics so that shutdown is quick
    await app[HUB].close()


def create_app(dash: Dashboard, sessions: Sessions | None = None) -> web.Application:
    app = web.Application(middlewares=[pages_for_errors, require_session])
    app[DASHBOARD] = dash
    app[SESSIONS] = sessions or Sessions()
    app[HUB] = Hub()
    app[TEMPLATES] = environment()
    app.add_routes(views.routes)
    app.add_routes(actions.routes)
    app.router.add_static("/static", STATIC)
    app.cleanup_ctx.append(_cleanup)
    app.on_shutdown.append(_stop_streams)
    return app


async def serve(dash: Dashboard, port: int, started: asyncio.Future[str] | None = None) -> None:
    """Serve on 127.0.0.1:``port`` (0: a free one) until cancelled; ``started`` gets the URL
    with the first one-time token."""
    sessions = Sessions()
    app = create_app(dash, sessions)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, port)
        await site.start()
        bound = runner.addresses[0][1]
        url = f"http://{HOST}:{bound}/?token={sessions.new_token()}"
        if started is not None:
            started.set_result(url)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
