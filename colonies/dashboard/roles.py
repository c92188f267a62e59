"""The keys the dashboard signs with, and what each lets it show and do."""

from __future__ import annotations

from dataclasses import dataclass

from colonies.config import ClientSettings
from colonies.crypto import id_from_private_key


@dataclass(frozen=True)
class Keys:
    """Private keys from the environment; any may be empty. They stay in this process."""

    user: str = ""
    """COLONIES_PRVKEY: a member of the colony (a user, or an executor)."""
    colony: str = ""
    """COLONIES_COLONY_PRVKEY: the colony owner (approves executors, sees the colony)."""
    server: str = ""
    """COLONIES_SERVER_PRVKEY: the server owner (lists colonies, server statistics)."""

    @classmethod
    def from_settings(cls, s: ClientSettings) -> Keys:
        return cls(user=s.prvkey, colony=s.colony_prvkey, server=s.server_prvkey)

    @property
    def reader(self) -> str:
        """The key for colony reads: a member's, else the colony owner's."""
        return self.user or self.colony

    @property
    def roles(self) -> list[str]:
        return [
            role
            for role, key in (
                ("member", self.user),
                ("colony owner", self.colony),
                ("server owner", self.server),
            )
            if key
        ]

    @property
    def can_approve(self) -> bool:
        return bool(self.colony)

    @property
    def can_submit(self) -> bool:
        return bool(self.user)

    def who(self) -> str:
        """A short description for the page header, e.g. ``member 3f2a…``."""
        key = self.user or self.colony or self.server
        if not key:
            return "no key"
        return f"{' + '.join(self.roles)} {id_from_private_key(key)[:8]}…"
