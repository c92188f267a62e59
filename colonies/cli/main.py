"""The ``colonies`` click group; each command group lives in its own module."""

from __future__ import annotations

import logging

import click

from colonies import __version__
from colonies.cli.attribute import attribute
from colonies.cli.audit import audit
from colonies.cli.blueprint import blueprint
from colonies.cli.cluster import cluster
from colonies.cli.colony import colony
from colonies.cli.completion import completion
from colonies.cli.config_cmd import config, version
from colonies.cli.cron import cron
from colonies.cli.dev import dev
from colonies.cli.executor import executor
from colonies.cli.fs import fs
from colonies.cli.function import function
from colonies.cli.generator import generator
from colonies.cli.keys import key, security
from colonies.cli.location import location
from colonies.cli.log import log
from colonies.cli.monitor import monitor
from colonies.cli.process import process
from colonies.cli.server import server
from colonies.cli.user import user
from colonies.cli.workflow import workflow
from colonies.config import CliSettings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="colonies")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging and error detail.")
@click.option("--insecure", is_flag=True, help="Use http/ws even if COLONIES_TLS says TLS.")
@click.option("--skip-tls-verify", is_flag=True, help="Do not verify the server certificate.")
@click.option("--json", "as_json", is_flag=True, help="Print wire JSON wherever supported.")
@click.pass_context
def cli(
    ctx: click.Context, verbose: bool, insecure: bool, skip_tls_verify: bool, as_json: bool
) -> None:
    """ColonyOS in Python: run work across heterogeneous compute.

    Start a development server with `colonies dev`, then use the printed environment.

    \b
    Example:
      colonies dev &
      source .colonies-dev/env
      colonies function exec --func echo --args hello --targettype cli
    """
    verbose = verbose or CliSettings.from_env().verbose
    ctx.obj = {
        "verbose": verbose,
        "insecure": insecure,
        "skip_tls_verify": skip_tls_verify,
        "json": as_json,
    }
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("asyncio").setLevel(logging.WARNING)


for command in (
    server,
    dev,
    key,
    security,
    fs,
    colony,
    user,
    executor,
    function,
    process,
    workflow,
    cron,
    generator,
    log,
    attribute,
    location,
    blueprint,
    audit,
    cluster,
    monitor,
    config,
    version,
    completion,
):
    cli.add_command(command)


def main() -> None:
    cli()
