"""``colonies fs``: Colonies FS (file metadata on the server, bytes in S3)."""

from __future__ import annotations

import click


@click.group()
def fs() -> None:
    """Sync directories with Colonies FS labels, manage files and snapshots."""
