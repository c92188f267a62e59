"""The signed RPC envelope (PROTOCOL §3): encode requests, decode replies."""

from __future__ import annotations

import base64
import json
from typing import Any

from colonies.crypto import sign

ERROR_TYPE = "error"


def encode_payload(data: Any) -> str:
    """Base64 of compact JSON, the envelope's ``payload`` text."""
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


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
