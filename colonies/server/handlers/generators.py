"""Generators (SEMANTICS §11)."""

from __future__ import annotations

from colonies.server.router import RpcRouter

router = RpcRouter()
