"""``colonies colony``: add, remove, list, check, stats and change the id of colonies."""

from __future__ import annotations

import click

from colonies.cli import tables
from colonies.cli.options import (
    Env,
    client_options,
    colony_key_option,
    echo_json,
    echo_list,
    json_option,
    run,
    server_key_option,
)
from colonies.core import Colony


@click.group()
def colony() -> None:
    """Manage colonies (adding and removing needs the server owner key)."""


@colony.command()
@click.option("--name", required=True, help="Colony name.")
@click.option("--colonyid", required=True, help="Colony id (the id of the colony owner key).")
@server_key_option
@client_options
@json_option
def add(env: Env, name: str, colonyid: str, as_json: bool) -> None:
    """Add a colony owned by the key whose id is COLONYID.

    \b
    Example:
      colonies colony add --name dev --colonyid $COLONIES_COLONY_ID
    """
    key = env.server_prvkey
    added = run(env, lambda c: c.add_colony(Colony(name=name, colony_id=colonyid), key=key))
    if as_json:
        echo_json(added)
    else:
        click.echo(f"Colony {added.name} added with id {added.colony_id}")


@colony.command()
@click.option("--name", required=True, help="Colony name.")
@server_key_option
@client_options
def remove(env: Env, name: str) -> None:
    """Remove a colony and everything in it.

    \b
    Example:
      colonies colony remove --name dev
    """
    key = env.server_prvkey
    run(env, lambda c: c.remove_colony(colony=name, key=key))
    click.echo(f"Colony {name} removed")


@colony.command(name="ls")
@server_key_option
@client_options
@json_option
def list_colonies(env: Env, as_json: bool) -> None:
    """List all colonies on the server.

    \b
    Example:
      colonies colony ls
    """
    key = env.server_prvkey
    colonies = run(env, lambda c: c.get_colonies(key=key))
    echo_list(colonies, as_json, tables.colonies_table, "colonies")


@colony.command()
@click.option("--name", help="Colony name [env COLONIES_COLONY_NAME].")
@client_options
@json_option
def check(env: Env, name: str | None, as_json: bool) -> None:
    """Check that a colony exists and that your key is a member.

    \b
    Example:
      colonies colony check --name dev
    """
    colony_name, key = name or env.colony, env.prvkey
    found = run(env, lambda c: c.get_colony(colony=colony_name, key=key))
    if as_json:
        echo_json(found)
    else:
        click.echo(f"Colony {found.name} exists (id {found.colony_id})")


@colony.command()
@click.option("--name", help="Colony name [env COLONIES_COLONY_NAME].")
@client_options
@json_option
def stats(env: Env, name: str | None, as_json: bool) -> None:
    """Show process, workflow and executor counts of the colony.

    \b
    Example:
      colonies colony stats --name dev
    """
    colony_name, key = name or env.colony, env.prvkey
    statistics = run(env, lambda c: c.colony_statistics(colony=colony_name, key=key))
    if as_json:
        echo_json(statistics)
    else:
        click.echo(tables.statistics_table(statistics, f"Colony {colony_name}:", server=False))


@colony.command()
@click.option("--colonyid", required=True, help="The new colony id (id of the new owner key).")
@colony_key_option
@client_options
def chid(env: Env, colonyid: str) -> None:
    """Change the colony id, i.e. hand the colony to another owner key.

    \b
    Example:
      colonies colony chid --colonyid 4787a507...0cf4
    """
    colony_name, key = env.colony, env.colony_prvkey
    run(env, lambda c: c.change_colony_id(colonyid, colony=colony_name, key=key))
    click.echo(f"Colony {colony_name} now has id {colonyid}")
