"""Generators and their queued arguments."""

from __future__ import annotations

from colonies.db.base import Store


class GeneratorStore(Store):
    pass
