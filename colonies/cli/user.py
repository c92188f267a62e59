"""``colonies user``: members of a colony."""

from __future__ import annotations

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
from colonies.core import User


@click.group()
def user() -> None:
    """Manage the users (members) of the colony (also `colonies users`)."""


@user.command()
@click.option("--name", required=True, help="User name.")
@click.option("--userid", required=True, help="User id (the id of the user's key).")
@click.option("--email", default="", help="Email address.")
@click.option("--phone", default="", help="Phone number.")
@colony_key_option
@client_options
@json_option
def add(env: Env, name: str, userid: str, email: str, phone: str, as_json: bool) -> None:
    """Add a user to the colony (colony owner key).

    \b
    Example:
      colonies user add --name johan --userid $(colonies key id --prvkey $KEY) --email a@b.c
    """
    new = User(colony_name=env.colony, user_id=userid, name=name, email=email, phone=phone)
    key = env.colony_prvkey
    added = run(env, lambda c: c.add_user(new, key=key))
    if as_json:
        echo_json(added)
    else:
        click.echo(f"User {added.name} added to colony {added.colony_name}")


@user.command(name="ls")
@client_options
@json_option
def list_users(env: Env, as_json: bool) -> None:
    """List the users of the colony.

    \b
    Example:
      colonies user ls
    """
    colony_name, key = env.colony, env.prvkey
    users = run(env, lambda c: c.get_users(colony=colony_name, key=key))
    echo_list(users, as_json, tables.users_table, "users")


@user.command()
@click.option("--name", required=True, help="User name.")
@client_options
@json_option
def get(env: Env, name: str, as_json: bool) -> None:
    """Show a user.

    \b
    Example:
      colonies user get --name johan
    """
    colony_name, key = env.colony, env.prvkey
    found = run(env, lambda c: c.get_user(name, colony=colony_name, key=key))
    echo_one(found, as_json, tables.user_table)


@user.command()
@click.option("--name", required=True, help="User name.")
@colony_key_option
@client_options
def remove(env: Env, name: str) -> None:
    """Remove a user from the colony (colony owner key).

    \b
    Example:
      colonies user remove --name johan
    """
    colony_name, key = env.colony, env.colony_prvkey
    run(env, lambda c: c.remove_user(name, colony=colony_name, key=key))
    click.echo(f"User {name} removed from colony {colony_name}")


@user.command()
@click.option("--userid", required=True, help="The new user id (id of your new key).")
@client_options
def chid(env: Env, userid: str) -> None:
    """Change your user id, i.e. move your membership to another key.

    \b
    Example:
      colonies user chid --userid 3fc05cf3...41ac
    """
    colony_name, key = env.colony, env.prvkey
    run(env, lambda c: c.change_user_id(userid, colony=colony_name, key=key))
    click.echo(f"User id changed to {userid}")
