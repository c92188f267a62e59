"""``colonies location``: named places executors can be in."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from colonies.cli import tables
from colonies.cli.options import (
    Env,
    client_options,
    colony_key_option,
    echo_json,
    echo_list,
    echo_one,
    json_option,
    run,
)
from colonies.core import Location

if TYPE_CHECKING:
    from colonies.client import ColoniesClient


@click.group()
def location() -> None:
    """Manage locations (adding and removing needs the colony owner key)."""


@location.command()
@click.option("--name", required=True, help="Location name.")
@click.option("--desc", default="", help="Description.")
@click.option("--long", "longitude", type=float, default=0.0, help="Longitude.")
@click.option("--lat", "latitude", type=float, default=0.0, help="Latitude.")
@colony_key_option
@client_options
@json_option
def add(env: Env, name: str, desc: str, longitude: float, latitude: float, as_json: bool) -> None:
    """Add a location to the colony.

    \b
    Example:
      colonies location add --name lab --desc "Lab rack 3" --long 18.07 --lat 59.33
    """
    new = Location(
        name=name, colony_name=env.colony, description=desc, long=longitude, lat=latitude
    )
    key = env.colony_prvkey
    added = run(env, lambda c: c.add_location(new, key=key))
    if as_json:
        echo_json(added)
    else:
        click.echo(f"Location {added.name} added to colony {added.colony_name}")


@location.command(name="ls")
@client_options
@json_option
def list_locations(env: Env, as_json: bool) -> None:
    """List the locations of the colony.

    \b
    Example:
      colonies location ls
    """
    colony_name, key = env.colony, env.prvkey
    found = run(env, lambda c: c.get_locations(colony=colony_name, key=key))
    echo_list(found, as_json, tables.locations_table, "locations")


async def get_location(c: ColoniesClient, colony: str, name: str, key: str) -> Location:
    return await c.get_location(name, colony=colony, key=key)


@location.command()
@click.option("--name", required=True, help="Location name.")
@client_options
@json_option
def get(env: Env, name: str, as_json: bool) -> None:
    """Show a location.

    \b
    Example:
      colonies location get --name lab
    """
    colony_name, key = env.colony, env.prvkey
    found = run(env, lambda c: get_location(c, colony_name, name, key))
    echo_one(found, as_json, tables.location_table)


@location.command()
@click.option("--name", required=True, help="Location name.")
@colony_key_option
@client_options
def remove(env: Env, name: str) -> None:
    """Remove a location from the colony.

    \b
    Example:
      colonies location remove --name lab
    """
    colony_name, key = env.colony, env.colony_prvkey
    run(env, lambda c: c.remove_location(name, colony=colony_name, key=key))
    click.echo(f"Location {name} removed from colony {colony_name}")
