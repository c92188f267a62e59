"""Every payload type, every field, values of every wrong JSON type: always a clear error
envelope (or a normal reply), never an internal error, and the server keeps serving."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from colonies.client import ColoniesClient
from colonies.crypto import sign
from colonies.server.handlers import routes
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY, Colony

# One value of each JSON type, and values that break naive code: huge, negative, empty.
ODD_VALUES: list[Any] = ["x", "", 7, -1, 2**70, 1.5, True, None, [], ["x"], {}, {"a": 1}]
KEYS = {"server": SERVER_KEY, "colony": COLONY_KEY, "executor": EXECUTOR_KEY}


def body(payload_type: str, payload: dict[str, Any], key: str) -> str:
    text = base64.b64encode(json.dumps(payload).encode()).decode()
    return json.dumps({"payloadtype": payload_type, "payload": text, "signature": sign(text, key)})


def fields_of(payload_type: str) -> list[str]:
    model = routes()[payload_type].msg_class
    return [f.alias or name for name, f in model.model_fields.items() if name != "msgtype"]


@pytest.mark.parametrize("signer", sorted(KEYS))
@pytest.mark.parametrize("payload_type", sorted(routes()))
async def test_odd_field_values_never_crash_the_server(
    client: ColoniesClient, colony: Colony, payload_type: str, signer: str
) -> None:
    key = KEYS[signer]
    for field in fields_of(payload_type) or [""]:
        for value in ODD_VALUES:
            payload: dict[str, Any] = {"msgtype": payload_type}
            if field:
                payload[field] = value
            if payload_type == "assignprocessmsg":
                payload.setdefault("timeout", -1)  # never park the test in a long-poll
                if field == "timeout" and isinstance(value, int | float) and value > 0:
                    payload["timeout"] = -1
            reply = await client.post_envelope(body(payload_type, payload, key))
            where = f"{payload_type}.{field}={value!r} signed by {signer}"
            assert reply.status != 500 or "Internal server error" not in str(reply.payload), where
            assert reply.status < 500 or reply.error, where
            if reply.error:
                message = reply.payload["message"]
                assert message and "Traceback" not in message, where
    assert (await client.version()).build_version
