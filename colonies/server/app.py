"""The composition root: create_app(settings) builds everything; run(settings) serves it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
from aiohttp import web

from colonies.config import Settings
from colonies.db import Database
from colonies.db.migrate import migrate
from colonies.db.pool import create_pool
from colonies.server import dispatch, keys, loops, realtime, replay
from colonies.server.audit import AuditWriter
from colonies.server.events import CHANNEL, MEMBERSHIP_CHANNEL, TOPIC_CHANNEL, Events
from colonies.server.handlers import check_coverage, routes, subscriptions
from colonies.server.health import DatabaseHealth, QuietOutages, is_outage
from colonies.server.limits import Bodies, runner_options
from colonies.server.members import MemberCache
from colonies.server.metrics import Metrics
from colonies.server.services import processes as processes_service
from colonies.server.tasks import Tasks

log = logging.getLogger(__name__)

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS",
    "Access-Control-Allow-Headers": "Origin,Content-Length,Content-Type",
    "Access-Control-Max-Age": "43200",
}


@web.middleware
async def cors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.method == "OPTIONS":
        return web.Response(status=204, headers=CORS_HEADERS)
    response = await handler(request)
    response.headers.update(CORS_HEADERS)
    return response


async def health(request: web.Request) -> web.Response:
    """200 (empty, as the reference) while the database answers, else 503."""
    if await request.app[keys.HEALTH].check():
        return web.Response(status=200)
    return web.Response(status=503, text="database unavailable")


async def metrics(request: web.Request) -> web.Response:
    return await render_metrics(request.app)


async def render_metrics(app: web.Application) -> web.Response:
    m = app[keys.METRICS]
    try:
        counts = await app[keys.DB].server.process_counts()
    except Exception as exc:
        if not await app[keys.HEALTH].explains(exc):
            raise
        return web.Response(status=503, text="database unavailable")
    for state, name in enumerate(("waiting", "running", "successful", "failed", "cancelled")):
        m.processes.labels(name).set(counts.get(state, 0))
    m.assign_waiters.set(app[keys.EVENTS].waiter_count())
    m.assign_wakeups.set(app[keys.EVENTS].wakeups)
    return web.Response(body=m.render(), content_type="text/plain")


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    pool = await create_pool(settings.dsn, max_size=settings.db_pool_size)
    async with pool.acquire() as conn:
        await migrate(conn)
    db = Database.over(pool)
    stored = await db.server.server_id()
    if settings.server_id and not stored:
        await db.server.set_server_id(settings.server_id)
    elif settings.server_id and stored != settings.server_id:
        log.warning("server id in the database differs from COLONIES_SERVER_ID; keeping %s", stored)
    elif not stored:
        log.warning("no server id configured: set COLONIES_SERVER_ID or COLONIES_SERVER_PRVKEY")
    app[keys.POOL] = pool
    app[keys.DB] = db
    app[keys.SUBMITS] = submits = processes_service.submits(db)
    app[keys.HEALTH] = DatabaseHealth.of(pool, settings.health_cache_s)
    quiet = QuietOutages()
    logging.getLogger("asyncpg.pool").addFilter(quiet)
    yield
    await app[keys.TASKS].drain()  # claims of callers that left go back before we close
    await submits.close()
    await app[keys.HEALTH].close()
    await pool.close()
    logging.getLogger("asyncpg.pool").removeFilter(quiet)


async def _audit(app: web.Application) -> AsyncIterator[None]:
    """The audit writer's task; on the way out it writes what is buffered (before the pool
    closes: this context is entered after the database's)."""
    app[keys.AUDIT].start(app[keys.DB])
    yield
    await app[keys.AUDIT].close()


async def _replay(app: web.Application) -> AsyncIterator[None]:
    """Replay protection records nonces through the pool; its last batch ends before it."""
    guard = app[keys.REPLAY]
    guard.start(app[keys.DB])
    yield
    await guard.stop()


