"""Replay protection: a signed request is served once, and only near the time it was signed.

Our client puts a random ``nonce`` and its signing time ``signedat`` inside every signed
payload (``rpc/envelope.stamped``). ``COLONIES_REPLAY_PROTECTION`` says what the server does:

- ``off``: nothing is checked (the reference's behaviour).
- ``warn`` (default): replayed, stale and future requests are counted and summarised in the
  log (at most one line a minute) and then served; requests without the fields (the Go CLI,
  pycolonies) are only counted.
- ``require``: those requests, and requests without the fields, are refused with a 403
  before their handler runs.

A nonce is kept until ``signedat`` + window, after which its request is stale anyway. The
nonces live in PostgreSQL (``replay_nonces``, unique per signer, nonce and signing time),
so a request replayed to another server on the same database is refused there too. To keep
this cheap, the nonces of concurrent requests go to the database in one INSERT (group
commit: one statement in flight per server; the next carries every nonce that arrived
meanwhile), and a bounded in-memory set refuses a replay to the same server without a round
trip. In ``warn`` requests do not wait: their nonces are written every 0.1 s, many to an
INSERT, and a replay another server saw first is counted when that INSERT returns.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import json
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from colonies.config import Settings
from colonies.db import Database
from colonies.errors import Forbidden
from colonies.rpc import Msg
from colonies.rpc.envelope import NONCE, SIGNED_AT
from colonies.server.group_commit import GroupCommit
from colonies.server.metrics import Metrics

log = logging.getLogger(__name__)

NS = 1_000_000_000
NONCE_LENGTHS = range(16, 129)
"""A nonce is 16 to 128 characters (ours: 32 hex digits)."""
LOCAL_NONCES = 65_536
"""How many recent nonces a server also keeps in memory (the database has them all)."""
LOG_EVERY_S = 60.0
PRUNE_PERIOD_S = 30.0
WARN_LINGER_S = 0.1
"""Warn mode writes its nonces at most this often (requests do not wait for them)."""
PRUNE_LOCK = 0x7265706C6179  # "replay": one server prunes per pass


class Verdict(enum.StrEnum):
    FRESH = "fresh"
    MISSING = "missing"
    STALE = "stale"
    FUTURE = "future"
    REPLAYED = "replayed"


@dataclass(frozen=True)
class Stamp:
    nonce: str
    signed_at_ns: int


def read_stamp(payload: str | Mapping[str, Any]) -> Stamp | None:
    """The payload's nonce and signing time (from its JSON text, or the object already
    decoded from it); None if either is absent or malformed."""
    try:
        data = json.loads(payload) if isinstance(payload, str) else payload
    except ValueError:
        return None
    if not isinstance(data, Mapping):
        return None
    nonce, signed_at = data.get(NONCE), data.get(SIGNED_AT)
    if not isinstance(nonce, str) or len(nonce) not in NONCE_LENGTHS:
        return None
    if type(signed_at) is not int:
        return None
    return Stamp(nonce, signed_at)


def freshness(stamp: Stamp | None, now_ns: int, window_s: float, skew_s: float) -> Verdict:
    """Whether a request with this stamp may be served at ``now_ns`` (its nonce aside)."""
    if stamp is None:
        return Verdict.MISSING
    if stamp.signed_at_ns > now_ns + int(skew_s * NS):
        return Verdict.FUTURE
    if stamp.signed_at_ns < now_ns - int(window_s * NS):
        return Verdict.STALE
    return Verdict.FRESH


def refusal(verdict: Verdict, stamp: Stamp | None, now_ns: int, settings: Settings) -> Forbidden:
    """The 403 that require mode answers for a verdict other than FRESH."""
    prefix = "Request refused by replay protection: "
    if verdict is Verdict.MISSING or stamp is None:
        return Forbidden(
            prefix + f"the payload lacks {NONCE} (16-128 characters) and {SIGNED_AT} (Unix "
            "nanoseconds); this server requires them (COLONIES_REPLAY_PROTECTION=require)"
        )
    if verdict is Verdict.STALE:
        age = (now_ns - stamp.signed_at_ns) / NS
        return Forbidden(
            prefix + f"signed {age:.0f} s ago, older than the {settings.replay_window_s:g} s "
            "window (is the client's clock right?)"
        )
    if verdict is Verdict.FUTURE:
        ahead = (stamp.signed_at_ns - now_ns) / NS
        return Forbidden(
            prefix + f"signed {ahead:.0f} s in the future, more than the "
            f"{settings.replay_skew_s:g} s allowed (is the client's clock right?)"
        )
    return Forbidden(prefix + "its nonce was used before (a replayed request)")


def nonce_key(caller_id: str, nonce: str) -> bytes:
    """The stored key: a digest of signer and nonce (one signer cannot burn another's)."""
    return hashlib.blake2b(f"{caller_id}:{nonce}".encode(), digest_size=16).digest()


class RecentNonces:
    """The nonces this server recorded lately, oldest first, at most ``size``."""

    def __init__(self, size: int = LOCAL_NONCES) -> None:
        self.size = size
        self._expiry: OrderedDict[bytes, int] = OrderedDict()

    def add(self, key: bytes, expires_ns: int, now_ns: int) -> bool:
        """Remember the key; False if it is here already (a replay)."""
        seen = self._expiry.get(key)
        if seen is not None:
            if seen >= now_ns:
                return False
            del self._expiry[key]  # expired: goes to the end again
        self._expiry[key] = expires_ns
        while self._expiry:
            oldest, expires = next(iter(self._expiry.items()))
            if len(self._expiry) <= self.size and expires >= now_ns:
                break
            del self._expiry[oldest]
        return True

    def discard(self, key: bytes) -> None:
        self._expiry.pop(key, None)

    def __len__(self) -> int:
        return len(self._expiry)


async def write_nonces(db: Database, items: list[tuple[int, bytes]]) -> list[bool]:
    """Record the (signing time, key) items in one INSERT: whether each key was new (a key
    twice in one statement is new only the first time)."""
    new = await db.nonces.record([signed_at for signed_at, _ in items], [k for _, k in items])
    firsts = []
    for _, key in items:
        firsts.append(key in new)
        new.discard(key)
    return firsts


class NonceBatcher(GroupCommit[tuple[int, bytes], bool]):
    """The nonces of concurrent requests in one INSERT (``group_commit``)."""

    def __init__(self, db: Database, linger_s: float = 0.0) -> None:
        super().__init__(db, write_nonces, linger_s=linger_s)

    async def first_use(self, signed_at_ns: int, key: bytes) -> bool:
        """True when the key was new to the database, False if it was there."""
        return await self.run((signed_at_ns, key))

    def record(self, signed_at_ns: int, key: bytes) -> asyncio.Future[bool]:
        """Queue the key (warn mode does not wait); a future for what ``first_use`` says."""
        return self.queue((signed_at_ns, key))


class ReplayGuard:
    """One per server: decides on each signed request per the mode, counts and logs."""

    def __init__(self, settings: Settings, metrics: Metrics, local_size: int = LOCAL_NONCES):
        self.settings = settings
        self.mode = settings.replay_protection
        self.require = self.mode == "require"
        self.metrics = metrics
        self.recent = RecentNonces(local_size)
        self.batcher: NonceBatcher | None = None
        self._counts: Counter[str] = Counter()
        self._last = ""
        self._logged_at = -LOG_EVERY_S

    def start(self, db: Database) -> None:
        self.batcher = NonceBatcher(db, linger_s=0.0 if self.require else WARN_LINGER_S)

    async def stop(self) -> None:
        if self.batcher is not None:
            await self.batcher.close()
        self.flush_log(force=True)

    async def check(
        self,
        msg_class: type[Msg],
        caller_id: str,
        payload: str | Mapping[str, Any],
        now_ns: int | None = None,
    ) -> None:
        """Before a signed request's handler: in require mode raise the 403 for a request
        without the fields, stale, from the future or replayed; in warn mode count it."""
        if self.mode == "off" or not msg_class.signed:
            return
        now_ns = time.time_ns() if now_ns is None else now_ns
        stamp = read_stamp(payload)
        s = self.settings
        verdict = freshness(stamp, now_ns, s.replay_window_s, s.replay_skew_s)
        if stamp is not None and verdict is Verdict.FRESH:
            verdict = await self._first_use(caller_id, stamp, now_ns, msg_class.payload_type)
        if verdict is not Verdict.FRESH:
            self._detected(verdict, caller_id, msg_class.payload_type)
            if self.require:
                raise refusal(verdict, stamp, now_ns, s)

    async def _first_use(
        self, caller_id: str, stamp: Stamp, now_ns: int, payload_type: str
    ) -> Verdict:
        key = nonce_key(caller_id, stamp.nonce)
        expires_ns = stamp.signed_at_ns + int(self.settings.replay_window_s * NS)
        if not self.recent.add(key, expires_ns, now_ns):
            return Verdict.REPLAYED
        assert self.batcher is not None, "ReplayGuard.start was not called"
        if not self.require:
            future = self.batcher.record(stamp.signed_at_ns, key)

            def recorded(done: asyncio.Future[bool]) -> None:
                if done.cancelled():
                    return
                if done.exception() is not None:
                    self.recent.discard(key)
                elif not done.result():
                    self._detected(Verdict.REPLAYED, caller_id, payload_type)

            future.add_done_callback(recorded)
            return Verdict.FRESH
        try:
            first = await self.batcher.first_use(stamp.signed_at_ns, key)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.recent.discard(key)  # not recorded: the same request may come again
            raise
        return Verdict.FRESH if first else Verdict.REPLAYED

    def _detected(self, verdict: Verdict, caller_id: str, payload_type: str) -> None:
        action = "refused" if self.require else "accepted"
        self.metrics.replays.labels(verdict.value, action).inc()
        if verdict is Verdict.MISSING and not self.require:
            return  # every Go CLI and pycolonies request: the metric says how many
        self._counts[f"{verdict.value} {action}"] += 1
        self._last = f"{verdict.value} {payload_type} signed by {caller_id}"
        self.flush_log()

    def flush_log(self, force: bool = False) -> None:
        """The summary line of what was detected, at most once every LOG_EVERY_S."""
        now = time.monotonic()
        if not self._counts or (not force and now - self._logged_at < LOG_EVERY_S):
            return
        counts = ", ".join(f"{n} {what}" for what, n in sorted(self._counts.items()))
        log.warning("replay protection (%s): %s; last: %s", self.mode, counts, self._last)
        self._counts.clear()
        self._logged_at = now


async def run_once(guard: ReplayGuard, db: Database, now: datetime) -> int:
    """Forget the nonces of requests signed before the window (one server per pass) and log
    what was detected meanwhile; returns how many nonces were deleted."""
    guard.flush_log()
    async with db.transaction() as tx:
        if not await tx.server.try_lock(PRUNE_LOCK):
            return 0
        return await tx.nonces.prune(now - timedelta(seconds=guard.settings.replay_window_s))
