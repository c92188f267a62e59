"""The channel log entry (MODEL §17) and Go's ``[]byte`` wire type."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

from colonies.core._wire import ZERO_TIME, Int, Time, WireModel


def _go_bytes(value: Any) -> bytes:
    """Go's ``[]byte``: a standard base64 string or a JSON array of 0..255 integers."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            raise ValueError("illegal base64 data") from None
    if isinstance(value, list):
        if any(type(v) is not int for v in value):
            raise ValueError("byte array elements must be integers")
        return bytes(value)  # ValueError unless every element is in 0..255
    raise ValueError("cannot unmarshal into []byte")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


# Decoded from base64 or an int array; encoded as base64, as Go's encoding/json does.
GoBytes = Annotated[
    bytes,
    BeforeValidator(_go_bytes),
    PlainSerializer(_b64, return_type=str, when_used="json"),
]


class MsgEntry(WireModel):
    """One entry of a channel log, as ``channelreadmsg`` and subscriptions return it."""

    OMIT_EMPTY = frozenset({"inreplyto", "type", "error"})

    sequence: Int = 0
    in_reply_to: Int = 0
    timestamp: Time = ZERO_TIME
    sender_id: str = ""
    payload: GoBytes = b""
    entry_type: str = Field(default="", alias="type")
    error: str = ""
