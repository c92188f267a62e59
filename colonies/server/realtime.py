"""GET /pubsub: a websocket whose first text frame is a signed subscription envelope.

A bad envelope or signature, or none within COLONIES_SUBSCRIBE_TIMEOUT, closes the socket
without a reply (as the reference does); errors after that are sent as error frames. Every
subscription is authorised first, with the rule of its matching RPC
(``Subscription.authorise``): a refused caller gets one error frame and the close, nothing
else. The subscription handler then sends reply frames until its timeout and the socket is
closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import WSMsgType, web

from colonies.crypto import recover_id
from colonies.errors import ColoniesError, Unavailable
from colonies.server import keys
from colonies.server.codec import decode_payload, parse_envelope, send_error
from colonies.server.keys import make_ctx
from colonies.server.limits import WebSocket
from colonies.server.router import Subscription

log = logging.getLogger(__name__)


async def _until_closed(ws: web.WebSocketResponse) -> None:
    """Read (and ignore) frames until the client closes or goes away."""
    while True:
        frame = await ws.receive()
        if frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return


async def _subscription(
    request: web.Request, ws: web.WebSocketResponse
) -> tuple[Subscription, Any, str, dict[str, Any], str] | None:
    """The first frame's subscription, message, payload JSON and object, and caller; None
    (close without a reply) when none came in time or it is not a valid signed one."""
    settings = request.app[keys.SETTINGS]
    try:
        frame = await ws.receive(timeout=settings.subscribe_timeout_s)
    except TimeoutError:
        return None
    if frame.type != WSMsgType.TEXT:
        return None
    try:
        depth = settings.max_json_depth
        payload_type, payload, signature = parse_envelope(frame.data.encode(), depth)
        caller_id = recover_id(payload, signature)
        sub = request.app[keys.SUBSCRIPTIONS].get(payload_type)
        if sub is None:
            return None
        msg, text, data = decode_payload(sub.msg_class, payload, depth)
    except ColoniesError:
        return None
    return sub, msg, text, data, caller_id


async def _serve(request: web.Request, ws: web.WebSocketResponse) -> None:
    first = await _subscription(request, ws)
    if first is None:
        return
    sub, msg, text, data, caller_id = first
    try:
        await request.app[keys.REPLAY].check(sub.msg_class, caller_id, data)
    except ColoniesError as exc:
        await send_error(ws, exc)
        return
    ctx = make_ctx(request, caller_id, text)

    async def authorised() -> None:
        grant = await sub.authorise(ctx, msg)
        await sub.handler(ctx, msg, grant, ws)

    handler: asyncio.Future[None] = asyncio.ensure_future(authorised())
    # When this request is cancelled (the client went away) after the handler failed on the
    # closing socket, nobody awaits the handler below: take its exception here instead.
    handler.add_done_callback(lambda done: done.cancelled() or done.exception())
    closed = asyncio.create_task(_until_closed(ws))
    try:
        await asyncio.wait({handler, closed}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        closed.cancel()
        if not handler.done():
            handler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await closed
    with contextlib.suppress(asyncio.CancelledError):
        try:
            await handler
        except ColoniesError as exc:
            if not ws.closed:
                await send_error(ws, exc)
        except Exception as exc:
            if isinstance(exc, ConnectionError) or not await request.app[keys.HEALTH].explains(exc):
                raise
            if not ws.closed:
                await send_error(ws, Unavailable("database unavailable"))


async def pubsub(request: web.Request) -> web.WebSocketResponse:
    # No per-message compression: a deflate context per idle subscriber costs far more
    # memory than the few frames a subscription sends. Pings find peers that went away.
    settings = request.app[keys.SETTINGS]
    ws = WebSocket(
        compress=False, max_msg_size=settings.ws_max_frame, heartbeat=settings.ws_heartbeat_s
    )
    await ws.prepare(request)
    try:
        await _serve(request, ws)
    except (ConnectionResetError, ConnectionError):
        pass
    except Exception:
        log.exception("pubsub subscription failed")
    await ws.close()
    return ws
