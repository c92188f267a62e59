"""Caller: who sent a request, as the services see it (the handlers' auth checks make it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from colonies.core import Capabilities


@dataclass(frozen=True)
class Caller:
    """Who the caller is in a colony: an executor, a user, or both."""

    id: str
    colony_name: str
    paused: bool = False
    executor_name: str = ""
    executor_type: str = ""
    executor_location: str = ""
    executor_capabilities: Capabilities = field(default_factory=Capabilities)
    user_name: str = ""

    @property
    def is_executor(self) -> bool:
        return bool(self.executor_name)

    @property
    def name(self) -> str:
        """The initiator name of what this caller submits."""
        return self.executor_name or self.user_name
