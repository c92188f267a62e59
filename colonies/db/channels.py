"""Channel entries of processes, kept in PostgreSQL."""

from __future__ import annotations

from colonies.db.base import Store


class ChannelStore(Store):
    pass
