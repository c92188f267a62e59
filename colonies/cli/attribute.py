"""``colonies attribute``: key-value outputs attached to processes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from colonies.cli import tables
from colonies.cli.options import Env, client_options, echo_json, echo_one, json_option, run
from colonies.core import Attribute

if TYPE_CHECKING:
    from colonies.client import ColoniesClient


@click.group()
def attribute() -> None:
    """Attach key-value attributes to processes and read them."""


@attribute.command()
@click.option("--key", "name", required=True, help="Attribute key.")
@click.option("--value", required=True, help="Attribute value.")
@click.option("-p", "--processid", required=True, help="Process id (assigned to you).")
@client_options
@json_option
def add(env: Env, name: str, value: str, processid: str, as_json: bool) -> None:
    """Add an output attribute to a running process assigned to you.

    \b
    Example:
      colonies attribute add --key result --value 42 -p 65bc0047...
    """
    key = env.prvkey

    async def action(c: ColoniesClient) -> Attribute:
        await c.get_process(processid, key=key)
        return await c.add_attribute(processid, name, value, key=key)

    added = run(env, action)
    if as_json:
        echo_json(added)
    else:
        click.echo(f"Attribute {added.key} added: {added.attribute_id}")


@attribute.command()
@click.option("--attributeid", required=True, help="Attribute id.")
@client_options
@json_option
def get(env: Env, attributeid: str, as_json: bool) -> None:
    """Show an attribute.

    \b
    Example:
      colonies attribute get --attributeid 0c3f...
    """
    key = env.prvkey
    found = run(env, lambda c: c.get_attribute(attributeid, key=key))
    echo_one(found, as_json, tables.attribute_table)
