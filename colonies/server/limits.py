"""What the server accepts from a connection: request bodies within a size, a time and a
server-wide memory budget, log lines of bounded length, time limits on idle connections,
and masked websocket frames only (JSON nested too deep is refused by ``codec``). Every limit
is a ``Settings`` field read from a COLONIES_* variable."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aiohttp import WSCloseCode, web
from aiohttp.http_websocket import WebSocketError, WebSocketWriter

from colonies.config import Settings
from colonies.errors import ColoniesError, PayloadTooLarge, RequestTimeout, Unavailable
from colonies.server.codec import error_text

# Bodies up to this size (nearly every RPC) are never refused for the budget: a flood of
# large bodies cannot lock out ordinary requests.
SMALL_BODY = 64 * 1024


def runner_options(settings: Settings) -> dict[str, Any]:
    """aiohttp's own connection limits. Its keep-alive timer runs from a connection's start
    or its previous response until a request's headers are complete, so it closes idle
    connections and ones that drip their headers alike; a body we refuse unread is drained
    (so the client can read our reply) for at most the body timeout."""
    return {
        "handler_cancellation": True,
        "access_log": None,
        "keepalive_timeout": settings.idle_timeout_s,
        "lingering_time": settings.body_timeout_s,
    }


class Bodies:
    """Reads POST bodies within ``max_body`` bytes and ``timeout_s`` seconds, holding the
    bytes against a server-wide ``budget`` until the request is answered."""

    def __init__(self, max_body: int, budget: int, timeout_s: float) -> None:
        self.max_body = max_body
        self.budget = budget
        self.timeout_s = timeout_s
        self.in_flight = 0
        self._held: dict[int, int] = {}

    @classmethod
    def of(cls, settings: Settings) -> Bodies:
        return cls(settings.max_body, settings.body_budget, settings.body_timeout_s)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"Request body too large: the limit is {self.max_body} bytes "
            "(COLONIES_MAX_REQUEST_BODY)"
        )

    def _busy(self) -> Unavailable:
        return Unavailable("Server busy: too many large request bodies in flight, retry later")

    def _hold(self, request: web.Request, size: int, more: int) -> None:
        if size > SMALL_BODY and self.in_flight + more > self.budget:
            raise self._busy()
        self.in_flight += more
        self._held[id(request)] = self._held.get(id(request), 0) + more

    async def read(self, request: web.Request) -> bytes:
        """The whole body; 413 before reading when Content-Length is over the limit (or as
        soon as a streamed body passes it), 503 when the budget is spent, 408 (and the
        connection closed) when it does not arrive in time."""
        declared = request.content_length
        if declared is not None and declared > self.max_body:
            raise self._too_large()
        if (
            declared is not None
            and declared > SMALL_BODY
            and self.in_flight + declared > self.budget
        ):
            raise self._busy()
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout_s):
                while chunk := await request.content.readany():
                    size += len(chunk)
                    if size > self.max_body:
                        raise self._too_large()
                    self._hold(request, size, len(chunk))
                    chunks.append(chunk)
        except TimeoutError:
            exc = RequestTimeout(
                f"Request body not received within {self.timeout_s:g} s (COLONIES_BODY_TIMEOUT)"
            )
            answer_and_close(request, exc)
            raise exc from None
        return b"".join(chunks)

    def release(self, request: web.Request) -> None:
        """Give back what ``read`` held for this request (call once it is answered)."""
        self.in_flight -= self._held.pop(id(request), 0)


def answer_and_close(request: web.Request, exc: ColoniesError) -> None:
    """Write an error reply straight to the socket and close it: aiohttp would otherwise keep
    reading a slow body after our reply for its lingering time."""
    transport = request.transport
    if transport is None or transport.is_closing():
        return
    body = error_text(exc).encode()
    head = (
        f"HTTP/1.1 {exc.status} {HTTPStatus(exc.status).phrase}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    transport.write(head.encode() + body)
    transport.close()


def clip_line(message: str, limit: int) -> str:
    """A log message cut to ``limit`` UTF-8 bytes, saying how much was dropped."""
    data = message.encode()
    if len(data) <= limit:
        return message
    newline = "\n" if message.endswith("\n") else ""
    marker = f" [truncated {len(data)} bytes to {limit}]{newline}"
    keep = max(limit - len(marker.encode()), 0)
    return data[:keep].decode(errors="ignore") + marker


class _MaskCheck:
    """Sits in front of aiohttp's websocket frame parser and fails the connection at the
    first client frame without a mask (RFC 6455 §5.1), which that parser accepts."""

    def __init__(self, parser: Any, refuse: Callable[[], None]) -> None:
        self.parser = parser
        self.refuse = refuse
        self.refused = False
        self.state = 0  # 0: first header byte, 1: second, 2: extended length, 3: skipping
        self.length_bytes = bytearray()
        self.length_needed = 0
        self.skip = 0

    def feed_eof(self) -> None:
        self.parser.feed_eof()

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        if self.refused:
            return True, b""
        pos, end = 0, len(data)
        while pos < end:
            if self.state == 0:
                pos += 1
                self.state = 1
            elif self.state == 1:
                second = data[pos]
                pos += 1
                if not second & 0x80:
                    self.refused = True
                    self.refuse()
                    return True, b""
                length = second & 0x7F
                self.length_needed = {126: 2, 127: 8}.get(length, 0)
                self.length_bytes.clear()
                self.skip = 4 + (0 if self.length_needed else length)  # mask key, payload
                self.state = 2 if self.length_needed else 3
            elif self.state == 2:
                take = min(self.length_needed - len(self.length_bytes), end - pos)
                self.length_bytes += data[pos : pos + take]
                pos += take
                if len(self.length_bytes) == self.length_needed:
                    self.skip += int.from_bytes(self.length_bytes, "big")
                    self.state = 3
            else:
                step = min(self.skip, end - pos)
                self.skip -= step
                pos += step
            if self.state == 3 and self.skip == 0:
                self.state = 0
        result: tuple[bool, bytes] = self.parser.feed_data(data)
        return result


class WebSocket(web.WebSocketResponse):
    """A server websocket that refuses unmasked client frames (close code 1002)."""

    def _post_start(
        self, request: web.BaseRequest, protocol: str | None, writer: WebSocketWriter
    ) -> None:
        handler = request.protocol
        # Bytes that came with the upgrade request go through the check too.
        tail, handler._message_tail = handler._message_tail, b""
        super()._post_start(request, protocol, writer)
        check = _MaskCheck(handler._payload_parser, self._refuse_unmasked)
        handler._payload_parser = check
        if tail:
            check.feed_data(tail)

    def _refuse_unmasked(self) -> None:
        if self._reader is not None:
            self._reader.set_exception(
                WebSocketError(WSCloseCode.PROTOCOL_ERROR, "client frames must be masked")
            )
