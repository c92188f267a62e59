"""Malformed envelopes and payloads get the reference's error, as a JSON envelope."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.crypto import CURVE_ORDER, sign
from tests.conftest import EXECUTOR_KEY, SERVER_KEY, Colony, spec

GOOD = base64.b64encode(json.dumps({"msgtype": "getcoloniesmsg"}).encode()).decode()


def envelope(payload_type: str, payload: str, signature: str | None = None) -> str:
    sig = sign(payload, SERVER_KEY) if signature is None else signature
    return json.dumps({"payloadtype": payload_type, "payload": payload, "signature": sig})


def b64(data: Any) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


def high_s(signature: str) -> str:
    raw = bytes.fromhex(signature)
    s = CURVE_ORDER - int.from_bytes(raw[32:64], "big")
    return (raw[:32] + s.to_bytes(32, "big") + bytes([raw[64] ^ 1])).hex()


CASES: list[tuple[str, str, int, str]] = [
    ("not json", "{nope", 400, ""),
    ("json array", "[1,2]", 400, "cannot unmarshal"),
    (
        "payload not a string",
        json.dumps({"payloadtype": "x", "payload": 5, "signature": ""}),
        400,
        "cannot unmarshal",
    ),
    ("empty signature", envelope("getcoloniesmsg", GOOD, ""), 403, "Invalid signature length"),
    (
        "short signature",
        envelope("getcoloniesmsg", GOOD, "ab" * 64),
        403,
        "Invalid signature length",
    ),
    ("non-hex signature", envelope("getcoloniesmsg", GOOD, "zz" * 65), 403, "encoding/hex"),
    (
        "zero signature",
        envelope("getcoloniesmsg", GOOD, "00" * 65),
        403,
        "Failed to recover public key: invalid signature: R is 0",
    ),
    (
        "high-S signature",
        envelope("getcoloniesmsg", GOOD, high_s(sign(GOOD, SERVER_KEY))),
        403,
        "Failed verify signature: Signature s value is over half the order",
    ),
    ("unknown type", envelope("nosuchmsg", GOOD), 403, "invalid rpcMsg.PayloadType: nosuchmsg"),
    (
        "declared but unserved type",
        envelope("getnodesmsg", GOOD),
        403,
        "invalid rpcMsg.PayloadType: getnodesmsg",
    ),
    ("empty type", envelope("", GOOD), 403, "invalid rpcMsg.PayloadType"),
    (
        "bad base64",
        envelope("getcoloniesmsg", "%%%notbase64"),
        400,
        "Failed to get colonies, invalid JSON",
    ),
    (
        "payload not json",
        envelope("getcoloniesmsg", base64.b64encode(b"{x").decode()),
        400,
        "Failed to get colonies, invalid JSON",
    ),
    (
        "payload a list",
        envelope("getcoloniesmsg", b64([1])),
        400,
        "Failed to get colonies, invalid JSON",
    ),
    (
        "msgtype mismatch",
        envelope("getcoloniesmsg", b64({"msgtype": "getcolonymsg"})),
        400,
        "Failed to get colonies, msg.MsgType does not match payloadType",
    ),
    (
        "string for int",
        envelope(
            "getprocessesmsg",
            b64({"msgtype": "getprocessesmsg", "colonyname": "test", "count": "10"}),
        ),
        400,
        "Failed to get processes, invalid JSON",
    ),
    (
        "float for int",
        envelope(
            "assignprocessmsg",
            b64({"msgtype": "assignprocessmsg", "colonyname": "test", "timeout": 1.5}),
        ),
        400,
        "Failed to assign process, invalid JSON",
    ),
    (
        "number for string",
        envelope("getcolonymsg", b64({"msgtype": "getcolonymsg", "colonyname": 7})),
        400,
        "Failed to get colony, invalid JSON",
    ),
    (
        "bad spec",
        envelope(
            "submitfuncspecmsg", b64({"msgtype": "submitfuncspecmsg", "spec": {"priority": "high"}})
        ),
        400,
        "Failed to submit function spec, invalid JSON",
    ),
    (
        "null spec",
        envelope("submitfuncspecmsg", b64({"msgtype": "submitfuncspecmsg", "spec": None})),
        400,
        "Failed to submit function spec, spec is nil",
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_malformed_request_gets_error_envelope(
    client: ColoniesClient, colony: Colony, body: str, status: int, message: str
) -> None:
    reply = await client.post_envelope(body)
    assert reply.status == status
    assert reply.error is True and reply.payload_type == "error"
    assert reply.payload["status"] == status
    assert message in reply.payload["message"]
    assert "Traceback" not in reply.payload["message"]


async def test_bad_memory_string_is_400_and_stores_nothing(
    client: ColoniesClient, colony: Colony
) -> None:
    bad = {"conditions": {"colonyname": "test", "executortype": "cli", "mem": "1.5Gi"}}
    reply = await client.raw("submitfuncspecmsg", {"spec": bad}, key=colony.executor_key)
    assert reply.status == 400 and "error converting memory to int" in reply.message
    stats = await client.call("getcolonystatsmsg", {"colonyname": "test"}, key=colony.executor_key)
    assert stats["waitingprocesses"] == 0


async def test_keys_are_case_insensitive_and_unknown_keys_ignored(
    client: ColoniesClient, colony: Colony
) -> None:
    got = await client.call(
        "getcolonymsg", {"colonyName": "test", "extra": 1}, key=colony.executor_key
    )
    assert got["name"] == "test"


async def test_replies_are_text_plain_with_cors(server: TestServer) -> None:
    async with aiohttp.ClientSession() as session:
        url = server.make_url("/api")
        async with session.post(url, data=envelope("getcoloniesmsg", GOOD)) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
            assert resp.headers["Access-Control-Allow-Origin"] == "*"
        async with session.options(url) as resp:
            assert resp.status == 204
        async with session.get(server.make_url("/health")) as resp:
            assert resp.status == 200 and await resp.read() == b""


async def test_metrics_count_requests_per_payload_type(
    server: TestServer, client: ColoniesClient, colony: Colony
) -> None:
    async with aiohttp.ClientSession() as session, session.get(server.make_url("/metrics")) as r:
        text = await r.text()
    assert 'colonies_rpc_requests_total{payloadtype="addcolonymsg",status="200"} 1.0' in text
    assert "colonies_assign_waiters 0.0" in text
    assert 'colonies_processes{state="waiting"} 0.0' in text


@pytest.mark.parametrize(
    ("payload_type", "payload", "message"),
    [
        ("submitfuncspecmsg", {"spec": spec(maxexectime=2**70)}, "invalid JSON"),
        ("submitfuncspecmsg", {"spec": spec(maxexectime=2**40)}, "value out of range: 1099"),
        ("getprocessesmsg", {"colonyname": "test", "count": -1}, "LIMIT must not be negative"),
    ],
    ids=["beyond int64", "beyond the column", "negative count"],
)
async def test_numbers_out_of_range_are_400_and_store_nothing(
    client: ColoniesClient, colony: Colony, payload_type: str, payload: dict[str, Any], message: str
) -> None:
    reply = await client.raw(payload_type, payload, key=EXECUTOR_KEY)
    assert (reply.status, reply.error) == (400, True)
    assert message in reply.payload["message"]
    assert await client.get_processes(0, 10, colony="test", key=EXECUTOR_KEY) == []
