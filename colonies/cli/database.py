"""``colonies database``: the state of the server's database."""

from __future__ import annotations

import click

from colonies.cli import tables
from colonies.cli.options import (
    Env,
    client_options,
    echo_json,
    json_option,
    run,
    server_key_option,
)


@click.group(invoke_without_command=True)
@click.pass_context
def database(ctx: click.Context) -> None:
    """Show the state of the server's database: reachable, schema version, size.

    On this server `colonies database` (or `colonies database status`) asks the server for
    its database's status, the schema migration applied and the newest one it knows, the
    PostgreSQL version and the database size (server owner key). The reference's
    `database create` and `drop` are not offered: the server creates or upgrades its schema
    at every start, and `colonies dev` makes its own database.

    \b
    Example:
      colonies database
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(status)


@database.command()
@server_key_option
@client_options
@json_option
def status(env: Env, as_json: bool) -> None:
    """Show the database's status, schema version, PostgreSQL version and size.

    \b
    Example:
      colonies database status
    """

    key = env.server_prvkey
    found = run(env, lambda c: c.database_status(key=key))
    if as_json:
        echo_json(found)
    else:
        click.echo(tables.database_table(found, env.address))
