"""Enrollment tickets: the colony owner's permission for new executors of one type to
register and be approved with their own keys, so workers never hold the colony key.

A token is ``ct1.<colony>.<ticket id>.<secret>``: the colony name (base64url, so any name
fits) tells a worker where it enrols, the id names the ticket in ``ls`` and ``revoke``, and
only the SHA-256 of the secret is stored. Pure, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from colonies.core._wire import ZERO_TIME, Bool, Int, Time, WireModel

TOKEN_VERSION = "ct1"
_ID = re.compile(r"[0-9a-f]{32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class ExecutorTicket(WireModel):
    """A ticket as the colony owner sees it; ``token`` only in the reply that creates it."""

    OMIT_EMPTY = frozenset({"token"})

    ticket_id: str = ""
    colony_name: str = ""
    executor_type: str = ""
    name_prefix: str = ""
    uses: Int = 0
    used: Int = 0
    expires: Time = ZERO_TIME
    revoked: Bool = False
    created: Time = ZERO_TIME
    token: str = ""

    def state(self, now: datetime) -> str:
        """``revoked``, ``expired``, ``used up`` or ``active`` (the first that applies)."""
        if self.revoked:
            return "revoked"
        if self.expires <= now:
            return "expired"
        if self.used >= self.uses:
            return "used up"
        return "active"


@dataclass(frozen=True)
class TicketToken:
    """The parts of a token; ``str()`` gives the token text."""

    colony_name: str
    ticket_id: str
    secret: str

    @classmethod
    def new(cls, colony_name: str) -> TicketToken:
        return cls(colony_name, secrets.token_hex(16), secrets.token_urlsafe(32))

    @classmethod
    def parse(cls, text: str) -> TicketToken:
        """Raises ValueError saying what is wrong with a text that is not a token."""
        parts = text.strip().split(".")
        if len(parts) != 4 or parts[0] != TOKEN_VERSION:
            raise ValueError(f"expected {TOKEN_VERSION}.<colony>.<id>.<secret>")
        _, colony, ticket_id, secret = parts
        if not _B64URL.fullmatch(colony):
            raise ValueError("the colony part is not base64url text")
        try:
            colony_name = base64.urlsafe_b64decode(colony + "=" * (-len(colony) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ValueError("the colony part is not base64url text") from None
        if not colony_name:
            raise ValueError("the colony part is empty")
        if not _ID.fullmatch(ticket_id):
            raise ValueError("the id part is not 32 hex characters")
        if not _SECRET.fullmatch(secret):
            raise ValueError("the secret part is not 43 base64url characters")
        return cls(colony_name, ticket_id, secret)

    @property
    def secret_hash(self) -> str:
        return secret_hash(self.secret)

    def __str__(self) -> str:
        colony = base64.urlsafe_b64encode(self.colony_name.encode()).decode().rstrip("=")
        return f"{TOKEN_VERSION}.{colony}.{self.ticket_id}.{self.secret}"


def secret_hash(secret: str) -> str:
    """What the server stores and compares instead of the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
