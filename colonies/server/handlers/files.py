"""Colonies FS metadata and snapshots (FS.md, PROTOCOL §7.12)."""

from __future__ import annotations

from colonies.server.router import RpcRouter

router = RpcRouter()
