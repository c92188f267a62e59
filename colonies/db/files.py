"""File metadata and snapshots of Colonies FS."""

from __future__ import annotations

from colonies.db.base import Store


class FileStore(Store):
    pass
