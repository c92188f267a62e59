"""ColoniesClient: signed RPC calls over aiohttp, one place for the envelope on the client side."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp

from colonies.errors import RPCError
from colonies.rpc.envelope import request


class Reply:
    """A decoded reply: HTTP status, reply type and payload (JSON value, or text if not JSON)."""

    def __init__(self, status: int, payload_type: str, payload: Any, error: bool) -> None:
        self.status = status
        self.payload_type = payload_type
        self.payload = payload
        self.error = error

    @property
    def message(self) -> str:
        return str(self.payload.get("message", "")) if isinstance(self.payload, dict) else ""

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.payload_type!r}, {self.payload!r})"


class ColoniesClient:
    def __init__(
        self, url: str, session: aiohttp.ClientSession | None = None, *, verify_tls: bool = True
    ) -> None:
        self.url = url.rstrip("/")
        self._session = session
        self._own_session = session is None
        self._ssl = verify_tls

    @classmethod
    def for_server(cls, host: str, port: int, tls: bool = False, **kw: Any) -> ColoniesClient:
        return cls(f"{'https' if tls else 'http'}://{host}:{port}", **kw)

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> ColoniesClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def post_envelope(self, body: str | bytes) -> Reply:
        """POST a raw body to /api and decode whatever comes back."""
        async with self.session.post(self.url + "/api", data=body, ssl=self._ssl) as resp:
            text = await resp.text()
            status = resp.status
        envelope = json.loads(text)
        decoded = base64.b64decode(envelope.get("payload", "")).decode()
        try:
            payload: Any = json.loads(decoded)
        except ValueError:
            payload = decoded
        return Reply(status, envelope.get("payloadtype", ""), payload, bool(envelope.get("error")))

    async def raw(self, payload_type: str, data: dict[str, Any], prvkey: str | None) -> Reply:
        """Sign and send one message; returns the reply whatever its status."""
        data = {**data, "msgtype": data.get("msgtype", payload_type)}
        return await self.post_envelope(json.dumps(request(payload_type, data, prvkey)))

    async def call(self, payload_type: str, data: dict[str, Any], prvkey: str | None) -> Any:
        """Sign and send one message; returns the reply payload or raises RPCError."""
        reply = await self.raw(payload_type, data, prvkey)
        if reply.error or reply.status != 200:
            raise RPCError(reply.message or str(reply.payload), status=reply.status)
        return reply.payload
