"""Every payload type, every field, values of every wrong JSON type: always a clear error
envelope (or a normal reply), never an internal error; a refused request changes nothing
in the database; the server keeps serving."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import FunctionSpec
from colonies.crypto import sign
from colonies.db import Database
from colonies.server.handlers import routes, subscriptions
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY, Colony, MakeExecutor, spec
from tests.server.test_security import AUDITED, TABLE, build_world

# One value of each JSON type, and values that break naive code: huge, negative, empty.
ODD_VALUES: list[Any] = ["x", "", 7, -1, 2**40, 2**70, 1.5, True, None, [], ["x"], {}, {"a": 1}]
KEYS = {"server": SERVER_KEY, "colony": COLONY_KEY, "executor": EXECUTOR_KEY}


def body(payload_type: str, payload: dict[str, Any], key: str) -> str:
    text = base64.b64encode(json.dumps(payload).encode()).decode()
    return json.dumps({"payloadtype": payload_type, "payload": text, "signature": sign(text, key)})


async def fingerprint(db: Database) -> str:
    """A digest of every row of every table (an executor being heard from aside: a refused
    assign still records that its executor is alive; the audit log records refusals)."""
    assert db.pool is not None
    query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    tables = [r[0] for r in await db.pool.fetch(query) if r[0] not in AUDITED]
    rows = " || ".join(
        f"coalesce((SELECT string_agg(md5((to_jsonb(t) - 'last_heard_from_time')::text), '' "
        f"ORDER BY md5((to_jsonb(t) - 'last_heard_from_time')::text)) FROM {name} t), '')"
        for name in tables
    )
    digest: str = await db.pool.fetchval(f"SELECT md5({rows})")
    return digest


def fields_of(payload_type: str) -> list[str]:
    model = routes()[payload_type].msg_class
    return [f.alias or name for name, f in model.model_fields.items() if name != "msgtype"]


LONG_POLLS = {"assignprocessmsg", "assignprocessesmsg"}


@pytest.mark.parametrize("payload_type", sorted(routes()))
async def test_odd_field_values_never_crash_the_server(
    client: ColoniesClient, colony: Colony, db: Database, payload_type: str
) -> None:
    before = await fingerprint(db)
    fields = fields_of(payload_type) or [""]
    for signer, field, value in itertools.product(sorted(KEYS), fields, ODD_VALUES):
        payload: dict[str, Any] = {"msgtype": payload_type}
        if field:
            payload[field] = value
        if payload_type in LONG_POLLS:
            payload.setdefault("timeout", -1)  # never park the test in a long-poll
            if field == "timeout" and isinstance(value, int | float) and value > 0:
                payload["timeout"] = -1
        reply = await client.post_envelope(body(payload_type, payload, KEYS[signer]))
        where = f"{payload_type}.{field}={value!r} signed by {signer}"
        assert reply.status != 500 or "Internal server error" not in str(reply.payload), where
        assert reply.status < 500 or reply.error, where
        if reply.error:
            message = reply.payload["message"]
            assert message and "Traceback" not in message, where
            assert await fingerprint(db) == before, f"{where} failed but changed data"
        else:
            before = await fingerprint(db)
    assert (await client.version()).build_version


def variants(payload: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The payload with one field (top level, or one level down in an object) replaced by
    each odd value."""
    for field, original in payload.items():
        if field == "msgtype":
            continue
        for value in ODD_VALUES:
            yield field, {**payload, field: value}
        if isinstance(original, dict):
            for inner in original:
                for value in ODD_VALUES:
                    yield f"{field}.{inner}", {**payload, field: {**original, inner: value}}


@pytest.mark.parametrize("payload_type", sorted(TABLE))
async def test_odd_values_in_valid_requests_of_allowed_callers(
    client: ColoniesClient, make_executor: MakeExecutor, db: Database, payload_type: str
) -> None:
    """Past decoding and authorisation: a valid request of a caller who may send it, with one
    field spoiled at a time, is refused cleanly and changes nothing, or succeeds."""
    world = await build_world(client, make_executor)
    build, allowed, _ = TABLE[payload_type]
    key = world.keys[sorted(allowed)[0]]
    before = await fingerprint(db)
    for field, payload in variants({"msgtype": payload_type, **build(world)}):
        if payload_type in LONG_POLLS and payload.get("timeout") != -1:
            payload["timeout"] = -1  # never park the test in a long-poll
        reply = await client.post_envelope(body(payload_type, payload, key))
        where = f"{payload_type}.{field}={payload.get(field.split('.')[0])!r}"
        assert not (reply.error and reply.payload["message"] == "Internal server error"), where
        if reply.error:
            assert "Traceback" not in reply.payload["message"], where
            assert await fingerprint(db) == before, f"{where} was refused but changed data"
        else:
            before = await fingerprint(db)


@pytest.mark.parametrize("payload_type", sorted(subscriptions()))
async def test_odd_subscriptions_get_an_error_frame_or_wait_never_a_crash(
    server: TestServer,
    client: ColoniesClient,
    colony: Colony,
    payload_type: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    running = await client.submit(FunctionSpec.model_validate(spec()), key=EXECUTOR_KEY)
    valid = {
        "processid": running.process_id,
        "executortype": "cli",
        "state": 2,
        "timeout": 1,
        "name": "chat",
        "afterseq": 0,
    }
    model = subscriptions()[payload_type].msg_class
    fields = [f.alias or n for n, f in model.model_fields.items() if n != "msgtype"]
    async with aiohttp.ClientSession() as session:
        for field, value in itertools.product(fields, ODD_VALUES):
            payload = {k: v for k, v in valid.items() if k in fields}
            payload[field] = value
            if field == "timeout" and isinstance(value, int | float) and value > 1:
                payload["timeout"] = 1
            ws = await session.ws_connect(server.make_url("/pubsub"))
            await ws.send_str(
                body(payload_type, {"msgtype": payload_type, **payload}, EXECUTOR_KEY)
            )
            try:
                frame = await asyncio.wait_for(ws.receive(), 0.05)
            except TimeoutError:
                frame = None  # a valid subscription, waiting
            await ws.close()
            if frame is not None and frame.type == aiohttp.WSMsgType.TEXT:
                assert "Internal server error" not in frame.data, (field, value)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
