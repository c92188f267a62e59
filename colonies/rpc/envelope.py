"""The signed RPC envelope (PROTOCOL §3): encode requests, decode replies."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

from colonies.crypto import sign

ERROR_TYPE = "error"
# Replay protection: optional payload fields our client adds to every request (servers that
# do not know them ignore them, as Go's decoder ignores unknown fields).
NONCE = "nonce"
"""128 random bits as 32 hex digits, never sent twice."""
SIGNED_AT = "signedat"
"""When the request was signed: Unix time in integer nanoseconds (UTC)."""
FEATURES_HEADER = "Colonies-Features"
"""Ours: a reply header naming, comma-separated, the optional payload types the server
serves beyond the reference's (other servers send no such header)."""
BATCH_FEATURE = "batch"
"""``assignprocessesmsg``, ``confirmprocessesmsg`` and ``closeprocessesmsg``."""


def encode_payload(data: Any) -> str:
    """Base64 of compact JSON, the envelope's ``payload`` text."""
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def stamped(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with a fresh nonce and the signing time (the replay protection fields)."""
    return {**data, NONCE: secrets.token_hex(16), SIGNED_AT: time.time_ns()}


def request(payload_type: str, data: dict[str, Any], prvkey: str | None) -> dict[str, str]:
    """A signed request envelope; ``prvkey`` None leaves the signature empty."""
    payload = encode_payload(data)
    signature = sign(payload, prvkey) if prvkey else ""
    return {"payloadtype": payload_type, "payload": payload, "signature": signature}


def reply(payload_type: str, payload_json: str, error: bool = False) -> str:
    """A reply envelope as text, from the reply payload's JSON text."""
    payload = base64.b64encode(payload_json.encode()).decode()
    return (
        '{"payloadtype":'
        + json.dumps(payload_type)
        + ',"payload":"'
        + payload
        + '","error":'
        + ("true" if error else "false")
        + "}"
    )