async def _listen(app: web.Application) -> AsyncIterator[None]:
    """One LISTEN connection per server wakes local waiters; reconnects if it drops."""
    events = app[keys.EVENTS]
    members = app[keys.MEMBERS]
    dsn = app[keys.SETTINGS].dsn

    async def connect() -> asyncpg.Connection:
        conn = await asyncpg.connect(dsn)
        await conn.add_listener(CHANNEL, events.on_notification)
        await conn.add_listener(TOPIC_CHANNEL, events.on_notification)
        await conn.add_listener(MEMBERSHIP_CHANNEL, members.clear)
        return conn

    async def keep_alive(conn: asyncpg.Connection) -> None:
        lost = False
        try:
            while True:
                await asyncio.sleep(1.0)
                if not conn.is_closed():
                    continue
                if not lost:
                    log.warning("LISTEN connection lost, reconnecting")
                    lost = True
                try:
                    conn = await connect()
                except Exception as exc:
                    if not is_outage(exc):
                        log.warning("LISTEN reconnect failed: %s: %s", type(exc).__name__, exc)
                    continue
                log.info("LISTEN connection restored")
                lost = False
                # Anything announced while we were deaf: let every waiter look again.
                events.wake_all()
                members.clear()
        finally:
            await conn.close()

    task = asyncio.create_task(keep_alive(await connect()))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _background(app: web.Application) -> AsyncIterator[None]:
    """Each periodic job (``loops.jobs``) in a task of its own, cancelled on the way out."""
    found = loops.jobs(app[keys.DB], app[keys.SETTINGS], app[keys.EVENTS], app[keys.REPLAY])
    tasks = [asyncio.create_task(loops.run_every(job, app[keys.HEALTH])) for job in found]
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def create_app(settings: Settings, *, background_loops: bool = True) -> web.Application:
    """The aiohttp application; tests pass ``background_loops=False`` and call run_once."""
    table = routes()
    subs = subscriptions()
    check_coverage(table, subs)
    app = web.Application(middlewares=[cors], client_max_size=settings.max_body)
    app[keys.SETTINGS] = settings
    app[keys.BODIES] = Bodies.of(settings)
    app[keys.EVENTS] = Events()
    app[keys.MEMBERS] = MemberCache()
    app[keys.TASKS] = Tasks()
    app[keys.METRICS] = Metrics()
    app[keys.ROUTES] = table
    app[keys.SUBSCRIPTIONS] = subs
    app[keys.AUDIT] = AuditWriter(settings, app[keys.METRICS])
    app[keys.REPLAY] = replay.ReplayGuard(settings, app[keys.METRICS])
    app.router.add_post("/api", dispatch.handle)
    app.router.add_get("/health", health)
    app.router.add_get("/pubsub", realtime.pubsub)
    app.router.add_get("/metrics", metrics)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_audit)
    app.cleanup_ctx.append(_replay)
    app.cleanup_ctx.append(_listen)
    if background_loops:
        app.cleanup_ctx.append(_background)
    return app


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.tls:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    return context


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Serve until ``stop`` is set (metrics also on the monitor port when configured)."""
    app = create_app(settings)
    runner = web.AppRunner(app, **runner_options(settings))
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port, ssl_context=ssl_context(settings))
    await site.start()
    monitor: web.AppRunner | None = None
    if settings.monitor_port:
        mon = web.Application()

        async def monitor_metrics(_request: web.Request) -> web.Response:
            return await render_metrics(app)

        mon.router.add_get("/metrics", monitor_metrics)
        monitor = web.AppRunner(mon, **runner_options(settings))
        await monitor.setup()
        await web.TCPSite(monitor, settings.host, settings.monitor_port).start()
    scheme = "https" if settings.tls else "http"
    log.info("colonies server listening on %s://%s:%d", scheme, settings.host, settings.port)
    try:
        await stop.wait()
    finally:
        if monitor is not None:
            await monitor.cleanup()
        await runner.cleanup()
