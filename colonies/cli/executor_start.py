"""``colonies executor start``: the built-in shell executor."""

from __future__ import annotations

import click


@click.command()
def start() -> None:
    """Run a shell executor that serves processes of one executor type."""
    raise click.ClickException("the shell executor is not available yet")
