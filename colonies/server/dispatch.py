"""POST /api: envelope → signature → message class → handler → reply (PROTOCOL §3.4)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import asyncpg
import asyncpg.exceptions._base
from aiohttp import web

from colonies.crypto import recover_id
from colonies.errors import BadRequest, ColoniesError, Forbidden, Unavailable
from colonies.rpc.envelope import BATCH_FEATURE, FEATURES_HEADER, reply
from colonies.server import keys
from colonies.server.codec import decode_payload, error_text, parse_envelope, render
from colonies.server.keys import make_ctx
from colonies.server.router import Ctx, Route

log = logging.getLogger(__name__)
TEXT = "text/plain; charset=utf-8"
HEADERS = {"Content-Type": TEXT, FEATURES_HEADER: BATCH_FEATURE}
OUT_OF_RANGE = (asyncpg.DataError, asyncpg.exceptions._base.DataError, OverflowError)


def action(routes: dict[str, Route], payload_type: str) -> str:
    route = routes.get(payload_type)
    return route.msg_class.action if route else "handle request"


def why(exc: Exception) -> str:
    """The database driver's words for what was wrong (without its parameter numbers),
    else a generic sentence."""
    text = str(exc.args[0]) if exc.args and not isinstance(exc, OverflowError) else ""
    text = re.sub(r"^invalid input for query argument \$\d+: ", "", text)
    return f"value out of range: {text}" if text else "a value is out of range"


def error_response(exc: ColoniesError) -> web.Response:
    return web.Response(
        status=exc.status,
        text=error_text(exc),
        content_type=None,
        headers=HEADERS,
    )


async def handle(request: web.Request) -> web.Response:
    app = request.app
    routes: dict[str, Route] = app[keys.ROUTES]
    started = time.perf_counter()
    label = "invalid"
    depth = app[keys.SETTINGS].max_json_depth
    ctx: Ctx | None = None
    msg: Any = None
    result: Any = None
    try:
        payload_type, payload, signature = parse_envelope(
            await app[keys.BODIES].read(request), depth
        )
        route = routes.get(payload_type)
        label = payload_type if route else "unknown"
        caller_id = ""
        if route is None or route.msg_class.signed:
            caller_id = recover_id(payload, signature)
        if route is None:
            if not payload_type:
                raise Forbidden(
                    "invalid rpcMsg.PayloadType: empty payload type, set payloadtype to a "
                    "message type such as getcoloniesmsg"
                )
            raise Forbidden(f"invalid rpcMsg.PayloadType: {payload_type}")
        ctx = make_ctx(request, caller_id, "")
        msg, ctx.payload_json, data = decode_payload(route.msg_class, payload, depth)
        await app[keys.REPLAY].check(route.msg_class, caller_id, data)
        result = await route.handler(ctx, msg)
        if route.changes_members:
            ctx.members.clear()
        response = web.Response(
            text=reply(route.reply_type, render(result)),
            content_type=None,
            headers=HEADERS,
        )
    except ColoniesError as exc:
        response = error_response(exc)
    except asyncio.CancelledError:  # the caller left (status 499): whatever was done stays
        app[keys.AUDIT].record(label, ctx, msg, result, 499)
        raise
    except OUT_OF_RANGE as exc:
        # A well-formed value the database or the calendar cannot hold (an int beyond the
        # column, a deadline past year 9999, a negative LIMIT): the caller's input, not a bug.
        log.info("%s refused, value out of range: %s", label, exc)
        response = error_response(BadRequest(f"Failed to {action(routes, label)}, {why(exc)}"))
    except Exception as exc:
        if await app[keys.HEALTH].explains(exc):
            response = error_response(Unavailable("database unavailable"))
        else:
            log.exception("internal error handling %s", label)
            response = error_response(ColoniesError("Internal server error"))
    finally:
        app[keys.BODIES].release(request)
    app[keys.METRICS].observe(label, response.status, time.perf_counter() - started)
    app[keys.AUDIT].record(label, ctx, msg, result, response.status)
    return response
