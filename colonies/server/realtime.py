"""GET /pubsub: a websocket whose first text frame is a signed subscription envelope.

A bad envelope or signature closes the socket without a reply (as the reference does);
errors after that are sent as error frames. The subscription handler sends reply frames
until its timeout and then the socket is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiohttp import WSMsgType, web

from colonies.crypto import recover_id
from colonies.errors import ColoniesError
from colonies.rpc.envelope import ERROR_TYPE, reply
from colonies.server import keys
from colonies.server.dispatch import decode_payload, make_ctx, parse_envelope

log = logging.getLogger(__name__)


async def send(ws: web.WebSocketResponse, payload_type: str, payload_json: str) -> None:
    """One reply envelope as a text frame."""
    await ws.send_str(reply(payload_type, payload_json))


async def send_error(ws: web.WebSocketResponse, exc: ColoniesError) -> None:
    failure = json.dumps({"status": exc.status, "message": exc.message}, separators=(",", ":"))
    await ws.send_str(reply(ERROR_TYPE, failure, error=True))


async def _until_closed(ws: web.WebSocketResponse) -> None:
    """Read (and ignore) frames until the client closes or goes away."""
    while True:
        frame = await ws.receive()
        if frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return


async def _serve(request: web.Request, ws: web.WebSocketResponse) -> None:
    frame = await ws.receive()
    if frame.type != WSMsgType.TEXT:
        return
    try:
        payload_type, payload, signature = parse_envelope(frame.data.encode())
        caller_id = recover_id(payload, signature)
        sub = request.app[keys.SUBSCRIPTIONS].get(payload_type)
        if sub is None:
            return
        msg, text = decode_payload(sub.msg_class, payload)
    except ColoniesError:
        return
    try:
        await request.app[keys.REPLAY].check(sub.msg_class, caller_id, text)
    except ColoniesError as exc:
        await send_error(ws, exc)
        return
    ctx = make_ctx(request, caller_id, text)
    handler: asyncio.Future[None] = asyncio.ensure_future(sub.handler(ctx, msg, ws))
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


async def pubsub(request: web.Request) -> web.WebSocketResponse:
    # No per-message compression: a deflate context per idle subscriber costs far more
    # memory than the few frames a subscription sends.
    ws = web.WebSocketResponse(compress=False, max_msg_size=1024 * 1024)
    await ws.prepare(request)
    try:
        await _serve(request, ws)
    except (ConnectionResetError, ConnectionError):
        pass
    except Exception:
        log.exception("pubsub subscription failed")
    await ws.close()
    return ws
