"""Process channels (SEMANTICS §15), stored in PostgreSQL.

Only the process initiator and its assigned executor may use a process's channels, and only
while the process is waiting or running; the entries are deleted with the process.
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from colonies.core import ProcessState
from colonies.core.channel import MsgEntry
from colonies.db.channels import ChannelProcess
from colonies.errors import ColoniesError, Forbidden, NotFound
from colonies.rpc.channel import ChannelAppendMsg, ChannelReadMsg, SubscribeChannelMsg
from colonies.server.auth import require_member
from colonies.server.codec import render, send
from colonies.server.router import Ctx, RpcRouter

router = RpcRouter()

MAX_PAYLOAD = 10 * 1024 * 1024
MAX_ENTRIES = 10_000
RATE = 100.0  # messages per second per process
BURST = 500
DEFAULT_TIMEOUT = 30
FINISHED = (ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED)


class RateLimiter:
    """Token buckets keyed by process id, refilled at ``rate``/s up to ``burst``.

    The buckets live in this server process's memory, so with several servers each one
    enforces the limit on the appends it receives. A key without a bucket has a full one;
    full buckets are pruned when the table grows.
    """

    def __init__(self, rate: float, burst: int, max_keys: int = 10_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._prune_at = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        """Take one token from ``key``'s bucket; False if it is empty."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self._prune_at:
            self._prune(now)
        return allowed

    def _prune(self, now: float) -> None:
        self._buckets = {
            key: (tokens, last)
            for key, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self.rate < self.burst
        }
        self._prune_at = max(self.max_keys, 2 * len(self._buckets))


limiter = RateLimiter(RATE, BURST)


async def _channel(ctx: Ctx, process_id: str, name: str, verb: str) -> ChannelProcess:
    """The channel's process after the checks of §6.3, in the reference's order."""
    process = await ctx.db.channels.process(process_id, name)
    if process is None:
        raise NotFound("Process not found")
    await require_member(ctx, process.colony_name)
    if not process.declared or process.state in FINISHED:
        raise NotFound("Channel not found")
    if ctx.caller_id not in (process.initiator_id, process.assigned_executor_id):
        raise Forbidden(f"Not authorized to {verb} channel")
    return process


@router.handle(ChannelAppendMsg)
async def append(ctx: Ctx, msg: ChannelAppendMsg) -> None:
    await _channel(ctx, msg.process_id, msg.name, "write to")
    if len(msg.payload) > MAX_PAYLOAD:
        raise ColoniesError("message payload exceeds maximum size")
    if not limiter.allow(msg.process_id):
        raise ColoniesError("rate limit exceeded")
    appended = await ctx.db.channels.append(
        msg.process_id,
        msg.name,
        ctx.caller_id,
        msg.sequence,
        msg.in_reply_to,
        msg.payload,
        msg.entry_type or "data",
        MAX_ENTRIES,
    )
    if not appended.opened:
        raise NotFound("Channel not found")
    if appended.index is None:
        raise ColoniesError("channel log is full")


@router.handle(ChannelReadMsg)
async def read(ctx: Ctx, msg: ChannelReadMsg) -> list[MsgEntry]:
    await _channel(ctx, msg.process_id, msg.name, "read from")
    return await ctx.db.channels.read(msg.process_id, msg.name, msg.after_seq, msg.limit)


async def _may_subscribe(ctx: Ctx, msg: SubscribeChannelMsg) -> ChannelProcess:
    """channelreadmsg's rule: an approved member of the process's colony that is its
    initiator or assigned executor, while the channel is open."""
    return await _channel(ctx, msg.process_id, msg.name, "subscribe to")


@router.subscribe(SubscribeChannelMsg, authorise=_may_subscribe)
async def subscribe_channel(
    ctx: Ctx, msg: SubscribeChannelMsg, _process: ChannelProcess, ws: web.WebSocketResponse
) -> None:
    """Existing entries from ``afterseq`` in one frame, then one frame per new entry; a final
    ``[]`` frame after ``timeout`` seconds (0: 30)."""
    loop = asyncio.get_running_loop()
    timeout = msg.timeout if msg.timeout > 0 else DEFAULT_TIMEOUT
    deadline = loop.time() + timeout
    channels = ctx.db.channels
    # Subscribe before the first read so that no append falls between the two.
    with ctx.events.subscribe(f"channel:{msg.process_id}:{msg.name}") as queue:
        start = max(msg.after_seq, 0)
        entries = await channels.read(msg.process_id, msg.name, start, 0)
        if entries:
            await send(ws, msg.payload_type, render(entries))
            start += len(entries)
        while not ws.closed:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(queue.get(), remaining)
            except TimeoutError:
                break
            while not queue.empty():  # one read covers every append announced so far
                queue.get_nowait()
            for entry in await channels.read(msg.process_id, msg.name, start, 0):
                await send(ws, msg.payload_type, render([entry]))
                start += 1
    if not ws.closed:
        await send(ws, msg.payload_type, "[]")
