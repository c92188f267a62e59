"""Process channels (SEMANTICS §15)."""

from __future__ import annotations

from colonies.server.router import RpcRouter

router = RpcRouter()
