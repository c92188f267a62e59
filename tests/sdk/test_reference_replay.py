"""The SDK against the reference protocol: a server that answers with the Go server's captured
replies (tests/fixtures/wire/) and records what the SDK sends, which must have the shape of
the Go CLI's captured requests plus our replay protection fields (nonce, signedat)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.crypto import id_from_private_key, new_private_key, recover_id
from colonies.executor_sdk import Executor
from colonies.rpc.envelope import NONCE, SIGNED_AT

WIRE = Path(__file__).parent.parent / "fixtures" / "wire"
COLONY_KEY = new_private_key()
OURS = {"confirmprocessmsg"}  # payload types the reference does not have
EXTENSIONS = {"confirmdelivery", "nonce", "signedat"}  # ours; the reference ignores them


def captured(name: str) -> list[Any]:
    values: list[Any] = json.loads((WIRE / f"{name}.json").read_text())
    return values


def envelope(payload_type: str, payload: Any, error: bool = False) -> dict[str, Any]:
    data = base64.b64encode(json.dumps(payload).encode()).decode()
    return {"payloadtype": payload_type, "payload": data, "error": error}


class Reference:
    """Replays the Go server's replies; one helloworld process, then "nothing to assign"."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any], str]] = []
        self.stamps: list[tuple[Any, Any]] = []
        self.process = next(
            p for p in captured("assignprocessmsg") if p["spec"]["funcname"] == "helloworld"
        )
        self.assigned = False

    async def api(self, request: web.Request) -> web.Response:
        body = await request.json()
        payload = json.loads(base64.b64decode(body["payload"]))
        signer = recover_id(body["payload"], body["signature"])
        self.stamps.append((payload.pop(NONCE, None), payload.pop(SIGNED_AT, None)))
        self.requests.append((body["payloadtype"], payload, signer))
        kind = body["payloadtype"]
        if kind == "assignprocessmsg":
            if self.assigned:
                failure = {"status": 404, "message": "No process available for assignment"}
                return web.json_response(envelope("error", failure, True), status=404)
            self.assigned = True
            return web.json_response(envelope(kind, self.process))
        if kind in OURS:  # the Go server's answer to a payload type it does not know
            failure = {"status": 403, "message": f"invalid rpcMsg.PayloadType: {kind}"}
            return web.json_response(envelope("error", failure, True), status=403)
        if kind in {"addexecutormsg", "addfunctionmsg", "getfunctionsmsg"}:
            return web.json_response(envelope(kind, captured(kind)[0]))
        return web.json_response(envelope(kind, {}))  # approve, close, add log: "{}"

    def sent(self, kind: str) -> list[tuple[dict[str, Any], str]]:
        return [(payload, signer) for k, payload, signer in self.requests if k == kind]


def shape(value: Any) -> Any:
    """The keys of a JSON value, nested (values left out; our optional fields too)."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k not in EXTENSIONS}
        return {k: shape(v) for k, v in value.items() if isinstance(v, dict)} | {
            k: None for k, v in value.items() if not isinstance(v, dict)
        }
    return None


async def test_sdk_executor_against_the_reference_replies() -> None:
    reference = Reference()
    app = web.Application()
    app.router.add_post("/api", reference.api)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    executor_key = new_private_key()
    try:
        async with ColoniesClient(str(server.make_url("")).rstrip("/")) as client:
            ex = Executor(
                "helloworld-executor",
                name="helloworld-executor",
                colony="seed",
                key=executor_key,
                colony_key=COLONY_KEY,
                client=client,
                settings=ClientSettings(),
            )

            @ex.function("helloworld")
            def helloworld() -> str:
                return "Hello, World!"

            await ex.run(burst=True)
    finally:
        await server.close()

    executor_id = id_from_private_key(executor_key)
    kinds = [kind for kind, _, _ in reference.requests]
    assert kinds[:4] == [
        "addexecutormsg",
        "approveexecutormsg",
        "getfunctionsmsg",
        "addfunctionmsg",
    ]
    # The delivery confirmation is refused as unknown: the SDK runs the process anyway.
    assert kinds[4:] == [
        "assignprocessmsg",
        "confirmprocessmsg",
        "closesuccessfulmsg",
        "assignprocessmsg",
    ]

    [(added, signer)] = reference.sent("addexecutormsg")
    assert signer == id_from_private_key(COLONY_KEY)
    go_added = captured("addexecutormsg.request")[0]
    assert shape(added) == shape(go_added)
    assert added["executor"]["executorid"] == executor_id
    [(approved, _)] = reference.sent("approveexecutormsg")
    assert shape(approved) == shape(captured("approveexecutormsg.request")[0])

    go_assign = captured("assignprocessmsg.request")[0]
    for assign, signer in reference.sent("assignprocessmsg"):
        assert shape(assign) == shape(go_assign)
        assert (assign["colonyname"], signer) == ("seed", executor_id)
    [(closed, signer)] = reference.sent("closesuccessfulmsg")
    assert shape(closed) == shape(captured("closesuccessfulmsg.request")[0])
    assert closed["processid"] == reference.process["processid"]
    assert (closed["out"], signer) == (["Hello, World!"], executor_id)
    nonces = [nonce for nonce, _ in reference.stamps]
    assert all(isinstance(n, str) and len(n) == 32 for n in nonces)
    assert len(set(nonces)) == len(reference.requests)
    assert all(type(at) is int and at > 1_700_000_000 * 10**9 for _, at in reference.stamps)
    [(function, _)] = reference.sent("addfunctionmsg")
    assert (function["fun"]["funcname"], function["fun"]["executorname"]) == (
        "helloworld",
        "helloworld-executor",
    )
    assert ex.stats.succeeded == 1
