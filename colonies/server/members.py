"""MemberCache: the membership answers the auth checks keep per server."""

from __future__ import annotations

from typing import Any


class MemberCache:
    """Positive answers of ``caller_in_colony``, dropped whenever membership may change.

    Only members are cached, so an approval takes effect at once. Handlers that change
    membership clear it before replying; a trigger on colonies, users and executors makes
    every other server sharing the database clear theirs (LISTEN ``colonies_membership``).
    """

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], Any] = {}

    def get(self, caller_id: str, colony_name: str) -> Any:
        return self._rows.get((caller_id, colony_name))

    def put(self, caller_id: str, colony_name: str, row: Any) -> None:
        if len(self._rows) >= self.MAX_ENTRIES:
            self._rows.clear()
        self._rows[(caller_id, colony_name)] = row

    def clear(self, *_: object) -> None:
        self._rows.clear()
