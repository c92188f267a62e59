"""POST /api: envelope → signature → message class → handler → reply (PROTOCOL §3.4)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
import time
from typing import Any

import asyncpg
import asyncpg.exceptions._base
from aiohttp import web
from pydantic import BaseModel, ValidationError

from colonies.config import Settings
from colonies.crypto import recover_id
from colonies.errors import BadRequest, ColoniesError, Forbidden, Unavailable
from colonies.rpc import Msg
from colonies.rpc.envelope import ERROR_TYPE, reply
from colonies.server import keys
from colonies.server.limits import too_deep
from colonies.server.router import Ctx, RawJSON, Route

log = logging.getLogger(__name__)
TEXT = "text/plain; charset=utf-8"
MAX_DEPTH = Settings.max_json_depth


def render(result: Any) -> str:
    """The reply payload JSON of a handler's return value (None → ``{}``)."""
    if result is None:
        return "{}"
    if isinstance(result, RawJSON):
        return str(result)
    if isinstance(result, BaseModel):
        return result.model_dump_json(by_alias=True)
    if isinstance(result, list):
        return "[" + ",".join(render(item) for item in result) + "]"
    return json.dumps(result, separators=(",", ":"))


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
    failure = json.dumps({"status": exc.status, "message": exc.message}, separators=(",", ":"))
    return web.Response(
        status=exc.status,
        text=reply(ERROR_TYPE, failure, error=True),
        content_type=None,
        headers={"Content-Type": TEXT},
    )


def parse_envelope(body: bytes, max_depth: int = MAX_DEPTH) -> tuple[str, str, str]:
    if too_deep(body, max_depth):
        raise BadRequest(f"invalid JSON: nested deeper than {max_depth} levels")
    try:
        env = json.loads(body)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if not isinstance(env, dict):
        raise BadRequest("json: cannot unmarshal into Go value of type rpc.RPCMsg")
    fields = []
    for name in ("payloadtype", "payload", "signature"):
        value = env.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise BadRequest(
                f"json: cannot unmarshal into Go struct field RPCMsg.{name} of type string"
            )
        fields.append(value)
    return fields[0], fields[1], fields[2]


def decode_payload(
    cls: type[Msg], payload: str, max_depth: int = MAX_DEPTH
) -> tuple[Any, str, dict[str, Any]]:
    """The validated message, its JSON text and the object decoded from it (fields the
    message does not declare included); 400 with the reference's texts otherwise."""
    try:
        raw = base64.b64decode(payload)
        if too_deep(raw, max_depth):
            raise BadRequest(
                f"Failed to {cls.action}, invalid JSON: nested deeper than {max_depth} levels"
            )
        text = raw.decode()
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        msg = cls.model_validate(data)
    except (binascii.Error, UnicodeDecodeError, ValueError, ValidationError):
        raise BadRequest(f"Failed to {cls.action}, invalid JSON") from None
    if msg.msgtype != cls.payload_type:
        raise BadRequest(f"Failed to {cls.action}, msg.MsgType does not match payloadType")
    return msg, text, data


def make_ctx(request: web.Request, caller_id: str, payload_json: str) -> Ctx:
    app = request.app

    def gone() -> bool:
        return request.transport is None or request.transport.is_closing()

    return Ctx(
        db=app[keys.DB],
        settings=app[keys.SETTINGS],
        events=app[keys.EVENTS],
        members=app[keys.MEMBERS],
        caller_id=caller_id,
        payload_json=payload_json,
        gone=gone,
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
            headers={"Content-Type": TEXT},
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
