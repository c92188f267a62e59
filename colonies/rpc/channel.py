"""Channel messages (PROTOCOL §7.14)."""

from __future__ import annotations
