"""Colonies FS metadata and snapshot messages (PROTOCOL §7.12)."""

from __future__ import annotations
