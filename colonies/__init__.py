"""colonies: ColonyOS in Python (server, CLI, executor SDK, FS)."""

from __future__ import annotations

__version__ = "0.1.0"
