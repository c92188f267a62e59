"""``colonies cluster info``: the server nodes of the cluster and its leader."""

from __future__ import annotations

import click

from colonies.cli import tables
from colonies.cli.options import Env, client_options, echo_one, json_option, run, server_key_option


@click.group()
def cluster() -> None:
    """Inspect the cluster of colonies servers (server owner key)."""


@cluster.command()
@server_key_option
@client_options
@json_option
def info(env: Env, as_json: bool) -> None:
    """Show the nodes of the cluster and which one leads.

    \b
    Example:
      colonies cluster info
    """
    key = env.server_prvkey
    found = run(env, lambda c: c.cluster(key=key))
    echo_one(found, as_json, tables.cluster_table)
