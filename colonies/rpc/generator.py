"""Generator messages (PROTOCOL §7.11)."""

from __future__ import annotations
