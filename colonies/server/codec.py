"""The envelope codec of PROTOCOL §3.4: request envelopes and payloads in (JSON nested too
deep refused before parsing, the reference's texts for what is malformed), reply envelopes
out. No application state: ``dispatch``, ``realtime`` and the handlers all use it."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from colonies.config import MAX_JSON_DEPTH_CEILING, Settings
from colonies.errors import BadRequest, ColoniesError
from colonies.rpc import Msg
from colonies.rpc.envelope import ERROR_TYPE, reply

MAX_DEPTH = Settings.max_json_depth


class RawJSON(str):
    """A reply payload that is already JSON text (the change-id messages echo their request)."""


_BRACKETS = bytes.maketrans(b"[]{}", b"()()")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def too_deep(text: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects more than ``limit`` deep, decided without
    parsing (a parser would recurse) in a few passes of C-speed byte operations: a 10 MB
    document costs some ten milliseconds."""
    if text.count(b"[") + text.count(b"{") <= limit:
        return False
    # Without escaped backslashes and quotes, every other quote opens or closes a string;
    # what is left outside strings, reduced to its brackets, is the nesting.
    plain = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    nesting = b"".join(plain.split(b'"')[::2]).translate(_BRACKETS, _NOT_BRACKETS)
    run = b"(" * (limit + 1)
    for _ in range(limit):
        if not nesting:
            return False
        if run in nesting:
            return True
        nesting = nesting.replace(b"()", b"")  # every innermost pair: one level less
    return bool(nesting)


def loads_bounded(text: str, limit: int = MAX_JSON_DEPTH_CEILING) -> Any:
    """``json.loads`` of JSON held in a string field (a cron's workflow spec), refusing
    nesting past ``limit`` with ValueError as for any invalid JSON."""
    if too_deep(text.encode(), limit):
        raise ValueError(f"nested deeper than {limit} levels")
    return json.loads(text)


def parse_envelope(body: bytes, max_depth: int = MAX_DEPTH) -> tuple[str, str, str]:
    """The payload type, payload and signature of a request envelope."""
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


def error_text(exc: ColoniesError) -> str:
    """The reply envelope of an error."""
    failure = json.dumps({"status": exc.status, "message": exc.message}, separators=(",", ":"))
    return reply(ERROR_TYPE, failure, error=True)


async def send(ws: web.WebSocketResponse, payload_type: str, payload_json: str) -> None:
    """One reply envelope as a websocket text frame."""
    await ws.send_str(reply(payload_type, payload_json))


async def send_error(ws: web.WebSocketResponse, exc: ColoniesError) -> None:
    """An error reply envelope as a websocket text frame."""
    await ws.send_str(error_text(exc))
