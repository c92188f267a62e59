"""The ``colonies`` click group; each command group lives in its own module."""

from __future__ import annotations

import logging

import click

from colonies import __version__
from colonies.cli.dev import dev
from colonies.cli.fs import fs
from colonies.cli.keys import key
from colonies.cli.server import server


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="colonies")
@click.option("-v", "--verbose", is_flag=True, help="Log debug output.")
def cli(verbose: bool) -> None:
    """ColonyOS in Python: run work across heterogeneous compute.

    Start a development server with `colonies dev`, then use the printed environment.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


cli.add_command(server)
cli.add_command(dev)
cli.add_command(key)
cli.add_command(fs)


def main() -> None:
    cli()
